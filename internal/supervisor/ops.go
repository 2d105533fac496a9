package supervisor

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"syscall"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/events"
	"github.com/supvisors-go/supvisors/internal/logs"
	"github.com/supvisors-go/supvisors/internal/process"
)

// okResult is the result entry of a successful operation on p.
func okResult(p *proc) Result {
	return Result{Name: p.cfg.Name, Group: p.group.cfg.Name, Status: errdefs.Success, Description: "OK"}
}

// errResult is the result entry of a failed operation on p.
func errResult(p *proc, err error) Result {
	code, ok := errdefs.CodeOf(err)
	if !ok {
		code = errdefs.Failed
	}
	return Result{Name: p.cfg.Name, Group: p.group.cfg.Name, Status: code, Description: err.Error()}
}

func namespec(p *proc) string { return MakeNamespec(p.group.cfg.Name, p.cfg.Name) }

// startProc is startProcess on the loop. When it returns pending, notify
// will be called once (on the loop) with the outcome of the wait.
func (s *Supervisor) startProc(ctx context.Context, p *proc, wait bool, notify func(error)) (pending bool, err error) {
	name := namespec(p)
	// Supvisors refuses a disabled program before anything else is
	// checked (its startProcess wrapper runs before Supervisor's).
	if p.disabled {
		return false, errdefs.New(errdefs.Disabled, name)
	}
	// Supervisor resolves the command before it looks at the state
	// (NO_FILE / NOT_EXECUTABLE even for a running process).
	if _, _, err := process.ResolveCommand(p.cfg.Command, s.programEnv(p.cfg), s.opts.Environ); err != nil {
		return false, err
	}
	st := p.m.State()
	if st.IsRunning() {
		return false, errdefs.New(errdefs.AlreadyStarted, name)
	}
	if st == process.Unknown {
		return false, errdefs.Newf(errdefs.Failed, "%s is in an unknown process state", name)
	}
	if p.obsolete {
		// Supvisors' spawn does nothing for an obsolete process, and
		// Supervisor's startProcess then reports what it sees: success
		// without waiting, an abnormal termination with it.
		if wait {
			return false, errdefs.New(errdefs.AbnormalTermination, name)
		}
		return false, nil
	}
	now := time.Now()
	s.apply(p, p.m.Start(now), now)
	if p.m.Snapshot().SpawnErr != "" {
		return false, errdefs.New(errdefs.SpawnError, name)
	}
	s.apply(p, p.m.Tick(now, s.moodRunning()), now)
	if !wait || p.m.State() == process.Running {
		return false, nil
	}
	p.waiters = append(p.waiters, &waiter{
		ctx: ctx,
		check: func(p *proc) (bool, error) {
			snap := p.m.Snapshot()
			switch {
			case snap.SpawnErr != "":
				return true, errdefs.New(errdefs.SpawnError, name)
			case snap.State == process.Running:
				return true, nil
			case snap.State != process.Starting:
				return true, errdefs.New(errdefs.AbnormalTermination, name)
			}
			return false, nil
		},
		done: notify,
	})
	// The state may already be final (a spawn that failed at once).
	s.checkWaiters(p)
	return true, nil
}

// stopProc is stopProcess on the loop.
func (s *Supervisor) stopProc(ctx context.Context, p *proc, wait bool, notify func(error)) (pending bool, err error) {
	name := namespec(p)
	if !p.m.State().IsRunning() {
		return false, errdefs.New(errdefs.NotRunning, name)
	}
	now := time.Now()
	p.lastStopReport = time.Time{}
	pid := p.m.PID()
	p.signalErr = nil
	acts, msg := p.m.Stop(now)
	s.apply(p, acts, now)
	if msg != "" {
		return false, errdefs.New(errdefs.Failed, msg)
	}
	if p.signalErr != nil {
		return false, errdefs.Newf(errdefs.Failed, "unknown problem killing %s (%d):%v", p.cfg.Name, pid, p.signalErr)
	}
	if !wait || p.m.State().IsStopped() {
		return false, nil
	}
	p.waiters = append(p.waiters, &waiter{
		ctx:  ctx,
		stop: true,
		check: func(p *proc) (bool, error) {
			return p.m.State().IsStopped(), nil
		},
		done: notify,
	})
	return true, nil
}

