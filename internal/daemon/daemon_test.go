package daemon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/loopback"
)

// asDaemonEnv makes the test binary run Run instead of the tests, so that
// the end-to-end tests drive the real daemon code (including its
// re-execution when daemonizing) without building another binary.
const asDaemonEnv = "SUPVISORD_TEST_AS_DAEMON"

func TestMain(m *testing.M) {
	if os.Getenv(asDaemonEnv) == "1" {
		os.Exit(Run(os.Args, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestRunHelpVersionAndUsageErrors(t *testing.T) {
	dir := t.TempDir()
	noSection := filepath.Join(dir, "empty.conf")
	if err := os.WriteFile(noSection, []byte("[program:x]\ncommand=sleep 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args       []string
		code       int
		stdout     string // prefix
		stderrLine string // first line of stderr; a final * matches any rest of the line
	}{
		{[]string{"-h"}, 0, "supvisord -- ", ""},
		{[]string{"-?"}, 0, "supvisord -- ", ""},
		{[]string{"--help"}, 0, "supvisord -- ", ""},
		{[]string{"-v"}, 0, "4.2.5\n", ""},
		{[]string{"--version"}, 0, "4.2.5\n", ""},
		{[]string{"--bogus"}, 2, "", "Error: option --bogus not recognized"},
		{[]string{"extra"}, 2, "", "Error: positional arguments are not supported: ['extra']"},
		{[]string{"-n", "-n"}, 2, "", "Error: conflicting command line option '-n'"},
		{[]string{"-c", filepath.Join(dir, "missing.conf")}, 2, "", "Error: could not find config file " + filepath.Join(dir, "missing.conf")},
		// The config package adds the location after Supervisor's text.
		{[]string{"-c", noSection}, 2, "", "Error: .ini file does not include supervisord section*"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := Run(append([]string{"supvisord"}, tt.args...), &stdout, &stderr)
		if code != tt.code {
			t.Errorf("Run(%q) = %d, want %d (stderr %q)", tt.args, code, tt.code, stderr.String())
		}
		if !strings.HasPrefix(stdout.String(), tt.stdout) {
			t.Errorf("Run(%q) stdout = %q, want prefix %q", tt.args, stdout.String(), tt.stdout)
		}
		if tt.stderrLine == "" {
			if stderr.Len() != 0 {
				t.Errorf("Run(%q) stderr = %q, want nothing", tt.args, stderr.String())
			}
			continue
		}
		want := tt.stderrLine + "\nFor help, use supvisord -h\n"
		if prefix, ok := strings.CutSuffix(tt.stderrLine, "*"); ok {
			first, rest, _ := strings.Cut(stderr.String(), "\n")
			if !strings.HasPrefix(first, prefix) || rest != "For help, use supvisord -h\n" {
				t.Errorf("Run(%q) stderr = %q, want %q...", tt.args, stderr.String(), prefix)
			}
			continue
		}
		if stderr.String() != want {
			t.Errorf("Run(%q) stderr = %q, want %q", tt.args, stderr.String(), want)
		}
	}
}

func TestUsageTextNamesEveryOption(t *testing.T) {
	var out bytes.Buffer
	writeUsage(&out, "/usr/bin/supvisord")
	if !strings.Contains(out.String(), "Usage: /usr/bin/supvisord [options]\n") {
		t.Errorf("usage lacks the Usage line:\n%s", out.String())
	}
	for _, o := range options {
		var form string
		switch {
		case o.short != "" && o.long != "":
			form = "-" + o.short + "/--" + o.long
		case o.long != "":
			form = "--" + o.long
		default:
			continue // -? is documented with -h
		}
		if !strings.Contains(out.String(), "\n"+form) {
			t.Errorf("usage does not document %s", form)
		}
	}
}

// python returns the interpreter that has xmlrpc.client for the tests.
func python(t *testing.T) string {
	t.Helper()
	const py = "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Fatalf("%s is required (make deps installs it): %v", py, err)
	}
	return py
}

// rpcReply is what testdata/rpc.py prints.
type rpcReply struct {
	Result any    `json:"result"`
	Fault  int    `json:"fault"`
	String string `json:"string"`
}

// callRPC calls method on the daemon at url with Python's xmlrpc.client.
func callRPC(t *testing.T, url, method string, args ...any) rpcReply {
	t.Helper()
	cmdArgs := []string{"testdata/rpc.py", url, method}
	for _, a := range args {
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		cmdArgs = append(cmdArgs, string(b))
	}
	out, err := exec.Command(python(t), cmdArgs...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("rpc.py %s %s: %v\n%s", url, method, err, ee.Stderr)
		}
		t.Fatalf("rpc.py %s %s: %v", url, method, err)
	}
	var r rpcReply
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("rpc.py output %q: %v", out, err)
	}
	return r
}

func freePort(t *testing.T) int {
	t.Helper()
	port, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// testDaemon describes one daemon configuration in a temporary directory.
type testDaemon struct {
	dir, conf, pidfile, logfile, socket string
	port                                int
}

// newTestDaemon writes a configuration with program sl (sleep) plus the
// extra sections given.
func newTestDaemon(t *testing.T, extra ...string) *testDaemon {
	t.Helper()
	// Unix socket paths are limited to ~108 bytes: keep the directory short.
	dir, err := os.MkdirTemp("", "svd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	d := &testDaemon{
		dir: dir, conf: filepath.Join(dir, "s.conf"), pidfile: filepath.Join(dir, "s.pid"),
		logfile: filepath.Join(dir, "s.log"), socket: filepath.Join(dir, "s.sock"), port: freePort(t),
	}
	conf := fmt.Sprintf(`[supervisord]
logfile=%s
pidfile=%s
childlogdir=%s
loglevel=debug

[inet_http_server]
port=127.0.0.1:%d

[unix_http_server]
file=%s

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:sl]
command=sleep 1000
startsecs=0
stopwaitsecs=5
`, d.logfile, d.pidfile, dir, d.port, d.socket) + strings.Join(extra, "\n")
	if err := os.WriteFile(d.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d *testDaemon) url() string { return "http://127.0.0.1:" + strconv.Itoa(d.port) }

// command returns the test binary set up to run as the daemon.
func (d *testDaemon) command(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], append([]string{"-c", d.conf}, args...)...)
	cmd.Env = append(os.Environ(), asDaemonEnv+"=1")
	return cmd
}

// waitFor polls cond until it holds; the test's own timeout bounds it.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func fileContains(path, text string) bool {
	b, err := os.ReadFile(path)
	return err == nil && strings.Contains(string(b), text)
}

func processInfo(t *testing.T, url, name string) map[string]any {
	t.Helper()
	r := callRPC(t, url, "supervisor.getProcessInfo", name)
	if r.Fault != 0 {
		t.Fatalf("getProcessInfo(%s): fault %d %s", name, r.Fault, r.String)
	}
	return r.Result.(map[string]any)
}

// alive tells whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func TestForegroundDaemonSignals(t *testing.T) {
	python(t)
	d := newTestDaemon(t)
	cmd := d.command("-n")
	stdoutPath := filepath.Join(d.dir, "stdout")
	stdout, err := os.Create(stdoutPath)
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	cmd.Stdout = stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})

	waitFor(t, "the pidfile", func() bool { return fileContains(d.pidfile, strconv.Itoa(cmd.Process.Pid)+"\n") })
	waitFor(t, "sl RUNNING", func() bool {
		return processInfo(t, d.url(), "sl")["statename"] == "RUNNING"
	})

	// Both transports answer, with the daemon's own pid.
	for _, url := range []string{d.url(), "unix://" + d.socket} {
		if r := callRPC(t, url, "supervisor.getPID"); r.Result != float64(cmd.Process.Pid) {
			t.Errorf("getPID over %s = %v, want %d", url, r, cmd.Process.Pid)
		}
		if r := callRPC(t, url, "supervisor.getState"); fmt.Sprint(r.Result) != "map[statecode:1 statename:RUNNING]" {
			t.Errorf("getState over %s = %+v", url, r)
		}
	}
	for _, line := range []string{
		"INFO RPC interface 'supervisor' initialized",
		"CRIT Server 'inet_http_server' running without any HTTP authentication checking",
		fmt.Sprintf("INFO supervisord started with pid %d", cmd.Process.Pid),
	} {
		if !fileContains(d.logfile, line) {
			t.Errorf("main log lacks %q", line)
		}
	}
	if !fileContains(stdoutPath, "supervisord started with pid") {
		t.Errorf("foreground mode did not echo the log to stdout")
	}

	// SIGUSR2: the main log is reopened, so after a rename a new file appears.
	rotated := d.logfile + ".old"
	if err := os.Rename(d.logfile, rotated); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGUSR2)
	waitFor(t, "the main log reopened", func() bool { _, err := os.Stat(d.logfile); return err == nil })
	waitFor(t, "the USR2 lines", func() bool {
		return fileContains(rotated, "INFO received SIGUSR2 indicating log reopen request") &&
			fileContains(rotated, "INFO supervisord logreopen")
	})

	// SIGHUP: same daemon pid, the program is restarted.
	oldChild := int(processInfo(t, d.url(), "sl")["pid"].(float64))
	cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "sl restarted", func() bool {
		r := callRPC(t, d.url(), "supervisor.getProcessInfo", "sl")
		if r.Fault != 0 {
			return false // restarting: SHUTDOWN_STATE, or the server is being reopened
		}
		info := r.Result.(map[string]any)
		return info["statename"] == "RUNNING" && int(info["pid"].(float64)) != oldChild
	})
	if r := callRPC(t, d.url(), "supervisor.getPID"); r.Result != float64(cmd.Process.Pid) {
		t.Errorf("getPID after HUP = %v, want %d", r.Result, cmd.Process.Pid)
	}
	if alive(oldChild) {
		t.Errorf("the child of before the restart (%d) still runs", oldChild)
	}
	if !fileContains(d.logfile, "WARN received SIGHUP indicating restart request") {
		t.Errorf("main log lacks the SIGHUP line")
	}
	newChild := int(processInfo(t, d.url(), "sl")["pid"].(float64))

	// SIGTERM: ordered shutdown, exit 0, files removed.
	cmd.Process.Signal(syscall.SIGTERM)
	if err := <-exited; err != nil {
		t.Fatalf("daemon exit after SIGTERM: %v", err)
	}
	exited <- nil // for the cleanup
	if alive(newChild) {
		t.Errorf("child %d survived the shutdown", newChild)
	}
	for _, f := range []string{d.pidfile, d.socket} {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s not removed at exit: %v", f, err)
		}
	}
	if !fileContains(d.logfile, "WARN received SIGTERM indicating exit request") {
		t.Errorf("main log lacks the SIGTERM line")
	}
	// loglevel=debug: the children's deaths were noticed.
	if !fileContains(d.logfile, "DEBG received SIGCHLD indicating a child quit") {
		t.Errorf("main log lacks the SIGCHLD debug line")
	}
}

