package supervisor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/events"
	"github.com/supvisors-go/supvisors/internal/logs"
	"github.com/supvisors-go/supvisors/internal/process"
	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// Options configure an engine.
type Options struct {
	Config *config.Config
	// Logger is the main log (levels: see internal/logs for TRACE/BLATHER).
	Logger *slog.Logger
	// Bus receives every event; it may be nil.
	Bus *events.Bus
	// Environ is the daemon's environment snapshot (os.Environ at load
	// time): the base of every child's environment.
	Environ []string
	// ServerURL is SUPERVISOR_SERVER_URL for programs whose serverurl is
	// AUTO ("" = none).
	ServerURL string

	// Reread re-reads the configuration file with the options used at
	// start; ReloadConfig calls it. When nil, ReloadConfig fails with
	// CANT_REREAD.
	Reread func() (*config.Config, error)

	// DieWithDaemon makes children die (SIGKILL) when the daemon dies, even
	// when it is killed with SIGKILL. Off by default: real supervisord
	// leaves them running. See process.OSSpawnerOptions.DieWithDaemon for
	// the trade-offs.
	DieWithDaemon bool
	// ReapOrphans makes the daemon a child subreaper that reaps every orphan
	// reparented to it. It is on anyway when the daemon is PID 1.
	ReapOrphans bool

	// EventSerials hands out the global serials of the events sent to
	// listeners. nil: a package-level counter, shared by every engine of
	// the process, so that serials survive an in-process restart as in
	// Supervisor.
	EventSerials *events.SerialCounter

	// Spawner replaces the OS spawner (tests). When set, DieWithDaemon and
	// ReapOrphans are ignored.
	Spawner process.Spawner

	// DisabledPrograms are the programs disabled from the start (Supvisors'
	// disabilities file), by program name: their processes never autostart.
	// A false entry is kept as is in Disabilities.
	DisabledPrograms map[string]bool
	// NoAutorestartPrograms are the programs whose autorestart is forced
	// off (see ForceAutorestartOff), from the start and for every process
	// created later (numprocs increase, group added).
	NoAutorestartPrograms map[string]bool
	// ExpandProgram re-expands one program with another numprocs, for
	// UpdateNumprocs: the processes of the program in every group that
	// includes it. nil: config.ExpandProgram on the configuration file,
	// with Environ as the environment.
	ExpandProgram func(program string, numprocs int) (map[string][]*config.Process, error)
}

// State is the daemon's mood.
type State struct {
	Code int
	Name string
}

// The moods (Supervisor's SupervisorStates).
var (
	StateRunning    = State{Code: 1, Name: "RUNNING"}
	StateRestarting = State{Code: 0, Name: "RESTARTING"}
	StateShutdown   = State{Code: -1, Name: "SHUTDOWN"}
)

// ErrRestart is Run's result after the ordered stop of a restart request:
// the daemon then reloads everything in-process.
var ErrRestart = errors.New("restart requested")

// Result is one entry of a group or "all" operation.
type Result struct {
	Name, Group string
	Status      errdefs.Code
	Description string
}

