package xmlrpc

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/supvisors-go/supvisors/internal/errdefs"
)

// MaxDepth bounds how deeply arrays and structs may nest in a decoded
// document, so that a hostile request cannot exhaust the stack. Supervisor's
// own data never nests deeper than four levels.
const MaxDepth = 100

// ErrTooLarge is returned when a document is longer than the size limit
// given to the decoder; the decoder stops reading at the limit.
var ErrTooLarge = errors.New("xmlrpc: document exceeds the size limit")

// ErrNoMethodName is returned by DecodeCall for a methodCall without a
// (non-empty) methodName.
var ErrNoMethodName = errors.New("xmlrpc: no method name")

// DecodeCall reads a methodCall from r, reading at most limit bytes. A
// missing or empty <params> gives no parameters.
func DecodeCall(r io.Reader, limit int64) (method string, params []any, err error) {
	d, err := newDecoder(r, limit)
	if err != nil {
		return "", nil, err
	}
	if err := d.expectStart("methodCall"); err != nil {
		return "", nil, err
	}
	params = []any{}
	for {
		t, err := d.next()
		if err != nil {
			return "", nil, err
		}
		switch t.kind {
		case tokEnd:
			if method == "" {
				return "", nil, ErrNoMethodName
			}
			return method, params, nil
		case tokStart:
			switch string(t.name) {
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
				return "", nil, d.s.errorf("unexpected <%s> in <methodCall>", t.name)
			}
		default:
			return "", nil, d.s.errorf("unexpected text in <methodCall>")
		}
	}
}

// DecodeResponse reads a methodResponse from r, reading at most limit
// bytes. A <fault> is returned as a *Fault error.
func DecodeResponse(r io.Reader, limit int64) (any, error) {
	d, err := newDecoder(r, limit)
	if err != nil {
		return nil, err
	}
	if err := d.expectStart("methodResponse"); err != nil {
		return nil, err
	}
	t, err := d.next()
	if err != nil {
		return nil, err
	}
	if t.kind != tokStart {
		return nil, d.s.errorf("empty <methodResponse>")
	}
	switch string(t.name) {
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
		return nil, d.s.errorf("%d values in a methodResponse", len(params))
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
			return nil, d.s.errorf("fault is not a struct")
		}
		code, okCode := m["faultCode"].(int)
		text, okText := m["faultString"].(string)
		if !okCode || !okText {
			return nil, d.s.errorf("fault struct without faultCode and faultString")
		}
		return nil, &Fault{Code: errdefs.Code(code), String: text}
	}
	return nil, d.s.errorf("unexpected <%s> in <methodResponse>", t.name)
}

type decoder struct {
	s scanner
}

// newDecoder reads the whole document, up to limit bytes, and its XML
// declaration.
func newDecoder(r io.Reader, limit int64) (*decoder, error) {
	buf, err := io.ReadAll(&limitedReader{r: r, left: limit})
	if err != nil {
		return nil, err
	}
	// A byte order mark says UTF-8, which is what we read anyway.
	buf = bytes.TrimPrefix(buf, []byte("\xef\xbb\xbf"))
	d := &decoder{s: scanner{buf: buf}}
	enc, err := d.s.prolog()
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(enc) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
	case "iso-8859-1", "latin-1", "latin1":
		// Old clients may send Latin-1; everything after is re-encoded.
		utf := append([]byte(nil), buf[:d.s.pos]...)
		for _, b := range buf[d.s.pos:] {
			utf = utf8.AppendRune(utf, rune(b))
		}
		d.s.buf = utf
	default:
		return nil, d.s.errorf("unsupported charset %q", enc)
	}
	return d, nil
}

// next returns the next element boundary or non-blank text, skipping
// blank text.
func (d *decoder) next() (token, error) {
	for {
		t, err := d.s.next()
		if err != nil {
			return t, err
		}
		switch t.kind {
		case tokEOF:
			return t, d.s.errorf("unexpected end of document")
		case tokText:
			if len(bytes.TrimLeft(t.text, " \t\r\n")) == 0 {
				continue
			}
		}
		return t, nil
	}
}

func (d *decoder) expectStart(name string) error {
	t, err := d.next()
	if err != nil {
		return err
	}
	if t.kind != tokStart || string(t.name) != name {
		return d.s.errorf("expected <%s>", name)
	}
	return nil
}

// expectEnd consumes the end of the current element; the scanner has
// already checked that it matches its start.
func (d *decoder) expectEnd() error {
	t, err := d.next()
	if err != nil {
		return err
	}
	if t.kind != tokEnd {
		return d.s.errorf("unexpected content")
	}
	return nil
}

// text returns the character data of a scalar element up to its end.
func (d *decoder) text() (string, error) {
	var first []byte
	var more []byte
	n := 0
	for {
		t, err := d.s.next()
		if err != nil {
			return "", err
		}
		switch t.kind {
		case tokText:
			// Usually one piece: keep it without copying.
			if n == 0 {
				first = t.text
			} else {
				if n == 1 {
					more = append([]byte(nil), first...)
				}
				more = append(more, t.text...)
			}
			n++
		case tokEnd:
			if n > 1 {
				return string(more), nil
			}
			return string(first), nil
		case tokStart:
			return "", d.s.errorf("unexpected <%s> in a scalar", t.name)
		case tokEOF:
			return "", d.s.errorf("unexpected end of document")
		}
	}
}

