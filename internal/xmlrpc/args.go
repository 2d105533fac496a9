package xmlrpc

import "github.com/supvisors-go/supvisors/internal/errdefs"

// Args gives handlers typed access to their parameters. Every accessor
// fails with INCORRECT_PARAMETERS (without extra text, as Supervisor's
// TypeError mapping) when the parameter is missing or has the wrong type.
type Args []any

func incorrect() error { return errdefs.New(errdefs.IncorrectParameters, "") }

// Count checks that there are between min and max parameters.
func (a Args) Count(min, max int) error {
	if len(a) < min || len(a) > max {
		return incorrect()
	}
	return nil
}

// Any returns parameter i whatever its type.
func (a Args) Any(i int) (any, error) {
	if i < 0 || i >= len(a) {
		return nil, incorrect()
	}
	return a[i], nil
}

// String returns parameter i as a string. A base64 value is accepted as
// its bytes, since Supervisor decodes <base64> to text.
func (a Args) String(i int) (string, error) {
	v, err := a.Any(i)
	if err != nil {
		return "", err
	}
	switch s := v.(type) {
	case string:
		return s, nil
	case []byte:
		return string(s), nil
	}
	return "", incorrect()
}

// Int returns parameter i as an int.
func (a Args) Int(i int) (int, error) {
	v, err := a.Any(i)
	if err != nil {
		return 0, err
	}
	switch n := v.(type) {
	case int:
		return n, nil
	case int64:
		return int(n), nil
	case int32:
		return int(n), nil
	}
	return 0, incorrect()
}

// Bool returns parameter i with Python's truth rules (what `if wait:`
// does in Supervisor), or def when the parameter is absent.
func (a Args) Bool(i int, def bool) (bool, error) {
	if i >= len(a) {
		return def, nil
	}
	switch b := a[i].(type) {
	case bool:
		return b, nil
	case int:
		return b != 0, nil
	case string:
		return b != "", nil
	case float64:
		return b != 0, nil // NaN != 0 holds: NaN is true in Python too
	}
	return false, incorrect()
}

// OptionalString returns parameter i as a string, or def when absent.
func (a Args) OptionalString(i int, def string) (string, error) {
	if i >= len(a) {
		return def, nil
	}
	return a.String(i)
}

// OptionalInt returns parameter i as an int, or def when absent.
func (a Args) OptionalInt(i int, def int) (int, error) {
	if i >= len(a) {
		return def, nil
	}
	return a.Int(i)
}

// Array returns parameter i as an array.
func (a Args) Array(i int) ([]any, error) {
	v, err := a.Any(i)
	if err != nil {
		return nil, err
	}
	if arr, ok := v.([]any); ok {
		return arr, nil
	}
	return nil, incorrect()
}

// Struct returns parameter i as a struct.
func (a Args) Struct(i int) (map[string]any, error) {
	v, err := a.Any(i)
	if err != nil {
		return nil, err
	}
	if m, ok := v.(map[string]any); ok {
		return m, nil
	}
	return nil, incorrect()
}
