package supervisor

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/events"
	"github.com/supvisors-go/supvisors/internal/logs"
)

// recorder is a slog.Handler that keeps every message, for assertions.
type recorder struct {
	mu    sync.Mutex
	lines []string
	wake  chan struct{}
	echo  bool
}

func newRecorder() *recorder {
	return &recorder{wake: make(chan struct{}, 1), echo: os.Getenv("ENGINE_TEST_LOG") != ""}
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *recorder) WithGroup(string) slog.Handler            { return r }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	line := logs.LevelWord(rec.Level) + " " + rec.Message
	if r.echo {
		fmt.Fprintln(os.Stderr, line)
	}
	r.mu.Lock()
	r.lines = append(r.lines, line)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
	return nil
}

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

// index returns the position of the first line containing sub, or -1.
func (r *recorder) index(sub string) int {
	for i, l := range r.all() {
		if strings.Contains(l, sub) {
			return i
		}
	}
	return -1
}

// wait waits until a line contains sub and returns it.
func (r *recorder) wait(t *testing.T, sub string) string {
	t.Helper()
	ctx, cancel := testContext(t)
	defer cancel()
	for {
		for _, l := range r.all() {
			if strings.Contains(l, sub) {
				return l
			}
		}
		select {
		case <-r.wake:
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			t.Fatalf("no log line with %q; log:\n%s", sub, strings.Join(r.all(), "\n"))
		}
	}
}

// testContext ends a little before the test's deadline, so that a stuck
// wait fails with a message instead of a panic.
// The bound is generous: it only turns a hang into a failure.
func testContext(t *testing.T) (context.Context, context.CancelFunc) {
	limit := time.Now().Add(45 * time.Second)
	if dl, ok := t.Deadline(); ok && dl.Add(-5*time.Second).Before(limit) {
		limit = dl.Add(-5 * time.Second)
	}
	return context.WithDeadline(context.Background(), limit)
}

// prog returns a process configuration with Supervisor's defaults, made
// quick: startsecs 0, stopwaitsecs 2, autostart off.
func prog(name, command string, mods ...func(*config.Process)) *config.Process {
	p := &config.Process{
		Name: name, Group: name, ProgramName: name, Command: command,
		Priority: 999, Autostart: false, Autorestart: config.AutoRestartUnexpected,
		Startsecs: 0, Startretries: 3, Exitcodes: []int{0},
		Stopsignal: syscall.SIGTERM, Stopwaitsecs: 2,
		UID: -1, GID: -1, Umask: -1, ServerURL: "AUTO",
		Stdout: config.LogConfig{Logfile: config.AutoLogfile, Maxbytes: 1 << 20, Backups: 1},
		Stderr: config.LogConfig{Logfile: config.AutoLogfile, Maxbytes: 1 << 20, Backups: 1},
	}
	for _, m := range mods {
		m(p)
	}
	return p
}

// groupOf wraps processes into a group named name.
func groupOf(name string, prio int, procs ...*config.Process) *config.Group {
	g := &config.Group{Name: name, Priority: prio, Kind: config.ProgramGroup}
	if len(procs) > 1 || (len(procs) == 1 && procs[0].Name != name) {
		g.Kind = config.HeterogeneousGroup
	}
	for _, p := range procs {
		p.Group = name
	}
	g.Processes = procs
	return g
}

// cfgOf builds a configuration for groups, logging in a temporary dir.
func cfgOf(t *testing.T, groups ...*config.Group) *config.Config {
	return &config.Config{
		Supervisord: config.Supervisord{Childlogdir: t.TempDir(), Identifier: "enginetest", Umask: 0o022},
		Groups:      groups,
	}
}

// harness runs an engine for one test.
type harness struct {
	t   *testing.T
	s   *Supervisor
	log *recorder
	bus *events.Bus
	ctx context.Context
	err chan error
}

func start(t *testing.T, cfg *config.Config, mods ...func(*Options)) *harness {
	t.Helper()
	rec := newRecorder()
	bus := events.NewBus()
	opts := Options{Config: cfg, Logger: slog.New(rec), Bus: bus, Environ: os.Environ(), ServerURL: "http://127.0.0.1:9001"}
	for _, m := range mods {
		m(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := testContext(t)
	h := &harness{t: t, s: s, log: rec, bus: bus, ctx: ctx, err: make(chan error, 1)}
	go func() { h.err <- s.Run(context.Background()) }()
	t.Cleanup(func() {
		s.Shutdown()
		select {
		case err := <-h.err:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-ctx.Done():
			t.Errorf("Run did not return after Shutdown")
		}
		cancel()
	})
	return h
}

// stop shuts the engine down and waits for Run.
func (h *harness) stop() error {
	h.s.Shutdown()
	select {
	case err := <-h.err:
		h.err <- nil
		return err
	case <-h.ctx.Done():
		h.t.Fatalf("Run did not return after Shutdown; log:\n%s", strings.Join(h.log.all(), "\n"))
	}
	return nil
}

// info returns the info of name or fails.
func (h *harness) info(name string) ProcessInfo {
	h.t.Helper()
	info, err := h.s.ProcessInfo(name)
	if err != nil {
		h.t.Fatalf("ProcessInfo(%s): %v", name, err)
	}
	return info
}

// waitState waits until name is in state.
func (h *harness) waitState(name, state string) ProcessInfo {
	h.t.Helper()
	for {
		info, err := h.s.ProcessInfo(name)
		if err == nil && info.StateName == state {
			return info
		}
		select {
		case <-time.After(10 * time.Millisecond):
		case <-h.ctx.Done():
			h.t.Fatalf("%s never reached %s (now %+v); log:\n%s", name, state, info, strings.Join(h.log.all(), "\n"))
		}
	}
}

// gone reports whether pid no longer runs (absent, or a zombie of someone
// else).
func gone(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] == 'Z'
	}
	return false
}

// waitGone waits until pid is gone.
func waitGone(t *testing.T, ctx context.Context, pid int) {
	t.Helper()
	for !gone(pid) {
		select {
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
			t.Fatalf("pid %d still running", pid)
		}
	}
}

// zombieChildren lists our own children that are zombies.
func zombieChildren() []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	me := os.Getpid()
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		var state string
		var ppid int
		fmt.Sscanf(s[i+2:], "%s %d", &state, &ppid)
		if ppid == me && state == "Z" {
			out = append(out, pid)
		}
	}
	return out
}
