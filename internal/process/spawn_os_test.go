package process

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as a small daemon for the tests that must kill
// or observe a whole process: PROCESS_TEST_HELPER selects the role.
func TestMain(m *testing.M) {
	switch os.Getenv("PROCESS_TEST_HELPER") {
	case "":
		code := m.Run()
		if code == 0 {
			if leaked := leakedGoroutines(); leaked != "" {
				fmt.Fprintf(os.Stderr, "goroutines left behind:\n%s\n", leaked)
				code = 1
			}
		}
		os.Exit(code)
	case "daemon":
		helperDaemon(os.Getenv("PROCESS_TEST_DIE") == "1")
	case "reaper":
		helperReaper()
	}
	os.Exit(3)
}

// leakedGoroutines returns the stacks of goroutines still running code of
// this package once every test is over (after a short settling time).
func leakedGoroutines() string {
	var found string
	for range 100 {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		found = ""
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "supvisors/internal/process.") && !strings.Contains(g, "leakedGoroutines") && !strings.Contains(g, "TestMain") {
				found += g + "\n\n"
			}
		}
		if found == "" {
			return ""
		}
		time.Sleep(20 * time.Millisecond)
	}
	return found
}

// helperDaemon spawns "sleep 1000", prints its pid, and waits to be killed.
func helperDaemon(die bool) {
	sp := NewOSSpawner(OSSpawnerOptions{DieWithDaemon: die})
	s := SpawnSpec{Name: "sleeper", Path: "/bin/sh", Argv: []string{"sh", "-c", "exec sleep 1000"}, Env: os.Environ(), Umask: -1, UID: -1, GID: -1}
	if os.Getenv("PROCESS_TEST_TRAMPOLINE") == "1" {
		// Through the umask trampoline, switching user when we can: the
		// parent-death signal must survive both.
		s.Umask = 0o022
		if os.Getuid() == 0 {
			s.UID, s.GID = 65534, 65534
		}
	}
	c, err := sp.Spawn(s)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println(c.PID())
	// Spawn again later from another goroutine: the first child must not
	// depend on the goroutine that asked for it.
	go func() {
		sp.Spawn(SpawnSpec{Name: "x", Path: "/bin/true", Argv: []string{"true"}, Umask: -1, UID: -1, GID: -1})
	}()
	select {}
}

// helperReaper runs a subreaper whose child leaves an orphan behind. The
// orphan lives until its parent was reaped (kill -0 succeeds on a zombie)
// and does not hold the output pipe, so that the parent's exit is
// reported first.
func helperReaper() {
	log := slog.New(slog.NewTextHandler(os.Stdout, nil))
	r, err := StartReaper(log, true)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	sp := NewOSSpawner(OSSpawnerOptions{Reaper: r})
	c, err := sp.Spawn(SpawnSpec{Name: "parent", Path: "/bin/sh", Argv: []string{"sh", "-c", "(while kill -0 $$ 2>/dev/null; do sleep 0.05; done) >/dev/null 2>&1 & exit 7"}, Env: os.Environ(), Umask: -1, UID: -1, GID: -1})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println("child pid", c.PID())
	io.Copy(io.Discard, c.Stdout())
	_, how := DecodeStatus(c.Wait())
	fmt.Println("child:", how)
	// Wait until the orphan was reaped (the parent test watches stdout and
	// kills us once it saw the line).
	select {}
}

// helper starts the test binary in a role and returns it with its stdout.
func helper(t *testing.T, role string, env ...string) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), "PROCESS_TEST_HELPER="+role), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, bufio.NewScanner(out)
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// alive reports whether pid runs (a zombie does not count).
func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func waitDead(t *testing.T, ctx context.Context, pid int) {
	t.Helper()
	for alive(pid) {
		select {
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
			t.Fatalf("pid %d still alive", pid)
		}
	}
}

