// Package pyfmt spells values the way Python spells them, where a peer or a
// client compares our bytes with what CPython would have written: the
// XML-RPC codec and the Supvisors wire messages both need Python's float
// repr.
package pyfmt

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// AppendFloat appends f as Python's float.__repr__ spells it (the shortest
// digits that round-trip, fixed notation for exponents from -4 to 15, at
// least one digit after the point): 0.0, 1234567.0, 1795468990.9472034,
// 1e-05, 1e+16. f must be finite: NaN and infinities are spelled
// differently by each format, so callers handle them.
func AppendFloat(dst []byte, f float64) []byte {
	// 'e' with precision -1 gives the shortest round-trip digits:
	// [-]d[.ddd]e±XX.
	sci := strconv.FormatFloat(f, 'e', -1, 64)
	mant, expText, _ := strings.Cut(sci, "e")
	exp, _ := strconv.Atoi(expText)
	if mant[0] == '-' {
		dst = append(dst, '-')
		mant = mant[1:]
	}
	digits := strings.Replace(mant, ".", "", 1)
	if exp < -4 || exp >= 16 {
		dst = append(dst, digits[0])
		if len(digits) > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'e')
		if exp < 0 {
			dst = append(dst, '-')
			exp = -exp
		} else {
			dst = append(dst, '+')
		}
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	}
	if exp < 0 {
		dst = append(dst, "0."...)
		dst = append(dst, strings.Repeat("0", -exp-1)...)
		return append(dst, digits...)
	}
	intLen := exp + 1
	if len(digits) <= intLen {
		dst = append(dst, digits...)
		dst = append(dst, strings.Repeat("0", intLen-len(digits))...)
		return append(dst, ".0"...)
	}
	dst = append(dst, digits[:intLen]...)
	dst = append(dst, '.')
	return append(dst, digits[intLen:]...)
}

// Repr renders s as Python's repr() of a str, so that messages quote
// names, paths and values exactly as Supervisor does.
func Repr(s string) string {
	quote := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x7f:
			b.WriteRune(r)
		case !printable(r):
			switch {
			case r <= 0xff:
				fmt.Fprintf(&b, `\x%02x`, r)
			case r <= 0xffff:
				fmt.Fprintf(&b, `\u%04x`, r)
			default:
				fmt.Fprintf(&b, `\U%08x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// printable approximates Python's str.isprintable for one character:
// separators other than the plain space and the "other" categories are not
// printable.
func printable(r rune) bool {
	if r == ' ' {
		return true
	}
	return !unicode.In(r, unicode.Z, unicode.C)
}
