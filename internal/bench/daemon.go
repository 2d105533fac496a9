package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/supvisors-go/supvisors/internal/loopback"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// Supervisor's process state codes the scenarios wait for.
const (
	stateStopped  = 0
	stateStarting = 10
	stateRunning  = 20
	stateExited   = 100
)

// How long the harness waits for a daemon to leave after supervisor.shutdown
// (the original needs about 2 s with 500 programs, but 25 s and more on a
// loaded machine), and after SIGTERM, before it escalates.
const (
	shutdownGrace = 2 * time.Minute
	termGrace     = 5 * time.Second
)

// Daemon is one supervisord-compatible daemon under test, started with -n
// in its own process group so that a Ctrl-C on the harness does not reach it
// before the harness has cleaned up.
type Daemon struct {
	binary string
	config DaemonConfig
	log    *slog.Logger

	cmd     *exec.Cmd
	started time.Time
	done    chan struct{} // closed when the daemon process has been waited for
	waitErr error         // valid once done is closed
	output  string        // the daemon's stdout and stderr

	client *xmlrpc.Client

	// children holds every child pid seen through getAllProcessInfo with its
	// start time, so the harness kills exactly those (never a reused pid)
	// if they survive the daemon.
	children map[int]uint64
	closed   bool
}

// ProcInfo is the part of getProcessInfo's struct the scenarios use.
type ProcInfo struct {
	Name  string
	Group string
	State int
	PID   int
}

// freePort asks the kernel for a free TCP port on 127.0.0.1. Another
// program may take it before the daemon binds it; the daemon then fails to
// start, which the scenario reports as an error.
func freePort() (int, error) { return loopback.FreePort() }

// StartDaemon writes cfg into cfg.Dir and starts binary on it. The caller
// must Close the daemon, whatever happens next.
func StartDaemon(binary string, cfg DaemonConfig, log *slog.Logger) (*Daemon, error) {
	text, err := cfg.Render()
	if err != nil {
		return nil, err
	}
	confPath := filepath.Join(cfg.Dir, "supervisord.conf")
	if err := os.WriteFile(confPath, []byte(text), 0o644); err != nil {
		return nil, err
	}
	output := filepath.Join(cfg.Dir, "daemon.out")
	out, err := os.Create(output)
	if err != nil {
		return nil, err
	}
	defer out.Close() // the child holds its own copy
	client, err := xmlrpc.NewClient(fmt.Sprintf("http://127.0.0.1:%d/RPC2", cfg.Port), xmlrpc.ClientOptions{})
	if err != nil {
		return nil, err
	}
	d := &Daemon{
		binary:   binary,
		config:   cfg,
		log:      log.With("binary", binary),
		done:     make(chan struct{}),
		output:   output,
		client:   client,
		children: make(map[int]uint64),
	}
	d.cmd = exec.Command(binary, "-n", "-c", confPath)
	d.cmd.Dir = cfg.Dir
	d.cmd.Stdout, d.cmd.Stderr = out, out
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	d.started = time.Now()
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start %s: %w", binary, err)
	}
	go func() {
		d.waitErr = d.cmd.Wait()
		close(d.done)
	}()
	return d, nil
}

// Started is when the daemon was exec'd: time zero of start-up scenarios.
func (d *Daemon) Started() time.Time { return d.started }

// PID is the daemon's process id.
func (d *Daemon) PID() int { return d.cmd.Process.Pid }

// Dir is the daemon's work directory.
func (d *Daemon) Dir() string { return d.config.Dir }

// NewClient returns a fresh client with its own connection, over TCP or,
// when unix is set, over the unix socket.
func (d *Daemon) NewClient(unix bool) (*xmlrpc.Client, error) {
	if unix {
		if !d.config.Unix {
			return nil, errors.New("bench: daemon configured without a unix socket")
		}
		return xmlrpc.NewClient("unix://"+d.config.SocketPath(), xmlrpc.ClientOptions{})
	}
	return xmlrpc.NewClient(fmt.Sprintf("http://127.0.0.1:%d/RPC2", d.config.Port), xmlrpc.ClientOptions{})
}

// exited reports the daemon's death as an error carrying the end of its
// output, or nil while it runs.
func (d *Daemon) exited() error {
	select {
	case <-d.done:
		return fmt.Errorf("bench: daemon %s exited (%v): %s", d.binary, d.waitErr, d.outputTail())
	default:
		return nil
	}
}

