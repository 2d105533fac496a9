package commander

import (
	"log/slog"
	"slices"

	"github.com/supvisors-go/supvisors/internal/cluster/model"
	"github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/cluster/rules"
)

// Config is what a Commander reads from.
type Config struct {
	Model   Model
	Cluster Cluster
	// Rules resolves '@' and '#' in program identifiers; nil leaves
	// such processes without an instance.
	Rules Rules
	// Logger receives the commanders' decisions; nil discards them.
	Logger *slog.Logger
}

// Commander is the Starter and the Stopper of the local instance. It is
// not safe for concurrent use: the cluster driver owns it.
type Commander struct {
	model   Model
	cluster Cluster
	rules   Rules
	log     *slog.Logger

	starter sequencer
	stopper sequencer
	// assigned holds the identifiers that '@' and '#' gave to processes;
	// an assignment is final.
	assigned map[string][]string
	// appStartRequests and procStartRequests are the starts of restarts,
	// run when the Stopper has finished with the application.
	appStartRequests  map[string]options.StartingStrategy
	procStartRequests map[string][]processStart
	// failures are the running failure jobs waiting for their
	// application to leave the Starter and the Stopper.
	failures failureJobs

	actions []Action
	// now is the monotonic time passed with the call being handled.
	now float64
	// reported are the job flags last reported with JobsChanged.
	reported JobsChanged
	waiters  []*waiter
	tickets  Ticket
	// dryRun is set in the copy that test_start_* run: it answers every
	// start request with simulated events instead of sending it.
	dryRun *simulation
}

type processStart struct {
	strategy  options.StartingStrategy
	namespec  string
	extraArgs string
}

// New returns an idle Commander.
func New(cfg Config) *Commander {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Commander{model: cfg.Model, cluster: cfg.Cluster, rules: cfg.Rules, log: log,
		starter:          sequencer{planned: map[int][]*appJob{}},
		stopper:          sequencer{stopper: true, planned: map[int][]*appJob{}},
		assigned:         map[string][]string{},
		appStartRequests: map[string]options.StartingStrategy{}, procStartRequests: map[string][]processStart{}}
}

// Ready returns the actions queued since the last call, in order.
func (c *Commander) Ready() []Action {
	out := c.actions
	c.actions = nil
	return out
}

// Starting and Stopping tell whether the Starter and the Stopper have
// jobs (starting_jobs and stopping_jobs).
func (c *Commander) Starting() bool { return c.starter.inProgress() }

// Stopping: see Starting.
func (c *Commander) Stopping() bool { return c.stopper.inProgress() }

// Busy reports whether an application has a job in the Starter or the
// Stopper (a running failure job then waits).
func (c *Commander) Busy(application string) bool {
	return c.starter.job(application) != nil || c.stopper.job(application) != nil
}

// Assignment returns the identifiers that '@' or '#' gave to a process.
func (c *Commander) Assignment(namespec string) ([]string, bool) {
	ids, ok := c.assigned[namespec]
	return slices.Clone(ids), ok
}

func (c *Commander) emit(a Action) { c.actions = append(c.actions, a) }

func (c *Commander) emitStart(cmd *command) {
	if c.dryRun != nil {
		c.dryRun.started(c, cmd)
		return
	}
	c.emit(StartProcess{Target: cmd.target, Namespec: cmd.namespec, ExtraArgs: cmd.extraArgs})
}

func (c *Commander) force(namespec, identifier string, state int, reason string, decided float64) {
	if c.dryRun != nil {
		c.dryRun.forced(namespec, state, reason)
		return
	}
	c.emit(ForceState{Namespec: namespec, Identifier: identifier, State: state, Reason: reason, Decided: decided})
}

// begin and end frame every entry point: end reports the job flags when
// they changed and ends the waits that are over.
func (c *Commander) begin(now float64) { c.now = now }

func (c *Commander) end() {
	flags := JobsChanged{Starting: c.Starting(), Stopping: c.Stopping()}
	if flags != c.reported && c.dryRun == nil {
		c.reported = flags
		c.emit(flags)
	}
	c.settleWaiters()
}

