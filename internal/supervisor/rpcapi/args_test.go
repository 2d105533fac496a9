package rpcapi

import (
	"testing"

	"github.com/supvisors-go/supvisors/internal/errdefs"
)

func TestPyStr(t *testing.T) {
	for _, tt := range []struct {
		in   any
		want string
	}{
		{5, "5"},
		{true, "True"},
		{false, "False"},
		{nil, "None"},
		{1.5, "1.5"},
		{[]any{1, "a'b", true}, `[1, 'a\'b', True]`},
	} {
		if got := pyStr(tt.in); got != tt.want {
			t.Errorf("pyStr(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidText(t *testing.T) {
	whole := []byte("h\xc3\xa9llo")
	if got := validText(whole); got != "héllo" {
		t.Errorf("validText(whole) = %q", got)
	}
	// A read that cuts the two-byte é in half.
	if got := validText(whole[:2]); got != "h\uFFFD" {
		t.Errorf("validText(cut) = %q", got)
	}
}

func TestArgHelpers(t *testing.T) {
	params := []any{"s", []byte("b"), 3, "4", 2.9, true, map[string]any{}}
	if s, err := stringArg(params, 1); s != "b" || err != nil {
		t.Errorf("stringArg(base64) = %q, %v", s, err)
	}
	if _, err := stringArg(params, 2); !errdefs.Is(err, errdefs.IncorrectParameters) {
		t.Errorf("stringArg(int) error = %v", err)
	}
	for i, want := range map[int]int64{2: 3, 3: 4, 4: 2, 5: 1} {
		if n, err := intArg(params, i); n != want || err != nil {
			t.Errorf("intArg(%v) = %d, %v; want %d", params[i], n, err, want)
		}
	}
	if _, err := intArg(params, 0); !errdefs.Is(err, errdefs.IncorrectParameters) {
		t.Errorf("intArg(\"s\") error = %v", err)
	}
	if boolArg(params, 99, true) != true || boolArg(params, 6, true) != false || boolArg(params, 2, false) != true {
		t.Errorf("boolArg does not follow Python truthiness")
	}
	if err := checkArity(params, 0, 3); !errdefs.Is(err, errdefs.IncorrectParameters) {
		t.Errorf("checkArity(7 params, max 3) = %v", err)
	}
}