func (d *Daemon) outputTail() string {
	f, err := os.Open(d.output)
	if err != nil {
		return ""
	}
	defer f.Close()
	const tail = 600
	if st, err := f.Stat(); err == nil && st.Size() > tail {
		_, _ = f.Seek(st.Size()-tail, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	return string(b)
}

// Call calls method on the daemon over TCP.
func (d *Daemon) Call(ctx context.Context, method string, params ...any) (any, error) {
	res, err := d.client.Call(ctx, method, params...)
	if err != nil {
		if dead := d.exited(); dead != nil {
			return nil, dead
		}
		return nil, fmt.Errorf("bench: %s: %w", method, err)
	}
	return res, nil
}

// pollPause paces the harness's polling of a daemon; each poll waits for
// the previous answer, so a busy daemon is never flooded.
const pollPause = 10 * time.Millisecond

// sleepCtx sleeps for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// WaitReady polls getState until the daemon answers RUNNING, retrying
// while it is not listening yet.
func (d *Daemon) WaitReady(ctx context.Context) error {
	var last any
	for {
		res, err := d.client.Call(ctx, "supervisor.getState")
		if err == nil {
			if st, ok := res.(map[string]any); ok && st["statecode"] == 1 {
				return nil
			}
			last = res
		} else {
			last = err
		}
		if dead := d.exited(); dead != nil {
			return dead
		}
		if err := sleepCtx(ctx, pollPause); err != nil {
			return fmt.Errorf("bench: daemon %s not ready: %w (last answer: %v)", d.binary, err, last)
		}
	}
}

// AllProcessInfo calls getAllProcessInfo and remembers the children it names.
func (d *Daemon) AllProcessInfo(ctx context.Context) ([]ProcInfo, error) {
	res, err := d.Call(ctx, "supervisor.getAllProcessInfo")
	if err != nil {
		return nil, err
	}
	list, ok := res.([]any)
	if !ok {
		return nil, fmt.Errorf("bench: getAllProcessInfo answered %T", res)
	}
	infos := make([]ProcInfo, 0, len(list))
	for _, item := range list {
		info, err := procInfoOf(item)
		if err != nil {
			return nil, err
		}
		infos = append(infos, info)
		d.remember(info.PID)
	}
	return infos, nil
}

// ProcessInfo calls getProcessInfo(name) and remembers the child it names.
func (d *Daemon) ProcessInfo(ctx context.Context, name string) (ProcInfo, error) {
	res, err := d.Call(ctx, "supervisor.getProcessInfo", name)
	if err != nil {
		return ProcInfo{}, err
	}
	info, err := procInfoOf(res)
	if err == nil {
		d.remember(info.PID)
	}
	return info, err
}

func procInfoOf(v any) (ProcInfo, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return ProcInfo{}, fmt.Errorf("bench: process info is %T, not a struct", v)
	}
	name, ok1 := m["name"].(string)
	group, ok2 := m["group"].(string)
	state, ok3 := m["state"].(int)
	pid, ok4 := m["pid"].(int)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return ProcInfo{}, fmt.Errorf("bench: process info lacks name, group, state or pid: %v", m)
	}
	return ProcInfo{Name: name, Group: group, State: state, PID: pid}, nil
}

func (d *Daemon) remember(pid int) {
	if pid <= 0 {
		return
	}
	if _, seen := d.children[pid]; seen {
		return
	}
	if st, err := ReadProcStat(pid); err == nil {
		d.children[pid] = st.StartTicks
	}
}

// WaitAll polls getAllProcessInfo until want processes are in state, and
// returns when the harness saw it.
func (d *Daemon) WaitAll(ctx context.Context, state, want int) (time.Time, error) {
	var last string
	for {
		infos, err := d.AllProcessInfo(ctx)
		if err == nil {
			n := 0
			for _, info := range infos {
				if info.State == state {
					n++
				}
			}
			if n == want {
				return time.Now(), nil
			}
			last = fmt.Sprintf("%d of %d in state %d", n, len(infos), state)
		} else {
			last = err.Error()
		}
		if dead := d.exited(); dead != nil {
			return time.Time{}, dead
		}
		if err := sleepCtx(ctx, pollPause); err != nil {
			return time.Time{}, fmt.Errorf("bench: waiting for %d processes in state %d: %w (last: %s)", want, state, err, last)
		}
	}
}

// WaitLogged polls the daemon's main log through supervisor.readLog, each
// time from where the previous read ended, until want complete lines contain
// needle, and returns when the harness saw the last one.
//
// This is how start-up is timed: getAllProcessInfo would cost supervisord
// about a second per call with 500 programs (it writes its answer 4 KiB per
// loop pass), which would both slow the daemon down and blur the end time,
// while reading the new lines of the log is cheap for any daemon.
func (d *Daemon) WaitLogged(ctx context.Context, needle string, want int) (time.Time, error) {
	offset, count := 0, 0
	var partial string // a line whose end has not been read yet
	var last error
	for {
		res, err := d.client.Call(ctx, "supervisor.readLog", offset, 0)
		last = err
		if text, ok := res.(string); err == nil && ok {
			offset += len(text)
			lines := strings.Split(partial+text, "\n")
			partial = lines[len(lines)-1]
			for _, line := range lines[:len(lines)-1] {
				if strings.Contains(line, needle) {
					count++
				}
			}
			if count >= want {
				return time.Now(), nil
			}
		}
		if dead := d.exited(); dead != nil {
			return time.Time{}, dead
		}
		if err := sleepCtx(ctx, pollPause); err != nil {
			return time.Time{}, fmt.Errorf("bench: waiting for %d log lines with %q: %w (saw %d in %d bytes; last call error: %v)",
				want, needle, err, count, offset, last)
		}
	}
}

