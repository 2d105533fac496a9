package e2e

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/loopback"
)

// daemonProcess is a daemon started by a case. It is always stopped in the
// test's cleanup, whatever happened to the case.
type daemonProcess struct {
	cmd     *exec.Cmd
	done    chan struct{}
	logPath string
}

// startDaemon runs `bin -n -c conf` with its output in logPath.
func startDaemon(t *testing.T, bin, conf, logPath string) *daemonProcess {
	t.Helper()
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, "-n", "-c", conf)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group: a Ctrl-C on `go test` must not reach it before
	// the cleanup below stops it properly. If the test binary dies without
	// cleaning up (a -timeout panic), the kernel asks the daemon to stop, so
	// that it and its children do not outlive the run.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	d := &daemonProcess{cmd: cmd, done: make(chan struct{}), logPath: logPath}
	go func() {
		_ = cmd.Wait()
		close(d.done)
	}()
	t.Cleanup(d.stop)
	return d
}

// exited reports whether the daemon has exited; false before it started.
func (d *daemonProcess) exited() bool {
	if d == nil {
		return false
	}
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// stop asks the daemon to shut down (SIGTERM, which also stops its
// children) and kills it if it does not within stopTimeout.
func (d *daemonProcess) stop() {
	if d.exited() {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(stopTimeout):
		_ = d.cmd.Process.Kill()
		<-d.done
	}
}

// output returns the daemon's own stdout and stderr, for failure messages.
func (d *daemonProcess) output() string {
	if d == nil {
		return "(no daemon started)"
	}
	data, err := os.ReadFile(d.logPath)
	if err != nil {
		return err.Error()
	}
	return "daemon output:\n" + string(data)
}

// freePort returns a TCP port free on 127.0.0.1 and reserved for this
// test run (see package loopback).
func freePort(t *testing.T) int {
	t.Helper()
	port, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

var buildOnce struct {
	sync.Once
	bin string
	err error
	out []byte
}

// buildSupvisord builds ./cmd/supvisord once per test run.
func buildSupvisord(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "supvisord-build-")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildDir = dir
		buildOnce.bin = filepath.Join(dir, "supvisord")
		cmd := exec.Command(goTool(), "build", "-o", buildOnce.bin, "./cmd/supvisord")
		cmd.Dir = ".."
		buildOnce.out, buildOnce.err = cmd.CombinedOutput()
	})
	if buildOnce.err != nil {
		t.Fatalf("building ./cmd/supvisord: %v\n%s", buildOnce.err, buildOnce.out)
	}
	return buildOnce.bin
}

// buildDir is removed by TestMain once every test has run.
var buildDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	if ctlLinkDir != "" {
		os.RemoveAll(ctlLinkDir)
	}
	os.Exit(code)
}

// goTool finds the go command, also where /usr/local/go/bin is not on PATH.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "/usr/local/go/bin/go"
}

// xmlrpcCall makes one XML-RPC call with string parameters and returns the
// raw response body. The harness needs only enough of the protocol to poll
// states, so it does not depend on our own codec.
func xmlrpcCall(url, user, pass, method string, params ...string) (string, error) {
	var body bytes.Buffer
	body.WriteString(`<?xml version="1.0"?><methodCall><methodName>`)
	_ = xml.EscapeText(&body, []byte(method))
	body.WriteString(`</methodName><params>`)
	for _, p := range params {
		body.WriteString(`<param><value><string>`)
		_ = xml.EscapeText(&body, []byte(p))
		body.WriteString(`</string></value></param>`)
	}
	body.WriteString(`</params></methodCall>`)
	req, err := http.NewRequest(http.MethodPost, url, &body)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "text/xml")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	if _, err := out.ReadFrom(resp.Body); err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("HTTP %s", resp.Status)
	}
	return out.String(), nil
}

// xmlMember returns the string value of a struct member in an XML-RPC
// response, or "" when absent (a fault, for example).
func xmlMember(body, name string) string {
	re := regexp.MustCompile(`<name>` + regexp.QuoteMeta(name) +
		`</name>\s*<value>\s*(?:<string>)?([^<]*)`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

// lockedBuffer collects a child's output while the harness polls it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
