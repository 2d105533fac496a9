package xmlrpc

// This is the first decoder, built on encoding/xml, kept as an oracle:
// FuzzDecodeAgainstEncodingXML checks that the scanner-based decoder agrees
// with it.

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/supvisors-go/supvisors/internal/errdefs"
)

// DecodeCall reads a methodCall from r, reading at most limit bytes. A
// missing or empty <params> gives no parameters.
func refDecodeCall(r io.Reader, limit int64) (method string, params []any, err error) {
	d := newRefDecoder(r, limit)
	defer func() { err = d.limitError(err) }()
	if err := d.expectStart("methodCall"); err != nil {
		return "", nil, err
	}
	params = []any{}
	for {
		t, err := d.next()
		if err != nil {
			return "", nil, err
		}
		switch t := t.(type) {
		case xml.EndElement:
			if method == "" {
				return "", nil, ErrNoMethodName
			}
			return method, params, nil
		case xml.StartElement:
			switch t.Name.Local {
			case "methodName":
				text, err := d.text()
				if err != nil {
					return "", nil, err
				}
				method = strings.TrimSpace(text)
			case "params":
				if params, err = d.params(); err != nil {
					return "", nil, err
				}
			default:
				return "", nil, d.errorf("unexpected <%s> in <methodCall>", t.Name.Local)
			}
		default:
			return "", nil, d.errorf("unexpected text in <methodCall>")
		}
	}
}

// DecodeResponse reads a methodResponse from r, reading at most limit
// bytes. A <fault> is returned as a *Fault error.
func refDecodeResponse(r io.Reader, limit int64) (_ any, err error) {
	d := newRefDecoder(r, limit)
	defer func() {
		if _, isFault := err.(*Fault); !isFault {
			err = d.limitError(err)
		}
	}()
	if err := d.expectStart("methodResponse"); err != nil {
		return nil, err
	}
	t, err := d.next()
	if err != nil {
		return nil, err
	}
	start, ok := t.(xml.StartElement)
	if !ok {
		return nil, d.errorf("empty <methodResponse>")
	}
	switch start.Name.Local {
	case "params":
		params, err := d.params()
		if err != nil {
			return nil, err
		}
		if err := d.expectEnd(); err != nil {
			return nil, err
		}
		switch len(params) {
		case 0:
			return nil, nil
		case 1:
			return params[0], nil
		}
		return nil, d.errorf("%d values in a methodResponse", len(params))
	case "fault":
		if err := d.expectStart("value"); err != nil {
			return nil, err
		}
		v, err := d.value(0)
		if err != nil {
			return nil, err
		}
		if err := d.expectEnd(); err != nil { // </fault>
			return nil, err
		}
		if err := d.expectEnd(); err != nil { // </methodResponse>
			return nil, err
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, d.errorf("fault is not a struct")
		}
		code, okCode := m["faultCode"].(int)
		text, okText := m["faultString"].(string)
		if !okCode || !okText {
			return nil, d.errorf("fault struct without faultCode and faultString")
		}
		return nil, &Fault{Code: errdefs.Code(code), String: text}
	}
	return nil, d.errorf("unexpected <%s> in <methodResponse>", start.Name.Local)
}

type refDecoder struct {
	x     *xml.Decoder
	limit *refLimitedReader
}

func newRefDecoder(r io.Reader, limit int64) *refDecoder {
	lr := &refLimitedReader{r: r, left: limit}
	x := xml.NewDecoder(lr)
	x.CharsetReader = refCharsetReader
	return &refDecoder{x: x, limit: lr}
}

// limitError reports ErrTooLarge in place of err when the document went
// past the limit: the cut may have made it look malformed first (half a
// UTF-8 sequence, an unclosed element).
func (d *refDecoder) limitError(err error) error {
	if err == nil || errors.Is(err, ErrTooLarge) {
		return err
	}
	if d.limit.left <= 0 {
		if _, perr := d.limit.Read(make([]byte, 1)); errors.Is(perr, ErrTooLarge) {
			return ErrTooLarge
		}
	}
	return err
}

func (d *refDecoder) errorf(format string, args ...any) error {
	line, _ := d.x.InputPos()
	return fmt.Errorf("xmlrpc: line %d: %s", line, fmt.Sprintf(format, args...))
}