func TestDieWithDaemon(t *testing.T) {
	for _, tc := range []struct {
		die, trampoline bool
	}{{true, false}, {true, true}, {false, false}} {
		die := tc.die
		t.Run(fmt.Sprintf("die=%v,trampoline=%v", tc.die, tc.trampoline), func(t *testing.T) {
			ctx := testCtx(t)
			flag, tflag := "0", "0"
			if die {
				flag = "1"
			}
			if tc.trampoline {
				tflag = "1"
			}
			cmd, out := helper(t, "daemon", "PROCESS_TEST_DIE="+flag, "PROCESS_TEST_TRAMPOLINE="+tflag)
			if !out.Scan() {
				t.Fatal("helper printed nothing")
			}
			pid, err := strconv.Atoi(out.Text())
			if err != nil {
				t.Fatalf("helper said %q", out.Text())
			}
			defer syscall.Kill(pid, syscall.SIGKILL)
			if !alive(pid) {
				t.Fatal("child not running")
			}
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			if die {
				waitDead(t, ctx, pid)
				return
			}
			// Supervisor's behaviour: the child outlives a killed daemon.
			// Its pid stays ours to check, since it is a live process.
			time.Sleep(100 * time.Millisecond)
			if !alive(pid) {
				t.Fatal("child died with the daemon without the option")
			}
		})
	}
}

func TestReaperReapsOrphans(t *testing.T) {
	ctx := testCtx(t)
	_, out := helper(t, "reaper")
	lines := make(chan string)
	go func() {
		defer close(lines)
		for out.Scan() {
			lines <- out.Text()
		}
	}()
	// The registered child must be reported to its own waiter (exit status
	// 7) and never as an unknown pid; the orphan it leaves must be reaped as
	// one. The two lines may come in either order.
	var childPID string
	var orphans []string
	var sawChild bool
	unknown := regexp.MustCompile(`reaped unknown pid (\d+) \(exit status 0\)`)
	for !sawChild || len(orphans) == 0 || childPID == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("helper ended early")
			}
			if strings.HasPrefix(l, "error") {
				t.Fatal(l)
			}
			if pid, ok := strings.CutPrefix(l, "child pid "); ok {
				childPID = pid
			}
			if l == "child: exit status 7" {
				sawChild = true
			}
			if m := unknown.FindStringSubmatch(l); m != nil {
				orphans = append(orphans, m[1])
			}
		case <-ctx.Done():
			t.Fatalf("child pid %q reported %v, orphans reaped %v", childPID, sawChild, orphans)
		}
	}
	if slices.Contains(orphans, childPID) {
		t.Fatalf("the registered child (pid %s) was taken for an orphan", childPID)
	}
}

func spec(argv ...string) SpawnSpec {
	return SpawnSpec{Name: "t", Path: argv[0], Argv: argv, Env: []string{"PATH=/usr/bin:/bin"}, Umask: -1, UID: -1, GID: -1}
}

func TestOSSpawnerPipesAndGroups(t *testing.T) {
	sp := NewOSSpawner(OSSpawnerOptions{})
	defer sp.Close()

	// stdout and stderr apart, stdin readable.
	c, err := sp.Spawn(spec("/bin/sh", "-c", "read x; echo out $x; echo err >&2; exit 4"))
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c.Stdin(), "hello\n")
	outb, _ := io.ReadAll(c.Stdout())
	errb, _ := io.ReadAll(c.Stderr())
	if ws := c.Wait(); ws.ExitStatus() != 4 {
		t.Errorf("exit %v", ws)
	}
	if string(outb) != "out hello\n" || string(errb) != "err\n" {
		t.Errorf("stdout %q stderr %q", outb, errb)
	}

	// redirect_stderr: one pipe for both.
	s := spec("/bin/sh", "-c", "echo a; echo b >&2")
	s.RedirectStderr = true
	c, err = sp.Spawn(s)
	if err != nil {
		t.Fatal(err)
	}
	if c.Stderr() != nil {
		t.Error("a stderr pipe with redirect_stderr")
	}
	outb, _ = io.ReadAll(c.Stdout())
	c.Wait()
	if string(outb) != "a\nb\n" {
		t.Errorf("redirected output %q", outb)
	}

	// Own process group; a group signal reaches the grandchild.
	c, err = sp.Spawn(spec("/bin/sh", "-c", "sleep 1000 & echo $!; wait"))
	if err != nil {
		t.Fatal(err)
	}
	pgid, _ := syscall.Getpgid(c.PID())
	if pgid != c.PID() {
		t.Errorf("child pgid %d, want its own pid %d", pgid, c.PID())
	}
	line, _ := bufio.NewReader(c.Stdout()).ReadString('\n')
	grandchild, _ := strconv.Atoi(strings.TrimSpace(line))
	if err := c.Signal(syscall.SIGTERM, true); err != nil {
		t.Fatal(err)
	}
	if ws := c.Wait(); !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("wait status %v", ws)
	}
	waitDead(t, testCtx(t), grandchild)
	c.Stdout().Close()
	c.Stderr().Close()

	// No descriptor of ours leaks into the child beyond 0, 1, 2.
	c, err = sp.Spawn(spec("/bin/sh", "-c", "ls /proc/self/fd"))
	if err != nil {
		t.Fatal(err)
	}
	outb, _ = io.ReadAll(c.Stdout())
	c.Wait()
	if fds := strings.Fields(string(outb)); len(fds) > 4 { // 0 1 2 and ls's own directory fd
		t.Errorf("child fds %v", fds)
	}
}