// Supervisor is the engine.
type Supervisor struct {
	opts    Options
	log     *slog.Logger
	bus     *events.Bus
	spawner process.Spawner
	// closers release the OS spawner and the reaper after Run.
	closers []func()

	mood atomic.Int32
	wake chan struct{}

	reqs     chan func()
	exits    chan exitMsg
	running  atomic.Bool
	loopDone chan struct{}

	snapshot atomic.Pointer[tableSnapshot]

	identifier string

	// Owned by the loop goroutine (and by New before Run).
	cfg    *config.Config    // the last configuration read (New or ReloadConfig)
	groups map[string]*group // the active groups; call groupsChanged after any change
	dirty  bool              // the table changed since the last snapshot
	// groupOrder (groups by priority, name) and viewOrder (processes by
	// group name, process name) are computed once per change of groups,
	// not once per loop pass or per snapshot: with hundreds of programs,
	// sorting on every exit made a stop-all quadratic. nil: to recompute.
	groupOrder []*group
	viewOrder  []*proc
	// stopping is set once the mood dropped; stopGroups are the groups the
	// ordered stop has still to finish, the last one being stopped now.
	stopping    bool
	stopGroups  []*group
	lastShutRep time.Time // last "waiting for ... to die"
	nextStopRep time.Time // next "waiting for x to stop" check, zero when none
	// poolStopHold is when the ordered stop stops waiting for the busy
	// listeners of the pool it reached (zero when not waiting).
	poolStopHold time.Time
	lastTick     map[int]int64 // period -> last time slice seen
	// notifications are waiter answers queued until the next settle.
	notifications []func()

	// pumpWG counts the output readers, childWaiters the goroutines that
	// wait for children, listenerWriters the writes of events to
	// listeners; Run waits for all of them before returning.
	pumpWG          sync.WaitGroup
	childWaiters    sync.WaitGroup
	listenerWriters sync.WaitGroup

	// evMu serialises publications: the bus and the listener pools see
	// the events in the same order. It guards pools and their buffers.
	evMu    sync.Mutex
	pools   []*pool // in creation order, as Supervisor's subscriptions
	serials *events.SerialCounter
	// listenerOut carries listeners' stdout to the loop.
	listenerOut chan listenerChunk

	// disabled is the disabled flag of every known program (Supvisors'
	// disabilities): written on the loop (and by New), read by
	// Disabilities from any goroutine. Each process caches its flag.
	disabledMu sync.Mutex
	disabled   map[string]bool
	// noAutorestart are the programs and the namespecs (loop-owned) whose
	// autorestart is forced off, applied to every new process.
	noAutorestartPrograms map[string]bool
	noAutorestartProcs    map[string]bool
	// obsoleteLeft counts the obsolete processes not removed yet
	// (loop-owned), so that settle only looks for them when there are.
	obsoleteLeft int
}

type exitMsg struct {
	p    *proc
	gen  int
	ws   syscall.WaitStatus
	when time.Time
}

