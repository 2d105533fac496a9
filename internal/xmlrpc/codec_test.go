package xmlrpc

import (
	"bytes"
	"errors"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/errdefs"
)

const testLimit = 1 << 20

func roundTripCall(t *testing.T, params ...any) []any {
	t.Helper()
	doc, err := AppendCall(nil, "ns.method", params)
	if err != nil {
		t.Fatalf("AppendCall: %v", err)
	}
	method, got, err := DecodeCall(bytes.NewReader(doc), testLimit)
	if err != nil {
		t.Fatalf("DecodeCall(%s): %v", doc, err)
	}
	if method != "ns.method" {
		t.Fatalf("method = %q", method)
	}
	return got
}

func TestRoundTripEveryType(t *testing.T) {
	when := time.Date(2026, 11, 23, 22, 40, 5, 0, time.UTC)
	in := []any{
		0, 42, -7, math.MaxInt32, math.MinInt32, int64(math.MaxInt32) + 1, int64(math.MinInt64), int32(5), int8(-3), uint16(9),
		true, false,
		"", "plain", "a<b>&c", "tab\tnew\nline", "crlf\r\n", "héllo ☃ 𝄞",
		1.5, -0.25, 1e21, 1e-7, 0.0,
		when,
		[]byte{}, []byte("binary\x00\xff"),
		[]any{}, []any{1, "x", []any{true}},
		[]string{"a", "b"},
		map[string]any{}, map[string]any{"b": 1, "a": map[string]any{"z": nil}},
		Struct{{"z", 1}, {"a", "x"}},
		nil,
	}
	want := []any{
		0, 42, -7, math.MaxInt32, math.MinInt32, math.MaxInt32 + 1, math.MinInt64, 5, -3, 9,
		true, false,
		"", "plain", "a<b>&c", "tab\tnew\nline", "crlf\r\n", "héllo ☃ 𝄞",
		1.5, -0.25, 1e21, 1e-7, 0.0,
		when,
		[]byte{}, []byte("binary\x00\xff"),
		[]any{}, []any{1, "x", []any{true}},
		[]any{"a", "b"},
		map[string]any{}, map[string]any{"b": 1, "a": map[string]any{"z": nil}},
		map[string]any{"z": 1, "a": "x"},
		nil,
	}
	got := roundTripCall(t, in...)
	if len(got) != len(want) {
		t.Fatalf("got %d params, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("param %d: got %#v, want %#v", i, got[i], want[i])
		}
	}
}

func TestEncodeIntWidth(t *testing.T) {
	small, _ := AppendResponse(nil, math.MaxInt32)
	if !bytes.Contains(small, []byte("<int>2147483647</int>")) {
		t.Errorf("int32 max not encoded as <int>: %s", small)
	}
	big, _ := AppendResponse(nil, int64(math.MaxInt32)+1)
	if !bytes.Contains(big, []byte("<i8>2147483648</i8>")) {
		t.Errorf("int over 2^31 not encoded as <i8>: %s", big)
	}
	if _, err := AppendResponse(nil, uint64(math.MaxUint64)); err == nil {
		t.Error("uint64 beyond int64 encoded without error")
	}
	if _, err := AppendResponse(nil, make(chan int)); err == nil {
		t.Error("a channel encoded without error")
	}
}

func TestEncodeLayoutMatchesPython(t *testing.T) {
	got, err := AppendResponse(nil, "x")
	if err != nil {
		t.Fatal(err)
	}
	want := "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><string>x</string></value>\n</param>\n</params>\n</methodResponse>\n"
	if string(got) != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	fault := AppendFault(nil, &Fault{Code: errdefs.BadName, String: "BAD_NAME: a<b"})
	wantFault := "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n<value><int>10</int></value>\n</member>\n<member>\n<name>faultString</name>\n<value><string>BAD_NAME: a&lt;b</string></value>\n</member>\n</struct></value>\n</fault>\n</methodResponse>\n"
	if string(fault) != wantFault {
		t.Errorf("got %q\nwant %q", fault, wantFault)
	}
}

