package xmlrpc

import (
	"encoding/base64"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// The layout of every document (one element per line, as Python's
// xmlrpc.client.dumps writes it) keeps our bytes comparable with the
// original daemon's in golden files and benchmarks.
const (
	xmlHeader        = "<?xml version='1.0'?>\n"
	dateTimeLayout   = "20060102T15:04:05"
	maxEncodeDepth   = 100
	responsePrologue = xmlHeader + "<methodResponse>\n<params>\n<param>\n"
	responseEpilogue = "</param>\n</params>\n</methodResponse>\n"
)

// AppendResponse appends a methodResponse carrying v to dst.
func AppendResponse(dst []byte, v any) ([]byte, error) {
	dst = append(dst, responsePrologue...)
	dst, err := appendValue(dst, v, 0)
	if err != nil {
		return dst, err
	}
	return append(dst, responseEpilogue...), nil
}

// AppendFault appends a methodResponse carrying the fault f to dst.
func AppendFault(dst []byte, f *Fault) []byte {
	dst = append(dst, xmlHeader+"<methodResponse>\n<fault>\n"...)
	dst = append(dst, "<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>"...)
	dst = strconv.AppendInt(dst, int64(f.Code), 10)
	dst = append(dst, "</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>"...)
	dst = appendEscaped(dst, f.String)
	return append(dst, "</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n"...)
}

// AppendCall appends a methodCall of method with params to dst.
func AppendCall(dst []byte, method string, params []any) ([]byte, error) {
	dst = append(dst, xmlHeader+"<methodCall>\n<methodName>"...)
	dst = appendEscaped(dst, method)
	dst = append(dst, "</methodName>\n<params>\n"...)
	for _, p := range params {
		var err error
		dst = append(dst, "<param>\n"...)
		if dst, err = appendValue(dst, p, 0); err != nil {
			return dst, err
		}
		dst = append(dst, "</param>\n"...)
	}
	return append(dst, "</params>\n</methodCall>\n"...), nil
}

func appendInt(dst []byte, i int64) []byte {
	if i >= math.MinInt32 && i <= math.MaxInt32 {
		dst = append(dst, "<value><int>"...)
		dst = strconv.AppendInt(dst, i, 10)
		return append(dst, "</int></value>\n"...)
	}
	// Python's xmlrpc.client reads <i8>; Supervisor itself would fail
	// with HTTP 500 here (see docs/compatibility.md).
	dst = append(dst, "<value><i8>"...)
	dst = strconv.AppendInt(dst, i, 10)
	return append(dst, "</i8></value>\n"...)
}

func appendString(dst []byte, s string) []byte {
	dst = append(dst, "<value><string>"...)
	dst = appendEscaped(dst, s)
	return append(dst, "</string></value>\n"...)
}

func appendDouble(dst []byte, f float64) []byte {
	dst = append(dst, "<value><double>"...)
	switch {
	case math.IsInf(f, 1):
		dst = append(dst, "inf"...)
	case math.IsInf(f, -1):
		dst = append(dst, "-inf"...)
	case math.IsNaN(f):
		dst = append(dst, "nan"...)
	default:
		// Python's repr, so that our bytes equal xmlrpc.client's.
		dst = pyfmt.AppendFloat(dst, f)
	}
	return append(dst, "</double></value>\n"...)
}

func appendValue(dst []byte, v any, depth int) ([]byte, error) {
	if depth > maxEncodeDepth {
		return dst, fmt.Errorf("xmlrpc: value nested deeper than %d levels", maxEncodeDepth)
	}
	var err error
	switch x := v.(type) {
	case nil:
		return append(dst, "<value><nil/></value>\n"...), nil
	case string:
		return appendString(dst, x), nil
	case int:
		return appendInt(dst, int64(x)), nil
	case int64:
		return appendInt(dst, x), nil
	case int32:
		return appendInt(dst, int64(x)), nil
	case bool:
		if x {
			return append(dst, "<value><boolean>1</boolean></value>\n"...), nil
		}
		return append(dst, "<value><boolean>0</boolean></value>\n"...), nil
	case float64:
		return appendDouble(dst, x), nil
	case float32:
		return appendDouble(dst, float64(x)), nil
	case time.Time:
		dst = append(dst, "<value><dateTime.iso8601>"...)
		dst = x.AppendFormat(dst, dateTimeLayout)
		return append(dst, "</dateTime.iso8601></value>\n"...), nil
	case []byte:
		dst = append(dst, "<value><base64>\n"...)
		dst = base64.StdEncoding.AppendEncode(dst, x)
		return append(dst, "\n</base64></value>\n"...), nil
	case Struct:
		dst = append(dst, "<value><struct>\n"...)
		for _, m := range x {
			if dst, err = appendMember(dst, m.Name, m.Value, depth); err != nil {
				return dst, err
			}
		}
		return append(dst, "</struct></value>\n"...), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, "<value><struct>\n"...)
		for _, k := range keys {
			if dst, err = appendMember(dst, k, x[k], depth); err != nil {
				return dst, err
			}
		}
		return append(dst, "</struct></value>\n"...), nil
	case []any:
		dst = append(dst, "<value><array><data>\n"...)
		for _, e := range x {
			if dst, err = appendValue(dst, e, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, "</data></array></value>\n"...), nil
	case []string:
		dst = append(dst, "<value><array><data>\n"...)
		for _, e := range x {
			dst = appendString(dst, e)
		}
		return append(dst, "</data></array></value>\n"...), nil
	case *Fault:
		// A fault inside a value (a multicall result) is its struct form.
		return appendValue(dst, map[string]any{"faultCode": int(x.Code), "faultString": x.String}, depth)
	}
	return appendReflect(dst, reflect.ValueOf(v), depth)
}

func appendMemberName(dst []byte, name string) []byte {
	dst = append(dst, "<member>\n<name>"...)
	dst = appendEscaped(dst, name)
	return append(dst, "</name>\n"...)
}

func appendMember(dst []byte, name string, v any, depth int) ([]byte, error) {
	dst, err := appendValue(appendMemberName(dst, name), v, depth+1)
	if err != nil {
		return dst, err
	}
	return append(dst, "</member>\n"...), nil
}

// appendReflect covers the kinds the fast path above does not name: other
// integer sizes, typed slices and maps with string keys, pointers.
func appendReflect(dst []byte, rv reflect.Value, depth int) ([]byte, error) {
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return appendInt(dst, rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u > math.MaxInt64 {
			return dst, fmt.Errorf("xmlrpc: unsigned value %d out of range", u)
		}
		return appendInt(dst, int64(u)), nil
	case reflect.Bool:
		return appendValue(dst, rv.Bool(), depth)
	case reflect.String:
		return appendString(dst, rv.String()), nil
	case reflect.Float32, reflect.Float64:
		return appendDouble(dst, rv.Float()), nil
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return appendValue(dst, nil, depth)
		}
		return appendValue(dst, rv.Elem().Interface(), depth+1)
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8 {
			return appendValue(dst, rv.Bytes(), depth)
		}
		var err error
		structs := rv.Type().Elem().Kind() == reflect.Struct && rv.Type().Elem() != reflect.TypeFor[time.Time]()
		dst = append(dst, "<value><array><data>\n"...)
		for i := range rv.Len() {
			if structs { // without boxing each element
				if depth+1 > maxEncodeDepth {
					return dst, fmt.Errorf("xmlrpc: value nested deeper than %d levels", maxEncodeDepth)
				}
				dst, err = appendGoStruct(dst, rv.Index(i), depth+1)
			} else {
				dst, err = appendValue(dst, rv.Index(i).Interface(), depth+1)
			}
			if err != nil {
				return dst, err
			}
		}
		return append(dst, "</data></array></value>\n"...), nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			break
		}
		keys := rv.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int {
			if a.String() < b.String() {
				return -1
			}
			if a.String() > b.String() {
				return 1
			}
			return 0
		})
		var err error
		dst = append(dst, "<value><struct>\n"...)
		for _, k := range keys {
			if dst, err = appendMember(dst, k.String(), rv.MapIndex(k).Interface(), depth); err != nil {
				return dst, err
			}
		}
		return append(dst, "</struct></value>\n"...), nil
	case reflect.Struct:
		// Compare types before boxing: Interface() on a struct element of
		// a slice copies it to the heap, once per element written.
		if rv.Type() == timeType {
			return appendValue(dst, rv.Interface(), depth)
		}
		return appendGoStruct(dst, rv, depth)
	case reflect.Invalid:
		return appendValue(dst, nil, depth)
	}
	return dst, fmt.Errorf("xmlrpc: cannot encode a value of type %s", rv.Type())
}