func TestDaemonizeWaitsUntilReady(t *testing.T) {
	python(t)
	d := newTestDaemon(t)
	var stderr bytes.Buffer
	workdir := t.TempDir()
	cmd := d.command("-d", workdir, "-m", "027")
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("daemonizing parent: %v\n%s", err, stderr.String())
	}
	// The parent has exited: the daemon must already be usable.
	b, err := os.ReadFile(d.pidfile)
	if err != nil {
		t.Fatalf("pidfile not written when the parent exited: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("pidfile %q: %v", b, err)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	if pid == cmd.Process.Pid {
		t.Errorf("the daemon runs in the parent process")
	}
	if r := callRPC(t, "unix://"+d.socket, "supervisor.getPID"); r.Result != float64(pid) {
		t.Errorf("getPID = %+v, want %d", r, pid)
	}
	if !fileContains(d.logfile, "INFO daemonizing the supervisord process") {
		t.Errorf("main log lacks the daemonizing line")
	}
	// The daemon moved to -d, took the -m umask and leads its own session.
	if cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid)); err != nil || cwd != workdir {
		t.Errorf("daemon cwd = %q, %v; want %q", cwd, err, workdir)
	}
	if !fileContains(d.logfile, fmt.Sprintf("INFO set current directory: '%s'", workdir)) {
		t.Errorf("main log lacks the directory line")
	}
	if !fileContains(fmt.Sprintf("/proc/%d/status", pid), "Umask:\t0027\n") {
		t.Errorf("daemon umask is not 027")
	}
	if pgid, err := syscall.Getpgid(pid); err != nil || pgid != pid {
		t.Errorf("daemon process group = %d, %v; want its own (%d) after setsid", pgid, err, pid)
	}

	// A second daemon on the same port fails in the foreground, with
	// Supervisor's message and status 2.
	var stderr2 bytes.Buffer
	second := d.command("-j", filepath.Join(d.dir, "second.pid"), "-l", filepath.Join(d.dir, "second.log"))
	second.Stderr = &stderr2
	err = second.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Errorf("second daemon: %v, want exit status 2", err)
	}
	want := "Error: Another program is already listening on a port that one of our HTTP servers is configured to use.  " +
		"Shut this program down first before starting supervisord.\nFor help, use " + os.Args[0] + " -h\n"
	if stderr2.String() != want {
		t.Errorf("second daemon stderr = %q, want %q", stderr2.String(), want)
	}

	// A restart keeps the pid and does not daemonize again.
	syscall.Kill(pid, syscall.SIGHUP)
	waitFor(t, "the restart", func() bool {
		b, _ := os.ReadFile(d.logfile)
		return strings.Count(string(b), fmt.Sprintf("supervisord started with pid %d", pid)) == 2
	})
	if b, _ := os.ReadFile(d.logfile); strings.Count(string(b), "daemonizing the supervisord process") != 1 {
		t.Errorf("the restart daemonized again:\n%s", b)
	}
	if !fileContains(d.pidfile, fmt.Sprintf("%d\n", pid)) {
		t.Errorf("pidfile not rewritten with the same pid after the restart")
	}

	syscall.Kill(pid, syscall.SIGTERM)
	waitFor(t, "the daemon to exit", func() bool { return !alive(pid) })
	if _, err := os.Stat(d.pidfile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("pidfile not removed: %v", err)
	}
}

