package xmlrpc

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/supvisors-go/supvisors/internal/errdefs"
)

// Handler implements one XML-RPC method. It may block for as long as the
// operation takes (that is how wait=true works): the dispatcher holds no
// lock while it runs. ctx is cancelled when the client goes away.
type Handler func(ctx context.Context, params []any) (any, error)

// Method describes one published method.
type Method struct {
	// Name is "namespace.method".
	Name    string
	Handler Handler
	// Signature is the return type then the parameter types, e.g.
	// {"boolean", "string", "boolean"}; nil when unknown, in which case
	// system.methodSignature answers SIGNATURE_UNSUPPORTED. Its length
	// also bounds the number of parameters a call may pass (Python would
	// raise a TypeError, i.e. INCORRECT_PARAMETERS), unless Variadic.
	Signature []string
	// Variadic lifts the bound on the number of parameters.
	Variadic bool
	// Help is what system.methodHelp returns.
	Help string
}

// Dispatcher routes calls to registered methods and maps their errors to
// faults. It is safe for concurrent use.
type Dispatcher struct {
	logger  *slog.Logger
	mu      sync.RWMutex
	methods map[string]Method
}

// DispatcherOption configures a Dispatcher.
type DispatcherOption func(*Dispatcher)

// WithLogger sets the logger used for traces of calls and handler panics.
func WithLogger(l *slog.Logger) DispatcherOption {
	return func(d *Dispatcher) { d.logger = l }
}

// NewDispatcher returns a dispatcher that already publishes system.*.
func NewDispatcher(opts ...DispatcherOption) *Dispatcher {
	d := &Dispatcher{logger: slog.New(slog.DiscardHandler), methods: map[string]Method{}}
	for _, o := range opts {
		o(d)
	}
	d.registerSystem()
	return d
}

// Register publishes m. It panics when the name is taken or malformed, or
// the handler is nil: both are programming errors.
func (d *Dispatcher) Register(m Method) {
	if m.Handler == nil {
		panic("xmlrpc: Register " + m.Name + " with a nil handler")
	}
	if !validName(m.Name) {
		panic("xmlrpc: Register with a malformed method name " + m.Name)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, dup := d.methods[m.Name]; dup {
		panic("xmlrpc: method " + m.Name + " registered twice")
	}
	m.Signature = slices.Clone(m.Signature)
	d.methods[m.Name] = m
}

// validName applies Supervisor's rules: exactly "namespace.method", and
// no part may start with an underscore (CVE-2017-11610 hardening).
func validName(name string) bool {
	ns, method, ok := strings.Cut(name, ".")
	return ok && ns != "" && method != "" && !strings.Contains(method, ".") &&
		!strings.HasPrefix(method, "_")
}

func (d *Dispatcher) lookup(name string) (Method, bool) {
	if !validName(name) {
		return Method{}, false
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	m, ok := d.methods[name]
	return m, ok
}

// Call runs the method name with params. Every error it returns is a
// *Fault: this is the only place where error kinds become faults.
func (d *Dispatcher) Call(ctx context.Context, name string, params []any) (any, error) {
	v, err := d.call(ctx, name, params)
	if err != nil {
		f := FaultOf(err)
		d.logger.Debug("XML-RPC method returned fault", "method", name, "code", int(f.Code), "fault", f.String)
		return nil, f
	}
	return v, nil
}

func (d *Dispatcher) call(ctx context.Context, name string, params []any) (v any, err error) {
	m, ok := d.lookup(name)
	if !ok {
		return nil, errdefs.New(errdefs.UnknownMethod, "")
	}
	if !m.Variadic && m.Signature != nil && len(params) > len(m.Signature)-1 {
		return nil, errdefs.New(errdefs.IncorrectParameters, "")
	}
	d.logger.Debug("XML-RPC method called", "method", name)
	defer func() {
		// A bug in one handler must not take the daemon down; the
		// original answers HTTP 500 in that case, a fault is kinder.
		if r := recover(); r != nil {
			d.logger.Error("XML-RPC method panicked", "method", name, "panic", r, "stack", string(debug.Stack()))
			v, err = nil, fmt.Errorf("%s: internal error: %v", name, r)
		}
	}()
	return m.Handler(ctx, params)
}

// Names returns the sorted names of every published method.
func (d *Dispatcher) Names() []string {
	d.mu.RLock()
	names := make([]string, 0, len(d.methods))
	for n := range d.methods {
		names = append(names, n)
	}
	d.mu.RUnlock()
	slices.Sort(names)
	return names
}
