package server

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

func inet(user, pass string) config.HTTPServer {
	return config.HTTPServer{Section: "inet_http_server", Kind: config.InetHTTPServer, Host: "127.0.0.1", Port: 0,
		ChownUID: -1, ChownGID: -1, Username: user, Password: pass}
}

func unixSocket(t *testing.T, user, pass string) config.HTTPServer {
	return config.HTTPServer{Section: "unix_http_server", Kind: config.UnixHTTPServer,
		File: filepath.Join(t.TempDir(), "s.sock"), Chmod: 0o700, ChownUID: -1, ChownGID: -1, Username: user, Password: pass}
}

// testDispatcher publishes test.echo, test.fail and test.block (which
// waits until the test releases it, or the client goes away).
type testDispatcher struct {
	*xmlrpc.Dispatcher
	entered  chan struct{}
	release  chan struct{}
	canceled chan struct{}
}

func newTestDispatcher() *testDispatcher {
	d := &testDispatcher{Dispatcher: xmlrpc.NewDispatcher(), entered: make(chan struct{}, 8),
		release: make(chan struct{}), canceled: make(chan struct{}, 8)}
	d.Register(xmlrpc.Method{Name: "test.echo", Variadic: true, Handler: func(_ context.Context, params []any) (any, error) {
		return params, nil
	}})
	d.Register(xmlrpc.Method{Name: "test.fail", Handler: func(_ context.Context, params []any) (any, error) {
		return nil, errdefs.New(errdefs.BadName, "nope")
	}})
	d.Register(xmlrpc.Method{Name: "test.block", Handler: func(ctx context.Context, params []any) (any, error) {
		d.entered <- struct{}{}
		select {
		case <-d.release:
			return true, nil
		case <-ctx.Done():
			d.canceled <- struct{}{}
			return nil, ctx.Err()
		}
	}})
	return d
}

func startServer(t *testing.T, opts Options) *Server {
	t.Helper()
	s := New(opts)
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestRPCOnTCPAndUnixAtOnce(t *testing.T) {
	sock := unixSocket(t, "", "")
	s := startServer(t, Options{Servers: []config.HTTPServer{inet("", ""), sock}, RPC: newTestDispatcher()})
	for _, url := range []string{"http://" + s.Addrs()[0].String(), "unix://" + sock.File} {
		c, err := xmlrpc.NewClient(url, xmlrpc.ClientOptions{})
		if err != nil {
			t.Fatal(err)
		}
		v, err := c.Call(t.Context(), "test.echo", "x", 1)
		if err != nil || fmt.Sprint(v) != "[x 1]" {
			t.Errorf("%s: echo = %v, %v", url, v, err)
		}
		_, err = c.Call(t.Context(), "test.fail")
		if f, ok := err.(*xmlrpc.Fault); !ok || f.Code != errdefs.BadName || f.String != "BAD_NAME: nope" {
			t.Errorf("%s: fault = %v", url, err)
		}
		c.Close()
	}
	st, err := os.Stat(sock.File)
	if err != nil || st.Mode()&os.ModeSocket == 0 || st.Mode().Perm() != 0o700 {
		t.Errorf("socket file: %v %v", st.Mode(), err)
	}
}

// rawRequest sends req as is on a new connection and reads one response.
func rawRequest(t *testing.T, addr, req string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer to %q: %v", req, err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	return resp
}

func TestRPCHTTPErrors(t *testing.T) {
	s := startServer(t, Options{Servers: []config.HTTPServer{inet("", "")}, RPC: newTestDispatcher(), MaxBodyBytes: 1 << 20})
	addr := s.Addrs()[0].String()
	call, _ := xmlrpc.AppendCall(nil, "test.echo", []any{"hi"})
	post := func(path, body string) string {
		return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", path, len(body), body)
	}
	tests := []struct {
		name, req string
		status    int
	}{
		{"ok", post("/RPC2", string(call)), 200},
		{"prefix match", post("/RPC2/anything", string(call)), 200},
		{"GET", "GET /RPC2 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"no Content-Length", "POST /RPC2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 411},
		{"chunked", "POST /RPC2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 411},
		{"unparsable", post("/RPC2", "<methodCall>"), 400},
		{"no method name", post("/RPC2", "<methodCall><params/></methodCall>"), 400},
		{"100 MB announced", "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n<methodCall>", 413},
		{"other path", "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n", 404},
		{"UI root without fallback", "GET / HTTP/1.0\r\n\r\n", 404},
	}
	for _, tt := range tests {
		resp := rawRequest(t, addr, tt.req)
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.status)
		}
		if got := resp.Header.Get("Server"); got != ServerHeader {
			t.Errorf("%s: Server header %q", tt.name, got)
		}
		if tt.status == 200 && (resp.Header.Get("Content-Type") != "text/xml" || resp.ContentLength <= 0) {
			t.Errorf("%s: headers %v", tt.name, resp.Header)
		}
	}
	// A fault is an ordinary 200 response.
	fail, _ := xmlrpc.AppendCall(nil, "test.fail", nil)
	resp := rawRequest(t, addr, post("/RPC2", string(fail)))
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<fault>") {
		t.Errorf("fault answer: %d %s", resp.StatusCode, body)
	}
}