// next returns the next element boundary or non-blank text, skipping
// blanks, comments, processing instructions and directives.
func (d *refDecoder) next() (xml.Token, error) {
	for {
		t, err := d.x.Token()
		if err != nil {
			if err == io.EOF {
				return nil, d.errorf("unexpected end of document")
			}
			return nil, err
		}
		switch t := t.(type) {
		case xml.StartElement, xml.EndElement:
			return t, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return t, nil
			}
		}
	}
}

func (d *refDecoder) expectStart(name string) error {
	t, err := d.next()
	if err != nil {
		return err
	}
	if s, ok := t.(xml.StartElement); !ok || s.Name.Local != name {
		return d.errorf("expected <%s>", name)
	}
	return nil
}

// expectEnd consumes the end of the current element; encoding/xml has
// already checked that it matches its start.
func (d *refDecoder) expectEnd() error {
	t, err := d.next()
	if err != nil {
		return err
	}
	if _, ok := t.(xml.EndElement); !ok {
		return d.errorf("unexpected content")
	}
	return nil
}

// text returns the character data of a scalar element up to its end.
func (d *refDecoder) text() (string, error) {
	var buf []byte
	for {
		t, err := d.x.Token()
		if err != nil {
			if err == io.EOF {
				return "", d.errorf("unexpected end of document")
			}
			return "", err
		}
		switch t := t.(type) {
		case xml.CharData:
			buf = append(buf, t...)
		case xml.EndElement:
			return string(buf), nil
		case xml.StartElement:
			return "", d.errorf("unexpected <%s> in a scalar", t.Name.Local)
		}
	}
}

// params reads the <param> elements up to </params>.
func (d *refDecoder) params() ([]any, error) {
	params := []any{}
	for {
		t, err := d.next()
		if err != nil {
			return nil, err
		}
		switch t := t.(type) {
		case xml.EndElement:
			return params, nil
		case xml.StartElement:
			if t.Name.Local != "param" {
				return nil, d.errorf("unexpected <%s> in <params>", t.Name.Local)
			}
			if err := d.expectStart("value"); err != nil {
				return nil, err
			}
			v, err := d.value(0)
			if err != nil {
				return nil, err
			}
			if err := d.expectEnd(); err != nil {
				return nil, err
			}
			params = append(params, v)
		default:
			return nil, d.errorf("unexpected text in <params>")
		}
	}
}

// value reads what follows a <value> start, up to and including </value>.
// A value without a type element is a string, kept verbatim.
func (d *refDecoder) value(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, d.errorf("values nested deeper than %d levels", MaxDepth)
	}
	var text []byte
	for {
		t, err := d.x.Token()
		if err != nil {
			if err == io.EOF {
				return nil, d.errorf("unexpected end of document")
			}
			return nil, err
		}
		switch t := t.(type) {
		case xml.CharData:
			text = append(text, t...)
		case xml.EndElement:
			return string(text), nil
		case xml.StartElement:
			v, err := d.typed(t.Name.Local, depth)
			if err != nil {
				return nil, err
			}
			if err := d.expectEnd(); err != nil {
				return nil, err
			}
			return v, nil
		}
	}
}

// typed reads a type element whose start has been consumed.
func (d *refDecoder) typed(name string, depth int) (any, error) {
	switch name {
	case "array":
		return d.array(depth)
	case "struct":
		return d.structure(depth)
	case "nil":
		if err := d.expectEnd(); err != nil {
			return nil, err
		}
		return nil, nil
	}
	text, err := d.text()
	if err != nil {
		return nil, err
	}
	switch name {
	case "string":
		return text, nil
	case "int", "i4", "i8", "i1", "i2":
		i, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
		if err != nil {
			return nil, d.errorf("bad <%s> value %q", name, text)
		}
		return int(i), nil
	case "boolean":
		// Supervisor takes exactly "1" as true and anything else as false.
		return strings.TrimSpace(text) == "1", nil
	case "double":
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return nil, d.errorf("bad <double> value %q", text)
		}
		return f, nil
	case "dateTime.iso8601":
		return d.dateTime(text)
	case "base64":
		return d.base64(text)
	}
	return nil, d.errorf("unknown type <%s>", name)
}

var refDateTimeLayouts = []string{
	dateTimeLayout,
	"2006-01-02T15:04:05",
	"20060102T15:04:05Z07:00",
	"2006-01-02T15:04:05Z07:00",
	"20060102T150405",
}