// New creates the active groups: cleans the AUTO logs (unless nocleanup),
// creates the AUTO log files and fcgi sockets. It spawns nothing.
func New(opts Options) (*Supervisor, error) {
	if opts.Config == nil {
		return nil, errors.New("supervisor: no configuration")
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	startCPUProfile(log)
	s := &Supervisor{
		opts:       opts,
		log:        log,
		bus:        opts.Bus,
		wake:       make(chan struct{}, 1),
		reqs:       make(chan func()),
		exits:      make(chan exitMsg, 16),
		loopDone:   make(chan struct{}),
		cfg:        opts.Config,
		groups:     make(map[string]*group),
		lastTick:   make(map[int]int64),
		identifier: opts.Config.Supervisord.Identifier,
		serials:    opts.EventSerials,

		listenerOut: make(chan listenerChunk),
	}
	if s.serials == nil {
		s.serials = &globalSerials
	}
	s.initProgramFlags()
	s.mood.Store(int32(StateRunning.Code))
	if s.identifier == "" {
		s.identifier = "supervisor"
	}
	sd := opts.Config.Supervisord
	if !sd.Nocleanup && sd.Childlogdir != "" {
		s.cleanupAutoLogs(sd.Childlogdir)
	}
	if opts.Spawner != nil {
		s.spawner = opts.Spawner
	} else {
		var reaper *process.Reaper
		if opts.ReapOrphans || process.ShouldReap() {
			r, err := process.StartReaper(log, opts.ReapOrphans)
			if err != nil {
				return nil, err
			}
			reaper = r
		}
		sp := process.NewOSSpawner(process.OSSpawnerOptions{Reaper: reaper, DieWithDaemon: opts.DieWithDaemon})
		s.spawner = sp
		s.closers = append(s.closers, sp.Close)
		if reaper != nil {
			s.closers = append(s.closers, reaper.Close)
		}
	}
	for _, gc := range opts.Config.Groups {
		if _, err := s.addGroup(gc); err != nil {
			s.releaseAll()
			return nil, err
		}
	}
	s.publishSnapshot()
	return s, nil
}

// cleanupAutoLogs deletes the AUTO logs of earlier runs, logging failures
// as Supervisor does.
func (s *Supervisor) cleanupAutoLogs(dir string) {
	err := logs.CleanupAutoLogs(dir, s.identifier)
	if err == nil {
		return
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	for _, e := range errs {
		var pe *fs.PathError
		if errors.As(e, &pe) && pe.Path != dir {
			s.log.Warn("Failed to clean up " + pyfmt.Repr(pe.Path))
		} else {
			s.log.Warn("Could not clear childlog dir")
		}
	}
}

func (s *Supervisor) releaseAll() {
	for _, g := range s.groups {
		g.close()
	}
	for _, c := range s.closers {
		c()
	}
	s.closers = nil
}

// moodState returns the current mood.
func (s *Supervisor) moodState() State {
	switch s.mood.Load() {
	case 1:
		return StateRunning
	case 0:
		return StateRestarting
	}
	return StateShutdown
}

// State returns the mood: RUNNING, RESTARTING or SHUTDOWN.
func (s *Supervisor) State() State { return s.moodState() }

// Identification returns the identifier of this supervisor.
func (s *Supervisor) Identification() string { return s.identifier }

func (s *Supervisor) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Shutdown sets the mood SHUTDOWN: Run stops everything in order and
// returns nil.
func (s *Supervisor) Shutdown() {
	s.mood.Store(int32(StateShutdown.Code))
	s.poke()
}

// Restart sets the mood RESTARTING: Run stops everything in order and
// returns ErrRestart. It is ignored, with a warning, during a shutdown.
func (s *Supervisor) Restart() {
	if !s.mood.CompareAndSwap(int32(StateRunning.Code), int32(StateRestarting.Code)) {
		if s.mood.Load() == int32(StateShutdown.Code) {
			s.log.Warn("ignored SIGHUP indicating restart request (shutdown in progress)")
		}
		return
	}
	s.poke()
}

func (s *Supervisor) moodRunning() bool { return s.mood.Load() == int32(StateRunning.Code) }

// errShutdown is the error of every method while the mood is below RUNNING.
func errShutdown() error { return errdefs.New(errdefs.ShutdownState, "") }

// call runs f on the loop goroutine and waits for it.
func (s *Supervisor) call(f func()) error {
	done := make(chan struct{})
	select {
	case s.reqs <- func() { f(); s.settle(); close(done) }:
	case <-s.loopDone:
		return errShutdown()
	}
	<-done
	return nil
}

// Run is the owner loop: it autostarts, keeps every process moving, serves
// requests, and when the mood drops stops the groups one at a time. It
// returns nil after a shutdown, ErrRestart after a restart request; ctx
// cancellation is a shutdown.
func (s *Supervisor) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return errors.New("supervisor: Run called twice")
	}
	defer func() {
		close(s.loopDone)
		if s.liveChildren() == 0 {
			s.childWaiters.Wait()
			s.pumpWG.Wait()
			s.listenerWriters.Wait()
		} else {
			// A child in UNKNOWN state may still live: its waiter goroutine
			// ends with it (it no longer reports to the loop).
			s.log.Warn(fmt.Sprintf("%d children still alive in UNKNOWN state at exit", s.liveChildren()))
		}
		s.releaseAll()
	}()
	s.publish(events.SupervisorState{Running: true})
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	ctxDone := ctx.Done()
	for {
		now := time.Now()
		s.step(now)
		s.settle()
		if s.stopping && s.shutdownReport(now) == 0 {
			break
		}
		next := s.nextWake(now)
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(max(time.Until(next), 0))
		select {
		case f := <-s.reqs:
			f()
		case ex := <-s.exits:
			// Take every exit already reaped in this one pass, as
			// Supervisor's reap() collects all waitable children before its
			// next transitions: a stop-all then costs a few passes, not one
			// pass (and one snapshot) per child.
			s.handleExit(ex)
			s.drainExits()
		case c := <-s.listenerOut:
			s.handleListenerOutput(c)
		case <-timer.C:
			// Take in the exits already reaped before promoting anything
			// to RUNNING: the exit time decides, not the handling order.
			s.drainExits()
		case <-s.wake:
		case <-ctxDone:
			ctxDone = nil
			s.Shutdown()
		}
		s.settle()
	}
	s.publishSnapshot()
	if s.moodState() == StateRestarting {
		return ErrRestart
	}
	stopCPUProfile()
	return nil
}

