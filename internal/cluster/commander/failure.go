package commander

import (
	"slices"

	"github.com/supvisors-go/supvisors/internal/cluster/model"
	"github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/cluster/rules"
)

// The running failure handler: what the Master does when a managed
// process crashes, when a process is lost with its instance, and when the
// RUNNING_FAILURE conciliation hands it a conflict.
//
// Failures are not acted on one by one. Losing an instance may lose
// several processes of one application at once, each with its own
// strategy, and acting on each would stop and restart the same
// application several times. The jobs are therefore merged per
// application, the strongest winning:
//
//	STOP_APPLICATION > RESTART_APPLICATION > RESTART_PROCESS > CONTINUE
//
// A RESTART_APPLICATION job only absorbs the process jobs of processes
// that its start sequence would start again; the others keep their own.
// A job waits while the Starter or the Stopper holds a job for its
// application, and is retried on every Check.

// failureJobs are the pending running failure jobs. Each list keeps the
// order of arrival, so that the actions come out in a stable order.
type failureJobs struct {
	// stopApps and restartApps are application names.
	stopApps    []string
	restartApps []string
	// restartProcs and continueProcs are namespecs.
	restartProcs  []string
	continueProcs []string
}

func (f *failureJobs) empty() bool {
	return len(f.stopApps) == 0 && len(f.restartApps) == 0 && len(f.restartProcs) == 0 && len(f.continueProcs) == 0
}

// ProcessFailure is the Master's reaction to a process event that the
// model has just applied (a real one, or a forced one it accepted): when
// the process has crashed (FATAL, or EXITED unexpectedly), its running
// failure strategy applies.
//
//   - RESTART and SHUTDOWN end the whole cluster: a SupvisorsRestart or
//     SupvisorsShutdown action, for the driver to step the state machine
//     with its RestartRequest or ShutdownRequest.
//   - STOP_APPLICATION and RESTART_APPLICATION become jobs, carried out at
//     once unless the application is busy; not when the state is forced,
//     as a forced FATAL comes from a start that found no room or timed
//     out, and restarting the application would only fail again.
//   - CONTINUE and RESTART_PROCESS do nothing: Supervisor's autorestart
//     is the tool for restarting a crashed process in place.
func (c *Commander) ProcessFailure(namespec string, now float64) {
	c.begin(now)
	defer c.end()
	p, ok := c.model.Process(namespec)
	if !ok || !p.Crashed() {
		return
	}
	switch strategy := runningStrategy(p); strategy {
	case rules.RunningRestart:
		c.log.Warn("process crashed: Supvisors restarts", "process", namespec)
		c.emit(SupvisorsRestart{Namespec: namespec})
	case rules.RunningShutdown:
		c.log.Warn("process crashed: Supvisors shuts down", "process", namespec)
		c.emit(SupvisorsShutdown{Namespec: namespec})
	case rules.RunningStopApplication, rules.RunningRestartApplication:
		if p.Forced {
			c.log.Debug("forced crash: no running failure job", "process", namespec, "strategy", strategy.String())
			return
		}
		c.addDefaultFailureJob(p)
		c.triggerFailureJobs()
	}
}

// Redistribute applies the running failure strategies to processes lost
// with their instances: those that InstancesLost returned (the Master in
// DISTRIBUTION or OPERATION). RESTART and SHUTDOWN do not apply to a
// loss, as in Supvisors: the loss of a machine does not take the whole
// cluster down.
func (c *Commander) Redistribute(namespecs []string, now float64) {
	c.begin(now)
	defer c.end()
	for _, ns := range namespecs {
		if p, ok := c.model.Process(ns); ok {
			c.addDefaultFailureJob(p)
		}
	}
	c.triggerFailureJobs()
}

// runningStrategy reads the running failure strategy of a process;
// CONTINUE when unknown.
func runningStrategy(p model.ProcessView) rules.RunningFailureStrategy {
	s, ok := rules.ParseRunningFailureStrategy(p.Rules.RunningFailureStrategy)
	if !ok {
		return rules.RunningContinue
	}
	return s
}

// inStartSequence tells whether a start of the application would start
// the process: a managed application, a process start_sequence > 0.
func inStartSequence(app model.ApplicationView, p model.ProcessView) bool {
	return app.Rules.Managed && p.Rules.StartSequence > 0
}

// addDefaultFailureJob adds the job of the process's own strategy. A
// RESTART_PROCESS of a process that its stopped application would start
// again is promoted to RESTART_APPLICATION: when a loss has stopped the
// whole application, starting it again in sequence is what brings it
// back in order, not restarting its processes one by one.
func (c *Commander) addDefaultFailureJob(p model.ProcessView) {
	strategy := runningStrategy(p)
	c.addFailureJob(strategy, p)
	if strategy != rules.RunningRestartProcess {
		return
	}
	if app, ok := c.model.Application(p.ApplicationName); ok && app.State == model.AppStopped && inStartSequence(app, p) {
		c.log.Warn("RESTART_PROCESS promoted to RESTART_APPLICATION: the application is stopped",
			"process", p.Namespec)
		c.addFailureJob(rules.RunningRestartApplication, p)
	}
}

