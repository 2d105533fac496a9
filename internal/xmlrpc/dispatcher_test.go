package xmlrpc

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/supvisors-go/supvisors/internal/errdefs"
)

func newTestDispatcher(t *testing.T) *Dispatcher {
	t.Helper()
	d := NewDispatcher()
	d.Register(Method{
		Name:      "test.echo",
		Signature: []string{"string", "string"},
		Help:      "Echo.\n@param string s  the text\n@return string result  the text",
		Handler: func(_ context.Context, params []any) (any, error) {
			return Args(params).String(0)
		},
	})
	d.Register(Method{
		Name:      "test.badName",
		Signature: []string{"boolean", "string"},
		Handler: func(_ context.Context, params []any) (any, error) {
			name, err := Args(params).String(0)
			if err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("looking up: %w", errdefs.New(errdefs.BadName, name))
		},
	})
	d.Register(Method{
		Name:    "test.plainError",
		Handler: func(context.Context, []any) (any, error) { return nil, errors.New("disk on fire") },
	})
	d.Register(Method{
		Name:    "test.panic",
		Handler: func(context.Context, []any) (any, error) { panic("boom") },
	})
	d.Register(Method{
		Name:     "test.count",
		Variadic: true,
		Handler:  func(_ context.Context, params []any) (any, error) { return len(params), nil },
	})
	return d
}

func faultOf(t *testing.T, err error) *Fault {
	t.Helper()
	var f *Fault
	if !errors.As(err, &f) {
		t.Fatalf("error %v (%T) is not a *Fault", err, err)
	}
	return f
}

func TestCallMapsErrorsToFaults(t *testing.T) {
	d := newTestDispatcher(t)
	ctx := t.Context()
	tests := []struct {
		method string
		params []any
		code   errdefs.Code
		text   string
	}{
		{"test.badName", []any{"grp:*"}, errdefs.BadName, "BAD_NAME: grp:*"},
		{"test.plainError", nil, errdefs.Failed, "FAILED: disk on fire"},
		{"test.panic", nil, errdefs.Failed, "FAILED: test.panic: internal error: boom"},
		{"test.echo", []any{1}, errdefs.IncorrectParameters, "INCORRECT_PARAMETERS"},
		{"test.echo", []any{}, errdefs.IncorrectParameters, "INCORRECT_PARAMETERS"},
		{"test.echo", []any{"a", "b"}, errdefs.IncorrectParameters, "INCORRECT_PARAMETERS"},
		{"test.missing", nil, errdefs.UnknownMethod, "UNKNOWN_METHOD"},
		{"nosuch.echo", nil, errdefs.UnknownMethod, "UNKNOWN_METHOD"},
		{"test._echo", nil, errdefs.UnknownMethod, "UNKNOWN_METHOD"},
		{"test.echo.x", nil, errdefs.UnknownMethod, "UNKNOWN_METHOD"},
		{"echo", nil, errdefs.UnknownMethod, "UNKNOWN_METHOD"},
		{"", nil, errdefs.UnknownMethod, "UNKNOWN_METHOD"},
	}
	for _, tt := range tests {
		_, err := d.Call(ctx, tt.method, tt.params)
		f := faultOf(t, err)
		if f.Code != tt.code || f.String != tt.text {
			t.Errorf("%s%v: got {%d %q}, want {%d %q}", tt.method, tt.params, f.Code, f.String, tt.code, tt.text)
		}
	}
	if v, err := d.Call(ctx, "test.count", []any{1, 2, 3, 4}); err != nil || v != 4 {
		t.Errorf("variadic call: %v, %v", v, err)
	}
}

func TestRegisterPanicsOnMisuse(t *testing.T) {
	d := newTestDispatcher(t)
	for _, m := range []Method{
		{Name: "test.echo", Handler: func(context.Context, []any) (any, error) { return nil, nil }},
		{Name: "system.listMethods", Handler: func(context.Context, []any) (any, error) { return nil, nil }},
		{Name: "noDot", Handler: func(context.Context, []any) (any, error) { return nil, nil }},
		{Name: "a._hidden", Handler: func(context.Context, []any) (any, error) { return nil, nil }},
		{Name: "a.b"},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", m.Name)
				}
			}()
			d.Register(m)
		}()
	}
}

