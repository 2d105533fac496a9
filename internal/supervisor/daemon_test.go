package supervisor

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/loopback"
)

// The test binary doubles as a daemon running the engine, for the test
// that kills the daemon with SIGKILL.
func TestMain(m *testing.M) {
	switch os.Getenv("ENGINE_TEST_DAEMON") {
	case "":
	case "reap":
		runReapingDaemon()
		os.Exit(3)
	default:
		runTestDaemon(os.Getenv("ENGINE_TEST_DAEMON") == "die")
		os.Exit(3)
	}
	code := m.Run()
	if code == 0 {
		if leaked := leakedGoroutines(); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines left behind:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// leakedGoroutines returns the stacks of goroutines still running code of
// the engine once every test is over (after a short settling time for
// goroutines that are finishing).
func leakedGoroutines() string {
	var found string
	for range 100 {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		found = ""
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "supvisors/internal/") && !strings.Contains(g, "leakedGoroutines") && !strings.Contains(g, "TestMain") {
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

func runTestDaemon(die bool) {
	p := &config.Process{Name: "victim", Group: "victim", Command: "sleep 1000", Autostart: true, Priority: 1,
		Exitcodes: []int{0}, Stopsignal: syscall.SIGTERM, Stopwaitsecs: 1, UID: -1, GID: -1, Umask: -1}
	cfg := &config.Config{Supervisord: config.Supervisord{Nocleanup: true, Identifier: "daemon"},
		Groups: []*config.Group{{Name: "victim", Priority: 1, Processes: []*config.Process{p}}}}
	s, err := New(Options{Config: cfg, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil)), Environ: os.Environ(), DieWithDaemon: die})
	if err != nil {
		fmt.Println("error", err)
		return
	}
	go s.Run(context.Background())
	for {
		if info, err := s.ProcessInfo("victim"); err == nil && info.StateName == "RUNNING" {
			fmt.Println(info.PID)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {}
}

// runReapingDaemon runs an engine that reaps orphans, with a program that
// leaves one behind (a subshell that lives until its parent was reaped);
// its main log goes to stdout.
func runReapingDaemon() {
	p := &config.Process{Name: "orphaner", Group: "orphaner", Command: "sh -c '(while kill -0 $$ 2>/dev/null; do sleep 0.05; done) & exit 0'", Autostart: true,
		Priority: 1, Exitcodes: []int{0}, Autorestart: config.AutoRestartFalse, Stopsignal: syscall.SIGTERM, Stopwaitsecs: 1, UID: -1, GID: -1, Umask: -1}
	cfg := &config.Config{Supervisord: config.Supervisord{Nocleanup: true, Identifier: "daemon"},
		Groups: []*config.Group{{Name: "orphaner", Priority: 1, Processes: []*config.Process{p}}}}
	s, err := New(Options{Config: cfg, Logger: slog.New(slog.NewTextHandler(os.Stdout, nil)), Environ: os.Environ(), ReapOrphans: true})
	if err != nil {
		fmt.Println("error", err)
		return
	}
	s.Run(context.Background())
}

func TestReapOrphansOption(t *testing.T) {
	ctx, cancel := testContext(t)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ENGINE_TEST_DAEMON=reap")
	cmd.Stderr = os.Stderr
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(out)
	// Both the program's own exit (through its registered waiter) and the
	// orphan's (through the reap loop) must be seen.
	var exited, reaped bool
	for !(exited && reaped) && sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, "exited: orphaner (exit status 0; expected)") {
			exited = true
		}
		if strings.Contains(line, "reaped unknown pid") && strings.Contains(line, "(exit status 0)") {
			reaped = true
		}
	}
	if !exited || !reaped {
		t.Fatalf("exit reported: %v, orphan reaped: %v", exited, reaped)
	}
}

func TestDieWithDaemonOption(t *testing.T) {
	for _, mode := range []string{"die", "survive"} {
		t.Run(mode, func(t *testing.T) {
			ctx, cancel := testContext(t)
			defer cancel()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "ENGINE_TEST_DAEMON="+mode)
			cmd.Stderr = os.Stderr
			out, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Wait()
			defer cmd.Process.Kill()
			sc := bufio.NewScanner(out)
			if !sc.Scan() {
				t.Fatal("daemon printed nothing")
			}
			pid, err := strconv.Atoi(sc.Text())
			if err != nil {
				t.Fatalf("daemon said %q", sc.Text())
			}
			defer syscall.Kill(pid, syscall.SIGKILL)
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			if mode == "die" {
				waitGone(t, ctx, pid)
				return
			}
			time.Sleep(100 * time.Millisecond)
			if gone(pid) {
				t.Error("the child died with the daemon without the option")
			}
		})
	}
}

func TestMoodAndRestart(t *testing.T) {
	cfg := cfgOf(t, groupOf("p", 1, prog("p", "sleep 100", autostart)))
	rec := newRecorder()
	s, err := New(Options{Config: cfg, Logger: slog.New(rec), Environ: os.Environ()})
	if err != nil {
		t.Fatal(err)
	}
	if s.State() != StateRunning || s.Identification() != "enginetest" {
		t.Errorf("state %v id %s", s.State(), s.Identification())
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()
	ctx, cancel := testContext(t)
	defer cancel()
	for {
		if info, _ := s.ProcessInfo("p"); info.StateName == "RUNNING" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.Restart()
	select {
	case err := <-done:
		if !errors.Is(err, ErrRestart) {
			t.Errorf("Run after Restart: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("Run did not return")
	}
	if s.State() != StateRestarting {
		t.Errorf("state %v", s.State())
	}
	if err := s.StartProcess(ctx, "p", false); !errdefs.Is(err, errdefs.ShutdownState) {
		t.Errorf("start while restarting: %v", err)
	}
	if err := s.SendRemoteCommEvent("a", "b"); err != nil {
		t.Errorf("SendRemoteCommEvent while restarting: %v", err)
	}
	s.Shutdown()
	s.Restart()
	if rec.index("WARN ignored SIGHUP indicating restart request (shutdown in progress)") < 0 {
		t.Error("no warning for a restart during shutdown")
	}
	if z := zombieChildren(); len(z) > 0 {
		t.Errorf("zombies: %v", z)
	}
}

func TestContextCancelStopsEverything(t *testing.T) {
	cfg := cfgOf(t, groupOf("p", 1, prog("p", "sleep 100", autostart)))
	s, err := New(Options{Config: cfg, Logger: slog.New(newRecorder()), Environ: os.Environ()})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(runCtx) }()
	ctx, cancel := testContext(t)
	defer cancel()
	var pid int
	for pid == 0 {
		info, _ := s.ProcessInfo("p")
		pid = info.PID
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-ctx.Done():
		t.Fatal("Run did not return")
	}
	if !gone(pid) {
		t.Errorf("child %d survived", pid)
	}
}

func TestAutoLogCleanupAndFCGI(t *testing.T) {
	cfg := cfgOf(t)
	stale := filepath.Join(cfg.Supervisord.Childlogdir, "old-stdout---enginetest-abcdefgh.log")
	other := filepath.Join(cfg.Supervisord.Childlogdir, "old-stdout---otherident-abcdefgh.log")
	os.WriteFile(stale, nil, 0o600)
	os.WriteFile(other, nil, 0o600)
	port, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	fc := groupOf("fcgi", 1, prog("fcgi", `sh -c 'cat /proc/self/fdinfo/0 > /dev/null; ls -l /proc/self/fd/0; sleep 100'`))
	fc.Kind = config.FCGIGroup
	fc.Socket = &config.FCGISocket{URL: "tcp://" + addr, OwnerUID: -1, OwnerGID: -1}
	cfg.Groups = []*config.Group{fc}
	h := start(t, cfg)
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale AUTO log not cleaned: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another identifier's log was removed: %v", err)
	}
	// The socket listens before anything starts.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("fcgi socket not listening: %v", err)
	}
	conn.Close()
	if err := h.s.StartProcess(h.ctx, "fcgi", true); err != nil {
		t.Fatal(err)
	}
	text := h.waitFile(h.info("fcgi").StdoutLogfile, "socket:")
	if !strings.Contains(text, "/proc/self/fd/0 -> socket:") {
		t.Errorf("fd 0 is not the socket: %q", text)
	}
	if err := h.s.SendProcessStdin("fcgi", "x"); !errdefs.Is(err, errdefs.NoFile) {
		t.Errorf("stdin of an fcgi program: %v", err)
	}
}