// runningLine is what Supervisor's main log says when a process has
// stayed up for startsecs (spec 5.1); ours writes the same line.
const runningLine = "entered RUNNING state"

// WaitAllRunning waits until the log says want processes are RUNNING and
// returns that moment. It then waits (untimed) until getAllProcessInfo
// agrees, so a log that runs ahead of the state is caught: a daemon may log
// a batch of transitions before it publishes them to its API (ours does, by
// a few milliseconds), while supervisord changes the state before logging.
func (d *Daemon) WaitAllRunning(ctx context.Context, want int) (time.Time, error) {
	at, err := d.WaitLogged(ctx, runningLine, want)
	if err != nil {
		return time.Time{}, err
	}
	if _, err := d.WaitAll(ctx, stateRunning, want); err != nil {
		return time.Time{}, fmt.Errorf("bench: the log shows %d processes RUNNING but getAllProcessInfo does not agree: %w", want, err)
	}
	return at, nil
}

// WaitProcess polls getProcessInfo(name) until the process is in state.
func (d *Daemon) WaitProcess(ctx context.Context, name string, state int) error {
	for {
		info, err := d.ProcessInfo(ctx, name)
		if err == nil && info.State == state {
			return nil
		}
		if dead := d.exited(); dead != nil {
			return dead
		}
		if err := sleepCtx(ctx, pollPause); err != nil {
			return fmt.Errorf("bench: waiting for %s in state %d: %w (last: %+v)", name, state, err, info)
		}
	}
}

// CPUSeconds is the daemon's own user+system CPU time so far.
func (d *Daemon) CPUSeconds() (float64, error) {
	st, err := ReadProcStat(d.PID())
	return st.CPUSeconds, err
}

// RSSBytes is the daemon's resident set size.
func (d *Daemon) RSSBytes() (int64, error) { return ReadRSSBytes(d.PID()) }

// AnonRSSBytes is the daemon's resident anonymous (private) memory.
func (d *Daemon) AnonRSSBytes() (int64, error) { return ReadAnonRSSBytes(d.PID()) }

// Shutdown asks the daemon to shut down through supervisor.shutdown and
// returns how long it took to exit. A daemon that does not leave within
// shutdownGrace is killed and the shutdown reported as an error.
func (d *Daemon) Shutdown(ctx context.Context) (time.Duration, error) {
	if len(d.children) == 0 {
		// Learn the children about to be stopped, so survivors can be
		// killed. Skipped when known: it is slow on supervisord.
		_, _ = d.AllProcessInfo(ctx)
	}
	t0 := time.Now()
	if _, err := d.client.Call(ctx, "supervisor.shutdown"); err != nil {
		// The daemon may close the connection as it leaves; only a daemon
		// still running after the grace period is a failure.
		d.log.Debug("shutdown call", "err", err)
	}
	grace := time.NewTimer(shutdownGrace)
	defer grace.Stop()
	select {
	case <-d.done:
		return time.Since(t0), nil
	case <-grace.C:
		return 0, fmt.Errorf("bench: daemon %s still running %s after shutdown", d.binary, shutdownGrace)
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Close makes sure the daemon and every child the harness saw are gone:
// SIGTERM to the daemon's group, then SIGKILL, then SIGKILL to surviving
// children, waiting (a bounded time) until they are dead. It returns how
// many children had survived the daemon; calls after the first return 0.
func (d *Daemon) Close() int {
	if d.closed {
		return 0
	}
	d.closed = true
	defer d.client.Close()
	if d.cmd.Process != nil {
		pgid := d.PID()
		select {
		case <-d.done:
		default:
			_ = syscall.Kill(-pgid, syscall.SIGTERM)
			t := time.NewTimer(termGrace)
			select {
			case <-d.done:
			case <-t.C:
				_ = syscall.Kill(-pgid, syscall.SIGKILL)
				<-d.done
			}
			t.Stop()
		}
	}
	var survivors []int
	for pid := range d.children {
		if d.childAlive(pid) {
			survivors = append(survivors, pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	if len(survivors) > 0 {
		d.log.Warn("children survived the daemon; killed them", "count", len(survivors))
	}
	// SIGKILL takes effect asynchronously; wait for it so the next run
	// starts on a quiet machine.
	for range 500 {
		alive := false
		for _, pid := range survivors {
			alive = alive || d.childAlive(pid)
		}
		if !alive {
			break
		}
		time.Sleep(pollPause)
	}
	return len(survivors)
}

// childAlive reports whether a child the harness saw still runs: same pid,
// same start time (not a reused pid), and not a zombie waiting to be reaped.
func (d *Daemon) childAlive(pid int) bool {
	st, err := ReadProcStat(pid)
	return err == nil && st.StartTicks == d.children[pid] && !isZombie(pid)
}

// isZombie reports a process that has exited but is not reaped yet; its
// parent (init, once orphaned) will reap it.
func isZombie(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	end := len(data)
	for i := len(data) - 1; i >= 0; i-- {
		if data[i] == ')' {
			end = i
			break
		}
	}
	rest := string(data[end+1:])
	return len(rest) > 1 && rest[1] == 'Z'
}