func TestEncodeSanitisesWhatXMLCannotCarry(t *testing.T) {
	got := roundTripCall(t, "\x1b[31mred\x1b[0m", "bad\xffutf8", "ok\uFFFD")
	want := []any{"\uFFFD[31mred\uFFFD[0m", "bad\uFFFDutf8", "ok\uFFFD"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestEncodeOrderedAndSortedStructs(t *testing.T) {
	doc, _ := AppendResponse(nil, Struct{{"zeta", 1}, {"alpha", 2}})
	if bytes.Index(doc, []byte("zeta")) > bytes.Index(doc, []byte("alpha")) {
		t.Errorf("Struct member order not kept: %s", doc)
	}
	doc, _ = AppendResponse(nil, map[string]any{"zeta": 1, "alpha": 2})
	if bytes.Index(doc, []byte("zeta")) < bytes.Index(doc, []byte("alpha")) {
		t.Errorf("map keys not sorted: %s", doc)
	}
}

func TestDecodeTolerantForms(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []any
	}{
		{"byte order mark", "\xef\xbb\xbf<?xml version='1.0'?><methodCall><methodName>a.b</methodName></methodCall>", []any{}},
		{"no params", `<?xml version="1.0"?><methodCall><methodName>a.b</methodName></methodCall>`, []any{}},
		{"empty params", `<methodCall><methodName>a.b</methodName><params/></methodCall>`, []any{}},
		{"untyped value keeps spaces", `<methodCall><methodName>a.b</methodName><params><param><value> x y </value></param></params></methodCall>`, []any{" x y "}},
		{"empty value", `<methodCall><methodName>a.b</methodName><params><param><value/></param></params></methodCall>`, []any{""}},
		{"empty string", `<methodCall><methodName>a.b</methodName><params><param><value><string/></value></param></params></methodCall>`, []any{""}},
		{"i4 i8 and spaces", `<methodCall><methodName>a.b</methodName><params><param><value><i4> 3 </i4></value></param><param><value><i8>9000000000</i8></value></param></params></methodCall>`, []any{3, 9000000000}},
		{"boolean only 1 is true", `<methodCall><methodName>a.b</methodName><params><param><value><boolean>1</boolean></value></param><param><value><boolean>true</boolean></value></param></params></methodCall>`, []any{true, false}},
		{"nil and ex:nil", `<methodCall><methodName>a.b</methodName><params><param><value><nil/></value></param><param><value><ex:nil xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions"/></value></param></params></methodCall>`, []any{nil, nil}},
		{"base64 with newlines", "<methodCall><methodName>a.b</methodName><params><param><value><base64>\naGVs\nbG8=\n</base64></value></param></params></methodCall>", []any{[]byte("hello")}},
		{"entities comments cdata", `<methodCall><!-- c --><methodName>a.b</methodName><params><param><value><string>&lt;&#65;<![CDATA[<x>]]></string></value></param></params></methodCall>`, []any{"<A<x>"}},
		{"array without data", `<methodCall><methodName>a.b</methodName><params><param><value><array/></value></param></params></methodCall>`, []any{[]any{}}},
		{"struct member value first", `<methodCall><methodName>a.b</methodName><params><param><value><struct><member><value><int>1</int></value><name>k</name></member></struct></value></param></params></methodCall>`, []any{map[string]any{"k": 1}}},
		{"latin-1 declaration", "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><methodCall><methodName>a.b</methodName><params><param><value>caf\xe9</value></param></params></methodCall>", []any{"café"}},
		{"dashed datetime", `<methodCall><methodName>a.b</methodName><params><param><value><dateTime.iso8601>2020-01-02T03:04:05</dateTime.iso8601></value></param></params></methodCall>`, []any{time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, got, err := DecodeCall(strings.NewReader(tt.doc), testLimit)
			if err != nil {
				t.Fatalf("DecodeCall: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestDecodeRejectsMalformed(t *testing.T) {
	docs := map[string]string{
		"empty":            ``,
		"not xml":          `hello`,
		"wrong root":       `<methodResponse/>`,
		"no method name":   `<methodCall><params/></methodCall>`,
		"blank name":       `<methodCall><methodName> </methodName></methodCall>`,
		"truncated":        `<methodCall><methodName>a.b</methodName><params><param><value><int>1`,
		"mismatched":       `<methodCall><methodName>a.b</methodName><params><param><value><int>1</string></value></param></params></methodCall>`,
		"bad int":          `<methodCall><methodName>a.b</methodName><params><param><value><int>x</int></value></param></params></methodCall>`,
		"int overflow":     `<methodCall><methodName>a.b</methodName><params><param><value><int>99999999999999999999</int></value></param></params></methodCall>`,
		"bad double":       `<methodCall><methodName>a.b</methodName><params><param><value><double>x</double></value></param></params></methodCall>`,
		"bad base64":       `<methodCall><methodName>a.b</methodName><params><param><value><base64>!!!</base64></value></param></params></methodCall>`,
		"bad date":         `<methodCall><methodName>a.b</methodName><params><param><value><dateTime.iso8601>yesterday</dateTime.iso8601></value></param></params></methodCall>`,
		"unknown type":     `<methodCall><methodName>a.b</methodName><params><param><value><float>1</float></value></param></params></methodCall>`,
		"member no value":  `<methodCall><methodName>a.b</methodName><params><param><value><struct><member><name>a</name></member></struct></value></param></params></methodCall>`,
		"element in int":   `<methodCall><methodName>a.b</methodName><params><param><value><int><b/></int></value></param></params></methodCall>`,
		"two types":        `<methodCall><methodName>a.b</methodName><params><param><value><int>1</int><int>2</int></value></param></params></methodCall>`,
		"param no value":   `<methodCall><methodName>a.b</methodName><params><param></param></params></methodCall>`,
		"text in struct":   `<methodCall><methodName>a.b</methodName><params><param><value><struct>x</struct></value></param></params></methodCall>`,
		"invalid utf8":     "<methodCall><methodName>a.b</methodName><params><param><value>\xff</value></param></params></methodCall>",
		"unknown charset":  `<?xml version="1.0" encoding="koi8-r"?><methodCall><methodName>a.b</methodName></methodCall>`,
		"undefined entity": `<methodCall><methodName>a.b</methodName><params><param><value>&nbsp;</value></param></params></methodCall>`,
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			if _, _, err := DecodeCall(strings.NewReader(doc), testLimit); err == nil {
				t.Errorf("DecodeCall(%q) succeeded", doc)
			}
		})
	}
}

func TestDecodeResponse(t *testing.T) {
	doc, _ := AppendResponse(nil, []any{map[string]any{"name": "x", "pid": 12}})
	v, err := DecodeResponse(bytes.NewReader(doc), testLimit)
	if err != nil {
		t.Fatal(err)
	}
	if want := []any{map[string]any{"name": "x", "pid": 12}}; !reflect.DeepEqual(v, want) {
		t.Errorf("got %#v, want %#v", v, want)
	}

	doc = AppendFault(nil, &Fault{Code: errdefs.BadName, String: "BAD_NAME: foo"})
	_, err = DecodeResponse(bytes.NewReader(doc), testLimit)
	var f *Fault
	if !errors.As(err, &f) || f.Code != errdefs.BadName || f.String != "BAD_NAME: foo" {
		t.Fatalf("got %v, want the BAD_NAME fault", err)
	}
	// A remote fault is recognised as the error kind it carries.
	if !errdefs.Is(err, errdefs.BadName) || !errors.Is(err, errdefs.New(errdefs.BadName, "foo")) {
		t.Errorf("errdefs does not recognise %v", err)
	}

	for _, bad := range []string{
		`<methodResponse><params><param><value>1</value></param><param><value>2</value></param></params></methodResponse>`,
		`<methodResponse><fault><value><string>x</string></value></fault></methodResponse>`,
		`<methodResponse><fault><value><struct><member><name>faultCode</name><value>x</value></member></struct></value></fault></methodResponse>`,
		`<methodResponse></methodResponse>`,
		`<methodResponse><other/></methodResponse>`,
	} {
		if _, err := DecodeResponse(strings.NewReader(bad), testLimit); err == nil || errors.As(err, &f) {
			t.Errorf("DecodeResponse(%q) = %v, want a decoding error", bad, err)
		}
	}
}

// endlessReader produces a methodCall whose single string never ends: it
// stands for a 100 MB body without allocating it.
type endlessReader struct {
	header []byte
	served int64
	total  int64
}

func (r *endlessReader) Read(p []byte) (int, error) {
	if r.served >= r.total {
		return 0, io.EOF
	}
	if len(p) > int(r.total-r.served) {
		p = p[:r.total-r.served]
	}
	n := 0
	if r.served < int64(len(r.header)) {
		n = copy(p, r.header[r.served:])
	}
	for i := n; i < len(p); i++ {
		p[i] = 'a'
	}
	r.served += int64(len(p))
	return len(p), nil
}

func TestDecodeRejectsOversizedBodyWithoutReadingIt(t *testing.T) {
	const hundredMB = 100 << 20
	r := &endlessReader{header: []byte("<methodCall><methodName>a.b</methodName><params><param><value><string>"), total: hundredMB}
	const limit = 1 << 20
	_, _, err := DecodeCall(r, limit)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	// The decoder stops at the limit (plus one probe read).
	if r.served > limit+64<<10 {
		t.Errorf("decoder read %d bytes of a 100 MB body with a %d-byte limit", r.served, limit)
	}
}

func TestDecodeBoundsNesting(t *testing.T) {
	const levels = 10000
	var b strings.Builder
	b.WriteString("<methodCall><methodName>a.b</methodName><params><param><value>")
	for range levels {
		b.WriteString("<array><data><value>")
	}
	b.WriteString("1")
	for range levels {
		b.WriteString("</value></data></array>")
	}
	b.WriteString("</value></param></params></methodCall>")
	_, _, err := DecodeCall(strings.NewReader(b.String()), testLimit)
	if err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Fatalf("got %v, want a nesting error", err)
	}
	// Within the bound it decodes.
	b.Reset()
	b.WriteString("<methodCall><methodName>a.b</methodName><params><param><value>")
	for range MaxDepth {
		b.WriteString("<struct><member><name>k</name><value>")
	}
	b.WriteString("1")
	for range MaxDepth {
		b.WriteString("</value></member></struct>")
	}
	b.WriteString("</value></param></params></methodCall>")
	if _, _, err := DecodeCall(strings.NewReader(b.String()), testLimit); err != nil {
		t.Fatalf("nesting of %d levels: %v", MaxDepth, err)
	}
	// The encoder refuses to build what the decoder would refuse.
	var deep any = 1
	for range levels {
		deep = []any{deep}
	}
	if _, err := AppendResponse(nil, deep); err == nil {
		t.Error("encoding 10,000 nested arrays succeeded")
	}
}

func FuzzDecode(f *testing.F) {
	seeds := []string{
		`<methodCall><methodName>a.b</methodName><params><param><value><int>1</int></value></param></params></methodCall>`,
		`<methodCall><methodName>system.multicall</methodName><params><param><value><array><data><value><struct><member><name>methodName</name><value>x.y</value></member></struct></value></data></array></value></param></params></methodCall>`,
		`<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member><member><name>faultString</name><value>X</value></member></struct></value></fault></methodResponse>`,
		`<methodCall><methodName>a.b</methodName><params><param><value><base64>aGk=</base64></value></param><param><value><dateTime.iso8601>20200101T00:00:00</dateTime.iso8601></value></param><param><value><double>1.5</double></value></param><param><value><nil/></value></param></params></methodCall>`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		method, params, err := DecodeCall(bytes.NewReader(doc), 1<<16)
		if err == nil {
			if method == "" {
				t.Fatal("decoded a call without a method name")
			}
			// What we decoded, we can encode and decode again to the same.
			again, err := AppendCall(nil, method, params)
			if err != nil {
				t.Fatalf("re-encoding %#v: %v", params, err)
			}
			_, params2, err := DecodeCall(bytes.NewReader(again), 1<<20)
			if err != nil {
				t.Fatalf("decoding our own encoding %q: %v", again, err)
			}
			if len(params2) != len(params) {
				t.Fatalf("round trip changed the parameter count")
			}
		}
		_, _ = DecodeResponse(bytes.NewReader(doc), 1<<16)
	})
}

// FuzzDecodeAgainstEncodingXML checks the scanner-based decoder against
// the first one, built on encoding/xml: whatever the scanner accepts,
// encoding/xml accepts too, with the same values. The scanner may be
// stricter (it refuses DOCTYPE declarations, for one).
func FuzzDecodeAgainstEncodingXML(f *testing.F) {
	for _, s := range []string{
		`<?xml version='1.0'?><methodCall><methodName>a.b</methodName><params><param><value><string>x&amp;y&#65;</string></value></param></params></methodCall>`,
		`<methodCall><methodName>a.b</methodName><params><param><value>a<!--c-->b<![CDATA[<c>]]>` + "\r\n" + `</value></param></params></methodCall>`,
		`<methodCall><methodName>a.b</methodName><params><param><value><struct><member><name>k</name><value><array><data><value><i8>1</i8></value><value><ex:nil xmlns:ex="u"/></value></data></array></value></member></struct></value></param></params></methodCall>`,
		`<?xml version="1.0" encoding="iso-8859-1"?><methodCall><methodName>a.b</methodName><params><param><value>` + "\xe9" + `</value></param></params></methodCall>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		// encoding/xml does not skip a byte order mark; the scanner does.
		refDoc := bytes.TrimPrefix(doc, []byte("\xef\xbb\xbf"))
		method, params, err := DecodeCall(bytes.NewReader(doc), 1<<16)
		refMethod, refParams, refErr := refDecodeCall(bytes.NewReader(refDoc), 1<<16)
		if err == nil {
			if refErr != nil {
				t.Fatalf("scanner accepted %q, encoding/xml refused it: %v", doc, refErr)
			}
			if method != refMethod || !reflect.DeepEqual(params, refParams) {
				t.Fatalf("%q: scanner gave %q %#v, encoding/xml %q %#v", doc, method, params, refMethod, refParams)
			}
		}
		v, err := DecodeResponse(bytes.NewReader(doc), 1<<16)
		refV, refErr := refDecodeResponse(bytes.NewReader(refDoc), 1<<16)
		if err == nil || errors.As(err, new(*Fault)) {
			if refErr != nil && !errors.As(refErr, new(*Fault)) {
				t.Fatalf("scanner accepted response %q, encoding/xml refused it: %v", doc, refErr)
			}
			if !reflect.DeepEqual(v, refV) || !reflect.DeepEqual(err, refErr) {
				t.Fatalf("%q: scanner gave %#v %v, encoding/xml %#v %v", doc, v, err, refV, refErr)
			}
		}
	})
}