func (s *Supervisor) liveChildren() int {
	n := 0
	for _, g := range s.groups {
		for _, p := range g.procs {
			if p.child != nil {
				n++
			}
		}
	}
	return n
}

func (s *Supervisor) drainExits() {
	for {
		select {
		case ex := <-s.exits:
			s.handleExit(ex)
		default:
			return
		}
	}
}

// groupsChanged forgets the orders derived from the active groups; every
// change of s.groups must call it.
func (s *Supervisor) groupsChanged() {
	s.groupOrder = nil
	s.viewOrder = nil
	s.dirty = true
}

// sortedGroups returns the active groups by (priority, name). The slice is
// shared until the next change of groups: callers must not modify it.
func (s *Supervisor) sortedGroups() []*group {
	if s.groupOrder != nil || len(s.groups) == 0 {
		return s.groupOrder
	}
	gs := make([]*group, 0, len(s.groups))
	for _, g := range s.groups {
		gs = append(gs, g)
	}
	slices.SortFunc(gs, func(a, b *group) int {
		return cmp.Or(cmp.Compare(a.cfg.Priority, b.cfg.Priority), cmp.Compare(a.cfg.Name, b.cfg.Name))
	})
	s.groupOrder = gs
	return gs
}

// snapshotOrder returns every active process by (group name, process
// name), the order of the snapshot. Shared like sortedGroups.
func (s *Supervisor) snapshotOrder() []*proc {
	if s.viewOrder != nil || len(s.groups) == 0 {
		return s.viewOrder
	}
	var ps []*proc
	for _, g := range s.groups {
		ps = append(ps, g.procs...)
	}
	slices.SortFunc(ps, func(a, b *proc) int {
		return cmp.Or(cmp.Compare(a.group.cfg.Name, b.group.cfg.Name), cmp.Compare(a.cfg.Name, b.cfg.Name))
	})
	s.viewOrder = ps
	return ps
}

// step is one pass of Supervisor's main loop: transitions of every process
// in priority order, the ordered shutdown, and the ticks.
func (s *Supervisor) step(now time.Time) {
	moodRunning := s.moodRunning()
	if !moodRunning && !s.stopping {
		s.stopping = true
		s.stopGroups = slices.Clone(s.sortedGroups())
		s.publish(events.SupervisorState{Running: false})
	}
	for _, g := range s.sortedGroups() {
		for _, p := range g.procs {
			// Each process reads the clock again: a start records the time
			// it happens, as Supervisor stamps laststart just before its
			// fork. With one time for the whole pass, the 500th autostart,
			// forked a second after the first, would be promoted to
			// RUNNING with its startsecs counted from the first fork.
			t := time.Now()
			s.apply(p, p.m.Tick(t, moodRunning && p.maySpawn()), t)
		}
		if g.pool != nil {
			s.dispatchPool(g.pool)
		}
	}
	if s.stopping {
		// Phase 2 of the ordered stop: drop the finished last group, then
		// phase 1: stop the (new) last group.
		for len(s.stopGroups) > 0 {
			last := s.stopGroups[len(s.stopGroups)-1]
			if _, still := s.groups[last.cfg.Name]; still && len(last.unstopped()) > 0 {
				break
			}
			s.stopGroups = s.stopGroups[:len(s.stopGroups)-1]
		}
		if len(s.stopGroups) > 0 {
			if last := s.stopGroups[len(s.stopGroups)-1]; !s.holdPoolStop(last, now) {
				s.stopAllOf(last, now)
			}
		}
	}
	s.reportStopWaits(now)
	s.emitTicks(now)
}

// stopAllOf is Supervisor's ProcessGroup.stop_all: processes in descending
// priority, RUNNING and STARTING are stopped, BACKOFF gives up.
func (s *Supervisor) stopAllOf(g *group, now time.Time) {
	procs := slices.Clone(g.byPriority)
	slices.Reverse(procs)
	for _, p := range procs {
		switch p.m.State() {
		case process.Running, process.Starting:
			acts, _ := p.m.Stop(now)
			s.apply(p, acts, now)
		case process.Backoff:
			s.apply(p, p.m.GiveUp(), now)
		}
	}
}

