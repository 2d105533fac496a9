package wire

import (
	"fmt"
	"math"
	"sort"

	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// record reads the members of a dict that arrived either as JSON (an
// Object, in the sender's order) or as an XML-RPC struct (a map, or a
// Struct). Every typed payload is decoded through it, so the JSON and the
// XML-RPC paths share one definition of each payload's keys and types.
type record struct {
	what   string // payload name, for error messages
	object Object
	m      map[string]any
}

func newRecord(what string, v any) (*record, error) {
	switch x := v.(type) {
	case Object:
		return &record{what: what, object: x}, nil
	case map[string]any:
		return &record{what: what, m: x}, nil
	case xmlrpc.Struct:
		o := make(Object, len(x))
		for i, m := range x {
			o[i] = Field{Key: m.Name, Value: m.Value}
		}
		return &record{what: what, object: o}, nil
	}
	return nil, fmt.Errorf("wire: %s is %s, not a dict", what, typeName(v))
}

func (r *record) lookup(key string) (any, bool) {
	if r.m != nil {
		v, ok := r.m[key]
		return v, ok
	}
	return r.object.Get(key)
}

func (r *record) has(key string) bool {
	_, ok := r.lookup(key)
	return ok
}

func (r *record) need(key string) (any, error) {
	v, ok := r.lookup(key)
	if !ok {
		return nil, fmt.Errorf("wire: %s has no %q", r.what, key)
	}
	return v, nil
}

func (r *record) str(key string) (string, error) {
	v, err := r.need(key)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("wire: %s %q is %s, not a string", r.what, key, typeName(v))
	}
	return s, nil
}

func (r *record) boolean(key string) (bool, error) {
	v, err := r.need(key)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("wire: %s %q is %s, not a bool", r.what, key, typeName(v))
	}
	return b, nil
}

func (r *record) integer(key string) (int64, error) {
	v, err := r.need(key)
	if err != nil {
		return 0, err
	}
	n, ok := asInt(v)
	if !ok {
		return 0, fmt.Errorf("wire: %s %q is %s, not an int", r.what, key, typeName(v))
	}
	return n, nil
}

func (r *record) integerInt(key string) (int, error) {
	n, err := r.integer(key)
	return int(n), err
}

func (r *record) float(key string) (float64, error) {
	v, err := r.need(key)
	if err != nil {
		return 0, err
	}
	f, ok := asFloat(v)
	if !ok {
		return 0, fmt.Errorf("wire: %s %q is %s, not a number", r.what, key, typeName(v))
	}
	return f, nil
}

func (r *record) strings(key string) ([]string, error) {
	v, err := r.need(key)
	if err != nil {
		return nil, err
	}
	return asStrings(r.what+" "+key, v)
}

// extra returns the members whose keys are not in known, in the sender's
// order (sorted by key when the dict came as an unordered map), so that
// re-encoding keeps what a newer or quirky sender added.
func (r *record) extra(known ...string) Object {
	isKnown := func(k string) bool {
		for _, n := range known {
			if n == k {
				return true
			}
		}
		return false
	}
	var out Object
	if r.m != nil {
		keys := make([]string, 0, len(r.m))
		for k := range r.m {
			if !isKnown(k) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, Field{Key: k, Value: normalize(r.m[k])})
		}
		return out
	}
	for _, f := range r.object {
		if !isKnown(f.Key) {
			out = append(out, Field{Key: f.Key, Value: normalize(f.Value)})
		}
	}
	return out
}

// entries returns the members of a dict-valued member in order, for the
// dicts keyed by data (instance_states, net_io, addresses...).
func (r *record) entries(key string) (Object, error) {
	v, err := r.need(key)
	if err != nil {
		return nil, err
	}
	sub, err := newRecord(r.what+" "+key, v)
	if err != nil {
		return nil, err
	}
	return sub.extra(), nil
}

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	}
	return 0, false
}

// asFloat accepts an integer too: Python code may hand an int where a
// float is usual (json.loads keeps the distinction, the receiver does not
// care), and an XML-RPC <int> is a valid number.
func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	}
	return math.NaN(), false
}

func asStrings(what string, v any) ([]string, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("wire: %s is %s, not a list", what, typeName(v))
	}
	out := make([]string, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("wire: %s[%d] is %s, not a string", what, i, typeName(e))
		}
		out[i] = s
	}
	return out, nil
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a bool"
	case string:
		return "a string"
	case int, int64:
		return "an int"
	case float64:
		return "a float"
	case []any:
		return "a list"
	case Object, map[string]any, xmlrpc.Struct:
		return "a dict"
	}
	return fmt.Sprintf("a %T", v)
}

// toXMLRPC turns a JSON model value into the value model of internal/xmlrpc:
// Objects become ordered Structs, int64 becomes int. A nil (JSON null) has
// no XML-RPC spelling that Python peers accept, so it is an error.
func toXMLRPC(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, fmt.Errorf("wire: null cannot travel over XML-RPC")
	case bool, string, float64, int:
		return x, nil
	case int64:
		return int(x), nil
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := toXMLRPC(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case Object:
		out := make(xmlrpc.Struct, len(x))
		for i, f := range x {
			c, err := toXMLRPC(f.Value)
			if err != nil {
				return nil, fmt.Errorf("%w (member %q)", err, f.Key)
			}
			out[i] = xmlrpc.Member{Name: f.Key, Value: c}
		}
		return out, nil
	}
	return nil, fmt.Errorf("wire: cannot convert %T to XML-RPC", v)
}

// normalize turns XML-RPC decoded values (int, map[string]any, Struct)
// into the JSON model (int64, Object), so that anything kept aside from a
// decoded dict can be encoded again either way.
func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case map[string]any, xmlrpc.Struct:
		r, _ := newRecord("", x)
		return r.extra()
	}
	return v
}