func (d *refDecoder) dateTime(text string) (time.Time, error) {
	text = strings.TrimSpace(text)
	for _, layout := range refDateTimeLayouts {
		if t, err := time.Parse(layout, text); err == nil {
			return t, nil
		}
	}
	return time.Time{}, d.errorf("bad <dateTime.iso8601> value %q", text)
}

func (d *refDecoder) base64(text string) ([]byte, error) {
	compact := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, text)
	b, err := base64.StdEncoding.DecodeString(compact)
	if err != nil {
		// Python's decoder also accepts missing padding.
		if b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(compact, "=")); err != nil {
			return nil, d.errorf("bad <base64> value")
		}
	}
	return b, nil
}

func (d *refDecoder) array(depth int) ([]any, error) {
	values := []any{}
	t, err := d.next()
	if err != nil {
		return nil, err
	}
	switch t := t.(type) {
	case xml.EndElement: // <array/> without <data>
		return values, nil
	case xml.StartElement:
		if t.Name.Local != "data" {
			return nil, d.errorf("unexpected <%s> in <array>", t.Name.Local)
		}
	default:
		return nil, d.errorf("unexpected text in <array>")
	}
	for {
		t, err := d.next()
		if err != nil {
			return nil, err
		}
		switch t := t.(type) {
		case xml.EndElement: // </data>
			return values, d.expectEnd()
		case xml.StartElement:
			if t.Name.Local != "value" {
				return nil, d.errorf("unexpected <%s> in <data>", t.Name.Local)
			}
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			values = append(values, v)
		default:
			return nil, d.errorf("unexpected text in <data>")
		}
	}
}

func (d *refDecoder) structure(depth int) (map[string]any, error) {
	members := map[string]any{}
	for {
		t, err := d.next()
		if err != nil {
			return nil, err
		}
		switch t := t.(type) {
		case xml.EndElement:
			return members, nil
		case xml.StartElement:
			if t.Name.Local != "member" {
				return nil, d.errorf("unexpected <%s> in <struct>", t.Name.Local)
			}
			if err := d.member(members, depth); err != nil {
				return nil, err
			}
		default:
			return nil, d.errorf("unexpected text in <struct>")
		}
	}
}

func (d *refDecoder) member(members map[string]any, depth int) error {
	var (
		name     string
		value    any
		hasValue bool
	)
	for {
		t, err := d.next()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.EndElement:
			if !hasValue {
				return d.errorf("<member> without <value>")
			}
			members[name] = value
			return nil
		case xml.StartElement:
			switch t.Name.Local {
			case "name":
				if name, err = d.text(); err != nil {
					return err
				}
			case "value":
				if value, err = d.value(depth + 1); err != nil {
					return err
				}
				hasValue = true
			default:
				return d.errorf("unexpected <%s> in <member>", t.Name.Local)
			}
		default:
			return d.errorf("unexpected text in <member>")
		}
	}
}

// limitedReader hands out at most left bytes and then fails with
// ErrTooLarge if the source has more, so that an oversized body is
// rejected without being read, let alone held in memory.
type refLimitedReader struct {
	r    io.Reader
	left int64
	over bool // the source had more than the limit
}

func (l *refLimitedReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if l.left <= 0 {
		if l.over {
			return 0, ErrTooLarge
		}
		var probe [1]byte
		for {
			n, err := l.r.Read(probe[:])
			if n > 0 {
				l.over = true
				return 0, ErrTooLarge
			}
			if err != nil {
				return 0, err
			}
		}
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// charsetReader accepts the single-byte declarations some old clients
// write; encoding/xml handles UTF-8 itself.
func refCharsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "us-ascii", "ascii":
		return input, nil
	case "iso-8859-1", "latin-1", "latin1":
		return &refLatin1Reader{r: input}, nil
	}
	return nil, fmt.Errorf("xmlrpc: unsupported charset %q", label)
}

// latin1Reader converts ISO-8859-1 to UTF-8.
type refLatin1Reader struct {
	r       io.Reader
	pending []byte
}

func (l *refLatin1Reader) Read(p []byte) (int, error) {
	if len(l.pending) == 0 {
		buf := make([]byte, (len(p)+1)/2)
		n, err := l.r.Read(buf)
		for _, b := range buf[:n] {
			l.pending = utf8.AppendRune(l.pending, rune(b))
		}
		if n == 0 {
			return 0, err
		}
	}
	n := copy(p, l.pending)
	l.pending = l.pending[n:]
	return n, nil
}
