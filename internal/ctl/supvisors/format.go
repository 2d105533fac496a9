package supvisors

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// fields splits a command argument on whitespace, as str.split() does.
func fields(arg string) []string { return strings.FieldsFunc(arg, unicode.IsSpace) }

// record is one struct of a daemon's answer.
type record map[string]any

func (r record) str(key string) string { return pyfmt.Str(r[key]) }

// records converts an answer that must be an array of structs, each with
// every one of keys, as the plugin reads them.
func records(v any, keys ...string) ([]record, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, answerError("an array", v)
	}
	out := make([]record, 0, len(list))
	for _, item := range list {
		r, err := oneRecord(item, keys...)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// oneRecord converts an answer that must be a struct with every one of
// keys.
func oneRecord(v any, keys ...string) (record, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, answerError("a struct", v)
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			// The plugin would fail on the missing key the same way.
			return nil, fmt.Errorf("the daemon's answer has no %s member", pyfmt.Repr(k))
		}
	}
	return record(m), nil
}

func answerError(want string, v any) error {
	return fmt.Errorf("the daemon answered %s where %s was expected", pyfmt.ReprValue(v), want)
}

// columnWidth is the width of a column whose values vary: the longest of
// its title and of the values that the rows hold, plus two spaces. Rows
// without the key are left out, as the plugin leaves them out.
func columnWidth(rows []record, key, title string) int {
	width := utf8.RuneCountInString(title)
	for _, r := range rows {
		if v, ok := r[key]; ok {
			width = max(width, utf8.RuneCountInString(pyfmt.Str(v)))
		}
	}
	return width + 2
}

// cell is one value of a table line and the width it is left-aligned in;
// a zero width leaves it as it is (the last column).
type cell struct {
	text  string
	width int
}

// tableLine lays cells out as "%-Ns" does: padded with spaces to their
// width, never cut.
func tableLine(cells ...cell) string {
	var b strings.Builder
	for _, c := range cells {
		b.WriteString(c.text)
		if pad := c.width - utf8.RuneCountInString(c.text); pad > 0 {
			b.WriteString(strings.Repeat(" ", pad))
		}
	}
	return b.String()
}

// clockTime spells an epoch time as the wall-clock time of day in loc,
// HH:MM:SS, rounding down to the second as Python's time.localtime does.
func clockTime(v any, loc *time.Location) (string, error) {
	var seconds int64
	switch x := v.(type) {
	case int:
		seconds = int64(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", fmt.Errorf("invalid time %s in the daemon's answer", pyfmt.ReprValue(v))
		}
		seconds = int64(math.Floor(x))
	case bool:
		if x {
			seconds = 1
		}
	default:
		return "", fmt.Errorf("invalid time %s in the daemon's answer", pyfmt.ReprValue(v))
	}
	return time.Unix(seconds, 0).In(loc).Format("15:04:05"), nil
}

// processStateNames are Supervisor's process state names by code, as
// getProcessStateDescription answers them.
var processStateNames = map[int]string{
	0:    "STOPPED",
	10:   "STARTING",
	20:   "RUNNING",
	30:   "BACKOFF",
	40:   "STOPPING",
	100:  "EXITED",
	200:  "FATAL",
	1000: "UNKNOWN",
}

// processStateName is the name of a process state code, or "None" for a
// code Supervisor does not know.
func processStateName(v any) string {
	if code, ok := v.(int); ok {
		if name, ok := processStateNames[code]; ok {
			return name
		}
	}
	return "None"
}
