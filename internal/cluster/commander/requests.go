package commander

import (
	"regexp"
	"strings"

	"github.com/supvisors-go/supvisors/internal/cluster/model"
	"github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// The supvisors.* control methods, once the API has checked the FSM
// state and read the strategy. Each one checks what it needs with
// Supvisors' fault texts, plans its jobs and, when wait is set, returns
// a Ticket: a Finished action carrying that Ticket ends the call later,
// once the commanders it depends on are idle, with the final check of
// Supvisors. Without wait the Ticket is 0 and the method answers true.

// Ticket identifies a request made with wait; 0 means no wait.
type Ticket uint64

// waiter is a request made with wait.
type waiter struct {
	ticket Ticket
	// stopFirst waits for the Stopper before anything else (restarts).
	stopFirst bool
	starter   bool
	stopper   bool
	check     func() (any, error)
}

func (c *Commander) newWaiter(w waiter) Ticket {
	c.tickets++
	w.ticket = c.tickets
	c.waiters = append(c.waiters, &w)
	return w.ticket
}

// settleWaiters ends the waits whose commanders are idle.
func (c *Commander) settleWaiters() {
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.stopFirst {
			if c.Stopping() {
				kept = append(kept, w)
				continue
			}
			w.stopFirst = false
		}
		if (w.starter && c.Starting()) || (w.stopper && c.Stopping()) {
			kept = append(kept, w)
			continue
		}
		result, err := w.check()
		c.emit(Finished{Ticket: w.ticket, Result: result, Err: err})
	}
	c.waiters = kept
}

// Pending returns the tickets still waiting.
func (c *Commander) Pending() []Ticket {
	out := make([]Ticket, len(c.waiters))
	for i, w := range c.waiters {
		out[i] = w.ticket
	}
	return out
}

func badApplication(name string) error {
	return errdefs.Newf(errdefs.BadName, "application=%s unknown to Supvisors", name)
}

// application finds an application (BAD_NAME otherwise).
func (c *Commander) application(name string) (model.ApplicationView, error) {
	app, ok := c.model.Application(name)
	if !ok {
		return app, badApplication(name)
	}
	return app, nil
}

// targets resolves a namespec to its processes: one, or every process of
// the application for "group:*" and "group:".
func (c *Commander) targets(namespec string) ([]model.ProcessView, error) {
	group, name := splitNamespec(namespec)
	if _, err := c.application(group); err != nil {
		return nil, err
	}
	if name == "" {
		return c.model.ApplicationProcesses(group), nil
	}
	p, ok := c.model.Process(group + ":" + name)
	if !ok {
		return nil, errdefs.Newf(errdefs.BadName, "process=%s unknown in application=%s", name, group)
	}
	return []model.ProcessView{p}, nil
}

// startableApplication is the check of start_application and
// test_start_application.
func (c *Commander) startableApplication(name string) error {
	app, err := c.application(name)
	if err != nil {
		return err
	}
	if !app.Rules.Managed {
		return errdefs.New(errdefs.NotManaged, name)
	}
	if app.State != model.AppStopped {
		return errdefs.New(errdefs.AlreadyStarted, name)
	}
	return nil
}

// startableProcesses is the check of start_process and
// test_start_process: no target may be running.
func (c *Commander) startableProcesses(namespec string) ([]model.ProcessView, error) {
	procs, err := c.targets(namespec)
	if err != nil {
		return nil, err
	}
	for _, p := range procs {
		if isRunningLike(p.State) {
			return nil, errdefs.New(errdefs.AlreadyStarted, p.Namespec)
		}
	}
	return procs, nil
}

// StartApplication is supvisors.start_application.
func (c *Commander) StartApplication(strategy options.StartingStrategy, name string, wait bool, now float64) (Ticket, error) {
	c.begin(now)
	defer c.end()
	if err := c.startableApplication(name); err != nil {
		return 0, err
	}
	c.startApplication(strategy, name, true)
	if !c.Starting() {
		return 0, errdefs.New(errdefs.AbnormalTermination, "failed to start "+name)
	}
	if !wait {
		return 0, nil
	}
	return c.newWaiter(waiter{starter: true, check: func() (any, error) {
		if app, ok := c.model.Application(name); !ok || app.State != model.AppRunning {
			return nil, errdefs.New(errdefs.NotRunning, name)
		}
		return true, nil
	}}), nil
}