// addFailureJob merges a job with those pending, by precedence. SHUTDOWN
// and RESTART are no jobs: ProcessFailure handles them at once.
func (c *Commander) addFailureJob(strategy rules.RunningFailureStrategy, p model.ProcessView) {
	app, ok := c.model.Application(p.ApplicationName)
	if !ok {
		return
	}
	f := &c.failures
	// absorbed tells whether a pending application job covers the
	// process.
	absorbed := func() bool {
		if slices.Contains(f.stopApps, app.Name) {
			c.log.Info("running failure job covered by the application stop", "process", p.Namespec)
			return true
		}
		if slices.Contains(f.restartApps, app.Name) && inStartSequence(app, p) {
			c.log.Info("running failure job covered by the application restart", "process", p.Namespec)
			return true
		}
		return false
	}
	switch strategy {
	case rules.RunningStopApplication:
		c.log.Info("running failure job: stop the application", "application", app.Name, "process", p.Namespec)
		f.stopApps = appendNew(f.stopApps, app.Name)
		f.restartApps = slices.DeleteFunc(f.restartApps, func(name string) bool { return name == app.Name })
		ofApp := func(ns string) bool { return applicationOf(ns) == app.Name }
		f.restartProcs = slices.DeleteFunc(f.restartProcs, ofApp)
		f.continueProcs = slices.DeleteFunc(f.continueProcs, ofApp)
	case rules.RunningRestartApplication:
		if slices.Contains(f.stopApps, app.Name) {
			c.log.Info("application restart covered by its stop", "application", app.Name)
			return
		}
		c.log.Info("running failure job: restart the application", "application", app.Name, "process", p.Namespec)
		f.restartApps = appendNew(f.restartApps, app.Name)
		covered := func(ns string) bool {
			q, ok := c.model.Process(ns)
			return ok && q.ApplicationName == app.Name && inStartSequence(app, q)
		}
		f.restartProcs = slices.DeleteFunc(f.restartProcs, covered)
		f.continueProcs = slices.DeleteFunc(f.continueProcs, covered)
	case rules.RunningRestartProcess:
		if absorbed() {
			return
		}
		c.log.Info("running failure job: restart the process", "process", p.Namespec)
		f.restartProcs = appendNew(f.restartProcs, p.Namespec)
		f.continueProcs = slices.DeleteFunc(f.continueProcs, func(ns string) bool { return ns == p.Namespec })
	case rules.RunningContinue:
		if absorbed() || slices.Contains(f.restartProcs, p.Namespec) {
			return
		}
		f.continueProcs = appendNew(f.continueProcs, p.Namespec)
	}
}

// triggerFailureJobs carries out the jobs whose application has no job in
// the Starter nor the Stopper (read once, before any job is carried
// out), then moves both on. Restarts use the application's starting
// strategy.
func (c *Commander) triggerFailureJobs() {
	f := &c.failures
	if f.empty() {
		return
	}
	busy := map[string]bool{}
	for _, name := range c.model.Applications() {
		busy[name] = c.Busy(name)
	}
	f.stopApps = slices.DeleteFunc(f.stopApps, func(name string) bool {
		if busy[name] {
			c.log.Debug("application stop deferred: busy", "application", name)
			return false
		}
		c.log.Info("running failure: stopping the application", "application", name)
		c.stopApplication(name, false)
		return true
	})
	f.restartApps = slices.DeleteFunc(f.restartApps, func(name string) bool {
		if busy[name] {
			c.log.Debug("application restart deferred: busy", "application", name)
			return false
		}
		c.log.Info("running failure: restarting the application", "application", name)
		c.restartApplication(c.defaultStrategy(name), name, false)
		return true
	})
	f.restartProcs = slices.DeleteFunc(f.restartProcs, func(ns string) bool {
		app := applicationOf(ns)
		if busy[app] {
			c.log.Debug("process restart deferred: busy", "process", ns)
			return false
		}
		c.log.Info("running failure: restarting the process", "process", ns)
		c.restartProcess(c.defaultStrategy(app), ns, "", false)
		return true
	})
	for _, ns := range f.continueProcs {
		c.log.Info("running failure: the process is left as it is", "process", ns)
	}
	f.continueProcs = nil
	c.next(&c.stopper)
	c.next(&c.starter)
}

// defaultStrategy is the starting strategy of an application's rules.
func (c *Commander) defaultStrategy(name string) options.StartingStrategy {
	if app, ok := c.model.Application(name); ok {
		return parseStrategy(app.Rules.StartingStrategy)
	}
	return options.StartConfig
}

// applicationOf is the application part of a full namespec.
func applicationOf(namespec string) string {
	group, _ := splitNamespec(namespec)
	return group
}

func appendNew(list []string, item string) []string {
	if slices.Contains(list, item) {
		return list
	}
	return append(list, item)
}
