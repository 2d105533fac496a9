package wire

import (
	"math"
	"reflect"
	"testing"
)

// Expected spellings produced by Debian's Python 3 json.dumps.
func TestPythonFloatSpelling(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{3193.167628272, "3193.167628272"},
		{0.0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1.0, "1.0"},
		{2.3, "2.3"},
		{0.1, "0.1"},
		{672.8900000000001, "672.8900000000001"},
		{2995.5099999999998, "2995.5099999999998"},
		{1795468990.9472034, "1795468990.9472034"},
		{1e+16, "1e+16"},
		{1.5e+16, "1.5e+16"},
		{9999999999999998.0, "9999999999999998.0"},
		{123456789012345.6, "123456789012345.6"},
		{1e-05, "1e-05"},
		{0.0001, "0.0001"},
		{0.00012345, "0.00012345"},
		{1e-07, "1e-07"},
		{1.7976931348623157e+308, "1.7976931348623157e+308"},
		{5e-324, "5e-324"},
		{1234567.0, "1234567.0"},
		{100.0, "100.0"},
		{1e+22, "1e+22"},
		{-3.5e-10, "-3.5e-10"},
		{0.007292144707264143, "0.007292144707264143"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "Infinity"},
		{math.Inf(-1), "-Infinity"},
	}
	for _, tt := range tests {
		if got := string(appendPyFloat(nil, tt.in)); got != tt.want {
			t.Errorf("appendPyFloat(%v) = %s, want %s", tt.in, got, tt.want)
		}
		back, err := parseJSON([]byte(tt.want))
		f, ok := back.(float64)
		if err != nil || !ok || (f != tt.in && !(math.IsNaN(f) && math.IsNaN(tt.in))) {
			t.Errorf("parseJSON(%s) = %v, %v", tt.want, back, err)
		}
	}
}

func TestPythonStringEscaping(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{"quote\"back\\slash", `"quote\"back\\slash"`},
		{"tab\tnl\ncr\rbs\bff\f", `"tab\tnl\ncr\rbs\bff\f"`},
		{"\x00\x1f\x7f", `"\u0000\u001f\u007f"`},
		{"é€", `"\u00e9\u20ac"`},
		{"😀", `"\ud83d\ude00"`},
		{"<>&/", `"<>&/"`},
		{"\u2028", `"\u2028"`},
	}
	for _, tt := range tests {
		if got := string(appendPyString(nil, tt.in)); got != tt.want {
			t.Errorf("appendPyString(%q) = %s, want %s", tt.in, got, tt.want)
		}
		back, err := parseJSON([]byte(tt.want))
		if err != nil || back != tt.in {
			t.Errorf("parseJSON(%s) = %q, %v", tt.want, back, err)
		}
	}
}

func TestJSONModel(t *testing.T) {
	text := `{"i": 42, "neg": -7, "f": 1.0, "e": 1E3, "b": true, "n": null, "l": [], "o": {}, "s": "a\/b"}`
	v, err := parseJSON([]byte(" \n" + text + "\t"))
	if err != nil {
		t.Fatal(err)
	}
	want := Object{{"i", int64(42)}, {"neg", int64(-7)}, {"f", 1.0}, {"e", 1000.0}, {"b", true},
		{"n", nil}, {"l", []any{}}, {"o", Object{}}, {"s", "a/b"}}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("parseJSON = %#v", v)
	}
	out, err := appendJSON(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	const python = `{"i": 42, "neg": -7, "f": 1.0, "e": 1000.0, "b": true, "n": null, "l": [], "o": {}, "s": "a/b"}`
	if string(out) != python {
		t.Errorf("appendJSON = %s, want %s", out, python)
	}
}

func TestJSONErrors(t *testing.T) {
	for _, bad := range []string{``, `[`, `{"a" 1}`, `{1: 2}`, `[1,]`, `"abc`, `"\x"`, `"\u12"`,
		`tru`, `-`, `1 2`, `99999999999999999999`, "\"a\x01b\"", `[1 2]`, `{"a": 1,}`} {
		if v, err := parseJSON([]byte(bad)); err == nil {
			t.Errorf("parseJSON(%q) = %#v, want an error", bad, v)
		}
	}
	deep := make([]byte, 0, 200)
	for range 100 {
		deep = append(deep, '[')
	}
	if _, err := parseJSON(deep); err == nil {
		t.Error("a 100-deep document was accepted")
	}
	if _, err := appendJSON(nil, struct{}{}); err == nil {
		t.Error("appendJSON accepted a Go struct")
	}
}
