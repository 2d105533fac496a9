package supvisors

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/ctl"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/leakcheck"
	"github.com/supvisors-go/supvisors/internal/pyfmt"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

func TestMain(m *testing.M) {
	// The reference outputs were recorded on a host whose clock ran in
	// UTC: the Date headers of the XML-RPC captures (21:09:40 GMT) read
	// the same as the times the plugin printed from those answers. The
	// commands print times in the local zone, so the tests pin it.
	time.Local = time.UTC
	leakcheck.Main(m)
}

// fakeDaemon is an XML-RPC server on 127.0.0.1 that answers from a table
// of handlers, through the project's dispatcher and codec, and records
// every call it gets.
type fakeDaemon struct {
	url  string
	disp *xmlrpc.Dispatcher

	mu    sync.Mutex
	calls []string
	login *[2]string // user and password the daemon requires, if any
}

// requireAuth makes the daemon answer 401 to requests without these
// credentials.
func (d *fakeDaemon) requireAuth(user, password string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.login = &[2]string{user, password}
}

// startFake serves methods (full names) on 127.0.0.1 until the test
// ends.
func startFake(t *testing.T, methods map[string]xmlrpc.Handler) *fakeDaemon {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveFake(t, ln, "http://"+ln.Addr().String(), methods)
}

// startUnixFake serves methods on a UNIX socket until the test ends.
func startUnixFake(t *testing.T, methods map[string]xmlrpc.Handler) *fakeDaemon {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	return serveFake(t, ln, "unix://"+path, methods)
}

func serveFake(t *testing.T, ln net.Listener, url string, methods map[string]xmlrpc.Handler) *fakeDaemon {
	t.Helper()
	d := &fakeDaemon{url: url, disp: xmlrpc.NewDispatcher()}
	for name, h := range methods {
		d.disp.Register(xmlrpc.Method{Name: name, Handler: h, Variadic: true})
	}
	srv := &http.Server{Handler: http.HandlerFunc(d.serve), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return d
}

func (d *fakeDaemon) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/RPC2" {
		http.NotFound(w, r)
		return
	}
	d.mu.Lock()
	login := d.login
	d.mu.Unlock()
	if login != nil {
		if user, password, ok := r.BasicAuth(); !ok || user != login[0] || password != login[1] {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
	}
	method, params, err := xmlrpc.DecodeCall(r.Body, 1<<20)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	d.mu.Lock()
	d.calls = append(d.calls, method+pyfmt.ReprValue(params))
	d.mu.Unlock()
	var body []byte
	v, err := d.disp.Call(r.Context(), method, params)
	if err != nil {
		body = xmlrpc.AppendFault(nil, xmlrpc.FaultOf(err))
	} else if body, err = xmlrpc.AppendResponse(nil, v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write(body)
}

// Calls returns the calls received so far, each as method[params].
func (d *fakeDaemon) Calls() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.calls...)
}

// answer is a handler that always answers v.
func answer(v any) xmlrpc.Handler {
	return func(context.Context, []any) (any, error) { return v, nil }
}

// fail is a handler that always answers a fault of kind code.
func fail(code errdefs.Code, detail string) xmlrpc.Handler {
	return func(context.Context, []any) (any, error) { return nil, errdefs.New(code, detail) }
}

// versionOK answers the version check as our daemon does.
var versionOK = map[string]xmlrpc.Handler{"supvisors.get_api_version": answer(APIVersion)}

// with returns the version check plus the given handlers.
func with(methods map[string]xmlrpc.Handler) map[string]xmlrpc.Handler {
	all := map[string]xmlrpc.Handler{}
	for k, v := range versionOK {
		all[k] = v
	}
	for k, v := range methods {
		all[k] = v
	}
	return all
}

// runResult is what one supvisorsctl run printed and its exit status.
type runResult struct {
	stdout, stderr string
	code           int
}

// transcript is the run as the reference captures record it: stdout then
// "[exit code N]".
func (r runResult) transcript() string {
	return r.stdout + "[exit code " + itoa(r.code) + "]\n"
}

func itoa(n int) string { return strconv.Itoa(n) }

// writeConf writes a client configuration file (so that no system-wide
// file is read) with extra appended, and returns its path.
func writeConf(t *testing.T, extra string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "supvisorsctl.conf")
	if err := os.WriteFile(path, []byte("[supervisorctl]\n"+extra), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// supvisorsctl runs the command line through ctl.Run, the path main
// takes, against serverURL, with stdin as input.
func supvisorsctl(t *testing.T, serverURL, stdin string, args ...string) runResult {
	t.Helper()
	return supvisorsctlConf(t, writeConf(t, ""), serverURL, stdin, args...)
}

func supvisorsctlConf(t *testing.T, conf, serverURL, stdin string, args ...string) runResult {
	t.Helper()
	argv := []string{"supvisorsctl", "-c", conf}
	if serverURL != "" {
		argv = append(argv, "-s", serverURL)
	}
	argv = append(argv, args...)
	var stdout, stderr bytes.Buffer
	code := ctl.Run(argv, ctl.Streams{Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr})
	return runResult{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// closedURL returns the URL of a port on 127.0.0.1 that nothing listens
// on.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr
}

// loadAnswer decodes a recorded XML-RPC answer from testdata.
func loadAnswer(t *testing.T, path string) any {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, err := xmlrpc.DecodeResponse(f, 1<<22)
	var fault *xmlrpc.Fault
	if err != nil && !errors.As(err, &fault) {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

func readTestdata(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
