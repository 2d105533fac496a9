package e2e

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"
)

// Debian's supervisor 4.2.5 is the reference: its daemon records the goldens
// and its supervisorctl drives every daemon under test.
const (
	referenceDaemon = "/usr/bin/supervisord"
	referenceCtl    = "/usr/bin/supervisorctl"
	systemPython    = "/usr/bin/python3"
)

var (
	update = flag.Bool("update", false,
		"re-record testdata/golden/*.txt by running the scripts against "+referenceDaemon)
	daemonFlag = flag.String("daemon", "",
		"daemon binary to compare with the goldens (default: build ./cmd/supvisord)")
	ctlFlag = flag.String("ctl", referenceCtl,
		"client that runs the ctl steps: Debian's supervisorctl records the goldens; "+
			"our supvisorsctl must print the same")
)

// Bounds of every poll in the harness. They are deadlines for a stuck
// daemon, not expectations of speed.
const (
	pollInterval   = 50 * time.Millisecond
	readyTimeout   = 30 * time.Second
	stateTimeout   = 30 * time.Second
	commandTimeout = 180 * time.Second
	markerTimeout  = 20 * time.Second
	stopTimeout    = 20 * time.Second
)

// TestGolden runs every script in testdata/golden against the daemon under
// test and compares the transcript with the recorded one.
func TestGolden(t *testing.T) {
	requireReferenceTools(t)
	daemonBin := daemonUnderTest(t)
	cases, err := filepath.Glob(filepath.Join(goldenDir, "*.txt"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no golden scripts in %s (err=%v)", goldenDir, err)
	}
	// Cases are independent (own temp dir, port and daemon) and mostly wait
	// on daemons, so they all run at once: t.Run from several goroutines is
	// not bounded by -parallel, which defaults to the number of CPUs.
	var wg sync.WaitGroup
	for _, path := range cases {
		name := strings.TrimSuffix(filepath.Base(path), ".txt")
		wg.Go(func() {
			t.Run(name, func(t *testing.T) {
				runGoldenCase(t, path, daemonBin)
			})
		})
	}
	wg.Wait()
}

const goldenDir = "../testdata/golden"

// daemonUnderTest returns the binary the scripts run against: Debian's
// supervisord when recording, the -daemon flag when given, otherwise our
// supvisord built once for this test run.
func daemonUnderTest(t *testing.T) string {
	t.Helper()
	switch {
	case *update:
		return referenceDaemon
	case *daemonFlag != "":
		return *daemonFlag
	}
	return buildSupvisord(t)
}

// requireReferenceTools fails (never skips) when a reference client is
// missing: `make deps` installs them.
func requireReferenceTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{referenceCtl, *ctlFlag, systemPython} {
		if _, err := os.Stat(tool); err != nil {
			t.Fatalf("%s is missing (run `make deps`): %v", tool, err)
		}
	}
	if *update {
		if *ctlFlag != referenceCtl {
			t.Fatalf("goldens are recorded with %s, not %s", referenceCtl, *ctlFlag)
		}
		if _, err := os.Stat(referenceDaemon); err != nil {
			t.Fatalf("%s is missing (run `make deps`): %v", referenceDaemon, err)
		}
	}
	out, err := exec.Command(systemPython, "-c", "import supervisor.xmlrpc").CombinedOutput()
	if err != nil {
		t.Fatalf("%s cannot import supervisor (run `make deps`): %v\n%s", systemPython, err, out)
	}
}

// runGoldenCase executes one script and either rewrites its golden file
// (-update) or compares the transcript with it.
func runGoldenCase(t *testing.T, path, daemonBin string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	directives := parseScript(string(data))
	if len(directives) == 0 {
		t.Fatalf("%s has no directives", path)
	}
	run := newCaseRun(t, daemonBin)
	var transcript strings.Builder
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("transcript so far:\n%s", transcript.String())
		}
	})
	for _, d := range directives {
		start := time.Now()
		transcript.WriteString("> " + d + "\n")
		transcript.WriteString(run.execute(d))
		if took := time.Since(start); took > time.Second {
			t.Logf("%v: %s", took.Round(time.Millisecond), d)
		}
	}
	got := transcript.String()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := string(data)
	if *ctlFlag != referenceCtl {
		// Our client's help texts keep supervisorctl's layout in our own
		// words (docs/compatibility.md): compare their layout only.
		want, got = helpLayout(want), helpLayout(got)
	}
	if got != want {
		t.Errorf("transcript differs from %s (- golden, + %s):\n%s",
			path, daemonBin, lineDiff(want, got))
	}
}

