package api

import (
	"slices"
	"strings"

	"github.com/supvisors-go/supvisors/internal/cluster/view"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/pyfmt"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// incorrectParameters is what Supervisor answers when a method is called
// with the wrong number of arguments, or when one of them makes the method
// raise a TypeError: the fault name alone.
func incorrectParameters() error { return errdefs.New(errdefs.IncorrectParameters, "") }

// The state gates of Supvisors' RPC interface, in its order (the fault
// text lists them).
var (
	gateFromDistribution = []string{"DISTRIBUTION", "OPERATION", "CONCILIATION", "RESTARTING", "SHUTTING_DOWN"}
	gateSynchronization  = []string{"SYNCHRONIZATION"}
)

// checkState refuses a request while the local Supvisors state is not one
// of allowed.
func checkState(snap *view.Snapshot, allowed []string) error {
	state := snap.Self.FSMStateName
	if slices.Contains(allowed, state) {
		return nil
	}
	return errdefs.Newf(errdefs.BadSupvisorsState, "invalid Supvisors state=%s - state expected in %s",
		state, pyStrList(allowed))
}

// nameArg reads an identifier parameter the way Supvisors looks it up: a
// string is a name; a list or a struct cannot be a dict key in Python
// (TypeError, so INCORRECT_PARAMETERS); any other value is looked up and
// never found, and text is how the fault spells it.
func nameArg(v any) (name string, matchable bool, err error) {
	switch x := v.(type) {
	case string:
		return x, true, nil
	case []byte:
		// Supervisor decodes <base64> to text.
		return string(x), true, nil
	case []any, map[string]any, xmlrpc.Struct:
		return "", false, incorrectParameters()
	}
	return pyfmt.Str(v), false, nil
}

// resolve returns the instances that an identifier parameter designates,
// or BAD_NAME "identifier=X is unknown to Supvisors".
func resolve(snap *view.Snapshot, params []any) ([]*view.Instance, error) {
	if err := xmlrpc.Args(params).Count(1, 1); err != nil {
		return nil, err
	}
	name, matchable, err := nameArg(params[0])
	if err != nil {
		return nil, err
	}
	var found []*view.Instance
	if matchable {
		found = snap.Resolve(name)
	}
	if len(found) == 0 {
		return nil, errdefs.Newf(errdefs.BadName, "identifier=%s is unknown to Supvisors", name)
	}
	return found, nil
}

// pyType is the Python class of a decoded XML-RPC value, as f'{type(x)}'
// spells it.
func pyType(v any) string {
	switch v.(type) {
	case nil:
		return "<class 'NoneType'>"
	case bool:
		return "<class 'bool'>"
	case int, int64:
		return "<class 'int'>"
	case float64:
		return "<class 'float'>"
	case string:
		return "<class 'str'>"
	case []byte:
		return "<class 'bytes'>"
	case []any:
		return "<class 'list'>"
	case map[string]any:
		return "<class 'dict'>"
	}
	return "<class 'xmlrpc.client.DateTime'>"
}

// pyStrList spells a list of strings as Python's str(list) does.
func pyStrList(items []string) string {
	parts := make([]string, len(items))
	for i, s := range items {
		parts[i] = pyfmt.Repr(s)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