// plainXMLByte tells the bytes that appendEscaped copies as they are:
// printable ASCII but '&', '<' and '>'. One table load per byte instead of
// five comparisons: escaping is the hottest loop of a large answer.
var plainXMLByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '&' && c != '<' && c != '>'
	}
	return t
}()

// appendEscaped writes s as XML character data. Beyond Python's escaping of
// & < >, it keeps a carriage return as &#13; (a raw one would be turned
// into a newline by every XML parser) and replaces what XML 1.0 cannot
// carry at all (invalid UTF-8, control characters such as the ESC of ANSI
// colour codes in a log) with U+FFFD, so that a log tail never produces a
// document the client cannot parse.
func appendEscaped(dst []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if plainXMLByte[c] {
			i++
			continue
		}
		var repl string
		size := 1
		switch {
		case c == '&':
			repl = "&amp;"
		case c == '<':
			repl = "&lt;"
		case c == '>':
			repl = "&gt;"
		case c == '\r':
			repl = "&#13;"
		case c == '\n' || c == '\t':
			i++
			continue
		case c < 0x20:
			repl = "\uFFFD"
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			size = n
			if r != utf8.RuneError || n != 1 {
				if isXMLChar(r) {
					i += n
					continue
				}
			}
			repl = "\uFFFD"
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, repl...)
		i += size
		start = i
	}
	return append(dst, s[start:]...)
}

// isXMLChar reports whether r may appear in an XML 1.0 document; the
// ASCII range is handled by the caller.
func isXMLChar(r rune) bool {
	return (r >= 0x80 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}