func TestIntrospection(t *testing.T) {
	d := newTestDispatcher(t)
	ctx := t.Context()
	names, err := d.Call(ctx, "system.listMethods", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"system.listMethods", "system.methodHelp", "system.methodSignature", "system.multicall",
		"test.badName", "test.count", "test.echo", "test.panic", "test.plainError"}
	slices.Sort(want)
	if !reflect.DeepEqual(names, want) {
		t.Errorf("listMethods = %v, want %v", names, want)
	}
	sig, err := d.Call(ctx, "system.methodSignature", []any{"test.echo"})
	if err != nil || !reflect.DeepEqual(sig, []string{"string", "string"}) {
		t.Errorf("methodSignature = %v, %v", sig, err)
	}
	sig, err = d.Call(ctx, "system.methodSignature", []any{"system.multicall"})
	if err != nil || !reflect.DeepEqual(sig, []string{"array", "array"}) {
		t.Errorf("methodSignature(multicall) = %v, %v", sig, err)
	}
	for _, name := range []string{"test.plainError", "nope.nope", "test._x"} {
		_, err = d.Call(ctx, "system.methodSignature", []any{name})
		if f := faultOf(t, err); f.Code != errdefs.SignatureUnsupported || f.String != "SIGNATURE_UNSUPPORTED" {
			t.Errorf("methodSignature(%s) fault = %v", name, f)
		}
	}
	help, err := d.Call(ctx, "system.methodHelp", []any{"test.echo"})
	if err != nil || help != "Echo.\n@param string s  the text\n@return string result  the text" {
		t.Errorf("methodHelp = %q, %v", help, err)
	}
	_, err = d.Call(ctx, "system.methodHelp", []any{"nope.nope"})
	if f := faultOf(t, err); f.Code != errdefs.SignatureUnsupported {
		t.Errorf("methodHelp(unknown) fault = %v", f)
	}
}

func TestMulticall(t *testing.T) {
	d := newTestDispatcher(t)
	calls := []any{
		map[string]any{"methodName": "test.echo", "params": []any{"hi"}},
		map[string]any{"params": []any{}},
		map[string]any{"methodName": "system.multicall", "params": []any{[]any{}}},
		map[string]any{"methodName": "test.badName", "params": []any{"x"}},
		map[string]any{"methodName": "test.plainError"},
		map[string]any{"methodName": "test.echo", "params": "not an array"},
		"not a struct",
		map[string]any{"methodName": "nope.nope"},
		map[string]any{"methodName": "system.listMethods"},
	}
	got, err := d.Call(t.Context(), "system.multicall", []any{calls})
	if err != nil {
		t.Fatal(err)
	}
	fault := func(code errdefs.Code, text string) map[string]any {
		return map[string]any{"faultCode": int(code), "faultString": text}
	}
	want := []any{
		"hi",
		fault(errdefs.IncorrectParameters, "INCORRECT_PARAMETERS: No methodName"),
		fault(errdefs.IncorrectParameters, "INCORRECT_PARAMETERS: Recursive system.multicall forbidden"),
		fault(errdefs.BadName, "BAD_NAME: x"),
		fault(errdefs.Failed, "FAILED: disk on fire"),
		fault(errdefs.IncorrectParameters, "INCORRECT_PARAMETERS"),
		fault(errdefs.IncorrectParameters, "INCORRECT_PARAMETERS"),
		fault(errdefs.UnknownMethod, "UNKNOWN_METHOD"),
		d.Names(),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("multicall =\n%#v\nwant\n%#v", got, want)
	}
	for _, params := range [][]any{nil, {"x"}, {[]any{}, 1}} {
		_, err := d.Call(t.Context(), "system.multicall", params)
		if f := faultOf(t, err); f.Code != errdefs.IncorrectParameters {
			t.Errorf("multicall(%v) fault = %v", params, f)
		}
	}
}