// shutdownReport logs, at most every 3 s, which processes the shutdown
// waits for, and returns how many there are.
func (s *Supervisor) shutdownReport(now time.Time) int {
	var unstopped []*proc
	for _, g := range s.sortedGroups() {
		unstopped = append(unstopped, g.unstopped()...)
	}
	if len(unstopped) > 0 && now.Sub(s.lastShutRep) > 3*time.Second {
		names := make([]string, len(unstopped))
		for i, p := range unstopped {
			names[i] = p.cfg.Name
		}
		s.log.Info("waiting for " + joinComma(names) + " to die")
		s.lastShutRep = now
		for _, p := range unstopped {
			s.log.Log(context.Background(), logs.LevelBlather, fmt.Sprintf("%s state: %s", p.cfg.Name, p.m.State()))
		}
	}
	return len(unstopped)
}

func joinComma(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}

// nextWake returns when the loop must run again without outside events.
func (s *Supervisor) nextWake(now time.Time) time.Time {
	next := now.Add(time.Hour)
	moodRunning := s.moodRunning()
	for _, g := range s.groups {
		for _, p := range g.procs {
			if t, ok := p.m.NextWake(moodRunning && p.maySpawn()); ok && t.Before(next) {
				next = t
			}
		}
	}
	if s.stopping {
		// The shutdown report and the phase checks.
		if t := s.lastShutRep.Add(3*time.Second + time.Millisecond); t.Before(next) {
			next = t
		}
	}
	if !s.nextStopRep.IsZero() && s.nextStopRep.Before(next) {
		next = s.nextStopRep
	}
	if !s.poolStopHold.IsZero() && s.poolStopHold.Before(next) {
		next = s.poolStopHold
	}
	if s.bus != nil || len(s.pools) > 0 {
		// The next 5 s slice boundary, for TICK events.
		t := time.Unix((now.Unix()/5+1)*5, 0)
		if t.Before(next) {
			next = t
		}
	}
	return next
}

// emitTicks publishes TICK_5/60/3600 when a new time slice started since the
// last pass; none for the slice the daemon started in.
func (s *Supervisor) emitTicks(now time.Time) {
	for _, period := range []int{5, 60, 3600} {
		slice := now.Unix() / int64(period) * int64(period)
		last, ok := s.lastTick[period]
		s.lastTick[period] = slice
		if ok && slice > last {
			s.publish(events.Tick{Period: period, When: slice})
		}
	}
}

// apply carries out a Machine's actions for p.
func (s *Supervisor) apply(p *proc, acts []process.Action, now time.Time) {
	if len(acts) == 0 {
		return
	}
	for _, a := range acts {
		switch a.Kind {
		case process.ActTransition:
			s.dirty = true
			s.publish(events.ProcessState{
				State: a.To.String(), ProcessName: p.cfg.Name, GroupName: p.group.cfg.Name,
				FromState: a.From.String(), Tries: a.Tries, Expected: a.Expected, PID: a.PID,
			})
		case process.ActLog:
			s.log.Log(context.Background(), a.Level, a.Msg)
		case process.ActSpawn:
			s.spawn(p, now)
		case process.ActSignal:
			if p.child == nil {
				continue
			}
			if err := p.child.Signal(a.Sig, a.Group); err != nil {
				if errors.Is(err, syscall.ESRCH) {
					s.log.Debug(fmt.Sprintf("unable to signal %s (pid %d), it probably just exited on its own: %v", p.cfg.Name, p.child.PID(), err))
					continue
				}
				p.signalErr = err
				s.apply(p, p.m.SignalFailed(err), now)
			}
		}
	}
	s.dirty = true
	s.checkWaiters(p)
}

// settle publishes the snapshot when the table changed, then answers the
// waiters resolved meanwhile: a caller that returns from a wait reads a
// snapshot at least as recent as what it waited for.
func (s *Supervisor) settle() {
	if s.obsoleteLeft > 0 {
		s.removeFinishedObsolete()
	}
	if s.dirty {
		s.publishSnapshot()
		s.dirty = false
	}
	for _, n := range s.notifications {
		n()
	}
	clear(s.notifications)
	s.notifications = s.notifications[:0]
}

