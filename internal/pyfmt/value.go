package pyfmt

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Float spells f as Python's str() and repr() do, NaN and infinities
// included ("nan", "inf", "-inf").
func Float(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return string(AppendFloat(nil, f))
}

// Str spells a decoded XML-RPC value as Python's str() (and "%s") does,
// for messages that quote what a client sent or a server answered:
// strings as they are, None, True and False, ints, floats in repr form,
// lists and dicts with their items in repr form. Dict members come out in
// sorted key order: decoding loses the order they were sent in.
func Str(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		return x
	case []byte:
		return string(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return Float(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = ReprValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = Repr(k) + ": " + ReprValue(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmtAny(v)
}

// ReprValue spells a decoded XML-RPC value as Python's repr() does: Str,
// except that strings are quoted.
func ReprValue(v any) string {
	if s, ok := v.(string); ok {
		return Repr(s)
	}
	return Str(v)
}

// fmtAny is the last resort for types no XML-RPC decoder produces.
func fmtAny(v any) string { return fmt.Sprint(v) }

// Truthy is Python's truth value of a decoded XML-RPC value, for the
// parameters and answers that Supvisors tests with `if x:`.
func Truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case int:
		return x != 0
	case int64:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case []byte:
		return len(x) > 0
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}