// parseScript returns the directives of a golden file: the lines that start
// with "> ". Every other line is recorded output and is regenerated.
func parseScript(text string) []string {
	var directives []string
	for line := range strings.Lines(text) {
		if d, ok := strings.CutPrefix(strings.TrimRight(line, "\n"), "> "); ok {
			directives = append(directives, d)
		}
	}
	return directives
}

// caseRun is the state of one script: its temp dir, port, config flags and
// the daemon it started.
type caseRun struct {
	t         *testing.T
	daemonBin string
	tmp       string
	port      int
	conf      string
	flags     map[string]bool
	daemon    *daemonProcess
}

func newCaseRun(t *testing.T, daemonBin string) *caseRun {
	// A short private dir keeps the unix socket path under the 108-byte
	// limit, also when TMPDIR is long.
	base := os.TempDir()
	if len(base) > 60 {
		base = "/tmp"
	}
	tmp, err := os.MkdirTemp(base, "golden-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	tmp, err = filepath.EvalSymlinks(tmp)
	if err != nil {
		t.Fatal(err)
	}
	return &caseRun{
		t:         t,
		daemonBin: daemonBin,
		tmp:       tmp,
		port:      freePort(t),
		conf:      filepath.Join(tmp, "supervisord.conf"),
		flags:     map[string]bool{},
	}
}

// execute runs one directive and returns what it records in the transcript.
// Harness failures (a daemon that never gets ready, a state never reached)
// stop the case at once: a transcript after them would be noise.
func (r *caseRun) execute(directive string) string {
	r.t.Helper()
	if strings.HasPrefix(directive, "#") {
		return "" // a comment
	}
	words, err := splitWords(directive)
	if err != nil {
		r.t.Fatalf("directive %q: %v", directive, err)
	}
	if len(words) == 0 {
		return ""
	}
	args := r.expand(words[1:])
	switch words[0] {
	case "daemon":
		r.startDaemon(args)
	case "config":
		r.writeConfig(args)
	case "waitready":
		if r.waitReady() {
			r.t.Fatalf("daemon exited instead of getting ready\n%s", r.daemon.output())
		}
	case "wait":
		if len(args) != 2 {
			r.t.Fatalf("usage: wait <namespec> <STATE>")
		}
		r.waitState(args[0], args[1])
	case "waitexit":
		r.waitExit()
	case "ctl":
		return r.record(r.runCommand(r.ctlArgs(args)))
	case "ctl-sorted":
		res := r.runCommand(r.ctlArgs(args))
		res.stdout = sortLines(res.stdout)
		return r.record(res)
	case "ctl-input":
		if len(args) < 1 {
			r.t.Fatalf("usage: ctl-input <typed text, \\n for newlines> [ctl args...]")
		}
		input := strings.ReplaceAll(args[0], `\n`, "\n")
		return r.record(r.runCommandInput(input, r.ctlArgs(args[1:])))
	case "ctl-until":
		if len(args) < 2 {
			r.t.Fatalf("usage: ctl-until <marker> <ctl args...>")
		}
		return r.record(r.runUntil(args[0], r.ctlArgs(args[1:])))
	case "fg":
		if len(args) != 2 {
			r.t.Fatalf("usage: fg <name> <line>")
		}
		return r.record(r.runForeground(args[0], args[1]))
	case "python":
		return r.record(r.runCommand(append([]string{systemPython}, args...)))
	default:
		r.t.Fatalf("unknown directive %q", words[0])
	}
	return ""
}

// expand substitutes the case's variables in directive arguments.
func (r *caseRun) expand(args []string) []string {
	repl := strings.NewReplacer(
		"$HTTP_URL", fmt.Sprintf("http://127.0.0.1:%d", r.port),
		"$UNIX_URL", "unix://"+filepath.Join(r.tmp, "supervisor.sock"),
		"$TESTDATA", mustAbs(r.t, "../testdata"),
		"$TMP", r.tmp,
		"$PORT", fmt.Sprint(r.port),
	)
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = repl.Replace(a)
	}
	return out
}

func (r *caseRun) ctlArgs(args []string) []string {
	return append([]string{ctlAsSupervisorctl(), "-c", r.conf}, args...)
}

// ctlAsSupervisorctl is the client to run. The transcripts are
// supervisorctl sessions, so our client runs under that name, as `make
// install` links it: it then loads only the plugins the configuration
// declares, exactly as supervisorctl does, instead of its built-in
// Supvisors commands.
var ctlAsSupervisorctl = sync.OnceValue(ctlLink)

