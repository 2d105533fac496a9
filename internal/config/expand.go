package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// expVal is a value available to %-expansion: Supervisor passes strings,
// except process_num and numprocs which are ints (so %(process_num)02d works).
type expVal struct {
	s     string
	n     int
	isInt bool
}

func strVal(s string) expVal { return expVal{s: s} }
func intVal(n int) expVal    { return expVal{n: n, isInt: true} }

// expansions is the name -> value mapping given to Python's % operator.
type expansions map[string]expVal

// update copies every entry of o into e (Python dict.update).
func (e expansions) update(o expansions) {
	for k, v := range o {
		e[k] = v
	}
}

// scope is a stack of mappings seen as one, later ones overriding earlier
// ones: Supervisor merges dicts for each lookup, and copying them for every
// option dominated the load time of big files.
type scope []expansions

func (sc scope) lookup(k string) (expVal, bool) {
	for i := len(sc) - 1; i >= 0; i-- {
		if v, ok := sc[i][k]; ok {
			return v, true
		}
	}
	return expVal{}, false
}

func (sc scope) names() []string {
	seen := map[string]bool{}
	var names []string
	for _, m := range sc {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				names = append(names, k)
			}
		}
	}
	sort.Strings(names)
	return names
}

// expand formats s with vars the way Supervisor's expand() does, returning
// its two error wordings: unknown names, and any other formatting problem.
// name is the option name Supervisor quotes in the message.
func expand(s string, vars expansions, name string) (string, error) {
	return expandScope(s, scope{vars}, name)
}

func expandScope(s string, vars scope, name string) (string, error) {
	out, err := pyFormat(s, vars)
	if err == nil {
		return out, nil
	}
	if ke, ok := err.(keyError); ok {
		names := vars.names()
		return "", valueErrorf("Format string %s for %s contains names (%s) which cannot be expanded. Available names: %s",
			pyfmt.Repr(s), pyfmt.Repr(name), pyfmt.Repr(string(ke)), strings.Join(names, ", "))
	}
	return "", valueErrorf("Format string %s for %s is badly formatted: %s", pyfmt.Repr(s), pyfmt.Repr(name), err.Error())
}

// keyError is a %(name) that is not in the mapping.
type keyError string

func (k keyError) Error() string { return pyfmt.Repr(string(k)) }

// formatError carries the text Python's formatter raises.
type formatError string

func (f formatError) Error() string { return string(f) }

// pyFormat implements Python's str % mapping (PyUnicode_Format) for the
// conversions a configuration can meaningfully use. It scans left to right
// and fails on the first problem, in Python's order: key lookup, then flags
// and width, then the conversion character, then the value's type.
func pyFormat(s string, vars scope) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	rs := []rune(s)
	var b strings.Builder
	n := len(rs)
	consumed := false // a directive already took the argument
	for i := 0; i < n; i++ {
		if rs[i] != '%' {
			b.WriteRune(rs[i])
			continue
		}
		i++
		if i >= n {
			return "", formatError("incomplete format")
		}
		if rs[i] == '%' {
			b.WriteByte('%')
			continue
		}
		var (
			val    expVal
			hasKey bool
		)
		if rs[i] == '(' {
			depth := 1
			i++
			start := i
			for i < n && depth > 0 {
				switch rs[i] {
				case ')':
					depth--
				case '(':
					depth++
				}
				i++
			}
			if depth > 0 {
				return "", formatError("incomplete format key")
			}
			key := string(rs[start : i-1])
			v, ok := vars.lookup(key)
			if !ok {
				return "", keyError(key)
			}
			val, hasKey = v, true
		}
		var flags strings.Builder
		for i < n && strings.ContainsRune("-+ #0", rs[i]) {
			flags.WriteRune(rs[i])
			i++
		}
		width, prec := "", ""
		if i < n && rs[i] == '*' {
			return "", formatError("* wants int")
		}
		for i < n && rs[i] >= '0' && rs[i] <= '9' {
			width += string(rs[i])
			i++
		}
		if i < n && rs[i] == '.' {
			i++
			if i < n && rs[i] == '*' {
				return "", formatError("* wants int")
			}
			prec = "."
			for i < n && rs[i] >= '0' && rs[i] <= '9' {
				prec += string(rs[i])
				i++
			}
		}
		for i < n && (rs[i] == 'h' || rs[i] == 'l' || rs[i] == 'L') {
			i++
		}
		if i >= n {
			return "", formatError("incomplete format")
		}
		conv := rs[i]
		if !hasKey {
			// Python hands the whole mapping to the first unnamed
			// directive, and has nothing left for any directive after it.
			if consumed {
				return "", formatError("not enough arguments for format string")
			}
		}
		consumed = true
		if !strings.ContainsRune("sradiuoxXeEfFgGc", conv) {
			return "", formatError(fmt.Sprintf("unsupported format character %s (0x%x) at index %d", pyfmt.Repr(string(conv)), conv, i))
		}
		if !hasKey {
			switch conv {
			case 'd', 'i', 'u':
				return "", formatError(fmt.Sprintf("%%%c format: a real number is required, not dict", conv))
			case 'o', 'x', 'X':
				return "", formatError(fmt.Sprintf("%%%c format: an integer is required, not dict", conv))
			case 'c':
				return "", formatError("%c requires int or char")
			case 's', 'r', 'a':
				// Python would print the repr of the whole mapping, which
				// no configuration can mean; refused (documented deviation).
				return "", formatError("unnamed %" + string(conv) + " conversion is not supported")
			default:
				return "", formatError("must be real number, not dict")
			}
		}
		out, err := formatOne(val, flags.String(), width, prec, conv)
		if err != nil {
			return "", err
		}
		b.WriteString(out)
	}
	return b.String(), nil
}

