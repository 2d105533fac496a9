package supvisors

import (
	"math"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

func TestClockTimeIsLocalTimeOfDay(t *testing.T) {
	india := time.FixedZone("IST", 5*3600+1800)
	for _, c := range []struct {
		v    any
		loc  *time.Location
		want string
	}{
		{1795468180, time.UTC, "21:09:40"},
		{1795468180, india, "02:39:40"},
		// Python's time.localtime rounds down.
		{1795468180.999, time.UTC, "21:09:40"},
		{-0.5, time.UTC, "23:59:59"},
		{true, time.UTC, "00:00:01"},
	} {
		got, err := clockTime(c.v, c.loc)
		if err != nil || got != c.want {
			t.Errorf("clockTime(%v, %s) = %q, %v; want %q", c.v, c.loc, got, err, c.want)
		}
	}
	for _, bad := range []any{"21:09:40", nil, math.NaN(), math.Inf(1), []any{}} {
		if got, err := clockTime(bad, time.UTC); err == nil {
			t.Errorf("clockTime(%#v) = %q, want an error", bad, got)
		}
	}
}

func TestPyStrSpellsLikePython(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{"a'b", "a'b"},
		{true, "True"},
		{false, "False"},
		{nil, "None"},
		{42, "42"},
		{1.0, "1.0"},
		{0.1, "0.1"},
		{[]any{}, "[]"},
		{[]any{"a:1", "it's", 2, nil, []any{false}}, `['a:1', "it's", 2, None, [False]]`},
		{map[string]any{"b": 1, "a": "x"}, "{'a': 'x', 'b': 1}"},
	} {
		if got := pyfmt.Str(c.v); got != c.want {
			t.Errorf("pyfmt.Str(%#v) = %q, want %q", c.v, got, c.want)
		}
	}
}

func TestTruthyIsPythonTruth(t *testing.T) {
	for _, v := range []any{nil, false, 0, 0.0, "", []any{}, map[string]any{}} {
		if pyfmt.Truthy(v) {
			t.Errorf("pyfmt.Truthy(%#v)", v)
		}
	}
	for _, v := range []any{true, 1, -1, 0.5, "x", []any{nil}, map[string]any{"": nil}} {
		if !pyfmt.Truthy(v) {
			t.Errorf("!pyfmt.Truthy(%#v)", v)
		}
	}
}

// Widths count characters, not bytes, and never cut a value.
func TestTableLayout(t *testing.T) {
	rows := []record{{"name": "Äbc"}, {"name": 12345}, {"other": "a very long value"}}
	if got := columnWidth(rows, "name", "N"); got != 7 {
		t.Errorf("columnWidth = %d, want 7", got)
	}
	if got := columnWidth(nil, "name", "Title"); got != 7 {
		t.Errorf("columnWidth of no rows = %d, want 7", got)
	}
	got := tableLine(cell{"Äb", 4}, cell{"toolong", 3}, cell{"x", 0}, cell{"end", 5})
	if want := "Äb  toolongxend  "; got != want {
		t.Errorf("tableLine = %q, want %q", got, want)
	}
}

func TestProcessStateName(t *testing.T) {
	for v, want := range map[any]string{0: "STOPPED", 20: "RUNNING", 1000: "UNKNOWN", 7: "None", "20": "None"} {
		if got := processStateName(v); got != want {
			t.Errorf("processStateName(%#v) = %q, want %q", v, got, want)
		}
	}
}