// TestDieWithDaemonFlag checks that our --die_with_daemon extension reaches
// the engine: the children die with a daemon killed by SIGKILL, where
// supervisord would leave them running.
func TestDieWithDaemonFlag(t *testing.T) {
	python(t)
	d := newTestDaemon(t)
	cmd := d.command("-n", "-s", "--die_with_daemon")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var child int
	waitFor(t, "sl RUNNING", func() bool {
		r := callRPC(t, d.url(), "supervisor.getProcessInfo", "sl")
		if r.Fault != 0 {
			return false
		}
		info := r.Result.(map[string]any)
		child = int(info["pid"].(float64))
		return info["statename"] == "RUNNING"
	})
	t.Cleanup(func() { syscall.Kill(child, syscall.SIGKILL) })
	cmd.Process.Kill()
	<-exited
	waitFor(t, "the child to die with the daemon", func() bool { return !alive(child) })
	if stdout.Len() != 0 {
		t.Errorf("-s (silent) still echoed the log: %q", stdout.String())
	}
}

// TestUserOption runs the daemon with -u nobody: as root it switches to
// that user; as anyone else it must refuse with Supervisor's message.
func TestUserOption(t *testing.T) {
	python(t)
	d := newTestDaemon(t)
	if os.Getuid() != 0 {
		var stderr bytes.Buffer
		cmd := d.command("-n", "-u", "root")
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Fatalf("-u root as uid %d: %v, want exit status 2", os.Getuid(), err)
		}
		if want := "Error: Can't drop privilege as nonroot user\n"; !strings.HasPrefix(stderr.String(), want) {
			t.Errorf("stderr = %q, want %q...", stderr.String(), want)
		}
		return
	}
	nobody, err := resolveUser("nobody")
	if err != nil {
		t.Fatalf("this test needs a nobody user: %v", err)
	}
	// nobody must be able to write the log, pidfile and socket.
	if err := os.Chmod(d.dir, 0o777); err != nil {
		t.Fatal(err)
	}
	cmd := d.command("-n", "-s", "-u", "nobody")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	waitFor(t, "sl RUNNING", func() bool {
		r := callRPC(t, d.url(), "supervisor.getProcessInfo", "sl")
		return r.Fault == 0 && r.Result.(map[string]any)["statename"] == "RUNNING"
	})
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	wantUID := fmt.Sprintf("Uid:\t%d\t%d\t%d\t%d\n", nobody, nobody, nobody, nobody)
	if !strings.Contains(string(status), wantUID) {
		t.Errorf("daemon credentials:\n%s\nwant %q", status, wantUID)
	}
	if want := fmt.Sprintf("INFO Set uid to user %d succeeded", nobody); !fileContains(d.logfile, want) {
		t.Errorf("main log lacks %q", want)
	}
	if fileContains(d.logfile, "Supervisor is running as root") {
		t.Errorf("main log has the running-as-root warning although a user is set")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := <-exited; err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	exited <- nil
}