// formatOne converts one value for one % directive.
func formatOne(v expVal, flags, width, prec string, conv rune) (string, error) {
	left := strings.Contains(flags, "-")
	pad := func(s string) string {
		w, _ := strconv.Atoi(width)
		l := utf8.RuneCountInString(s)
		if l >= w {
			return s
		}
		if left {
			return s + strings.Repeat(" ", w-l)
		}
		return strings.Repeat(" ", w-l) + s
	}
	switch conv {
	case 's', 'r', 'a':
		var s string
		switch {
		case v.isInt:
			s = strconv.Itoa(v.n)
		case conv == 's':
			s = v.s
		case conv == 'r':
			s = pyfmt.Repr(v.s)
		default:
			s = pyASCII(v.s)
		}
		if prec != "" {
			p, _ := strconv.Atoi(prec[1:])
			if r := []rune(s); len(r) > p {
				s = string(r[:p])
			}
		}
		return pad(s), nil
	case 'c':
		var s string
		if v.isInt {
			if v.n < 0 || v.n > 0x10ffff {
				return "", formatError("%c arg not in range(0x110000)")
			}
			s = string(rune(v.n))
		} else {
			if utf8.RuneCountInString(v.s) != 1 {
				return "", formatError("%c requires int or char")
			}
			s = v.s
		}
		return pad(s), nil
	}
	if !v.isInt {
		switch conv {
		case 'd', 'i', 'u':
			return "", formatError(fmt.Sprintf("%%%c format: a real number is required, not str", conv))
		case 'o', 'x', 'X':
			return "", formatError(fmt.Sprintf("%%%c format: an integer is required, not str", conv))
		default:
			return "", formatError("must be real number, not str")
		}
	}
	goFlags := strings.ReplaceAll(flags, "#", "")
	if left {
		goFlags = strings.ReplaceAll(goFlags, "0", "")
	}
	switch conv {
	case 'd', 'i', 'u':
		return formatInt(v.n, goFlags, width, prec, 10, "", false), nil
	case 'o':
		return formatInt(v.n, goFlags, width, prec, 8, "0o", strings.Contains(flags, "#")), nil
	case 'x':
		return formatInt(v.n, goFlags, width, prec, 16, "0x", strings.Contains(flags, "#")), nil
	case 'X':
		return strings.ToUpper(formatInt(v.n, goFlags, width, prec, 16, "0x", strings.Contains(flags, "#"))), nil
	default:
		if prec == "" {
			prec = ".6"
		}
		if strings.Contains(flags, "#") {
			goFlags += "#"
		}
		return fmt.Sprintf("%"+goFlags+width+prec+string(conv), float64(v.n)), nil
	}
}

// formatInt renders an integer like Python's %d/%o/%x: precision is a
// minimum digit count, the alternate prefix goes before the zero padding.
func formatInt(n int, flags, width, prec string, base int, prefix string, alt bool) string {
	neg := n < 0
	digits := strconv.FormatInt(int64(n), base)
	if neg {
		digits = digits[1:]
	}
	if prec != "" {
		p, _ := strconv.Atoi(prec[1:])
		if len(digits) < p {
			digits = strings.Repeat("0", p-len(digits)) + digits
		}
	}
	sign := ""
	switch {
	case neg:
		sign = "-"
	case strings.Contains(flags, "+"):
		sign = "+"
	case strings.Contains(flags, " "):
		sign = " "
	}
	if alt {
		sign += prefix
	}
	w, _ := strconv.Atoi(width)
	total := len(sign) + len(digits)
	switch {
	case total >= w:
		return sign + digits
	case strings.Contains(flags, "-"):
		return sign + digits + strings.Repeat(" ", w-total)
	case strings.Contains(flags, "0"):
		return sign + strings.Repeat("0", w-total) + digits
	default:
		return strings.Repeat(" ", w-total) + sign + digits
	}
}

// pyASCII is Python's ascii(): repr with every non-ASCII character escaped.
func pyASCII(s string) string {
	r := pyfmt.Repr(s)
	var b strings.Builder
	for _, c := range r {
		switch {
		case c < 0x80:
			b.WriteRune(c)
		case c <= 0xff:
			fmt.Fprintf(&b, `\x%02x`, c)
		case c <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, c)
		default:
			fmt.Fprintf(&b, `\U%08x`, c)
		}
	}
	return b.String()
}