// ctlLinkDir holds the link; TestMain removes it.
var ctlLinkDir string

func ctlLink() string {
	if *ctlFlag == referenceCtl {
		return referenceCtl
	}
	abs, err := filepath.Abs(*ctlFlag)
	if err != nil {
		return *ctlFlag
	}
	dir, err := os.MkdirTemp("", "supvisors-e2e-ctl-")
	if err != nil {
		return *ctlFlag
	}
	ctlLinkDir = dir
	link := filepath.Join(dir, "supervisorctl")
	if err := os.Symlink(abs, link); err != nil {
		return *ctlFlag
	}
	return link
}

// writeConfig renders fixture.conf with the given flags (+name sets, -name
// clears; a bare name sets).
func (r *caseRun) writeConfig(flags []string) {
	r.t.Helper()
	for _, f := range flags {
		switch {
		case strings.HasPrefix(f, "-"):
			delete(r.flags, f[1:])
		default:
			r.flags[strings.TrimPrefix(f, "+")] = true
		}
	}
	tmpl, err := template.ParseFiles(filepath.Join(goldenDir, "fixture.conf"))
	if err != nil {
		r.t.Fatal(err)
	}
	var buf bytes.Buffer
	err = tmpl.Execute(&buf, struct {
		Tmp  string
		Port int
		Flag map[string]bool
	}{r.tmp, r.port, r.flags})
	if err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(r.conf, buf.Bytes(), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// Exit statuses that are not recorded: a client the harness had to kill
// (fg), and one it interrupted (tail -f).
const (
	exitNotRecorded = -1
	exitInterrupted = -2
)

// commandResult is what one client run produced.
type commandResult struct {
	stdout, stderr string
	exitCode       int
}

// record formats a result for the transcript, normalised.
func (r *caseRun) record(res commandResult) string {
	var b strings.Builder
	writeBlock := func(text string) {
		b.WriteString(text)
		if text != "" && !strings.HasSuffix(text, "\n") {
			b.WriteString("\n(no newline at end)\n")
		}
	}
	writeBlock(r.normalize(res.stdout))
	if res.stderr != "" {
		b.WriteString("--- stderr\n")
		writeBlock(r.normalize(res.stderr))
	}
	switch res.exitCode {
	case exitNotRecorded:
		b.WriteString("[exit not recorded]\n")
	case exitInterrupted:
		b.WriteString("[interrupted]\n")
	default:
		fmt.Fprintf(&b, "[exit %d]\n", res.exitCode)
	}
	return b.String()
}

func (r *caseRun) normalize(s string) string {
	return normalize(s, r.tmp, r.port)
}

// runCommand runs a client to completion, bounded by commandTimeout.
func (r *caseRun) runCommand(argv []string) commandResult {
	r.t.Helper()
	return r.runCommandInput("", argv)
}

// runCommandInput runs a client with input on its stdin (a pipe, not a
// terminal), bounded by commandTimeout.
func (r *caseRun) runCommandInput(input string, argv []string) commandResult {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = clientEnv()
	cmd.Stdin = strings.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		r.t.Fatalf("%q did not finish within %v\nstdout:\n%s\nstderr:\n%s",
			argv, commandTimeout, stdout.String(), stderr.String())
	}
	return commandResult{stdout.String(), stderr.String(), exitCode(r.t, err)}
}

// runUntil runs a streaming client (tail -f), waits until marker shows up on
// its stdout, then interrupts it as a user's Ctrl-C would. Where the
// interrupt lands in supervisorctl depends on timing (sometimes a stray
// KeyboardInterrupt message, sometimes a blank line), so only the output up
// to the marker's line is recorded, and no exit status.
func (r *caseRun) runUntil(marker string, argv []string) commandResult {
	r.t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = clientEnv()
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	markerLine := func() (string, bool) {
		out := stdout.String()
		i := strings.Index(out, marker)
		if i < 0 {
			return "", false
		}
		end := strings.IndexByte(out[i:], '\n')
		if end < 0 {
			return "", false // wait for the whole line
		}
		return out[:i+end+1], true
	}
	seen := poll(markerTimeout, func() bool { _, ok := markerLine(); return ok })
	_ = cmd.Process.Signal(syscall.SIGINT)
	_ = waitOrKill(cmd, waited)
	if !seen {
		r.t.Fatalf("%q never printed %q\nstdout:\n%s\nstderr:\n%s", argv, marker, stdout.String(), stderr.String())
	}
	upToMarker, _ := markerLine()
	return commandResult{stdout: upToMarker, exitCode: exitInterrupted}
}

// waitOrKill waits for an interrupted client, killing it if it hangs.
func waitOrKill(cmd *exec.Cmd, waited <-chan error) error {
	select {
	case err := <-waited:
		return err
	case <-time.After(stopTimeout):
		_ = cmd.Process.Kill()
		return <-waited
	}
}

// startDaemon writes the config and starts the daemon. The port was free
// when picked but another program on the machine may take it before the
// daemon binds it; then the daemon says so and exits, and it is retried on a
// new port.
func (r *caseRun) startDaemon(flags []string) {
	r.t.Helper()
	const attempts = 3
	for attempt := 1; ; attempt++ {
		r.writeConfig(flags)
		r.daemon = startDaemon(r.t, r.daemonBin, r.conf, filepath.Join(r.tmp, "daemon.out"))
		if !r.waitReady() {
			return
		}
		if attempt == attempts || !strings.Contains(r.daemon.output(), "already listening") {
			r.t.Fatalf("daemon exited instead of getting ready\n%s", r.daemon.output())
		}
		r.t.Logf("port %d was taken; retrying on another one", r.port)
		r.port = freePort(r.t)
	}
}

// waitReady polls supervisor.getState until the daemon says RUNNING. It
// reports whether the daemon exited instead; a daemon that neither gets
// ready nor exits fails the case.
func (r *caseRun) waitReady() (exited bool) {
	r.t.Helper()
	var last string
	ok := poll(readyTimeout, func() bool {
		if r.daemon.exited() {
			return true
		}
		body, err := r.rpc("supervisor.getState")
		if err != nil {
			last = err.Error()
			return false
		}
		last = body
		return xmlMember(body, "statename") == "RUNNING"
	})
	if r.daemon.exited() {
		return true
	}
	if !ok {
		r.t.Fatalf("daemon not ready within %v (last answer: %s)\n%s", readyTimeout, last, r.daemon.output())
	}
	return false
}

// waitState polls supervisor.getProcessInfo until the process is in state.
func (r *caseRun) waitState(name, state string) {
	r.t.Helper()
	var last string
	ok := poll(stateTimeout, func() bool {
		if r.daemon.exited() {
			return false
		}
		body, err := r.rpc("supervisor.getProcessInfo", name)
		if err != nil {
			last = err.Error()
			return false
		}
		last = xmlMember(body, "statename")
		return last == state
	})
	if !ok {
		r.t.Fatalf("%s not %s within %v (last: %s)\n%s", name, state, stateTimeout, last, r.daemon.output())
	}
}

// waitExit waits for the daemon to exit by itself (after shutdown).
func (r *caseRun) waitExit() {
	r.t.Helper()
	if r.daemon == nil {
		r.t.Fatal("waitexit without a daemon")
	}
	if !poll(stopTimeout, r.daemon.exited) {
		r.t.Fatalf("daemon still running %v after shutdown\n%s", stopTimeout, r.daemon.output())
	}
}

// rpc calls the daemon's XML-RPC endpoint over TCP, with the fixture's
// credentials when the auth flag is set.
func (r *caseRun) rpc(method string, params ...string) (string, error) {
	user, pass := "", ""
	if r.flags["auth"] {
		user, pass = "user", "secret"
	}
	return xmlrpcCall(fmt.Sprintf("http://127.0.0.1:%d/RPC2", r.port), user, pass, method, params...)
}

// clientEnv is the environment of the reference clients: ours, in a
// predictable locale and without terminal decorations.
func clientEnv() []string {
	return append(os.Environ(), "LANG=C.UTF-8", "LC_ALL=C.UTF-8", "TERM=dumb", "PYTHONDONTWRITEBYTECODE=1")
}

// exitCode extracts a client's exit status; a failure to run at all is a
// harness error.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	t.Fatalf("client did not run: %v", err)
	return -1
}

// poll calls cond every pollInterval until it holds or timeout passes.
func poll(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pollInterval)
	}
}

func sortLines(s string) string {
	lines := splitLines(s)
	if n := len(lines); n > 0 && !strings.HasSuffix(lines[n-1], "\n") {
		lines[n-1] += "\n"
	}
	sort.Strings(lines)
	return strings.Join(lines, "")
}

func mustAbs(t *testing.T, path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}