func TestFallbackServesOtherPaths(t *testing.T) {
	fallback := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ui:"+r.URL.Path) })
	s := startServer(t, Options{Servers: []config.HTTPServer{inet("u", "p")}, Fallback: fallback})
	addr := s.Addrs()[0].String()
	auth := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("u:p")) + "\r\n"
	resp := rawRequest(t, addr, "GET /index.html HTTP/1.1\r\nHost: x\r\n"+auth+"\r\n")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "ui:/index.html" {
		t.Errorf("fallback: %d %q", resp.StatusCode, body)
	}
	if resp := rawRequest(t, addr, "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"); resp.StatusCode != 401 {
		t.Errorf("fallback without credentials: %d", resp.StatusCode)
	}
}

func TestBasicAuth(t *testing.T) {
	sum := sha1.Sum([]byte("secret"))
	for _, stored := range []string{"secret", "{SHA}" + hex.EncodeToString(sum[:])} {
		t.Run(stored, func(t *testing.T) {
			s := startServer(t, Options{Servers: []config.HTTPServer{inet("user", stored)}, RPC: newTestDispatcher()})
			addr := s.Addrs()[0].String()
			call, _ := xmlrpc.AppendCall(nil, "test.echo", nil)
			req := func(authHeader string) string {
				return fmt.Sprintf("POST /RPC2 HTTP/1.1\r\nHost: x\r\n%sContent-Length: %d\r\n\r\n%s", authHeader, len(call), call)
			}
			basic := func(scheme, cred string) string {
				return "Authorization: " + scheme + " " + base64.StdEncoding.EncodeToString([]byte(cred)) + "\r\n"
			}
			tests := []struct {
				name, header string
				status       int
			}{
				{"good", basic("Basic", "user:secret"), 200},
				{"lowercase scheme", basic("basic", "user:secret"), 200},
				{"colon in password is kept", basic("BASIC", "user:secret:x"), 401},
				{"none", "", 401},
				{"wrong password", basic("Basic", "user:wrong"), 401},
				{"wrong user", basic("Basic", "other:secret"), 401},
				{"hash given as password", basic("Basic", "user:"+hex.EncodeToString(sum[:])), 401},
				{"no colon", basic("Basic", "usersecret"), 401},
				{"other scheme", "Authorization: Digest abc\r\n", 401},
				{"no credentials", "Authorization: Basic\r\n", 401},
				{"malformed base64", "Authorization: Basic !!!not-base64\r\n", 400},
			}
			for _, tt := range tests {
				resp := rawRequest(t, addr, req(tt.header))
				if resp.StatusCode != tt.status {
					t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.status)
				}
				if tt.status == 401 {
					if resp.Header.Get("WWW-Authenticate") != `Basic realm="default"` || !resp.Close {
						t.Errorf("%s: 401 headers %v (close %v)", tt.name, resp.Header, resp.Close)
					}
				}
			}
		})
	}
}

// A call that blocks longer than every deadline still answers on its
// keep-alive connection, which then serves the next call; and a call
// whose client goes away sees its context cancelled.
func TestBlockingCallsAndKeepAlive(t *testing.T) {
	d := newTestDispatcher()
	s := startServer(t, Options{Servers: []config.HTTPServer{inet("", "")}, RPC: d,
		HeaderTimeout: 50 * time.Millisecond, BodyTimeout: 50 * time.Millisecond, WriteTimeout: 50 * time.Millisecond})
	addr := s.Addrs()[0].String()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	r := bufio.NewReader(conn)
	send := func(method string) {
		call, _ := xmlrpc.AppendCall(nil, method, nil)
		fmt.Fprintf(conn, "POST /RPC2 HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(call), call)
	}
	receive := func() any {
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("reading response: %v", err)
		}
		defer func() { _ = resp.Body.Close() }()
		v, err := xmlrpc.DecodeResponse(resp.Body, 1<<20)
		if err != nil {
			t.Fatalf("decoding response: %v", err)
		}
		return v
	}
	send("test.block")
	<-d.entered
	time.Sleep(200 * time.Millisecond) // outlast every deadline on purpose
	d.release <- struct{}{}
	if v := receive(); v != true {
		t.Errorf("blocking call = %v", v)
	}
	time.Sleep(100 * time.Millisecond) // the previous write deadline is long past
	send("test.echo")
	if v := receive(); fmt.Sprint(v) != "[]" {
		t.Errorf("second call on the same connection = %v", v)
	}

	// The client goes away while its call blocks.
	send("test.block")
	<-d.entered
	_ = conn.Close()
	<-d.canceled
}