// waitOne waits on the caller's goroutine for a pending single operation.
func (s *Supervisor) waitOne(ctx context.Context, ch <-chan error) error {
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-s.loopDone:
		return errShutdown()
	}
}

// singleProc runs op on the process named name (not a group spec).
func (s *Supervisor) singleProc(ctx context.Context, name string, wait bool,
	op func(context.Context, *proc, bool, func(error)) (bool, error)) error {
	if !s.moodRunning() {
		return errShutdown()
	}
	ch := make(chan error, 1)
	var pending bool
	var err error
	if cerr := s.call(func() {
		_, p, ok := s.find(name)
		if !ok || p == nil {
			err = errdefs.New(errdefs.BadName, name)
			return
		}
		pending, err = op(ctx, p, wait, func(e error) { ch <- e })
	}); cerr != nil {
		return cerr
	}
	if err != nil || !pending {
		return err
	}
	return s.waitOne(ctx, ch)
}

// StartProcess starts one process (a group spec is BAD_NAME: the API layer
// routes those to StartProcessGroup). With wait, it returns once the
// process is RUNNING, or with SPAWN_ERROR / ABNORMAL_TERMINATION.
func (s *Supervisor) StartProcess(ctx context.Context, name string, wait bool) error {
	return s.singleProc(ctx, name, wait, s.startProc)
}

// StopProcess stops one process; with wait, it returns once the process is
// in a stopped state.
func (s *Supervisor) StopProcess(ctx context.Context, name string, wait bool) error {
	return s.singleProc(ctx, name, wait, s.stopProc)
}

// resultBatchWindow is how long a batch of waited results stays open: the
// longest time between two polls of a waiting call in Supervisor's main
// loop.
const resultBatchWindow = time.Second

// manyProcs runs op on the processes selected (on the loop) by pick, and
// gathers the results: immediate ones first, then the waited ones.
//
// Supervisor polls a waiting group call once per main-loop pass and, in
// each pass, reports the processes found finished in the order it acted on
// them. Completions are gathered the same way here: a batch opens with the
// first completion and closes when every process is done or after
// resultBatchWindow; each batch is reported in action order. Processes that
// stop together are therefore listed in a stable order, and a slow one
// (killed after stopwaitsecs) after the quick ones, as Supervisor lists
// them.
func (s *Supervisor) manyProcs(ctx context.Context, wait bool, pick func() ([]*proc, error), want func(*proc) bool,
	op func(context.Context, *proc, bool, func(error)) (bool, error)) ([]Result, error) {
	if !s.moodRunning() {
		return nil, errShutdown()
	}
	type done struct {
		order  int
		result Result
	}
	var results []Result
	var pickErr error
	var pending int
	var ch chan done
	if cerr := s.call(func() {
		procs, err := pick()
		if err != nil {
			pickErr = err
			return
		}
		ch = make(chan done, len(procs))
		for i, p := range procs {
			if !want(p) {
				continue
			}
			isPending, err := op(ctx, p, wait, func(e error) {
				if e != nil {
					ch <- done{i, errResult(p, e)}
				} else {
					ch <- done{i, okResult(p)}
				}
			})
			switch {
			case err != nil:
				results = append(results, errResult(p, err))
			case isPending:
				pending++
			default:
				results = append(results, okResult(p))
			}
		}
	}); cerr != nil {
		return nil, cerr
	}
	if pickErr != nil {
		return nil, pickErr
	}
	var batch []done
	var window *time.Timer
	var windowC <-chan time.Time
	flush := func() {
		slices.SortFunc(batch, func(a, b done) int { return cmp.Compare(a.order, b.order) })
		for _, d := range batch {
			results = append(results, d.result)
		}
		batch = batch[:0]
		if window != nil {
			window.Stop()
			window, windowC = nil, nil
		}
	}
	for pending > 0 {
		select {
		case d := <-ch:
			pending--
			batch = append(batch, d)
			if window == nil {
				window = time.NewTimer(resultBatchWindow)
				windowC = window.C
			}
		case <-windowC:
			flush()
		case <-ctx.Done():
			flush()
			return results, ctx.Err()
		case <-s.loopDone:
			flush()
			return results, errShutdown()
		}
	}
	flush()
	if results == nil {
		results = []Result{}
	}
	return results, nil
}

