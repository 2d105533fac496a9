package rpcapi

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/supvisors-go/supvisors/internal/errdefs"
)

// incorrectParameters is the fault Supervisor's dispatcher gives for a wrong
// number of arguments or a TypeError inside a method: no extra text.
func incorrectParameters() error { return errdefs.New(errdefs.IncorrectParameters, "") }

// checkArity fails unless min <= len(params) <= max.
func checkArity(params []any, minArgs, maxArgs int) error {
	if len(params) < minArgs || len(params) > maxArgs {
		return incorrectParameters()
	}
	return nil
}

// stringArg returns params[i] as a string; any other type is a TypeError in
// Supervisor's methods.
func stringArg(params []any, i int) (string, error) {
	switch v := params[i].(type) {
	case string:
		return v, nil
	case []byte:
		// Supervisor decodes <base64> to text.
		return string(v), nil
	}
	return "", incorrectParameters()
}

// intArg returns params[i] as Python's int() would: ints, floats (truncated)
// and decimal strings are accepted, since Supervisor converts offsets and
// lengths with int().
func intArg(params []any, i int) (int64, error) {
	switch v := params[i].(type) {
	case int:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case int64:
		return v, nil
	case bool:
		if v {
			return 1, nil
		}
		return 0, nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, incorrectParameters()
		}
		return int64(v), nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return 0, incorrectParameters()
		}
		return n, nil
	}
	return 0, incorrectParameters()
}

// boolArg returns params[i] by Python truthiness, or def when the argument
// was not given (the methods' "wait=True" default).
func boolArg(params []any, i int, def bool) bool {
	if i >= len(params) {
		return def
	}
	switch v := params[i].(type) {
	case bool:
		return v
	case int:
		return v != 0
	case int64:
		return v != 0
	case float64:
		return v != 0
	case string:
		return v != ""
	case []any:
		return len(v) > 0
	case map[string]any:
		return len(v) > 0
	case nil:
		return false
	}
	return true
}

// pyStr renders a decoded XML-RPC value as Python's str() would, for the
// fault texts that embed a value the client sent.
func pyStr(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case string:
		return v
	case []any:
		parts := make([]string, len(v))
		for i, item := range v {
			parts[i] = pyReprValue(item)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v)
}

func pyReprValue(v any) string {
	if s, ok := v.(string); ok {
		return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
	}
	return pyStr(v)
}
