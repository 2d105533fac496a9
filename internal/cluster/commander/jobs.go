package commander

import (
	"maps"
	"slices"

	"github.com/supvisors-go/supvisors/internal/cluster/model"
	"github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/cluster/rules"
)

// result is how a command stands after an event or a check.
type result int

const (
	inProgress result = iota
	succeeded
	failed
	timedOut
)

// defaultTickMargin is the fewest ticks a command waits for its first
// event: a TICK may already be on its way when the request leaves.
const defaultTickMargin = 2

// command is one process to start, or one process to stop on one
// instance.
type command struct {
	namespec string
	name     string
	// stop tells a Stopper command from a Starter one.
	stop bool
	// start only
	strategy       options.StartingStrategy
	ignoreWaitExit bool
	extraArgs      string
	// target is the instance the request goes to, "" until chosen.
	target string
	// ref is the target's tick counter when the request left (or when
	// the process went BACKOFF).
	ref       int
	waitTicks int
	minTicks  int
}

// appJob is the sequence of one application in a Starter or a Stopper:
// process ranks still planned, and the commands in progress.
type appJob struct {
	app     string
	planned map[int][]*command
	current []*command
	// Starter only.
	strategy     options.StartingStrategy
	distribution rules.Distribution
	// identifiers are the instances chosen for a SINGLE_INSTANCE or
	// SINGLE_NODE application.
	identifiers []string
	// stopRequest asks for the application to be stopped once the job
	// is over (the STOP starting failure strategy).
	stopRequest bool
}

func (j *appJob) inProgress() bool { return len(j.planned) > 0 || len(j.current) > 0 }

func (j *appJob) allPlanned() []*command {
	var out []*command
	for _, rank := range slices.Sorted(maps.Keys(j.planned)) {
		out = append(out, j.planned[rank]...)
	}
	return out
}

// find returns the command for a process (and instance, unless "") in
// list.
func find(list []*command, name, target string) *command {
	for _, cmd := range list {
		if cmd.name == name && (target == "" || cmd.target == target) {
			return cmd
		}
	}
	return nil
}

func removeCommand(list []*command, cmd *command) []*command {
	return slices.DeleteFunc(list, func(c *command) bool { return c == cmd })
}

// sequencer is the Starter or the Stopper: application jobs planned by
// application rank, and the application jobs of the current rank.
type sequencer struct {
	stopper bool
	planned map[int][]*appJob
	current []*appJob
}

func (s *sequencer) inProgress() bool { return len(s.planned) > 0 || len(s.current) > 0 }

// job returns the job of an application, current or planned.
func (s *sequencer) job(app string) *appJob {
	for _, j := range s.current {
		if j.app == app {
			return j
		}
	}
	for _, rank := range slices.Sorted(maps.Keys(s.planned)) {
		for _, j := range s.planned[rank] {
			if j.app == app {
				return j
			}
		}
	}
	return nil
}

// plan stores a job at an application rank, replacing a job of the same
// application at that rank in place.
func (s *sequencer) plan(rank int, job *appJob) {
	list := s.planned[rank]
	for i, j := range list {
		if j.app == job.app {
			list[i] = job
			return
		}
	}
	s.planned[rank] = append(list, job)
}

// pick takes the next rank: the lowest for the Starter, the highest for
// the Stopper.
func (s *sequencer) pick(ranks map[int]bool) int {
	keys := slices.Sorted(maps.Keys(ranks))
	if s.stopper {
		return keys[len(keys)-1]
	}
	return keys[0]
}