// StopApplication is supvisors.stop_application.
func (c *Commander) StopApplication(name string, wait bool, now float64) (Ticket, error) {
	c.begin(now)
	defer c.end()
	app, err := c.application(name)
	if err != nil {
		return 0, err
	}
	if !app.Rules.Managed {
		return 0, errdefs.New(errdefs.NotManaged, name)
	}
	if !app.HasRunningProcesses {
		return 0, errdefs.New(errdefs.NotRunning, "failed to stop "+name)
	}
	c.stopApplication(name, true)
	if !wait || !c.Stopping() {
		return 0, nil
	}
	return c.newWaiter(waiter{stopper: true, check: func() (any, error) {
		if app, ok := c.model.Application(name); ok && app.State != model.AppStopped {
			return nil, errdefs.New(errdefs.StillRunning, name)
		}
		return true, nil
	}}), nil
}

// RestartApplication is supvisors.restart_application. As in Supvisors,
// an unmanaged application is stopped and then not started.
func (c *Commander) RestartApplication(strategy options.StartingStrategy, name string, wait bool, now float64) (Ticket, error) {
	c.begin(now)
	defer c.end()
	if _, err := c.application(name); err != nil {
		return 0, err
	}
	c.restartApplication(strategy, name, true)
	if !c.Stopping() && !c.Starting() {
		return 0, errdefs.New(errdefs.AbnormalTermination, "failed to restart "+name)
	}
	if !wait {
		return 0, nil
	}
	return c.newWaiter(waiter{stopFirst: true, starter: true, check: func() (any, error) {
		if app, ok := c.model.Application(name); !ok || app.State == model.AppStopped {
			return nil, errdefs.New(errdefs.NotRunning, name)
		}
		return true, nil
	}}), nil
}

// StartProcess is supvisors.start_process.
func (c *Commander) StartProcess(strategy options.StartingStrategy, namespec, extraArgs string, wait bool, now float64) (Ticket, error) {
	c.begin(now)
	defer c.end()
	procs, err := c.startableProcesses(namespec)
	if err != nil {
		return 0, err
	}
	return c.startProcesses(strategy, namespec, procs, extraArgs, wait, true)
}

func (c *Commander) startProcesses(strategy options.StartingStrategy, namespec string, procs []model.ProcessView,
	extraArgs string, wait bool, result any) (Ticket, error) {
	for _, p := range procs {
		c.startProcess(strategy, p.Namespec, extraArgs, true)
	}
	if !c.Starting() {
		return 0, errdefs.New(errdefs.AbnormalTermination, "failed to start "+namespec)
	}
	if !wait {
		return 0, nil
	}
	return c.newWaiter(waiter{starter: true, check: func() (any, error) {
		if failed := c.filterProcesses(procs, isStoppedLike); len(failed) > 0 {
			return nil, errdefs.New(errdefs.NotRunning, "processes="+pyList(failed))
		}
		return result, nil
	}}), nil
}

// filterProcesses lists the namespecs of procs whose state is now as
// keep says.
func (c *Commander) filterProcesses(procs []model.ProcessView, keep func(int) bool) []string {
	var out []string
	for _, p := range procs {
		if now, ok := c.model.Process(p.Namespec); ok && keep(now.State) {
			out = append(out, p.Namespec)
		}
	}
	return out
}

// StartAnyProcess is supvisors.start_any_process: the first process, in
// application then process order, whose namespec matches regex, that
// does not run and that the strategy can place, counting the loads that
// the Starter has pending. It returns that namespec.
func (c *Commander) StartAnyProcess(strategy options.StartingStrategy, regex, extraArgs string, wait bool, now float64) (string, Ticket, error) {
	c.begin(now)
	defer c.end()
	noCandidate := errdefs.Newf(errdefs.Failed, "no candidate process matching \"%s\"", regex)
	re, err := regexp.Compile(regex)
	if err != nil {
		return "", 0, noCandidate
	}
	pending := c.starterLoads()
	for _, name := range c.model.Applications() {
		for _, p := range c.model.ApplicationProcesses(name) {
			if !re.MatchString(p.Namespec) || isRunningLike(p.State) {
				continue
			}
			if c.chooseInstance(strategy, c.possibleIdentifiers(p), p.Rules.ExpectedLoading, pending) == "" {
				continue
			}
			ticket, err := c.startProcesses(strategy, p.Namespec, []model.ProcessView{p}, extraArgs, wait, p.Namespec)
			return p.Namespec, ticket, err
		}
	}
	return "", 0, noCandidate
}

