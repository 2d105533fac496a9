package xmlrpc

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// scanner is a small XML reader for the subset XML-RPC documents use:
// elements (attributes are checked and ignored, a namespace prefix is
// dropped), character data with the predefined and numeric entities,
// CDATA sections, comments and processing instructions. DOCTYPE
// declarations are refused, so no entity is ever expanded beyond the five
// predefined ones. It works on a byte slice already bounded by the size
// limit, allocating only for the strings it returns: three to five times
// faster than encoding/xml, which reference_test.go keeps as an oracle.
type scanner struct {
	buf []byte
	pos int
	// open holds the names of the elements entered and not yet closed.
	open [][]byte
	// pendingEnd is set after an empty-element tag (<nil/>): its end is
	// the next token.
	pendingEnd bool
}

// Kinds of token.
const (
	tokStart = iota + 1
	tokEnd
	tokText
	tokEOF
)

type token struct {
	kind int
	// name is the local name of an element (the prefix removed).
	name []byte
	// text is the decoded character data of a tokText; it may alias the
	// input when no decoding was needed.
	text []byte
}

func (s *scanner) errorf(format string, args ...any) error {
	line := 1 + bytes.Count(s.buf[:min(s.pos, len(s.buf))], []byte{'\n'})
	return fmt.Errorf("xmlrpc: line %d: %s", line, fmt.Sprintf(format, args...))
}

// prolog consumes the XML declaration, if any, and returns its encoding.
func (s *scanner) prolog() (string, error) {
	if !bytes.HasPrefix(s.buf, []byte("<?xml")) || len(s.buf) < 6 || !isSpace(s.buf[5]) {
		return "", nil
	}
	end := bytes.Index(s.buf, []byte("?>"))
	if end < 0 {
		return "", s.errorf("unterminated XML declaration")
	}
	decl := s.buf[5:end]
	s.pos = end + 2
	if version, err := s.pseudoAttribute(decl, "version"); err != nil || (version != "" && version != "1.0") {
		return "", s.errorf("unsupported XML declaration")
	}
	return s.pseudoAttribute(decl, "encoding")
}

// pseudoAttribute returns the value of name="value" in an XML declaration.
func (s *scanner) pseudoAttribute(decl []byte, name string) (string, error) {
	i := bytes.Index(decl, []byte(name))
	if i < 0 {
		return "", nil
	}
	rest := bytes.TrimLeft(decl[i+len(name):], " \t\r\n")
	if len(rest) == 0 || rest[0] != '=' {
		return "", s.errorf("malformed XML declaration")
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
		return "", s.errorf("malformed XML declaration")
	}
	q := bytes.IndexByte(rest[1:], rest[0])
	if q < 0 {
		return "", s.errorf("malformed XML declaration")
	}
	return string(rest[1 : 1+q]), nil
}

