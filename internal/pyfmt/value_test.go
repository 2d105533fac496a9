package pyfmt

import (
	"math"
	"testing"
)

func TestStrAndReprValue(t *testing.T) {
	for _, tc := range []struct {
		in        any
		str, repr string
	}{
		{nil, "None", "None"},
		{true, "True", "True"},
		{false, "False", "False"},
		{"it's", "it's", `"it's"`},
		{"x", "x", "'x'"},
		{[]byte("raw"), "raw", "raw"},
		{5, "5", "5"},
		{int64(1) << 40, "1099511627776", "1099511627776"},
		{2.5, "2.5", "2.5"},
		{1e-05, "1e-05", "1e-05"},
		{math.Inf(-1), "-inf", "-inf"},
		{math.NaN(), "nan", "nan"},
		{[]any{"a", 1, true, nil}, "['a', 1, True, None]", "['a', 1, True, None]"},
		{map[string]any{"b": "x", "a": []any{1.0}}, "{'a': [1.0], 'b': 'x'}", "{'a': [1.0], 'b': 'x'}"},
	} {
		if got := Str(tc.in); got != tc.str {
			t.Errorf("Str(%#v) = %q, want %q", tc.in, got, tc.str)
		}
		if got := ReprValue(tc.in); got != tc.repr {
			t.Errorf("ReprValue(%#v) = %q, want %q", tc.in, got, tc.repr)
		}
	}
}

func TestTruthy(t *testing.T) {
	for _, v := range []any{true, 1, int64(2), 0.5, "x", []byte("x"), []any{0}, map[string]any{"a": 0}, struct{}{}} {
		if !Truthy(v) {
			t.Errorf("Truthy(%#v) = false", v)
		}
	}
	for _, v := range []any{nil, false, 0, int64(0), 0.0, "", []byte{}, []any{}, map[string]any{}} {
		if Truthy(v) {
			t.Errorf("Truthy(%#v) = true", v)
		}
	}
}