// params reads the <param> elements up to </params>.
func (d *decoder) params() ([]any, error) {
	params := []any{}
	for {
		t, err := d.next()
		if err != nil {
			return nil, err
		}
		switch t.kind {
		case tokEnd:
			return params, nil
		case tokStart:
			if string(t.name) != "param" {
				return nil, d.s.errorf("unexpected <%s> in <params>", t.name)
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
			return nil, d.s.errorf("unexpected text in <params>")
		}
	}
}

// value reads what follows a <value> start, up to and including </value>.
// A value without a type element is a string, kept verbatim.
func (d *decoder) value(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, d.s.errorf("values nested deeper than %d levels", MaxDepth)
	}
	var text []byte
	for {
		t, err := d.s.next()
		if err != nil {
			return nil, err
		}
		switch t.kind {
		case tokText:
			text = append(text, t.text...)
		case tokEnd:
			return string(text), nil
		case tokStart:
			v, err := d.typed(string(t.name), depth)
			if err != nil {
				return nil, err
			}
			if err := d.expectEnd(); err != nil {
				return nil, err
			}
			return v, nil
		case tokEOF:
			return nil, d.s.errorf("unexpected end of document")
		}
	}
}

// typed reads a type element whose start has been consumed.
func (d *decoder) typed(name string, depth int) (any, error) {
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
			return nil, d.s.errorf("bad <%s> value %q", name, text)
		}
		return int(i), nil
	case "boolean":
		// Supervisor takes exactly "1" as true and anything else as false.
		return strings.TrimSpace(text) == "1", nil
	case "double":
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil {
			return nil, d.s.errorf("bad <double> value %q", text)
		}
		return f, nil
	case "dateTime.iso8601":
		return d.dateTime(text)
	case "base64":
		return d.base64(text)
	}
	return nil, d.s.errorf("unknown type <%s>", name)
}

var dateTimeLayouts = []string{
	dateTimeLayout,
	"2006-01-02T15:04:05",
	"20060102T15:04:05Z07:00",
	"2006-01-02T15:04:05Z07:00",
	"20060102T150405",
}

func (d *decoder) dateTime(text string) (time.Time, error) {
	text = strings.TrimSpace(text)
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, text); err == nil {
			return t, nil
		}
	}
	return time.Time{}, d.s.errorf("bad <dateTime.iso8601> value %q", text)
}

func (d *decoder) base64(text string) ([]byte, error) {
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
			return nil, d.s.errorf("bad <base64> value")
		}
	}
	return b, nil
}

func (d *decoder) array(depth int) ([]any, error) {
	values := []any{}
	t, err := d.next()
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case tokEnd: // <array/> without <data>
		return values, nil
	case tokStart:
		if string(t.name) != "data" {
			return nil, d.s.errorf("unexpected <%s> in <array>", t.name)
		}
	default:
		return nil, d.s.errorf("unexpected text in <array>")
	}
	for {
		t, err := d.next()
		if err != nil {
			return nil, err
		}
		switch t.kind {
		case tokEnd: // </data>
			return values, d.expectEnd()
		case tokStart:
			if string(t.name) != "value" {
				return nil, d.s.errorf("unexpected <%s> in <data>", t.name)
			}
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			values = append(values, v)
		default:
			return nil, d.s.errorf("unexpected text in <data>")
		}
	}
}

func (d *decoder) structure(depth int) (map[string]any, error) {
	members := map[string]any{}
	for {
		t, err := d.next()
		if err != nil {
			return nil, err
		}
		switch t.kind {
		case tokEnd:
			return members, nil
		case tokStart:
			if string(t.name) != "member" {
				return nil, d.s.errorf("unexpected <%s> in <struct>", t.name)
			}
			if err := d.member(members, depth); err != nil {
				return nil, err
			}
		default:
			return nil, d.s.errorf("unexpected text in <struct>")
		}
	}
}

func (d *decoder) member(members map[string]any, depth int) error {
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
		switch t.kind {
		case tokEnd:
			if !hasValue {
				return d.s.errorf("<member> without <value>")
			}
			members[name] = value
			return nil
		case tokStart:
			switch string(t.name) {
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
				return d.s.errorf("unexpected <%s> in <member>", t.name)
			}
		default:
			return d.s.errorf("unexpected text in <member>")
		}
	}
}

// limitedReader hands out at most left bytes and then fails with
// ErrTooLarge if the source has more, so that an oversized body is
// rejected as soon as the limit is passed, never held whole in memory.
type limitedReader struct {
	r    io.Reader
	left int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if l.left <= 0 {
		var probe [1]byte
		for {
			n, err := l.r.Read(probe[:])
			if n > 0 {
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