// next returns the next token. Character data that is only white space
// between elements is returned too; callers skip it where it does not
// matter.
func (s *scanner) next() (token, error) {
	if s.pendingEnd {
		s.pendingEnd = false
		qname := s.open[len(s.open)-1]
		s.open = s.open[:len(s.open)-1]
		return token{kind: tokEnd, name: localName(qname)}, nil
	}
	for {
		if s.pos >= len(s.buf) {
			if len(s.open) > 0 {
				return token{}, s.errorf("unexpected end of document")
			}
			return token{kind: tokEOF}, nil
		}
		if s.buf[s.pos] != '<' {
			return s.text()
		}
		rest := s.buf[s.pos:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			end := bytes.Index(rest[4:], []byte("--"))
			if end < 0 {
				return token{}, s.errorf("unterminated comment")
			}
			// XML allows "--" only as the end of a comment.
			if 4+end+2 >= len(rest) || rest[4+end+2] != '>' {
				return token{}, s.errorf("'--' inside a comment")
			}
			if err := checkChars(rest[4 : 4+end]); err != nil {
				return token{}, s.errorf("%v", err)
			}
			s.pos += 4 + end + 3
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			return s.text()
		case bytes.HasPrefix(rest, []byte("<?")):
			end := bytes.Index(rest[2:], []byte("?>"))
			if end < 0 {
				return token{}, s.errorf("unterminated processing instruction")
			}
			body := rest[2 : 2+end]
			target := body
			if i := bytes.IndexAny(body, " \t\r\n"); i >= 0 {
				target = body[:i]
			}
			// The XML declaration may only open the document.
			if !validXMLName(target) || bytes.EqualFold(target, []byte("xml")) {
				return token{}, s.errorf("bad processing instruction")
			}
			if err := checkChars(body); err != nil {
				return token{}, s.errorf("%v", err)
			}
			s.pos += 2 + end + 2
		case bytes.HasPrefix(rest, []byte("<!")):
			return token{}, s.errorf("DOCTYPE and other declarations are not accepted")
		case bytes.HasPrefix(rest, []byte("</")):
			return s.endTag()
		default:
			return s.startTag()
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '-' || c == '.' || c == ':' || c >= utf8.RuneSelf
}

// name reads an element or attribute name at s.pos.
func (s *scanner) name() ([]byte, error) {
	start := s.pos
	for s.pos < len(s.buf) && isNameByte(s.buf[s.pos]) {
		s.pos++
	}
	n := s.buf[start:s.pos]
	if !validXMLName(n) {
		return nil, s.errorf("bad element or attribute name %q", n)
	}
	return n, nil
}

// validXMLName applies XML's name rules: a letter, '_' or ':' first, then
// also digits, '.', '-', combining marks and extenders.
func validXMLName(n []byte) bool {
	if len(n) == 0 {
		return false
	}
	for i, first := 0, true; i < len(n); first = false {
		r, size := utf8.DecodeRune(n[i:])
		if r == utf8.RuneError && size == 1 {
			return false
		}
		i += size
		switch {
		case r == '_' || r == ':' || unicode.IsLetter(r):
		case first:
			return false
		case r == '-' || r == '.' || r == 0xB7 || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Lm):
		default:
			return false
		}
	}
	return true
}

// localName drops a namespace prefix ("ex:nil" is "nil"); a name with
// more colons, or an empty part, is taken whole, as encoding/xml does.
func localName(qname []byte) []byte {
	i := bytes.IndexByte(qname, ':')
	if i <= 0 || i == len(qname)-1 || bytes.IndexByte(qname[i+1:], ':') >= 0 {
		return qname
	}
	return qname[i+1:]
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.buf) && isSpace(s.buf[s.pos]) {
		s.pos++
	}
}

func (s *scanner) startTag() (token, error) {
	s.pos++ // '<'
	qname, err := s.name()
	if err != nil {
		return token{}, err
	}
	for {
		hadSpace := s.pos < len(s.buf) && isSpace(s.buf[s.pos])
		s.skipSpace()
		if s.pos >= len(s.buf) {
			return token{}, s.errorf("unterminated tag <%s>", qname)
		}
		switch c := s.buf[s.pos]; {
		case c == '>':
			s.pos++
			s.open = append(s.open, qname)
			return token{kind: tokStart, name: localName(qname)}, nil
		case c == '/':
			if s.pos+1 >= len(s.buf) || s.buf[s.pos+1] != '>' {
				return token{}, s.errorf("malformed tag <%s>", qname)
			}
			s.pos += 2
			// An empty element: report its start now and its end next.
			s.open = append(s.open, qname)
			s.pendingEnd = true
			return token{kind: tokStart, name: localName(qname)}, nil
		case !hadSpace:
			return token{}, s.errorf("malformed tag <%s>", qname)
		default:
			if err := s.attribute(); err != nil {
				return token{}, err
			}
		}
	}
}

// attribute checks one name="value" pair; its content is not needed.
func (s *scanner) attribute() error {
	if _, err := s.name(); err != nil {
		return err
	}
	s.skipSpace()
	if s.pos >= len(s.buf) || s.buf[s.pos] != '=' {
		return s.errorf("attribute without a value")
	}
	s.pos++
	s.skipSpace()
	if s.pos >= len(s.buf) || (s.buf[s.pos] != '"' && s.buf[s.pos] != '\'') {
		return s.errorf("unquoted attribute value")
	}
	quote := s.buf[s.pos]
	end := bytes.IndexByte(s.buf[s.pos+1:], quote)
	if end < 0 {
		return s.errorf("unterminated attribute value")
	}
	value := s.buf[s.pos+1 : s.pos+1+end]
	if bytes.IndexByte(value, '<') >= 0 {
		return s.errorf("'<' in an attribute value")
	}
	if _, err := s.decodeText(nil, value); err != nil {
		return err
	}
	s.pos += 1 + end + 1
	return nil
}

