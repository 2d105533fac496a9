package xmlrpc

import (
	"errors"
	"fmt"
	"strings"

	"github.com/supvisors-go/supvisors/internal/errdefs"
)

// Member is one name/value pair of a Struct.
type Member struct {
	Name  string
	Value any
}

// Struct is an XML-RPC struct that keeps its members in the order given.
// Use it where a peer or a golden file expects Python's insertion order;
// a map[string]any is encoded with sorted keys instead.
type Struct []Member

// Get returns the value of the first member called name.
func (s Struct) Get(name string) (any, bool) {
	for _, m := range s {
		if m.Name == name {
			return m.Value, true
		}
	}
	return nil, false
}

// Fault is an XML-RPC fault: the error a client gets when the server
// answers with <fault>, and the form every handler error takes on the wire.
type Fault struct {
	Code   errdefs.Code
	String string
}

// Error renders the fault the way Python's xmlrpc.client prints it.
func (f *Fault) Error() string {
	return fmt.Sprintf("<Fault %d: %q>", int(f.Code), f.String)
}

// As lets errdefs.CodeOf and errdefs.Is recognise a fault received from a
// remote daemon as the error kind it encodes, so that client code handles
// local and remote errors alike.
func (f *Fault) As(target any) bool {
	t, ok := target.(**errdefs.Error)
	if !ok {
		return false
	}
	extra := strings.TrimPrefix(f.String, f.Code.Name())
	extra = strings.TrimPrefix(extra, ": ")
	*t = errdefs.New(f.Code, extra)
	return true
}

// Is makes errors.Is(err, errdefs.New(code, extra)) hold for a fault of
// that kind, as it does for the local error.
func (f *Fault) Is(target error) bool {
	var e *errdefs.Error
	return f.As(&e) && e.Is(target)
}

// FaultOf maps any error to the fault that goes on the wire: a *Fault is
// kept, an error kind from errdefs becomes {code, "NAME: extra"}, and any
// other error becomes FAILED with its text.
func FaultOf(err error) *Fault {
	var f *Fault
	if errors.As(err, &f) {
		return f
	}
	var e *errdefs.Error
	if errors.As(err, &e) {
		return &Fault{Code: e.Code, String: e.Error()}
	}
	return &Fault{Code: errdefs.Failed, String: errdefs.New(errdefs.Failed, err.Error()).Error()}
}