// groupProcs selects the processes of one group, by priority.
func (s *Supervisor) groupProcs(name string) func() ([]*proc, error) {
	return func() ([]*proc, error) {
		g := s.groups[name]
		if g == nil {
			return nil, errdefs.New(errdefs.BadName, name)
		}
		return g.byPriority, nil
	}
}

// allProcs selects every process: groups by (priority, name), processes
// by priority.
func (s *Supervisor) allProcs() ([]*proc, error) {
	var out []*proc
	for _, g := range s.sortedGroups() {
		out = append(out, g.byPriority...)
	}
	return out, nil
}

func notRunning(p *proc) bool  { return !p.m.State().IsRunning() }
func isRunning(p *proc) bool   { return p.m.State().IsRunning() }
func signallable(p *proc) bool { return p.m.State().IsSignallable() }

// StartProcessGroup starts the processes of group that are not running.
func (s *Supervisor) StartProcessGroup(ctx context.Context, group string, wait bool) ([]Result, error) {
	return s.manyProcs(ctx, wait, s.groupProcs(group), notRunning, s.startProc)
}

// StartAllProcesses starts every process that is not running, groups in
// priority order.
func (s *Supervisor) StartAllProcesses(ctx context.Context, wait bool) ([]Result, error) {
	return s.manyProcs(ctx, wait, s.allProcs, notRunning, s.startProc)
}

// StopProcessGroup stops the running processes of group (not reversed:
// Supervisor stops them in ascending priority, all in one pass).
func (s *Supervisor) StopProcessGroup(ctx context.Context, group string, wait bool) ([]Result, error) {
	return s.manyProcs(ctx, wait, s.groupProcs(group), isRunning, s.stopProc)
}

// StopAllProcesses stops every running process.
func (s *Supervisor) StopAllProcesses(ctx context.Context, wait bool) ([]Result, error) {
	return s.manyProcs(ctx, wait, s.allProcs, isRunning, s.stopProc)
}

// signalProc is signalProcess on the loop.
func (s *Supervisor) signalProc(sig syscall.Signal) func(context.Context, *proc, bool, func(error)) (bool, error) {
	return func(_ context.Context, p *proc, _ bool, _ func(error)) (bool, error) {
		if !p.m.State().IsSignallable() {
			return false, errdefs.New(errdefs.NotRunning, namespec(p))
		}
		now := time.Now()
		pid := p.m.PID()
		p.signalErr = nil
		acts, msg := p.m.Signal(sig)
		s.apply(p, acts, now)
		if msg != "" {
			return false, errdefs.New(errdefs.Failed, msg)
		}
		if p.signalErr != nil {
			return false, errdefs.Newf(errdefs.Failed, "unknown problem sending sig %s (%d):%v", p.cfg.Name, pid, p.signalErr)
		}
		return false, nil
	}
}

// SignalProcess sends sig to one process (its pid only, never its group).
func (s *Supervisor) SignalProcess(name string, sig syscall.Signal) error {
	return s.singleProc(context.Background(), name, false, s.signalProc(sig))
}

// SignalProcessGroup sends sig to the signallable processes of group.
func (s *Supervisor) SignalProcessGroup(group string, sig syscall.Signal) ([]Result, error) {
	return s.manyProcs(context.Background(), false, s.groupProcs(group), signallable, s.signalProc(sig))
}