func TestOSSpawnerFailures(t *testing.T) {
	sp := NewOSSpawner(OSSpawnerOptions{})
	defer sp.Close()
	s := spec("/bin/true")
	s.Dir = "/nonexistent"
	var se *SpawnError
	if _, err := sp.Spawn(s); !errors.As(err, &se) || se.Msg != "couldn't chdir to /nonexistent: ENOENT" {
		t.Errorf("bad dir: %v", err)
	}
	// A file that passes the checks but cannot be executed.
	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, []byte{0x7f, 'E', 'L', 'F', 0, 0}, 0o755)
	if _, err := sp.Spawn(spec(bad)); !errors.As(err, &se) || se.Msg != "couldn't exec "+bad+": ENOEXEC" {
		t.Errorf("bad exec: %v", err)
	}
	if os.Getuid() != 0 {
		s := spec("/bin/true")
		s.UID, s.GID = 0, 0
		if _, err := sp.Spawn(s); !errors.As(err, &se) || se.Msg != "couldn't setuid to 0: Can't drop privilege as nonroot user" {
			t.Errorf("setuid as non-root: %v", err)
		}
	}
}

func TestUmaskTrampoline(t *testing.T) {
	sp := NewOSSpawner(OSSpawnerOptions{})
	defer sp.Close()
	s := spec("/bin/sh", "-c", "umask; echo $0 $1", "arg0", "arg1")
	s.Umask = 0o027
	c, err := sp.Spawn(s)
	if err != nil {
		t.Fatal(err)
	}
	outb, _ := io.ReadAll(c.Stdout())
	c.Wait()
	if string(outb) != "0027\narg0 arg1\n" {
		t.Errorf("output %q", outb)
	}
	// An exec failure inside the trampoline is reported as Supervisor does.
	s = spec("/nonexistent/prog")
	s.Umask = 0o022
	c, err = sp.Spawn(s)
	if err != nil {
		t.Fatal(err)
	}
	errb, _ := io.ReadAll(c.Stderr())
	if ws := c.Wait(); ws.ExitStatus() != 127 {
		t.Errorf("exit %v", ws)
	}
	want := "supervisor: couldn't exec /nonexistent/prog: ENOENT\nsupervisor: child process was not spawned\n"
	if string(errb) != want {
		t.Errorf("stderr %q", errb)
	}
}

func TestFakeSpawner(t *testing.T) {
	f := &FakeSpawner{Behave: func(s SpawnSpec) FakeBehaviour { return FakeBehaviour{IgnoreSignals: s.Name == "stubborn"} }}
	c, _ := f.Spawn(SpawnSpec{Name: "stubborn"})
	go io.Copy(io.Discard, c.Stdout())
	go io.Copy(io.Discard, c.Stderr())
	c.Signal(syscall.SIGTERM, false)
	c.Signal(syscall.SIGKILL, false)
	if ws := c.Wait(); ws.Signal() != syscall.SIGKILL {
		t.Errorf("status %v", ws)
	}
	if err := c.Signal(syscall.SIGTERM, false); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("signal after exit: %v", err)
	}
	if got := f.Children()[0].Signals(); len(got) != 2 {
		t.Errorf("signals %v", got)
	}
}

func TestUserAndUmask(t *testing.T) {
	if os.Getuid() != 0 {
		// Covered by TestOSSpawnerFailures: a non-root daemon cannot
		// switch users.
		t.Log("not root: the user switch itself cannot be exercised")
		return
	}
	sp := NewOSSpawner(OSSpawnerOptions{})
	defer sp.Close()
	s := spec("/bin/sh", "-c", "id -u; id -g; umask")
	s.UID, s.GID, s.Umask = 65534, 65534, 0o077
	c, err := sp.Spawn(s)
	if err != nil {
		t.Fatal(err)
	}
	outb, _ := io.ReadAll(c.Stdout())
	errb, _ := io.ReadAll(c.Stderr())
	c.Wait()
	if string(outb) != "65534\n65534\n0077\n" {
		t.Errorf("output %q, stderr %q", outb, errb)
	}
}