// StopProcess is supvisors.stop_process.
func (c *Commander) StopProcess(namespec string, wait bool, now float64) (Ticket, error) {
	c.begin(now)
	defer c.end()
	procs, err := c.targets(namespec)
	if err != nil {
		return 0, err
	}
	for _, p := range procs {
		c.stopProcess(p.Namespec, nil, false)
	}
	c.next(&c.stopper)
	if !c.Stopping() {
		return 0, errdefs.New(errdefs.NotRunning, namespec+" already stopped")
	}
	if !wait {
		return 0, nil
	}
	return c.newWaiter(waiter{stopper: true, check: func() (any, error) {
		if running := c.filterProcesses(procs, isRunningLike); len(running) > 0 {
			return nil, errdefs.New(errdefs.StillRunning, "processes="+pyList(running))
		}
		return true, nil
	}}), nil
}

// StopProcessOn stops processes on some instances only, through the
// Stopper (disable and update_numprocs stop the local processes so).
// Nothing is checked; with wait, the Finished action comes once the
// Stopper is idle, with the result true.
func (c *Commander) StopProcessOn(namespecs, identifiers []string, wait bool, now float64) Ticket {
	c.begin(now)
	defer c.end()
	for _, ns := range namespecs {
		c.stopProcess(ns, identifiers, false)
	}
	c.next(&c.stopper)
	if !wait {
		return 0
	}
	return c.newWaiter(waiter{stopper: true, check: func() (any, error) { return true, nil }})
}

// RestartProcess is supvisors.restart_process.
func (c *Commander) RestartProcess(strategy options.StartingStrategy, namespec, extraArgs string, wait bool, now float64) (Ticket, error) {
	c.begin(now)
	defer c.end()
	procs, err := c.targets(namespec)
	if err != nil {
		return 0, err
	}
	for _, p := range procs {
		c.restartProcess(strategy, p.Namespec, extraArgs, true)
	}
	if !c.Stopping() && !c.Starting() {
		return 0, errdefs.New(errdefs.AbnormalTermination, "failed to restart "+namespec)
	}
	if !wait {
		return 0, nil
	}
	return c.newWaiter(waiter{stopFirst: true, starter: true, check: func() (any, error) {
		if failed := c.filterProcesses(procs, isStoppedLike); len(failed) > 0 {
			return nil, errdefs.New(errdefs.NotRunning, "processes="+pyList(failed))
		}
		return true, nil
	}}), nil
}

// ErrJobsInProgress is the fault of restart_sequence when an instance
// reports starting or stopping jobs (the API checks the snapshot).
func ErrJobsInProgress() error { return errdefs.New(errdefs.BadSupvisorsState, "jobs in progress") }

// RestartSequence is supvisors.restart_sequence, once the API has
// checked that no instance has jobs in progress (ErrJobsInProgress).
func (c *Commander) RestartSequence(wait bool, now float64) (Ticket, error) {
	c.begin(now)
	defer c.end()
	c.startApplications()
	if !c.Starting() {
		return 0, errdefs.New(errdefs.AbnormalTermination, "failed to trigger start sequence")
	}
	if !wait {
		return 0, nil
	}
	return c.newWaiter(waiter{starter: true, check: func() (any, error) { return true, nil }}), nil
}

// splitNamespec is Supervisor's split_namespec: "g:n", "g:" or "g:*" (a
// whole group: name ""), or "n" standing for "n:n".
func splitNamespec(namespec string) (group, name string) {
	group, name, found := strings.Cut(namespec, ":")
	if !found {
		return namespec, namespec
	}
	if name == "*" {
		name = ""
	}
	return group, name
}

// pyList writes a list of strings as Python prints it.
func pyList(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = pyfmt.Repr(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}