// SignalAllProcesses sends sig to every signallable process.
func (s *Supervisor) SignalAllProcesses(sig syscall.Signal) ([]Result, error) {
	return s.manyProcs(context.Background(), false, s.allProcs, signallable, s.signalProc(sig))
}

// ReloadConfig re-reads the configuration and reports the groups added,
// changed and removed compared with the active ones. It changes nothing at
// runtime; later AddProcessGroup calls use the configuration read here.
func (s *Supervisor) ReloadConfig() (added, changed, removed []string, err error) {
	if !s.moodRunning() {
		return nil, nil, nil, errShutdown()
	}
	if s.opts.Reread == nil {
		return nil, nil, nil, errdefs.New(errdefs.CantReread, "no configuration file to re-read")
	}
	cfg, rerr := s.opts.Reread()
	if rerr != nil {
		return nil, nil, nil, errdefs.New(errdefs.CantReread, rerr.Error())
	}
	added, changed, removed = []string{}, []string{}, []string{}
	cerr := s.call(func() {
		s.cfg = cfg
		s.knowPrograms(cfg)
		fresh := make(map[string]bool)
		for _, gc := range cfg.Groups {
			fresh[gc.Name] = true
			cur, ok := s.groups[gc.Name]
			switch {
			case !ok:
				added = append(added, gc.Name)
			case !groupsEqual(cur.cfg, gc):
				changed = append(changed, gc.Name)
			}
		}
		for _, g := range s.sortedGroups() {
			if !fresh[g.cfg.Name] {
				removed = append(removed, g.cfg.Name)
			}
		}
	})
	if cerr != nil {
		return nil, nil, nil, cerr
	}
	return added, changed, removed, nil
}

// groupsEqual compares two group configurations, as Supervisor compares
// its group config objects.
func groupsEqual(a, b *config.Group) bool { return a.Equal(b) }

// AddProcessGroup activates a group of the last configuration read; its
// autostart processes start in the next loop pass.
func (s *Supervisor) AddProcessGroup(name string) error {
	if !s.moodRunning() {
		return errShutdown()
	}
	var err error
	if cerr := s.call(func() {
		var gc *config.Group
		for _, g := range s.cfg.Groups {
			if g.Name == name {
				gc = g
			}
		}
		if gc == nil {
			err = errdefs.New(errdefs.BadName, name)
			return
		}
		if _, ok := s.groups[name]; ok {
			err = errdefs.New(errdefs.AlreadyAdded, name)
			return
		}
		if _, aerr := s.addGroup(gc); aerr != nil {
			err = errdefs.Newf(errdefs.Failed, "%s: %v", name, aerr)
		}
	}); cerr != nil {
		return cerr
	}
	return err
}

// RemoveProcessGroup deactivates a group whose processes are all stopped.
func (s *Supervisor) RemoveProcessGroup(name string) error {
	if !s.moodRunning() {
		return errShutdown()
	}
	var err error
	if cerr := s.call(func() {
		g, ok := s.groups[name]
		if !ok {
			err = errdefs.New(errdefs.BadName, name)
			return
		}
		if len(g.unstopped()) > 0 {
			err = errdefs.New(errdefs.StillRunning, name)
			return
		}
		s.dropPool(g)
		delete(s.groups, name)
		s.groupsChanged()
		g.close()
		s.publish(events.ProcessGroup{Added: false, GroupName: name})
	}); cerr != nil {
		return cerr
	}
	return err
}

// ProcessLogPath returns the log file of a process channel ("stdout" or
// "stderr"); "" when it logs to no file.
func (s *Supervisor) ProcessLogPath(name, channel string) (string, error) {
	if !s.moodRunning() {
		return "", errShutdown()
	}
	gname, pname := SplitNamespec(name)
	if pname != "" {
		snap := s.snapshot.Load()
		for _, v := range snap.procs {
			if v.group == gname && v.name == pname {
				switch channel {
				case "stdout":
					return v.stdoutPath, nil
				case "stderr":
					return v.stderrPath, nil
				}
				return "", errdefs.Newf(errdefs.BadArguments, "unknown channel %s", channel)
			}
		}
	}
	return "", errdefs.New(errdefs.BadName, name)
}