// ProcessEvent feeds the Starter and the Stopper with a process event
// that the model has just applied, from instance identifier. Forced
// events are not fed: they change no instance's record, which is what
// the commanders judge, and since the driver applies them after the
// Commander has moved on, a late one would be taken for an answer to a
// request sent since.
func (c *Commander) ProcessEvent(namespec, identifier string, now float64) {
	c.begin(now)
	defer c.end()
	p, ok := c.model.Process(namespec)
	if !ok {
		return
	}
	c.onEvent(&c.starter, p, identifier)
	c.onEvent(&c.stopper, p, identifier)
}

// Check looks for requests not acknowledged in time (Supvisors does it
// before every evaluation of its state machine): a start is forced
// FATAL, a stop is forced STOPPED. Then the running failure jobs whose
// application is no longer busy are carried out.
func (c *Commander) Check(now float64) {
	c.begin(now)
	defer c.end()
	c.check(&c.starter)
	c.check(&c.stopper)
	c.triggerFailureJobs()
}

// InstancesLost drops the commands in progress on instances just lost:
// a start pending there is a starting failure. It returns the processes
// of lost (those that ran on the lost instances) that no job handles,
// which are left to the running failure strategies.
func (c *Commander) InstancesLost(ids, lost []string, now float64) []string {
	c.begin(now)
	defer c.end()
	set := map[string]bool{}
	for _, ns := range lost {
		set[ns] = true
	}
	c.onInstancesLost(&c.starter, ids, set)
	c.onInstancesLost(&c.stopper, ids, set)
	c.next(&c.starter)
	c.next(&c.stopper)
	return slices.DeleteFunc(slices.Clone(lost), func(ns string) bool { return !set[ns] })
}

// Abort drops every job (entering SYNCHRONIZATION, ELECTION, RESTARTING
// or SHUTTING_DOWN). The deferred starts of restarts and the running
// failure jobs are dropped too.
func (c *Commander) Abort(now float64) {
	c.begin(now)
	defer c.end()
	c.starter.abort()
	c.stopper.abort()
	clear(c.appStartRequests)
	clear(c.procStartRequests)
	c.failures = failureJobs{}
}

// StartDistribution starts, each with its default strategy, every
// application with a start_sequence that never started or has a failure
// (the Master entering DISTRIBUTION, and restart_sequence).
func (c *Commander) StartDistribution(now float64) {
	c.begin(now)
	defer c.end()
	c.startApplications()
}

// StopApplications stops every application that has a running process,
// by descending stop_sequence (the Master entering RESTARTING or
// SHUTTING_DOWN).
func (c *Commander) StopApplications(now float64) {
	c.begin(now)
	defer c.end()
	for _, name := range c.model.Applications() {
		if app, ok := c.model.Application(name); ok && app.HasRunningProcesses {
			c.storeStop(app)
		}
	}
	c.next(&c.stopper)
}

func (c *Commander) startApplications() {
	for _, name := range c.model.Applications() {
		app, ok := c.model.Application(name)
		if !ok || app.Rules.StartSequence <= 0 {
			continue
		}
		if app.NeverStarted || app.MajorFailure || app.MinorFailure {
			c.storeStart(app, parseStrategy(app.Rules.StartingStrategy))
		}
	}
	c.next(&c.starter)
}

// startApplication plans the start of a stopped application; trigger
// moves the Starter on at once, otherwise the caller does once
// everything is planned.
func (c *Commander) startApplication(strategy options.StartingStrategy, name string, trigger bool) {
	app, ok := c.model.Application(name)
	if !ok {
		return
	}
	if app.State != model.AppStopped {
		c.log.Warn("application already started", "application", name)
		return
	}
	c.storeStart(app, strategy)
	if trigger {
		c.next(&c.starter)
	}
}