// TestRestartWithBrokenConfig: a SIGHUP after the file was broken ends the
// daemon with status 2 and says why in the main log.
func TestRestartWithBrokenConfig(t *testing.T) {
	python(t)
	d := newTestDaemon(t)
	cmd := d.command("-n", "-s")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	waitFor(t, "the pidfile", func() bool { return fileContains(d.pidfile, strconv.Itoa(cmd.Process.Pid)) })
	if err := os.WriteFile(d.conf, []byte("[program:x]\ncommand=sleep 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	err := <-exited
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Errorf("daemon after a broken restart: %v, want exit status 2", err)
	}
	if !strings.HasPrefix(stderr.String(), "Error: .ini file does not include supervisord section") {
		t.Errorf("stderr = %q", stderr.String())
	}
	if !fileContains(d.logfile, "CRIT cannot restart, exiting: .ini file does not include supervisord section") {
		t.Errorf("main log does not say why the daemon stopped")
	}
}

// TestHUPDuringShutdownIsIgnored: once a shutdown has begun, SIGHUP is
// logged and ignored, and the daemon still exits 0.
func TestHUPDuringShutdownIsIgnored(t *testing.T) {
	python(t)
	d := newTestDaemon(t, `
[program:stubborn]
command=sh -c 'trap "" TERM; exec sleep 1000'
startsecs=0
stopwaitsecs=2
`)
	cmd := d.command("-n", "-s")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	waitFor(t, "stubborn RUNNING", func() bool {
		r := callRPC(t, d.url(), "supervisor.getProcessInfo", "stubborn")
		return r.Fault == 0 && r.Result.(map[string]any)["statename"] == "RUNNING"
	})
	cmd.Process.Signal(syscall.SIGTERM)
	waitFor(t, "the shutdown to begin", func() bool {
		return fileContains(d.logfile, "WARN received SIGTERM indicating exit request")
	})
	cmd.Process.Signal(syscall.SIGHUP)
	if err := <-exited; err != nil {
		t.Errorf("exit after SIGTERM then SIGHUP: %v", err)
	}
	exited <- nil
	if !fileContains(d.logfile, "WARN ignored SIGHUP indicating restart request (shutdown in progress)") {
		t.Errorf("main log lacks the ignored-SIGHUP line")
	}
	if fileContains(d.logfile, "received SIGHUP") {
		t.Errorf("SIGHUP during the shutdown was taken as a restart request")
	}
}

// TestPidfileFailureIsNotFatal: a pidfile that cannot be written is logged
// as critical and the daemon runs on, as supervisord does.
func TestPidfileFailureIsNotFatal(t *testing.T) {
	python(t)
	d := newTestDaemon(t)
	cmd := d.command("-n", "-s", "-j", "/proc/supvisord-test.pid")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	waitFor(t, "the pidfile failure", func() bool {
		return fileContains(d.logfile, "CRIT could not write pidfile /proc/supvisord-test.pid")
	})
	if r := callRPC(t, d.url(), "supervisor.getPID"); r.Result != float64(cmd.Process.Pid) {
		t.Errorf("getPID = %+v", r)
	}
	if fileContains(d.logfile, "supervisord started with pid") {
		t.Errorf("the start line is logged although the pidfile failed (supervisord logs it only on success)")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := <-exited; err != nil {
		t.Errorf("exit: %v", err)
	}
	exited <- nil
}
