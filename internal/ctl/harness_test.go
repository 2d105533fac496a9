package ctl

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/loopback"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// The comparison tests run Debian's supervisorctl (the reference) and our
// client against the same daemon and compare what they print. The daemon
// is a parameter: Debian's supervisord by default, ours later.
var (
	referenceClient = envOr("SUPVISORS_TEST_SUPERVISORCTL", "/usr/bin/supervisorctl")
	daemonBinary    = envOr("SUPVISORS_TEST_DAEMON", "/usr/bin/supervisord")
	// ourClient is the supvisorsctl binary, linked as "supervisorctl";
	// TestMain builds it.
	ourClient string
)

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func TestMain(m *testing.M) {
	if os.Getenv(orphanHelperEnv) != "" {
		// A helper process runs one test that needs no client.
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "supvisorsctl-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = "/usr/local/go/bin/go"
		}
		bin := filepath.Join(dir, "supvisorsctl")
		buildArgs := []string{"build", "-o", bin}
		if raceEnabled {
			buildArgs = append(buildArgs, "-race")
		}
		build := exec.Command(goTool, append(buildArgs, "github.com/supvisors-go/supvisors/cmd/supvisorsctl")...)
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building supvisorsctl:", err)
			return 1
		}
		ourClient = filepath.Join(dir, "supervisorctl")
		if err := os.Symlink(bin, ourClient); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		// The comparison subtests mostly wait for Python to start; let
		// more of them run at once than there are CPUs.
		flag.Parse()
		if f := flag.Lookup("test.parallel"); f != nil && f.Value.String() == strconv.Itoa(runtime.GOMAXPROCS(0)) {
			_ = f.Value.Set(strconv.Itoa(4 * runtime.GOMAXPROCS(0)))
		}
		return m.Run()
	}()
	os.Exit(code)
}

// requireTools fails (never skips) when the reference programs are absent.
func requireTools(t *testing.T) {
	t.Helper()
	for _, p := range []string{referenceClient, daemonBinary} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s is required by this test: %v (install Debian's supervisor package)", p, err)
		}
	}
}

// daemon is a supervisord started by a test on 127.0.0.1 and a unix
// socket in a temporary directory.
type daemon struct {
	dir   string
	port  int
	conf  string
	auth  string
	extra string
	cmd   *exec.Cmd
	// output is the file that takes the daemon's stdout and stderr.
	output string
	// waited is closed once the daemon has exited; exitErr is then what
	// Wait returned.
	waited  chan struct{}
	exitErr error
	// terminated is set once the harness sent SIGTERM.
	terminated bool
}

type daemonOption func(*daemon)

func withAuth(user, password string) daemonOption {
	return func(d *daemon) { d.auth = "username=" + user + "\npassword=" + password }
}

func withExtra(extra string) daemonOption {
	return func(d *daemon) { d.extra = extra }
}

// freePort returns a port free on 127.0.0.1 and reserved for this test
// run (see package loopback).
func freePort(t *testing.T) int {
	t.Helper()
	port, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// closedPort returns a port on 127.0.0.1 that refuses connections until
// the test ends: a socket bound to it without SO_REUSEADDR, never
// listening, keeps any other program from taking it meanwhile. A port
// merely found free could be taken by another test run's daemon, which
// would then get the commands (shutdown included) sent to the closed
// port.
func closedPort(t *testing.T) int {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return sa.(*syscall.SockaddrInet4).Port
}

func startDaemon(t *testing.T, opts ...daemonOption) *daemon {
	t.Helper()
	requireTools(t)
	d := &daemon{dir: t.TempDir(), port: freePort(t)}
	for _, o := range opts {
		o(d)
	}
	if err := os.WriteFile(filepath.Join(d.dir, "notexec"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d.conf = filepath.Join(d.dir, "supervisord.conf")
	d.writeConfig(t, d.extra)
	d.cmd = exec.Command(daemonBinary, "-n", "-c", d.conf)
	d.cmd.Dir = d.dir
	// The daemon has a process group of its own, so that a Ctrl-C on the
	// test run reaches it only through its cleanup. If the test process
	// dies without running its cleanups (a -timeout panic, a kill), the
	// daemon gets SIGTERM and stops its children itself.
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	// The output goes to a file, not to a pipe read by the test process:
	// a daemon whose test process is gone would die of SIGPIPE at its next
	// log line, in the middle of stopping its children, and leave the
	// rest of them running.
	d.output = filepath.Join(d.dir, "daemon.out")
	out, err := os.Create(d.output)
	if err != nil {
		t.Fatal(err)
	}
	d.cmd.Stdout, d.cmd.Stderr = out, out
	err = d.start()
	out.Close() // the daemon has its own copy
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.stop(t) })
	d.waitUp(t)
	return d
}

// start starts the daemon from a goroutine that holds its OS thread until
// the daemon has exited: Linux sends the Pdeathsig signal when the thread
// that forked ends, not the process, and Go may end a thread that a
// goroutine left locked.
func (d *daemon) start() error {
	d.waited = make(chan struct{})
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := d.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		d.exitErr = d.cmd.Wait()
		close(d.waited)
	}()
	return <-started
}