// storeStart plans the start sequence of an application: its processes
// with a start_sequence, by rank. A job already planned for the
// application is replaced.
func (c *Commander) storeStart(app model.ApplicationView, strategy options.StartingStrategy) bool {
	job := &appJob{app: app.Name, planned: map[int][]*command{}, strategy: strategy,
		distribution: parseDistribution(app.Rules.Distribution)}
	if app.Rules.Managed {
		for _, p := range c.model.ApplicationProcesses(app.Name) {
			if rank := p.Rules.StartSequence; rank > 0 {
				job.planned[rank] = append(job.planned[rank], c.startCommand(p, strategy))
			}
		}
	}
	if len(job.planned) == 0 {
		c.log.Warn("application has no start sequence", "application", app.Name)
		return false
	}
	c.starter.plan(app.Rules.StartSequence, job)
	c.resolveRules(app)
	return true
}

func (c *Commander) startCommand(p model.ProcessView, strategy options.StartingStrategy) *command {
	return &command{namespec: p.Namespec, name: p.ProcessName, strategy: strategy, extraArgs: p.ExtraArgs}
}

// startProcess plans the start of one stopped process, out of its
// application's sequence: wait_exit does not apply. trigger: see
// startApplication.
func (c *Commander) startProcess(strategy options.StartingStrategy, namespec, extraArgs string, trigger bool) {
	p, ok := c.model.Process(namespec)
	if !ok || !isStoppedLike(p.State) {
		return
	}
	cmd := c.startCommand(p, strategy)
	cmd.ignoreWaitExit, cmd.extraArgs = true, extraArgs
	c.addToJob(&c.starter, p, p.Rules.StartSequence, cmd, func(app model.ApplicationView) *appJob {
		return &appJob{app: app.Name, planned: map[int][]*command{}, strategy: strategy,
			distribution: parseDistribution(app.Rules.Distribution)}
	}, func(app model.ApplicationView) int { return app.Rules.StartSequence })
	if trigger {
		c.next(&c.starter)
	}
}

// addToJob adds commands to the job of the process's application, or to
// a new one planned at the application's rank.
func (c *Commander) addToJob(s *sequencer, p model.ProcessView, rank int, cmd *command,
	newJob func(model.ApplicationView) *appJob, appRank func(model.ApplicationView) int) {
	if j := s.job(p.ApplicationName); j != nil {
		if find(j.current, cmd.name, cmd.target) != nil || find(j.allPlanned(), cmd.name, cmd.target) != nil {
			c.log.Warn("process already planned", "process", cmd.namespec, "target", cmd.target)
			return
		}
		j.planned[rank] = append(j.planned[rank], cmd)
		if !s.stopper && j.distribution != rules.AllInstances {
			c.placeInJob(j, cmd, nil)
		}
		return
	}
	app, ok := c.model.Application(p.ApplicationName)
	if !ok {
		return
	}
	j := newJob(app)
	j.planned[rank] = []*command{cmd}
	s.plan(appRank(app), j)
}

// stopApplication plans the stop of every running process of an
// application, by descending stop_sequence. trigger: see
// startApplication.
func (c *Commander) stopApplication(name string, trigger bool) {
	app, ok := c.model.Application(name)
	if !ok || !app.HasRunningProcesses {
		return
	}
	c.storeStop(app)
	if trigger {
		c.next(&c.stopper)
	}
}

func (c *Commander) storeStop(app model.ApplicationView) {
	job := &appJob{app: app.Name, planned: map[int][]*command{}}
	for _, p := range c.model.ApplicationProcesses(app.Name) {
		for _, id := range p.Running {
			job.planned[p.Rules.StopSequence] = append(job.planned[p.Rules.StopSequence], c.stopCommand(p, id))
		}
	}
	if len(job.planned) > 0 {
		c.stopper.plan(app.Rules.StopSequence, job)
	}
}

func (c *Commander) stopCommand(p model.ProcessView, id string) *command {
	cmd := &command{namespec: p.Namespec, name: p.ProcessName, stop: true}
	c.target(cmd, id)
	return cmd
}