func rankSet[V any](m map[int]V) map[int]bool {
	out := make(map[int]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func (s *sequencer) abort() {
	s.planned = map[int][]*appJob{}
	s.current = nil
}

// The Starter's and the Stopper's steps. They live on the Commander
// because the two call each other (a STOP starting failure stops the
// application, a stopped application may have a deferred start).

// next moves a sequencer on: finished application jobs end, and when the
// current rank is over the next planned one begins.
func (c *Commander) next(s *sequencer) {
	for {
		for _, j := range slices.Clone(s.current) {
			// after may move the other sequencer, which may come back
			// here: a job already ended there is not ended twice.
			if !j.inProgress() && slices.Contains(s.current, j) {
				s.current = slices.DeleteFunc(s.current, func(k *appJob) bool { return k == j })
				c.after(s, j)
			}
		}
		if len(s.current) > 0 || len(s.planned) == 0 {
			return
		}
		rank := s.pick(rankSet(s.planned))
		s.current = s.planned[rank]
		delete(s.planned, rank)
		for _, j := range slices.Clone(s.current) {
			if !s.stopper {
				c.before(j)
			}
			c.nextCommands(s, j)
		}
	}
}

// nextCommands moves an application job on: when no command is in
// progress, the commands of the next process rank are sent.
func (c *Commander) nextCommands(s *sequencer, j *appJob) {
	for len(j.current) == 0 && len(j.planned) > 0 {
		rank := s.pick(rankSet(j.planned))
		group := j.planned[rank]
		delete(j.planned, rank)
		// One at a time: each start placed counts as pending load for
		// the next one.
		for _, cmd := range group {
			var queued bool
			if s.stopper {
				queued = c.sendStop(cmd)
			} else {
				queued = c.sendStart(j, cmd)
			}
			if queued {
				j.current = append(j.current, cmd)
			}
		}
	}
}

// after ends an application job.
func (c *Commander) after(s *sequencer, j *appJob) {
	if !s.stopper {
		if j.stopRequest {
			j.stopRequest = false
			c.log.Warn("starting failure: the application is stopped", "application", j.app)
			c.stopApplication(j.app, true)
		}
		return
	}
	if strategy, ok := c.appStartRequests[j.app]; ok {
		delete(c.appStartRequests, j.app)
		c.startApplication(strategy, j.app, true)
	}
	if list, ok := c.procStartRequests[j.app]; ok {
		delete(c.procStartRequests, j.app)
		for _, r := range list {
			c.startProcess(r.strategy, r.namespec, r.extraArgs, true)
		}
	}
}

// pendingLoads are the loads that an application start job has placed
// but that do not run yet.
func (c *Commander) pendingLoads(j *appJob) loads {
	out := loads{}
	for _, cmd := range append(slices.Clone(j.current), j.allPlanned()...) {
		if cmd.target == "" {
			continue
		}
		if p, ok := c.model.Process(cmd.namespec); ok && isStoppedLike(p.State) {
			out[cmd.target] += p.Rules.ExpectedLoading
		}
	}
	return out
}

// starterLoads are the pending loads of every current start job.
func (c *Commander) starterLoads() loads {
	out := loads{}
	for _, j := range c.starter.current {
		for id, l := range c.pendingLoads(j) {
			out[id] += l
		}
	}
	return out
}

// before places a SINGLE_INSTANCE or SINGLE_NODE application, once, when
// its job begins: the whole load of its start sequence must fit.
func (c *Commander) before(j *appJob) {
	if j.distribution == rules.AllInstances {
		return
	}
	app, ok := c.model.Application(j.app)
	if !ok {
		return
	}
	procs := c.model.ApplicationProcesses(j.app)
	appLoad := 0
	for _, p := range procs {
		if p.Rules.StartSequence > 0 {
			appLoad += p.Rules.ExpectedLoading
		}
	}
	commands := j.allPlanned()
	switch j.distribution {
	case rules.SingleInstance:
		id := c.chooseInstance(j.strategy, c.possibleApplicationIdentifiers(app, procs), appLoad, c.pendingLoads(j))
		if id == "" {
			c.log.Debug("no instance can take the whole application", "application", j.app, "load", appLoad)
			return
		}
		j.identifiers = []string{id}
		for _, cmd := range commands {
			c.target(cmd, id)
		}
	case rules.SingleNode:
		candidates := c.possibleNodeIdentifiers(app, procs)
		chosen := c.chooseInstance(j.strategy, candidates, appLoad, c.pendingLoads(j))
		if chosen == "" {
			c.log.Debug("no node can take the whole application", "application", j.app, "load", appLoad)
			return
		}
		node := c.cluster.Node(chosen)
		j.identifiers = slices.DeleteFunc(candidates, func(id string) bool { return c.cluster.Node(id) != node })
		// As in Supvisors, the pending loads are read once for the
		// whole batch.
		pending := c.pendingLoads(j)
		for _, cmd := range commands {
			c.placeInJob(j, cmd, pending)
		}
	}
}

// placeInJob places a process of a non-distributed application among the
// instances chosen for the application, with its own load (pending nil:
// the job's pending loads now). The process must be defined and enabled
// there, which Supvisors does not check (it then fails on the missing
// record).
func (c *Commander) placeInJob(j *appJob, cmd *command, pending loads) {
	if len(j.identifiers) == 0 {
		return
	}
	p, ok := c.model.Process(cmd.namespec)
	if !ok {
		return
	}
	if pending == nil {
		pending = c.pendingLoads(j)
	}
	enabled := enabledOn(p)
	candidates := slices.DeleteFunc(slices.Clone(j.identifiers), func(id string) bool {
		return !slices.Contains(enabled, id)
	})
	if id := c.chooseInstance(j.strategy, candidates, p.Rules.ExpectedLoading, pending); id != "" {
		c.target(cmd, id)
	}
}

// target sets the instance of a command, and its waits from the
// program's startsecs (start) or stopwaitsecs (stop) there.
func (c *Commander) target(cmd *command, id string) {
	cmd.target = id
	cmd.minTicks = max(defaultTickMargin, c.cluster.ValidCount()/10)
	secs := 0
	if rec, ok := c.model.Record(id, cmd.namespec); ok {
		secs = rec.StartSecs
		if cmd.stop {
			secs = rec.StopWaitSecs
		}
	}
	cmd.waitTicks = (secs+4)/5 + cmd.minTicks
}

// sendStart sends a start request when the process is stopped; it reports
// whether a request is in progress.
func (c *Commander) sendStart(j *appJob, cmd *command) bool {
	p, ok := c.model.Process(cmd.namespec)
	if !ok || !isStoppedLike(p.State) {
		return false
	}
	if j.distribution == rules.AllInstances {
		if id := c.chooseInstance(cmd.strategy, c.possibleIdentifiers(p), p.Rules.ExpectedLoading, c.pendingLoads(j)); id != "" {
			c.target(cmd, id)
		}
	}
	if cmd.target == "" {
		c.log.Warn("no resource available to start the process", "process", cmd.namespec)
		c.force(cmd.namespec, "", model.Fatal, "No resource available", c.now)
		c.startFailure(j, p)
		return false
	}
	cmd.ref = c.cluster.TickCounter(cmd.target)
	c.emitStart(cmd)
	c.log.Info("process requested to start", "process", cmd.namespec, "target", cmd.target)
	return true
}

// sendStop sends a stop request when the process still runs on the
// target.
func (c *Commander) sendStop(cmd *command) bool {
	p, ok := c.model.Process(cmd.namespec)
	if !ok || !isRunningLike(p.State) || !slices.Contains(p.Running, cmd.target) {
		return false
	}
	cmd.ref = c.cluster.TickCounter(cmd.target)
	c.emit(StopProcess{Target: cmd.target, Namespec: cmd.namespec})
	c.log.Info("process requested to stop", "process", cmd.namespec, "target", cmd.target)
	return true
}

// startFailure applies the starting failure strategy of a required
// process that failed to start; other failures do not change the
// sequence.
func (c *Commander) startFailure(j *appJob, p model.ProcessView) {
	if !p.Rules.Required {
		return
	}
	strategy, _ := rules.ParseStartingFailureStrategy(p.Rules.StartingFailureStrategy)
	switch strategy {
	case rules.StartingAbort:
		c.log.Warn("starting failure: the application start is aborted", "application", j.app, "process", p.Namespec)
		j.planned = map[int][]*command{}
	case rules.StartingStop:
		c.log.Warn("starting failure: the application will be stopped", "application", j.app, "process", p.Namespec)
		j.planned = map[int][]*command{}
		j.stopRequest = true
	default:
		c.log.Info("starting failure: the application start goes on", "application", j.app, "process", p.Namespec)
	}
}

// startResult judges a start request from the process record on the
// target.
func startResult(cmd *command, rec model.InnerProcessInfo, waitExit bool) result {
	switch rec.State {
	case model.Starting:
		return inProgress
	case model.Running:
		if waitExit && !cmd.ignoreWaitExit {
			return inProgress
		}
		return succeeded
	case model.Exited:
		if waitExit && rec.Expected {
			return succeeded
		}
		return failed
	case model.Backoff:
		return inProgress
	}
	// FATAL, and STOPPED, STOPPING or UNKNOWN while starting.
	return failed
}

// stopResult judges a stop request.
func stopResult(rec model.InnerProcessInfo) result {
	if isStoppedLike(rec.State) {
		return succeeded
	}
	return inProgress
}

// onEvent feeds a process event of instance identifier to a sequencer.
func (c *Commander) onEvent(s *sequencer, p model.ProcessView, identifier string) {
	var j *appJob
	for _, k := range s.current {
		if k.app == p.ApplicationName {
			j = k
		}
	}
	if j == nil {
		return
	}
	cmd := find(j.current, p.ProcessName, identifier)
	if cmd == nil {
		return
	}
	rec, ok := c.model.Record(identifier, p.Namespec)
	if !ok {
		return
	}
	var res result
	if s.stopper {
		res = stopResult(rec)
	} else {
		res = startResult(cmd, rec, p.Rules.WaitExit)
		if rec.State == model.Backoff {
			cmd.ref = c.cluster.TickCounter(identifier)
		}
	}
	if res == inProgress {
		return
	}
	j.current = removeCommand(j.current, cmd)
	if res == failed && !s.stopper {
		c.log.Error("process failed to start", "process", p.Namespec, "target", identifier,
			"state", model.ProcessStateName(rec.State))
		c.startFailure(j, p)
	}
	c.nextCommands(s, j)
	c.next(s)
}

// check looks for requests not acknowledged in time. A command that timed
// out leaves the job before its state is forced, so the forced event does
// not count as a starting failure.
func (c *Commander) check(s *sequencer) {
	for _, j := range slices.Clone(s.current) {
		for _, cmd := range slices.Clone(j.current) {
			rec, ok := c.model.Record(cmd.target, cmd.namespec)
			if !ok {
				continue
			}
			p, _ := c.model.Process(cmd.namespec)
			var expected int
			var res result
			if s.stopper {
				expected, res = stopTimeout(cmd, rec, c.cluster.TickCounter(cmd.target))
			} else {
				expected, res = startTimeout(cmd, rec, p.Rules.WaitExit, c.cluster.TickCounter(cmd.target))
			}
			switch res {
			case timedOut:
				j.current = removeCommand(j.current, cmd)
				state := model.Fatal
				if s.stopper {
					state = model.Stopped
				}
				reason := "process " + model.ProcessStateName(expected) + " event not received in time"
				c.log.Error("request not acknowledged in time", "process", cmd.namespec, "target", cmd.target,
					"expected", model.ProcessStateName(expected))
				c.force(cmd.namespec, cmd.target, state, reason, rec.EventTime)
			case succeeded:
				// Reached while we were not looking.
				j.current = removeCommand(j.current, cmd)
			}
		}
		c.nextCommands(s, j)
	}
	c.next(s)
}

// startTimeout tells which state a start request waits for, and whether
// it came too late, counting ticks of the target.
func startTimeout(cmd *command, rec model.InnerProcessInfo, waitExit bool, counter int) (int, result) {
	switch rec.State {
	case model.Running:
		if waitExit && !cmd.ignoreWaitExit {
			// Waits for ever, as Supvisors does.
			return model.Exited, inProgress
		}
		return model.Running, succeeded
	case model.Starting, model.Backoff:
		if counter > cmd.ref+cmd.waitTicks {
			return model.Running, timedOut
		}
		return model.Running, inProgress
	}
	if counter > cmd.ref+cmd.minTicks {
		return model.Starting, timedOut
	}
	return model.Starting, inProgress
}

// stopTimeout: see startTimeout.
func stopTimeout(cmd *command, rec model.InnerProcessInfo, counter int) (int, result) {
	switch {
	case rec.State == model.Stopping:
		if counter > cmd.ref+cmd.waitTicks {
			return model.Stopped, timedOut
		}
		return model.Stopped, inProgress
	case isStoppedLike(rec.State):
		return rec.State, succeeded
	}
	if counter > cmd.ref+cmd.minTicks {
		return model.Stopping, timedOut
	}
	return model.Stopping, inProgress
}

// onInstancesLost drops the commands in progress on lost instances (a
// starting failure for the Starter) and takes out of lost the processes
// that a job still handles.
func (c *Commander) onInstancesLost(s *sequencer, ids []string, lost map[string]bool) {
	jobs := slices.Clone(s.current)
	for _, rank := range slices.Sorted(maps.Keys(s.planned)) {
		jobs = append(jobs, s.planned[rank]...)
	}
	for _, j := range jobs {
		for _, cmd := range slices.Clone(j.current) {
			if !slices.Contains(ids, cmd.target) {
				continue
			}
			j.current = removeCommand(j.current, cmd)
			if !s.stopper {
				if p, ok := c.model.Process(cmd.namespec); ok {
					c.startFailure(j, p)
				}
			}
			delete(lost, cmd.namespec)
		}
		for _, cmd := range j.allPlanned() {
			delete(lost, cmd.namespec)
		}
	}
}

func isStoppedLike(state int) bool {
	return state == model.Stopped || state == model.Exited || state == model.Fatal || state == model.Unknown
}

func isRunningLike(state int) bool {
	return state == model.Running || state == model.Backoff || state == model.Starting
}
