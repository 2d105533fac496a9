package supervisor

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/events"
	"github.com/supvisors-go/supvisors/internal/logs"
	"github.com/supvisors-go/supvisors/internal/process"
)

// group is an active process group.
type group struct {
	cfg *config.Group
	// procs are in the configuration's order (for a [group:x], the order
	// of programs=): the order of the loop's transitions, as Supervisor
	// walks its group's process dict.
	procs []*proc
	// byPriority is procs sorted by priority (stable): the order of the
	// start, stop and signal operations.
	byPriority []*proc
	socket     *fcgiSocket
	pool       *pool // event listener pools only
}

// unstopped returns the processes not in a stopped state.
func (g *group) unstopped() []*proc {
	var out []*proc
	for _, p := range g.procs {
		if !p.m.State().IsStopped() {
			out = append(out, p)
		}
	}
	return out
}

func (g *group) close() {
	for _, p := range g.procs {
		p.closeChannels()
	}
	if g.socket != nil {
		g.socket.close()
	}
}

// proc is one process of an active group. Everything but pid and the
// channels is owned by the loop.
type proc struct {
	cfg   *config.Process
	group *group
	m     *process.Machine

	// Resolved log file paths ("" for none).
	stdoutPath, stderrPath string
	stdout, stderr         *logs.Channel

	child     process.Child
	gen       int // spawn generation, to match exits with children
	stdin     io.WriteCloser
	stdinMu   sync.Mutex // serialises sendProcessStdin writers
	pid       atomic.Int64
	signalErr error
	sockHeld  bool

	lastStopReport time.Time
	waiters        []*waiter

	// disabled caches the program's disabled flag (Supvisors' enable and
	// disable); obsolete marks a process beyond a decreased numprocs,
	// removed once it has no child. Neither may spawn.
	disabled bool
	obsolete bool

	// Event listeners only (loop-owned): the protocol core of the current
	// child, and the event it is processing (nil when none).
	listener *events.Listener
	inflight *events.Queued
}

// waiter is a caller waiting (on its own goroutine) for a process to reach
// a state: check decides, on the loop, after every change.
type waiter struct {
	ctx   context.Context
	stop  bool // a stop waiter (drives the "waiting for x to stop" report)
	check func(p *proc) (done bool, err error)
	done  func(err error) // called once, on the loop; must not block
}

func (p *proc) hasStopWaiter() bool {
	for _, w := range p.waiters {
		if w.stop && w.ctx.Err() == nil {
			return true
		}
	}
	return false
}

// checkWaiters resolves the waiters of p whose condition holds, and forgets
// the ones whose caller gave up. The answers are queued and delivered by
// settle, after the snapshot shows the state they answer about.
func (s *Supervisor) checkWaiters(p *proc) {
	kept := p.waiters[:0]
	for _, w := range p.waiters {
		if w.ctx.Err() != nil {
			continue
		}
		if done, err := w.check(p); done {
			s.notifications = append(s.notifications, func() { w.done(err) })
			continue
		}
		kept = append(kept, w)
	}
	clear(p.waiters[len(kept):])
	p.waiters = kept
}

func (p *proc) closeChannels() {
	if p.stdout != nil {
		p.stdout.Close()
	}
	if p.stderr != nil {
		p.stderr.Close()
	}
}

func (p *proc) releaseSocket() {
	if p.sockHeld && p.group.socket != nil {
		p.group.socket.release()
	}
	p.sockHeld = false
}

// addGroup makes gc active: creates its processes, their AUTO log files and
// channels, and its fcgi socket. It publishes PROCESS_GROUP_ADDED.
func (s *Supervisor) addGroup(gc *config.Group) (*group, error) {
	g := &group{cfg: gc}
	if gc.Kind == config.FCGIGroup && gc.Socket != nil {
		sock, err := newFCGISocket(gc.Socket)
		if err != nil {
			return nil, fmt.Errorf("could not create FastCGI socket %s: %w", gc.Socket.URL, err)
		}
		g.socket = sock
	}
	for _, pc := range gc.Processes {
		p, err := s.newProc(g, pc)
		if err != nil {
			g.close()
			return nil, err
		}
		g.procs = append(g.procs, p)
	}
	g.byPriority = slices.Clone(g.procs)
	sortProcs(g.byPriority)
	if gc.Kind == config.EventListenerPool {
		s.newPool(g)
	}
	s.groups[gc.Name] = g
	s.groupsChanged()
	s.publish(events.ProcessGroup{Added: true, GroupName: gc.Name})
	return g, nil
}

