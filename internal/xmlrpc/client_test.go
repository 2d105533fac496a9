package xmlrpc

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/supvisors-go/supvisors/internal/errdefs"
)

// serveDispatcher is a bare XML-RPC endpoint for client tests (the real
// HTTP front end lives in package server). It records the last request.
func serveDispatcher(t *testing.T, network, address string, d *Dispatcher) (string, <-chan *http.Request) {
	t.Helper()
	l, err := net.Listen(network, address)
	if err != nil {
		t.Fatal(err)
	}
	requests := make(chan *http.Request, 16)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests <- r
		if user, pass, ok := r.BasicAuth(); ok && (user != "u" || pass != "p") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		method, params, err := DecodeCall(r.Body, 1<<20)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var body []byte
		v, err := d.Call(r.Context(), method, params)
		if err != nil {
			body = AppendFault(nil, FaultOf(err))
		} else if body, err = AppendResponse(nil, v); err != nil {
			body = AppendFault(nil, FaultOf(err))
		}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write(body)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().String(), requests
}

func echoDispatcher() *Dispatcher {
	d := NewDispatcher()
	d.Register(Method{Name: "test.echo", Variadic: true, Handler: func(_ context.Context, params []any) (any, error) {
		return params, nil
	}})
	d.Register(Method{Name: "test.fail", Handler: func(context.Context, []any) (any, error) {
		return nil, errdefs.New(errdefs.NotRunning, "foo")
	}})
	return d
}

func TestClientOverTCP(t *testing.T) {
	addr, requests := serveDispatcher(t, "tcp", "127.0.0.1:0", echoDispatcher())
	c, err := NewClient("http://"+addr, ClientOptions{Username: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := t.Context()
	for range 3 { // several calls share one connection
		v, err := c.Call(ctx, "test.echo", "a", 1, true, map[string]any{"k": []any{nil}})
		if err != nil {
			t.Fatal(err)
		}
		if want := []any{"a", 1, true, map[string]any{"k": []any{nil}}}; !reflect.DeepEqual(v, want) {
			t.Errorf("echo = %#v", v)
		}
	}
	remotes := map[string]bool{}
	for range 3 {
		r := <-requests
		remotes[r.RemoteAddr] = true
		if r.URL.Path != "/RPC2" || r.Header.Get("Content-Type") != "text/xml" {
			t.Errorf("request %s %s content-type %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
	}
	if len(remotes) != 1 {
		t.Errorf("calls used %d connections, want 1 kept alive", len(remotes))
	}

	_, err = c.Call(ctx, "test.fail")
	var f *Fault
	if !errors.As(err, &f) || f.Code != errdefs.NotRunning || f.String != "NOT_RUNNING: foo" {
		t.Errorf("fault = %v", err)
	}
	<-requests

	bad, _ := NewClient("http://"+addr+"/RPC2", ClientOptions{Username: "u", Password: "wrong"})
	defer bad.Close()
	_, err = bad.Call(ctx, "test.echo")
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong password: %v", err)
	}
}

func TestClientOverUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s.sock")
	serveDispatcher(t, "unix", sock, echoDispatcher())
	c, err := NewClient("unix://"+sock, ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	v, err := c.Call(t.Context(), "system.listMethods")
	if err != nil {
		t.Fatal(err)
	}
	if arr, ok := v.([]any); !ok || len(arr) != 6 {
		t.Errorf("listMethods = %#v", v)
	}
}

func TestClientRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"ftp://x", "http://", "unix://", "::"} {
		if _, err := NewClient(u, ClientOptions{}); err == nil {
			t.Errorf("NewClient(%q) succeeded", u)
		}
	}
}

func TestClientBoundsResponseSize(t *testing.T) {
	d := NewDispatcher()
	d.Register(Method{Name: "test.big", Handler: func(context.Context, []any) (any, error) {
		return string(make([]byte, 1<<16)), nil
	}})
	addr, _ := serveDispatcher(t, "tcp", "127.0.0.1:0", d)
	c, _ := NewClient("http://"+addr, ClientOptions{MaxResponseBytes: 1024})
	defer c.Close()
	if _, err := c.Call(t.Context(), "test.big"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("got %v, want ErrTooLarge", err)
	}
}