func TestGracefulClose(t *testing.T) {
	d := newTestDispatcher()
	s := New(Options{Servers: []config.HTTPServer{inet("", "")}, RPC: d})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	c, _ := xmlrpc.NewClient("http://"+s.Addrs()[0].String(), xmlrpc.ClientOptions{})
	defer c.Close()
	answered := make(chan error)
	go func() {
		_, err := c.Call(context.Background(), "test.block")
		answered <- err
	}()
	<-d.entered
	closed := make(chan error)
	go func() { closed <- s.Close(context.Background()) }()
	// The in-flight call still gets its answer.
	d.release <- struct{}{}
	if err := <-answered; err != nil {
		t.Errorf("in-flight call during Close: %v", err)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}

	// A call that never finishes is cut when Close runs out of time.
	s = New(Options{Servers: []config.HTTPServer{inet("", "")}, RPC: d})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	c2, _ := xmlrpc.NewClient("http://"+s.Addrs()[0].String(), xmlrpc.ClientOptions{})
	defer c2.Close()
	go func() {
		_, err := c2.Call(context.Background(), "test.block")
		answered <- err
	}()
	<-d.entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no grace at all
	_ = s.Close(ctx)
	<-d.canceled
	if err := <-answered; err == nil {
		t.Error("a call cut by Close reported success")
	}
}

func TestListenErrors(t *testing.T) {
	busy, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = busy.Close() }()
	cfg := inet("", "")
	cfg.Port = busy.Addr().(*net.TCPAddr).Port
	sock := unixSocket(t, "", "")
	s := New(Options{Servers: []config.HTTPServer{sock, cfg}})
	err = s.Start()
	if !errors.Is(err, ErrAlreadyListening) || err.Error() != "Another program is already listening on a port that one of our HTTP servers is configured to use.  Shut this program down first before starting supervisord." {
		t.Fatalf("port in use: %v", err)
	}
	// What was bound before the failure is released.
	if _, err := os.Stat(sock.File); !os.IsNotExist(err) {
		t.Errorf("socket %s left behind after a failed Start: %v", sock.File, err)
	}
	if err := s.Close(t.Context()); err != nil {
		t.Errorf("Close after a failed Start: %v", err)
	}

	// A live daemon's socket is not stolen.
	live := startServer(t, Options{Servers: []config.HTTPServer{sock}})
	if err := New(Options{Servers: []config.HTTPServer{sock}}).Start(); !errors.Is(err, ErrAlreadyListening) {
		t.Errorf("socket in use: %v", err)
	}
	_ = live

	bad := config.HTTPServer{Section: "unix_http_server", Kind: config.UnixHTTPServer,
		File: filepath.Join(t.TempDir(), "missing-dir", "s.sock"), Chmod: 0o700, ChownUID: -1, ChownGID: -1}
	if err := New(Options{Servers: []config.HTTPServer{bad}}).Start(); err == nil ||
		!strings.HasPrefix(err.Error(), "Cannot open an HTTP server: socket.error reported errno.ENOENT (2)") {
		t.Errorf("socket in a missing directory: %v", err)
	}
}

// lockedBuffer collects log output written from the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestStaleSocketIsReplaced(t *testing.T) {
	sock := unixSocket(t, "", "")
	sock.Chmod = 0o660
	// A socket file nobody listens on: what a killed daemon leaves.
	l, err := net.Listen("unix", sock.File)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	_ = l.Close()

	var logs lockedBuffer
	s := startServer(t, Options{Servers: []config.HTTPServer{sock}, RPC: newTestDispatcher(), Logger: newTextLogger(&logs)})
	if !strings.Contains(logs.String(), "Unlinking stale socket "+sock.File) {
		t.Errorf("log does not mention the stale socket:\n%s", logs.String())
	}
	st, err := os.Stat(sock.File)
	if err != nil || st.Mode().Perm() != 0o660 {
		t.Errorf("socket mode %v, %v", st.Mode(), err)
	}
	if _, err := os.Stat(fmt.Sprintf("%s.%d", sock.File, os.Getpid())); !os.IsNotExist(err) {
		t.Errorf("temporary socket name left behind: %v", err)
	}
	c, _ := xmlrpc.NewClient("unix://"+sock.File, xmlrpc.ClientOptions{})
	defer c.Close()
	if _, err := c.Call(t.Context(), "test.echo"); err != nil {
		t.Errorf("call on the new socket: %v", err)
	}
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sock.File); !os.IsNotExist(err) {
		t.Errorf("socket file not removed on Close: %v", err)
	}
}