// spawn starts p's child: command resolution, then the spawner.
func (s *Supervisor) spawn(p *proc, now time.Time) {
	spec, err := s.spawnSpec(p)
	if err == nil {
		var child process.Child
		child, err = s.spawner.Spawn(spec)
		if err == nil {
			s.started(p, child)
			s.apply(p, p.m.Spawned(child.PID(), now), now)
			return
		}
	}
	msg := process.CommandErrorText(err)
	s.apply(p, p.m.SpawnFailed(msg, now), now)
}

// started wires a fresh child: pumps its output into p's channels and waits
// for it on its own goroutine.
func (s *Supervisor) started(p *proc, child process.Child) {
	p.gen++
	p.child = child
	p.pid.Store(int64(child.PID()))
	p.stdin = child.Stdin()
	gen := p.gen
	var pumps sync.WaitGroup
	pump := func(r io.ReadCloser, ch *logs.Channel) {
		if r == nil {
			return
		}
		pumps.Add(1)
		s.pumpWG.Add(1)
		go func() {
			defer s.pumpWG.Done()
			defer pumps.Done()
			if ch != nil {
				logs.Pump(r, ch)
			} else {
				io.Copy(io.Discard, r)
			}
			r.Close()
		}()
	}
	if p.group.pool != nil {
		// A fresh listener is ACKNOWLEDGED: it must say READY first.
		p.listener = events.NewListener()
		p.inflight = nil
		s.pumpListener(child.Stdout(), p, gen, &pumps)
	} else {
		pump(child.Stdout(), p.stdout)
	}
	pump(child.Stderr(), p.stderr)
	s.childWaiters.Add(1)
	go func() {
		defer s.childWaiters.Done()
		ws := child.Wait()
		when := time.Now()
		// Drain the output before reporting the exit, as Supervisor
		// drains its dispatchers at reap time; a grandchild that keeps
		// the pipes open gets a short grace, then the pipes are closed.
		drained := make(chan struct{})
		go func() { pumps.Wait(); close(drained) }()
		select {
		case <-drained:
		case <-time.After(drainGrace):
			closeQuietly(child.Stdout())
			closeQuietly(child.Stderr())
			<-drained
		}
		select {
		case s.exits <- exitMsg{p: p, gen: gen, ws: ws, when: when}:
		case <-s.loopDone:
		}
	}()
}

// drainGrace is how long output pipes may stay open after the child was
// reaped (grandchildren holding them) before they are closed.
const drainGrace = 100 * time.Millisecond

func closeQuietly(c io.Closer) {
	if c != nil {
		c.Close()
	}
}

func (s *Supervisor) handleExit(ex exitMsg) {
	p := ex.p
	if ex.gen != p.gen || p.child == nil {
		return
	}
	p.child = nil
	p.pid.Store(0)
	if p.stdin != nil {
		p.stdin.Close()
		p.stdin = nil
	}
	p.releaseSocket()
	s.apply(p, p.m.Exited(ex.ws, ex.when), ex.when)
	// After the exit's state events, as Supervisor's finish() does.
	s.listenerExited(p)
}

// reportStopWaits logs "waiting for <name> to stop" at most every 2 s for
// the processes someone waits for in STOPPING.
func (s *Supervisor) reportStopWaits(now time.Time) {
	s.nextStopRep = time.Time{}
	for _, g := range s.groups {
		for _, p := range g.procs {
			if p.m.State() != process.Stopping || !p.hasStopWaiter() {
				continue
			}
			if now.Sub(p.lastStopReport) > 2*time.Second {
				s.log.Info(fmt.Sprintf("waiting for %s to stop", p.cfg.Name))
				p.lastStopReport = now
			}
			t := p.lastStopReport.Add(2*time.Second + time.Millisecond)
			if s.nextStopRep.IsZero() || t.Before(s.nextStopRep) {
				s.nextStopRep = t
			}
		}
	}
}