// A blocking call in a multicall holds back the calls after it, and the
// dispatcher holds no lock while a handler blocks.
func TestMulticallBlockingCallRunsInOrder(t *testing.T) {
	d := NewDispatcher()
	entered := make(chan struct{})
	release := make(chan struct{})
	var order []string
	d.Register(Method{Name: "test.block", Handler: func(context.Context, []any) (any, error) {
		order = append(order, "block")
		close(entered)
		<-release
		return true, nil
	}})
	d.Register(Method{Name: "test.after", Handler: func(context.Context, []any) (any, error) {
		order = append(order, "after")
		return 1, nil
	}})
	done := make(chan any)
	go func() {
		v, _ := d.Call(context.Background(), "system.multicall", []any{[]any{
			map[string]any{"methodName": "test.block"},
			map[string]any{"methodName": "test.after"},
		}})
		done <- v
	}()
	<-entered
	// While the first call blocks, the dispatcher serves others
	// (Register takes the write lock: it would deadlock if a lock were held).
	d.Register(Method{Name: "test.late", Handler: func(context.Context, []any) (any, error) { return "late", nil }})
	if v, err := d.Call(t.Context(), "test.late", nil); v != "late" || err != nil {
		t.Errorf("concurrent call = %v, %v", v, err)
	}
	close(release)
	got := <-done
	if !reflect.DeepEqual(got, []any{true, 1}) || !reflect.DeepEqual(order, []string{"block", "after"}) {
		t.Errorf("got %v in order %v", got, order)
	}
}

func TestArgs(t *testing.T) {
	a := Args{"s", 3, true, []any{1}, map[string]any{"k": 1}, []byte("b64"), 0, "", 2.5}
	if s, err := a.String(0); s != "s" || err != nil {
		t.Errorf("String(0) = %q, %v", s, err)
	}
	if s, err := a.String(5); s != "b64" || err != nil {
		t.Errorf("String(base64) = %q, %v", s, err)
	}
	if i, err := a.Int(1); i != 3 || err != nil {
		t.Errorf("Int(1) = %d, %v", i, err)
	}
	for i, want := range map[int]bool{2: true, 6: false, 7: false, 0: true, 8: true, 99: true} {
		if b, err := a.Bool(i, true); b != want || err != nil {
			t.Errorf("Bool(%d) = %v, %v; want %v", i, b, err, want)
		}
	}
	if _, err := a.Bool(3, true); !errdefs.Is(err, errdefs.IncorrectParameters) {
		t.Errorf("Bool(array) err = %v", err)
	}
	if arr, err := a.Array(3); len(arr) != 1 || err != nil {
		t.Errorf("Array(3) = %v, %v", arr, err)
	}
	if m, err := a.Struct(4); m["k"] != 1 || err != nil {
		t.Errorf("Struct(4) = %v, %v", m, err)
	}
	if s, err := a.OptionalString(20, "def"); s != "def" || err != nil {
		t.Errorf("OptionalString = %q, %v", s, err)
	}
	if i, err := a.OptionalInt(20, 7); i != 7 || err != nil {
		t.Errorf("OptionalInt = %d, %v", i, err)
	}
	for name, err := range map[string]error{
		"String(1)": func() error { _, err := a.String(1); return err }(),
		"Int(0)":    func() error { _, err := a.Int(0); return err }(),
		"Int(-1)":   func() error { _, err := a.Int(-1); return err }(),
		"Array(0)":  func() error { _, err := a.Array(0); return err }(),
		"Struct(9)": func() error { _, err := a.Struct(9); return err }(),
		"Count":     a.Count(0, 2),
	} {
		if !errdefs.Is(err, errdefs.IncorrectParameters) {
			t.Errorf("%s err = %v, want INCORRECT_PARAMETERS", name, err)
		}
	}
}

func TestFaultOf(t *testing.T) {
	f := &Fault{Code: 77, String: "remote"}
	if got := FaultOf(fmt.Errorf("wrapped: %w", f)); got != f {
		t.Errorf("FaultOf kept %v, want the same fault", got)
	}
	if got := FaultOf(errdefs.New(errdefs.ShutdownState, "")); got.Code != errdefs.ShutdownState || got.String != "SHUTDOWN_STATE" {
		t.Errorf("FaultOf(SHUTDOWN_STATE) = %v", got)
	}
}
