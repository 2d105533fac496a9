package rules

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// node is one element of a rules document, with the line where its start
// tag begins. encoding/xml is used rather than a DOM library because its
// Decoder reports the position of every token (InputPos), which is what
// lets every error name its line.
type node struct {
	name     xml.Name
	attrs    []xml.Attr
	line     int
	children []*node
	// text is the character data directly inside the element; hasText
	// tells whether some of it is not XML white space.
	text    strings.Builder
	hasText bool
	// textLine is the line of the first non-blank character data.
	textLine int
}

// attr returns the value of the unqualified attribute name.
func (n *node) attr(name string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Space == "" && a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// syntaxError is a document that is not well-formed XML.
type syntaxError struct {
	line int
	msg  string
}

// parseTree reads one XML document and returns its root element.
func parseTree(data []byte) (*node, *syntaxError) {
	data, err := toUTF8(data)
	if err != nil {
		return nil, &syntaxError{line: 1, msg: err.Error()}
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	// The text is UTF-8 by now, so that decoder offsets index data.
	dec.CharsetReader = func(_ string, input io.Reader) (io.Reader, error) { return input, nil }
	var stack []*node
	var root *node
	for {
		line, _ := dec.InputPos()
		offset := dec.InputOffset()
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, &syntaxError{line: se.Line, msg: "not well-formed XML: " + se.Msg}
			}
			return nil, &syntaxError{line: line, msg: "not well-formed XML: " + err.Error()}
		}
		switch t := tok.(type) {
		case xml.ProcInst:
			if strings.EqualFold(t.Target, "xml") && (root != nil || len(stack) > 0 || offset != 0) {
				return nil, &syntaxError{line: line, msg: "not well-formed XML: the XML declaration is only allowed at the very start"}
			}
		case xml.StartElement:
			if len(stack) == 0 && root != nil {
				return nil, &syntaxError{line: line, msg: "not well-formed XML: content after the document element"}
			}
			for i, a := range t.Attr {
				for _, b := range t.Attr[:i] {
					if a.Name == b.Name {
						return nil, &syntaxError{line: line, msg: fmt.Sprintf("not well-formed XML: attribute %q repeated", qualified(a.Name))}
					}
				}
			}
			n := &node{name: t.Name, attrs: t.Attr, line: line}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			// A CDATA section counts as text even when blank, as it does
			// for libxml2, the validator Supvisors relies on.
			raw := data[offset:dec.InputOffset()]
			cdata := bytes.HasPrefix(raw, []byte("<![CDATA["))
			if len(stack) == 0 {
				// Outside the document element only literal blanks are
				// allowed: no CDATA section, no character reference.
				if !isBlank(string(raw)) {
					return nil, &syntaxError{line: line, msg: "not well-formed XML: text outside the document element"}
				}
				continue
			}
			n := stack[len(stack)-1]
			n.text.Write(t)
			if !n.hasText && (cdata || !isBlank(string(t))) {
				n.hasText = true
				n.textLine = line + strings.Count(string(t[:len(t)-len(bytes.TrimLeft(t, " \t\r\n"))]), "\n")
			}
		}
	}
	if root == nil {
		return nil, &syntaxError{line: 1, msg: "not well-formed XML: no document element"}
	}
	return root, nil
}

// isBlank reports whether s holds XML white space only.
func isBlank(s string) bool { return strings.Trim(s, " \t\r\n") == "" }

// encodingDeclaration finds the encoding named by an XML declaration.
var encodingDeclaration = regexp.MustCompile(`^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']`)

// toUTF8 converts a document to UTF-8 from the encodings Python's parsers
// also read without extra codecs: UTF-8 and its ASCII subset, and
// ISO-8859-1.
// A UTF-8 byte order mark is dropped.
func toUTF8(data []byte) ([]byte, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	m := encodingDeclaration.FindSubmatch(data)
	if m == nil {
		return data, nil
	}
	switch strings.ToLower(string(m[1])) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return data, nil
	case "iso-8859-1", "iso8859-1", "latin-1", "latin1":
		out := make([]byte, 0, len(data)+len(data)/8)
		for _, b := range data {
			out = utf8.AppendRune(out, rune(b))
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q: use UTF-8", m[1])
}
