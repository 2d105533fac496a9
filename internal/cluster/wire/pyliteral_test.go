package wire

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// The capture dump prints each XML-RPC call and answer as Python's repr of
// the decoded values. These helpers read that notation (dicts keep their
// order) and write it back, so the tests can compare our values with the
// captured ones textually.

type pyParser struct {
	s   string
	pos int
}

// parsePyLiteral reads one Python literal (dict, list, tuple, str, int,
// float, True, False, None) at the start of s and returns it with the
// rest of s.
func parsePyLiteral(s string) (any, string, error) {
	p := &pyParser{s: s}
	v, err := p.value()
	return v, p.s[p.pos:], err
}

func (p *pyParser) space() {
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
}

func (p *pyParser) value() (any, error) {
	p.space()
	if p.pos >= len(p.s) {
		return nil, fmt.Errorf("end of input")
	}
	switch c := p.s[p.pos]; {
	case c == '{':
		p.pos++
		obj := Object{}
		for {
			p.space()
			if p.s[p.pos] == '}' {
				p.pos++
				return obj, nil
			}
			k, err := p.value()
			if err != nil {
				return nil, err
			}
			key, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("dict key %v", k)
			}
			p.space()
			if p.s[p.pos] != ':' {
				return nil, fmt.Errorf("missing ':' at %d", p.pos)
			}
			p.pos++
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			obj = append(obj, Field{key, v})
			p.space()
			if p.s[p.pos] == ',' {
				p.pos++
			}
		}
	case c == '[' || c == '(':
		end := byte(']')
		if c == '(' {
			end = ')'
		}
		p.pos++
		arr := []any{}
		for {
			p.space()
			if p.s[p.pos] == end {
				p.pos++
				return arr, nil
			}
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
			p.space()
			if p.s[p.pos] == ',' {
				p.pos++
			}
		}
	case c == '\'' || c == '"':
		return p.str(c)
	case strings.HasPrefix(p.s[p.pos:], "True"):
		p.pos += 4
		return true, nil
	case strings.HasPrefix(p.s[p.pos:], "False"):
		p.pos += 5
		return false, nil
	case strings.HasPrefix(p.s[p.pos:], "None"):
		p.pos += 4
		return nil, nil
	}
	start := p.pos
	for p.pos < len(p.s) && strings.IndexByte("+-0123456789.e", p.s[p.pos]) >= 0 {
		p.pos++
	}
	text := p.s[start:p.pos]
	if strings.ContainsAny(text, ".e") {
		return strconv.ParseFloat(text, 64)
	}
	return strconv.ParseInt(text, 10, 64)
}

func (p *pyParser) str(quote byte) (string, error) {
	p.pos++
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == quote:
			p.pos++
			return b.String(), nil
		case c == '\\':
			esc := p.s[p.pos+1]
			p.pos += 2
			switch esc {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'x', 'u':
				n := 2
				if esc == 'u' {
					n = 4
				}
				r, err := strconv.ParseUint(p.s[p.pos:p.pos+n], 16, 32)
				if err != nil {
					return "", err
				}
				b.WriteRune(rune(r))
				p.pos += n
			default:
				b.WriteByte(esc)
			}
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", fmt.Errorf("unterminated string")
}

// pyRepr writes an XML-RPC value model value as Python's repr would after
// xmlrpc.client decoded it (plain ASCII strings only).
func pyRepr(v any) string {
	var b strings.Builder
	writePyRepr(&b, v)
	return b.String()
}

func writePyRepr(b *strings.Builder, v any) {
	switch x := v.(type) {
	case bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case int:
		b.WriteString(strconv.Itoa(x))
	case float64:
		b.Write(appendPyFloat(nil, x))
	case string:
		quote := "'"
		if strings.Contains(x, "'") && !strings.Contains(x, `"`) {
			quote = `"`
		}
		b.WriteString(quote + strings.ReplaceAll(x, `\`, `\\`) + quote)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyRepr(b, e)
		}
		b.WriteByte(']')
	case xmlrpc.Struct:
		b.WriteByte('{')
		for i, m := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyRepr(b, m.Name)
			b.WriteString(": ")
			writePyRepr(b, m.Value)
		}
		b.WriteByte('}')
	default:
		fmt.Fprintf(b, "<%T>", v)
	}
}