// stopProcess plans the stop of a process wherever it runs (only on
// identifiers when not empty); trigger moves the Stopper on at once,
// otherwise the caller does once everything is planned.
func (c *Commander) stopProcess(namespec string, identifiers []string, trigger bool) {
	p, ok := c.model.Process(namespec)
	if !ok {
		return
	}
	for _, id := range p.Running {
		if len(identifiers) > 0 && !slices.Contains(identifiers, id) {
			continue
		}
		c.addToJob(&c.stopper, p, p.Rules.StopSequence, c.stopCommand(p, id), func(app model.ApplicationView) *appJob {
			return &appJob{app: app.Name, planned: map[int][]*command{}}
		}, func(app model.ApplicationView) int { return app.Rules.StopSequence })
	}
	if trigger {
		c.next(&c.stopper)
	}
}

// restartApplication stops the application and starts it once stopped;
// at once when nothing runs. trigger: see startApplication.
func (c *Commander) restartApplication(strategy options.StartingStrategy, name string, trigger bool) {
	app, ok := c.model.Application(name)
	if !ok {
		return
	}
	if app.HasRunningProcesses {
		c.appStartRequests[name] = strategy
		c.stopApplication(name, trigger)
		return
	}
	c.startApplication(strategy, name, trigger)
}

// restartProcess: see restartApplication.
func (c *Commander) restartProcess(strategy options.StartingStrategy, namespec, extraArgs string, trigger bool) {
	p, ok := c.model.Process(namespec)
	if !ok {
		return
	}
	if isRunningLike(p.State) {
		c.procStartRequests[p.ApplicationName] = append(c.procStartRequests[p.ApplicationName],
			processStart{strategy: strategy, namespec: namespec, extraArgs: extraArgs})
		c.stopProcess(namespec, nil, trigger)
		return
	}
	c.startProcess(strategy, namespec, extraArgs, trigger)
}

// resolveRules assigns instances to the processes of an application
// whose program identifiers carry '@' or '#', by homogeneous group
// (processes of one program), in process index order. Supvisors does it
// when an application start is planned, and keeps the result.
func (c *Commander) resolveRules(app model.ApplicationView) {
	if c.rules == nil {
		return
	}
	groups := map[string][]model.ProcessView{}
	var order []string
	for _, p := range c.model.ApplicationProcesses(app.Name) {
		if _, ok := groups[p.ProgramName]; !ok {
			order = append(order, p.ProgramName)
		}
		groups[p.ProgramName] = append(groups[p.ProgramName], p)
	}
	for _, program := range order {
		var members []rules.Member
		var names []string
		signed := false
		for _, p := range groups[program] {
			r := c.rules.Program(app.Name, p.ProcessName)
			if ids, ok := c.assigned[p.Namespec]; ok {
				r.Identifiers, r.AtIdentifiers, r.HashIdentifiers = slices.Clone(ids), nil, nil
			}
			signed = signed || len(r.AtIdentifiers) > 0 || len(r.HashIdentifiers) > 0
			members = append(members, rules.Member{Index: p.ProcessIndex, Rules: &r})
			names = append(names, p.Namespec)
		}
		if !signed {
			continue
		}
		rules.ResolveGroup(members, c.cluster)
		for i, m := range members {
			if _, done := c.assigned[names[i]]; done || len(m.Rules.Identifiers) == 0 {
				continue
			}
			c.assigned[names[i]] = slices.Clone(m.Rules.Identifiers)
			if c.dryRun == nil {
				c.emit(Assigned{Namespec: names[i], Identifiers: slices.Clone(m.Rules.Identifiers)})
			}
		}
	}
}

var strategyNames = []string{"CONFIG", "LESS_LOADED", "MOST_LOADED", "LOCAL", "LESS_LOADED_NODE", "MOST_LOADED_NODE"}

// parseStrategy reads a starting strategy name of the rules; CONFIG when
// unknown.
func parseStrategy(name string) options.StartingStrategy {
	if i := slices.Index(strategyNames, name); i >= 0 {
		return options.StartingStrategy(i)
	}
	return options.StartConfig
}

func parseDistribution(name string) rules.Distribution {
	d, _ := rules.ParseDistribution(name)
	return d
}