func (s *Supervisor) newProc(g *group, pc *config.Process) (*proc, error) {
	p := &proc{cfg: pc, group: g, m: process.NewMachine(pc.Name, process.PolicyOf(pc))}
	s.applyProgramFlags(p)
	var err error
	if p.stdoutPath, err = s.resolveLog(pc, pc.Stdout.Logfile, "stdout"); err != nil {
		return nil, err
	}
	if !pc.RedirectStderr {
		if p.stderrPath, err = s.resolveLog(pc, pc.Stderr.Logfile, "stderr"); err != nil {
			return nil, err
		}
	}
	if p.stdout, err = s.newChannel(p, "stdout", p.stdoutPath, pc.Stdout); err != nil {
		return nil, err
	}
	if !pc.RedirectStderr {
		if p.stderr, err = s.newChannel(p, "stderr", p.stderrPath, pc.Stderr); err != nil {
			p.closeChannels()
			return nil, err
		}
	}
	return p, nil
}

// resolveLog turns an AUTO log file into a fresh file in childlogdir.
func (s *Supervisor) resolveLog(pc *config.Process, logfile, channel string) (string, error) {
	if logfile != config.AutoLogfile {
		return logfile, nil
	}
	dir := s.opts.Config.Supervisord.Childlogdir
	if dir == "" {
		dir = os.TempDir()
	}
	path, err := logs.CreateAutoLog(dir, pc.Name, channel, s.identifier)
	if err != nil {
		return "", fmt.Errorf("could not create AUTO log for %s %s: %w", pc.Name, channel, err)
	}
	return path, nil
}

func (s *Supervisor) newChannel(p *proc, channel, path string, lc config.LogConfig) (*logs.Channel, error) {
	pc := p.cfg
	cc := logs.ChannelConfig{
		ProcessName:     pc.Name,
		Channel:         channel,
		Logfile:         path,
		MaxBytes:        lc.Maxbytes,
		Backups:         lc.Backups,
		CaptureMaxBytes: lc.CaptureMaxbytes,
		Syslog:          lc.Syslog,
		StripANSI:       s.opts.Config.Supervisord.StripANSI,
		Logger:          s.log,
	}
	if p.group.cfg.Kind == config.EventListenerPool && channel == "stdout" {
		// A listener's stdout is its protocol channel: logged to its file
		// and (debug) to the main log as bytes, never captured, never an
		// event, never sent to syslog (Supervisor's
		// PEventListenerDispatcher).
		cc.CaptureMaxBytes = 0
		cc.Syslog = false
		cc.Debug = s.listenerDebug(pc.Name)
		return logs.NewChannel(cc)
	}
	groupName := p.group.cfg.Name
	if lc.EventsEnabled {
		cc.OnLog = func(data []byte) {
			s.publish(events.ProcessLog{Channel: channel, ProcessName: pc.Name, GroupName: groupName, PID: int(p.pid.Load()), Data: data})
		}
	}
	cc.OnCapture = func(data []byte) {
		s.publish(events.ProcessCommunication{Channel: channel, ProcessName: pc.Name, GroupName: groupName, PID: int(p.pid.Load()), Data: data})
	}
	if s.log.Enabled(context.Background(), logs.LevelDebug) {
		cc.Debug = func(data []byte) {
			s.log.Debug(logs.OutputDebugMessage(pc.Name, channel, data))
		}
	}
	return logs.NewChannel(cc)
}

func sortProcs(ps []*proc) {
	// Stable: processes of equal priority keep the configuration's order
	// (Supervisor sorts by priority only).
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].cfg.Priority < ps[j-1].cfg.Priority; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// find returns the group and process of a namespec; process is nil for a
// whole-group spec. ok is false when the name is unknown (BAD_NAME).
func (s *Supervisor) find(name string) (*group, *proc, bool) {
	gname, pname := SplitNamespec(name)
	g := s.groups[gname]
	if g == nil {
		return nil, nil, false
	}
	if pname == "" {
		return g, nil, true
	}
	for _, p := range g.procs {
		if p.cfg.Name == pname {
			return g, p, true
		}
	}
	return nil, nil, false
}