// lookupProc finds one process on the loop (BAD_NAME for a group spec).
func (s *Supervisor) lookupProc(name string) (*proc, error) {
	var p *proc
	var err error
	if cerr := s.call(func() {
		var ok bool
		_, p, ok = s.find(name)
		if !ok || p == nil {
			err = errdefs.New(errdefs.BadName, name)
		}
	}); cerr != nil {
		return nil, cerr
	}
	return p, err
}

func clearLogs(p *proc) error {
	var errs []error
	if p.stdout != nil {
		errs = append(errs, p.stdout.Clear())
	}
	if p.stderr != nil {
		errs = append(errs, p.stderr.Clear())
	}
	if errors.Join(errs...) != nil {
		return errdefs.New(errdefs.Failed, namespec(p))
	}
	return nil
}

// ClearProcessLogs deletes and reopens both log files of a process.
func (s *Supervisor) ClearProcessLogs(name string) error {
	if !s.moodRunning() {
		return errShutdown()
	}
	p, err := s.lookupProc(name)
	if err != nil {
		return err
	}
	return clearLogs(p)
}

// ClearAllProcessLogs clears the logs of every process, one after another.
func (s *Supervisor) ClearAllProcessLogs(ctx context.Context) ([]Result, error) {
	if !s.moodRunning() {
		return nil, errShutdown()
	}
	var procs []*proc
	if cerr := s.call(func() { procs, _ = s.allProcs() }); cerr != nil {
		return nil, cerr
	}
	results := []Result{}
	for _, p := range procs {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		if err := clearLogs(p); err != nil {
			results = append(results, errResult(p, err))
		} else {
			results = append(results, okResult(p))
		}
	}
	return results, nil
}

// SendProcessStdin writes data to the stdin of a running process.
func (s *Supervisor) SendProcessStdin(name string, data string) error {
	if !s.moodRunning() {
		return errShutdown()
	}
	var stdin interface{ Write([]byte) (int, error) }
	var p *proc
	var err error
	if cerr := s.call(func() {
		var ok bool
		_, p, ok = s.find(name)
		switch {
		case !ok || p == nil:
			err = errdefs.New(errdefs.BadName, name)
		case p.child == nil || p.m.PID() == 0 || p.m.State() == process.Stopping:
			err = errdefs.New(errdefs.NotRunning, name)
		case p.stdin == nil:
			err = errdefs.New(errdefs.NoFile, name)
		default:
			stdin = p.stdin
		}
	}); cerr != nil {
		return cerr
	}
	if err != nil {
		return err
	}
	// Written on the caller's goroutine: a child that does not read its
	// stdin blocks this caller only, never the loop.
	p.stdinMu.Lock()
	defer p.stdinMu.Unlock()
	if _, werr := stdin.Write([]byte(data)); werr != nil {
		return errdefs.New(errdefs.NoFile, name)
	}
	return nil
}

// SendRemoteCommEvent publishes REMOTE_COMMUNICATION; it works in any mood.
func (s *Supervisor) SendRemoteCommEvent(typ, data string) error {
	s.publish(events.RemoteCommunication{Type: typ, Data: data})
	return nil
}

// ReopenLogs reopens every child log file (SIGUSR2).
func (s *Supervisor) ReopenLogs() {
	s.call(func() {
		for _, g := range s.groups {
			for _, p := range g.procs {
				for _, ch := range []*logs.Channel{p.stdout, p.stderr} {
					if ch == nil {
						continue
					}
					if err := ch.Reopen(); err != nil {
						s.log.Warn(fmt.Sprintf("could not reopen a log of %s: %v", p.cfg.Name, err))
					}
				}
			}
		}
	})
}