func (s *scanner) endTag() (token, error) {
	s.pos += 2 // "</"
	qname, err := s.name()
	if err != nil {
		return token{}, err
	}
	s.skipSpace()
	if s.pos >= len(s.buf) || s.buf[s.pos] != '>' {
		return token{}, s.errorf("malformed end tag </%s>", qname)
	}
	s.pos++
	if len(s.open) == 0 || !bytes.Equal(s.open[len(s.open)-1], qname) {
		return token{}, s.errorf("unexpected end tag </%s>", qname)
	}
	s.open = s.open[:len(s.open)-1]
	return token{kind: tokEnd, name: localName(qname)}, nil
}

// text reads character data and CDATA sections up to the next markup
// that is not CDATA.
func (s *scanner) text() (token, error) {
	if len(s.open) == 0 {
		// Outside the root element only white space may appear.
		start := s.pos
		s.skipSpace()
		if s.pos == start || s.pos < len(s.buf) && s.buf[s.pos] != '<' {
			return token{}, s.errorf("text outside the root element")
		}
		return token{kind: tokText, text: s.buf[start:s.pos]}, nil
	}
	// The common case, one run without entities, is returned without a
	// copy; anything else is decoded into out.
	var plain, out []byte
	copied := false
	for s.pos < len(s.buf) {
		rest := s.buf[s.pos:]
		if bytes.HasPrefix(rest, []byte("<![CDATA[")) {
			end := bytes.Index(rest[9:], []byte("]]>"))
			if end < 0 {
				return token{}, s.errorf("unterminated CDATA section")
			}
			raw := rest[9 : 9+end]
			if err := checkChars(raw); err != nil {
				return token{}, s.errorf("%v", err)
			}
			if !copied {
				out, copied = append([]byte(nil), plain...), true
			}
			out = append(out, normalizeNewlines(raw)...)
			s.pos += 9 + end + 3
			continue
		}
		if rest[0] == '<' {
			break
		}
		i := bytes.IndexByte(rest, '<')
		if i < 0 {
			i = len(rest)
		}
		raw := rest[:i]
		if bytes.Contains(raw, []byte("]]>")) {
			return token{}, s.errorf("']]>' in character data")
		}
		s.pos += i
		if !copied && plain == nil && bytes.IndexByte(raw, '&') < 0 && bytes.IndexByte(raw, '\r') < 0 {
			if err := checkChars(raw); err != nil {
				return token{}, s.errorf("%v", err)
			}
			plain = raw
			continue
		}
		if !copied {
			out, copied = append([]byte(nil), plain...), true
		}
		var err error
		if out, err = s.decodeText(out, raw); err != nil {
			return token{}, err
		}
	}
	if copied {
		return token{kind: tokText, text: out}, nil
	}
	return token{kind: tokText, text: plain}, nil
}

// decodeText appends raw with its entities replaced and its line ends
// normalised, checking every character.
func (s *scanner) decodeText(dst, raw []byte) ([]byte, error) {
	if err := checkChars(raw); err != nil {
		return nil, s.errorf("%v", err)
	}
	for len(raw) > 0 {
		i := bytes.IndexAny(raw, "&\r")
		if i < 0 {
			return append(dst, raw...), nil
		}
		dst = append(dst, raw[:i]...)
		raw = raw[i:]
		if raw[0] == '\r' {
			dst = append(dst, '\n')
			raw = raw[1:]
			if len(raw) > 0 && raw[0] == '\n' {
				raw = raw[1:]
			}
			continue
		}
		end := bytes.IndexByte(raw, ';')
		if end < 0 {
			return nil, s.errorf("unterminated entity reference")
		}
		ref := raw[1:end]
		raw = raw[end+1:]
		switch string(ref) {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			r, ok := charRef(ref)
			if !ok {
				return nil, s.errorf("unknown entity &%s;", ref)
			}
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst, nil
}

// charRef decodes the inside of a character reference (#65 or #x41).
func charRef(ref []byte) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	digits, base := ref[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 || len(digits) > 8 || digits[0] == '-' || digits[0] == '+' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(digits), base, 32)
	if err != nil || !isXMLRune(rune(n)) {
		return 0, false
	}
	return rune(n), true
}

func isXMLRune(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r < utf8.RuneSelf) || isXMLChar(r)
}

// checkChars rejects invalid UTF-8 and characters XML 1.0 forbids.
func checkChars(b []byte) error {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return fmt.Errorf("illegal character code %U", rune(c))
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return fmt.Errorf("invalid UTF-8")
		}
		if !isXMLChar(r) {
			return fmt.Errorf("illegal character code %U", r)
		}
		i += n
	}
	return nil
}

func normalizeNewlines(b []byte) []byte {
	if bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
}
