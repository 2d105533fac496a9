package ctl

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode"

	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// iniFile is the part of Python's RawConfigParser (strict=False, inline
// comments after ";" or "#") that supervisorctl needs: the sections in file
// order, each with its keys lowercased, and the [DEFAULT] fallback. The
// daemon's full parser lives in internal/config; the client only reads
// [supervisorctl] and [ctlplugin:x] and must accept files that the daemon
// would reject, so it keeps its own small reader.
type iniFile struct {
	sections []*iniSection
	byName   map[string]*iniSection
	defaults *iniSection
}

type iniSection struct {
	name   string
	keys   []string // in first-definition order
	values map[string][]string
}

func newIniSection(name string) *iniSection {
	return &iniSection{name: name, values: map[string][]string{}}
}

// get returns key's value, joined over continuation lines, falling back to
// [DEFAULT] as configparser does.
func (f *iniFile) get(section, key string) (string, bool) {
	if s := f.byName[section]; s != nil {
		if v, ok := s.values[key]; ok {
			return strings.TrimRightFunc(strings.Join(v, "\n"), unicode.IsSpace), true
		}
	}
	if v, ok := f.defaults.values[key]; ok {
		return strings.TrimRightFunc(strings.Join(v, "\n"), unicode.IsSpace), true
	}
	return "", false
}

// options lists the keys of section followed by the [DEFAULT] keys it does
// not override, as configparser's options() does.
func (f *iniFile) options(section string) []string {
	s := f.byName[section]
	if s == nil {
		return nil
	}
	keys := append([]string(nil), s.keys...)
	for _, k := range f.defaults.keys {
		if _, ok := s.values[k]; !ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// parseINI reads r with configparser's line rules. A line it cannot read
// makes the whole file fail, naming the first such line.
func parseINI(r io.Reader, source string) (*iniFile, error) {
	f := &iniFile{byName: map[string]*iniSection{}, defaults: newIniSection("DEFAULT")}
	var (
		cur         *iniSection
		curKey      string
		indentLevel int
		lineno      int
		bad         []string
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		lineno++
		line := sc.Text()
		commentStart := inlineCommentStart(line)
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, ";") {
			commentStart = 0
		}
		value := line
		if commentStart >= 0 {
			value = line[:commentStart]
		}
		value = strings.TrimSpace(value)
		if value == "" {
			// A blank line inside a multi-line value is kept, as
			// empty_lines_in_values=True does; a comment line is not.
			if commentStart < 0 && cur != nil && curKey != "" {
				cur.values[curKey] = append(cur.values[curKey], "")
			}
			continue
		}
		indent := len(line) - len(strings.TrimLeftFunc(line, unicode.IsSpace))
		if cur != nil && curKey != "" && indent > indentLevel {
			cur.values[curKey] = append(cur.values[curKey], value)
			continue
		}
		indentLevel = indent
		if strings.HasPrefix(value, "[") && strings.LastIndex(value, "]") > 1 {
			name := value[1:strings.LastIndex(value, "]")]
			switch {
			case name == "DEFAULT":
				cur = f.defaults
			case f.byName[name] != nil:
				cur = f.byName[name]
			default:
				cur = newIniSection(name)
				f.sections = append(f.sections, cur)
				f.byName[name] = cur
			}
			curKey = ""
			continue
		}
		if cur == nil {
			return nil, usageErrorf("File contains no section headers.\nfile: %s, line: %d\n%s", pyfmt.Repr(source), lineno, pyfmt.Repr(line+"\n"))
		}
		i := strings.IndexAny(value, "=:")
		if i <= 0 {
			bad = append(bad, fmt.Sprintf("\n\t[line %2d]: %s", lineno, pyfmt.Repr(line+"\n")))
			curKey = ""
			continue
		}
		key := strings.ToLower(strings.TrimRightFunc(value[:i], unicode.IsSpace))
		if _, ok := cur.values[key]; !ok {
			cur.keys = append(cur.keys, key)
		}
		cur.values[key] = []string{strings.TrimSpace(value[i+1:])}
		curKey = key
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(bad) > 0 {
		return nil, usageErrorf("Source contains parsing errors: %s%s", pyfmt.Repr(source), strings.Join(bad, ""))
	}
	return f, nil
}

// inlineCommentStart is the index of the first ";" or "#" that starts the
// line or follows whitespace, or -1.
func inlineCommentStart(line string) int {
	for i := 0; i < len(line); i++ {
		if line[i] != ';' && line[i] != '#' {
			continue
		}
		if i == 0 || unicode.IsSpace(rune(line[i-1])) {
			return i
		}
	}
	return -1
}

// expandPercent formats s with vars as Python's "s % vars" does for the
// forms Supervisor users write: %(name)s and %%. Any other form is reported
// the way Supervisor's expand() reports a badly formatted string.
func expandPercent(s string, vars map[string]string, option string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(s) && s[i+1] == '%' {
			b.WriteByte('%')
			i++
			continue
		}
		if i+1 >= len(s) || s[i+1] != '(' {
			return "", usageErrorf("Format string %s for %s is badly formatted: %s",
				pyfmt.Repr(s), pyfmt.Repr(option), "incomplete format")
		}
		end := strings.IndexByte(s[i+2:], ')')
		if end < 0 {
			return "", usageErrorf("Format string %s for %s is badly formatted: %s",
				pyfmt.Repr(s), pyfmt.Repr(option), "incomplete format key")
		}
		name := s[i+2 : i+2+end]
		j := i + 2 + end + 1
		if j >= len(s) || s[j] != 's' {
			return "", usageErrorf("Format string %s for %s is badly formatted: %s",
				pyfmt.Repr(s), pyfmt.Repr(option), "unsupported format character")
		}
		v, ok := vars[name]
		if !ok {
			names := make([]string, 0, len(vars))
			for k := range vars {
				names = append(names, k)
			}
			sort.Strings(names)
			return "", usageErrorf("Format string %s for %s contains names (%s) which cannot be expanded. Available names: %s",
				pyfmt.Repr(s), pyfmt.Repr(option), pyfmt.Repr(name), strings.Join(names, ", "))
		}
		b.WriteString(v)
		i = j
	}
	return b.String(), nil
}

// usageErrorf builds a configuration error whose text is Supervisor's,
// capital letter included.
func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}