// outputTail is the end of what the daemon printed, for failure messages.
func (d *daemon) outputTail() string {
	b, err := os.ReadFile(d.output)
	if err != nil {
		return err.Error()
	}
	const keep = 4096
	if len(b) > keep {
		b = b[len(b)-keep:]
	}
	return string(b)
}

// syncBuffer collects a client's output, written by exec's copying
// goroutine and read by the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (d *daemon) writeConfig(t *testing.T, extra string) {
	t.Helper()
	tmpl, err := os.ReadFile(filepath.Join("..", "..", "testdata", "ctl", "supervisord.conf.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	conf := strings.NewReplacer("@DIR@", d.dir, "@PORT@", strconv.Itoa(d.port), "@AUTH@", d.auth, "@EXTRA@", extra).Replace(string(tmpl))
	if err := os.WriteFile(d.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (d *daemon) url() string { return "http://127.0.0.1:" + strconv.Itoa(d.port) }

func (d *daemon) socketURL() string { return "unix://" + filepath.Join(d.dir, "supervisor.sock") }

// client returns an XML-RPC client with the daemon's credentials.
func (d *daemon) client(t *testing.T) *xmlrpc.Client {
	t.Helper()
	opts := xmlrpc.ClientOptions{}
	if d.auth != "" {
		opts.Username, opts.Password = "bob", "secret"
	}
	c, err := xmlrpc.NewClient(d.url(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// waitUp polls until the daemon answers and its autostart programs have
// left STARTING; a daemon that never comes up fails the test.
func (d *daemon) waitUp(t *testing.T) {
	t.Helper()
	c := d.client(t)
	for range 400 {
		select {
		case <-d.waited:
			t.Fatalf("daemon exited early (%v):\n%s", d.exitErr, d.outputTail())
		default:
		}
		// The daemon that answers must be ours, not one that got the
		// port first.
		if pid, err := c.Call(context.Background(), "supervisor.getPID"); err == nil && pid != d.cmd.Process.Pid {
			t.Fatalf("another daemon (pid %v) answers on port %d", pid, d.port)
		}
		v, err := c.Call(context.Background(), "supervisor.getAllProcessInfo")
		if err == nil {
			settled := true
			for _, p := range v.([]any) {
				if s := p.(map[string]any)["statename"]; s == "STARTING" || s == "BACKOFF" {
					settled = false
				}
			}
			if settled {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("daemon did not come up:\n%s", d.outputTail())
}

// waitDown waits until the daemon process is gone.
func (d *daemon) waitDown(t *testing.T) {
	t.Helper()
	select {
	case <-d.waited:
	case <-time.After(30 * time.Second):
		t.Fatal("daemon did not exit")
	}
}

// stop is the cleanup of every daemon: it fails the test on what it
// finds wrong (see shutdown).
func (d *daemon) stop(t *testing.T) {
	for _, problem := range d.shutdown() {
		t.Error(problem)
	}
}

// stopTimeout is how long a daemon may take to exit after SIGTERM. It only
// turns a hang into a failure: a daemon stops its few sleeps at once.
const stopTimeout = 30 * time.Second

// shutdown stops the daemon with SIGTERM, as an init system would, and
// makes sure that nothing it started outlives it. It returns what went
// wrong: a daemon that exited on its own with an error, one that ignored
// SIGTERM (it is then killed with everything it started), and processes
// left running after its exit (they are killed).
func (d *daemon) shutdown() []string {
	var problems []string
	select {
	case <-d.waited:
		if d.exitErr != nil && !d.terminated {
			problems = append(problems, fmt.Sprintf("the daemon exited on its own (%v):\n%s", d.exitErr, d.outputTail()))
		}
	default:
		d.terminated = true
		deadline := time.After(stopTimeout)
		// Supervisor 4.2.5 loses a SIGTERM that arrives at the end of a
		// restart (the run that ends records it, the next one never reads
		// it), and a test that reloads stops its daemon right after: the
		// signal is sent again until the daemon is gone.
		again := time.NewTicker(2 * time.Second)
		defer again.Stop()
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
	wait:
		for {
			select {
			case <-d.waited:
				if d.exitErr != nil && !diedOfSIGTERM(d.exitErr) {
					problems = append(problems, fmt.Sprintf("the daemon failed on SIGTERM (%v):\n%s", d.exitErr, d.outputTail()))
				}
				break wait
			case <-again.C:
				_ = d.cmd.Process.Signal(syscall.SIGTERM)
			case <-deadline:
				problems = append(problems, fmt.Sprintf("the daemon still ran %s after SIGTERM; killed with its children:\n%s",
					stopTimeout, d.outputTail()))
				killTree(d.cmd.Process.Pid)
				<-d.waited
				break wait
			}
		}
	}
	if left := killLeftovers(d.childMarker()); len(left) > 0 {
		problems = append(problems, fmt.Sprintf("the daemon left %d processes running (killed): %s\n%s",
			len(left), strings.Join(left, "; "), d.outputTail()))
	}
	return problems
}

// diedOfSIGTERM reports whether err is the end of a process killed by
// SIGTERM: Python puts the default actions back as it exits, so a
// repeated SIGTERM may end Supervisor there, its children already
// stopped.
func diedOfSIGTERM(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM
}

// childMarker is the environment entry that every process the daemon
// starts inherits, and no other process has: Supervisor hands its
// children the URL of its first unix socket, which lies in the test's
// own directory.
func (d *daemon) childMarker() string {
	return "SUPERVISOR_SERVER_URL=" + d.socketURL()
}

// call runs an XML-RPC call for test setup, ignoring faults.
func (d *daemon) call(t *testing.T, method string, params ...any) any {
	t.Helper()
	v, err := d.client(t).Call(context.Background(), method, params...)
	if err != nil && xmlrpc.FaultOf(err) == nil {
		t.Fatalf("%s: %v", method, err)
	}
	return v
}

// result is what one client run printed.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// runClient runs bin with args in dir, feeding stdin.
func runClient(t *testing.T, bin, dir, stdin string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			// Errorf, not Fatalf: this may run on a helper goroutine.
			t.Errorf("running %s: %v", bin, err)
		}
		code = ee.ExitCode()
	}
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

var normalizers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`pid \d+, uptime \d+:\d\d:\d\d`), "pid N, uptime T"},
	{regexp.MustCompile(`[A-Z][a-z]{2} \d\d? \d\d:\d\d [AP]M`), "DATE"},
	{regexp.MustCompile(`(?m)^\d+$`), "N"},
}

// normalize removes what legitimately differs between two runs: program
// paths, pids, uptimes and times.
func normalize(s string) string {
	s = strings.ReplaceAll(s, referenceClient, "PROG")
	s = strings.ReplaceAll(s, ourClient, "PROG")
	for _, n := range normalizers {
		s = n.re.ReplaceAllString(s, n.with)
	}
	return s
}

// helpSkeleton keeps what must match in help text: the usage part of each
// line (up to its last tab); lines without a tab must match exactly, except
// the few whose sentence is ours. The sentences differ on purpose: we write
// our own.
func helpSkeleton(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		// In a piped shell, output follows the prompt on the same line.
		prompt := ""
		if rest, ok := strings.CutPrefix(line, "supervisor> "); ok {
			prompt, line = "supervisor> ", rest
		}
		switch i := strings.LastIndexByte(line, '\t'); {
		case i >= 0:
			line = line[:i+1]
		case strings.HasPrefix(line, "Note:"), strings.HasPrefix(line, "tail [-f] <name> [stdout|stderr] "):
			line = strings.Fields(line)[0]
		}
		out = append(out, prompt+line)
	}
	return strings.Join(out, "\n")
}

// usageSkeleton keeps the parts of the -h text that users and scripts
// rely on: the usage line and the option names.
func usageSkeleton(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		switch {
		case strings.HasPrefix(line, "Usage:"):
			out = append(out, line)
		case strings.HasPrefix(line, "-"):
			head, _, _ := strings.Cut(line, " -- ")
			out = append(out, head)
		}
	}
	return strings.Join(out, "\n")
}

// compareClients runs both clients with args and fails on any difference
// of stdout, stderr or exit status after normalisation. With setup, the
// daemon is brought to the same state before each run.
func compareClients(t *testing.T, dir, stdin string, env []string, mode textMode, setup func(), args ...string) {
	t.Helper()
	var want, got result
	if setup != nil {
		setup()
		want = runClient(t, referenceClient, dir, stdin, env, args...)
		setup()
		got = runClient(t, ourClient, dir, stdin, env, args...)
	} else {
		done := make(chan struct{})
		go func() {
			defer close(done)
			want = runClient(t, referenceClient, dir, stdin, env, args...)
		}()
		got = runClient(t, ourClient, dir, stdin, env, args...)
		<-done
	}
	w, g := normalizeResult(want, mode), normalizeResult(got, mode)
	if w != g {
		t.Errorf("supervisorctl %s:\n=== reference\n%s\n=== ours\n%s", strings.Join(args, " "), want, got)
	}
}

// textMode says how much of the output must match word for word.
type textMode int

const (
	exact     textMode = iota
	helpMode           // command help: usage columns only
	usageMode          // -h: usage line and option names only
	// unorderedMode compares the lines of stdout in any order: the
	// results of a group stop or start come in the order the daemon
	// finds the processes done, which differs between two runs.
	unorderedMode
)

func normalizeResult(r result, mode textMode) string {
	r.stdout, r.stderr = normalize(r.stdout), normalize(r.stderr)
	switch mode {
	case helpMode:
		r.stdout = helpSkeleton(r.stdout)
	case usageMode:
		r.stdout = usageSkeleton(r.stdout)
	case unorderedMode:
		lines := strings.Split(r.stdout, "\n")
		slices.Sort(lines)
		r.stdout = strings.Join(lines, "\n")
	}
	return r.String()
}
