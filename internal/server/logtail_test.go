package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
)

// fakeLogs maps namespecs to stdout/stderr files.
type fakeLogs struct {
	files map[string]string // "name/channel" -> path
	main  string
}

func (f *fakeLogs) ProcessLogPath(namespec, channel string) (string, error) {
	path, ok := f.files[namespec+"/"+channel]
	if !ok {
		return "", errdefs.New(errdefs.BadName, namespec)
	}
	return path, nil
}

func (f *fakeLogs) MainLogPath() string { return f.main }

func writeFile(t *testing.T, path, content string, flag int) {
	t.Helper()
	f, err := os.OpenFile(path, flag|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(content); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// openStream starts a GET of path and returns the response, whose body
// reads the stream as it comes.
func openStream(t *testing.T, addr, path string) (*http.Response, net.Conn) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	// supervisorctl's own client sends an extra CRLF after the headers.
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nAccept-Encoding: chunked\r\nAccept: */*\r\nUser-agent: Supervisor HTTP Client\r\n\r\n\r\n", path)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	return resp, conn
}

// expectStream reads from the stream until want has arrived.
func expectStream(t *testing.T, body io.Reader, want string) {
	t.Helper()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(body, got); err != nil {
		t.Fatalf("reading %q from the stream: %v (got %q)", want, err, got)
	}
	if string(got) != want {
		t.Fatalf("stream gave %q, want %q", got, want)
	}
}

func TestLogtailFollowsTheFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.log")
	head := strings.Repeat("a", 1000)
	last := strings.Repeat("b", 1024)
	writeFile(t, out, head+last, os.O_TRUNC)
	logs := &fakeLogs{files: map[string]string{"grp:proc/stdout": out}}
	s := startServer(t, Options{Servers: []config.HTTPServer{inet("", "")}, Logs: logs, TailInterval: 10 * time.Millisecond})

	resp, conn := openStream(t, s.Addrs()[0].String(), "/logtail/grp%3Aproc")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	h := resp.Header
	if h.Get("Content-Type") != "text/plain;charset=utf-8" || h.Get("X-Accel-Buffering") != "no" ||
		h.Get("Last-Modified") == "" || resp.ContentLength != -1 || len(resp.TransferEncoding) == 0 || resp.TransferEncoding[0] != "chunked" {
		t.Errorf("headers %v, length %d, encoding %v", h, resp.ContentLength, resp.TransferEncoding)
	}
	expectStream(t, resp.Body, last) // the last 1024 bytes, not the head

	writeFile(t, out, "appended\n", os.O_APPEND)
	expectStream(t, resp.Body, "appended\n")

	// Truncation is announced, then the new content follows.
	writeFile(t, out, "", os.O_TRUNC)
	expectStream(t, resp.Body, "==> File truncated <==\n")
	writeFile(t, out, "after truncation\n", os.O_APPEND)
	expectStream(t, resp.Body, "after truncation\n")

	// Rotation: the path now names a new file, followed from its start.
	if err := os.Rename(out, out+".1"); err != nil {
		t.Fatal(err)
	}
	writeFile(t, out, "rotated\n", os.O_TRUNC)
	expectStream(t, resp.Body, "rotated\n")

	if n := s.ActiveLogStreams(); n != 1 {
		t.Errorf("%d active streams, want 1", n)
	}
	// The stream ends when the client goes away.
	_ = conn.Close()
	waitFor(t, func() bool { return s.ActiveLogStreams() == 0 })
}

func TestLogtailShortFileAndStderrAndMain(t *testing.T) {
	dir := t.TempDir()
	errLog := filepath.Join(dir, "err.log")
	mainLog := filepath.Join(dir, "supervisord.log")
	writeFile(t, errLog, "short\n", os.O_TRUNC)
	writeFile(t, mainLog, "main log\n", os.O_TRUNC)
	logs := &fakeLogs{files: map[string]string{"p/stderr": errLog, "p/stdout": filepath.Join(dir, "missing.log")}, main: mainLog}
	s := startServer(t, Options{Servers: []config.HTTPServer{inet("", "")}, Logs: logs, TailInterval: 10 * time.Millisecond})
	addr := s.Addrs()[0].String()

	resp, _ := openStream(t, addr, "/logtail/p/stderr")
	expectStream(t, resp.Body, "short\n")
	main, _ := openStream(t, addr, "/mainlogtail")
	if main.StatusCode != 200 || main.Header.Get("X-Accel-Buffering") != "" {
		t.Errorf("mainlogtail: %d %v", main.StatusCode, main.Header)
	}
	expectStream(t, main.Body, "main log\n")

	// Close ends every stream: the clients see the end of the body.
	waitFor(t, func() bool { return s.ActiveLogStreams() == 2 })
	if err := s.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, body := range []io.Reader{resp.Body, main.Body} {
		if rest, err := io.ReadAll(body); err != nil || len(rest) != 0 {
			t.Errorf("after Close the stream gave %q, %v", rest, err)
		}
	}
}

func TestLogtailNotFound(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.log")
	writeFile(t, out, "x", os.O_TRUNC)
	logs := &fakeLogs{files: map[string]string{"p/stdout": out, "p/stderr": "", "q/stdout": filepath.Join(dir, "never-written.log")},
		main: filepath.Join(dir, "no-main.log")}
	s := startServer(t, Options{Servers: []config.HTTPServer{inet("", ""), inet("", "")}, Logs: logs})
	noLogs := startServer(t, Options{Servers: []config.HTTPServer{inet("", "")}})
	tests := []struct {
		addr, req string
		status    int
	}{
		{s.Addrs()[0].String(), "GET /logtail/nosuch HTTP/1.1\r\nHost: x\r\n\r\n", 404},
		{s.Addrs()[0].String(), "GET /logtail/p/stderr HTTP/1.1\r\nHost: x\r\n\r\n", 404},
		{s.Addrs()[0].String(), "GET /logtail/p/stdin HTTP/1.1\r\nHost: x\r\n\r\n", 404},
		{s.Addrs()[0].String(), "GET /logtail/q HTTP/1.1\r\nHost: x\r\n\r\n", 404},
		{s.Addrs()[0].String(), "GET /logtail HTTP/1.1\r\nHost: x\r\n\r\n", 404},
		{s.Addrs()[1].String(), "GET /mainlogtail HTTP/1.1\r\nHost: x\r\n\r\n", 404},
		{s.Addrs()[1].String(), "POST /logtail/p HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 400},
		{s.Addrs()[1].String(), "POST /mainlogtail HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", 400},
		{noLogs.Addrs()[0].String(), "GET /logtail/p HTTP/1.1\r\nHost: x\r\n\r\n", 404},
		{noLogs.Addrs()[0].String(), "GET /mainlogtail HTTP/1.1\r\nHost: x\r\n\r\n", 404},
	}
	for _, tt := range tests {
		if resp := rawRequest(t, tt.addr, tt.req); resp.StatusCode != tt.status {
			t.Errorf("%q: status %d, want %d", tt.req, resp.StatusCode, tt.status)
		}
	}
}

func TestLogtailRequiresAuth(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.log")
	writeFile(t, out, "x", os.O_TRUNC)
	s := startServer(t, Options{Servers: []config.HTTPServer{inet("u", "p")}, Logs: &fakeLogs{files: map[string]string{"p/stdout": out}, main: out}})
	for _, path := range []string{"/logtail/p", "/mainlogtail"} {
		if resp := rawRequest(t, s.Addrs()[0].String(), "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n"); resp.StatusCode != 401 {
			t.Errorf("%s without credentials: %d", path, resp.StatusCode)
		}
	}
}

// waitFor polls cond until it holds; the test's own deadline bounds it.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-t.Context().Done():
			t.Fatal(errors.New("condition never held"))
		case <-time.After(5 * time.Millisecond):
		}
	}
}
