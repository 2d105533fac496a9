package commander

import (
	"cmp"
	"maps"
	"slices"

	"github.com/supvisors-go/supvisors/internal/cluster/model"
	"github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// Placement is one item of the test_start_application and
// test_start_process answers: how a process would end up.
type Placement struct {
	ApplicationName string
	ProcessName     string
	// State is the predicted displayed state name (RUNNING, EXITED for a
	// wait_exit process, FATAL when it could not be placed).
	State        string
	ForcedReason string
	// RunningIdentifiers are the instances it would run on.
	RunningIdentifiers []string
}

// XMLRPC returns the struct as a server sends it.
func (p Placement) XMLRPC() xmlrpc.Struct {
	ids := make([]any, len(p.RunningIdentifiers))
	for i, id := range p.RunningIdentifiers {
		ids[i] = id
	}
	return xmlrpc.Struct{{Name: "application_name", Value: p.ApplicationName},
		{Name: "process_name", Value: p.ProcessName}, {Name: "state", Value: p.State},
		{Name: "forced_reason", Value: p.ForcedReason}, {Name: "running_identifiers", Value: ids}}
}

// Placements is a dry run answer, sorted by application then process.
type Placements []Placement

// XMLRPC returns the array as a server sends it.
func (l Placements) XMLRPC() []any {
	out := make([]any, len(l))
	for i, p := range l {
		out[i] = p.XMLRPC()
	}
	return out
}

// TestStartApplication is supvisors.test_start_application: the
// placement a start of the application would give, nothing sent.
func (c *Commander) TestStartApplication(strategy options.StartingStrategy, name string) (Placements, error) {
	if err := c.startableApplication(name); err != nil {
		return nil, err
	}
	app, _ := c.model.Application(name)
	sim := c.simulator()
	sim.storeStart(app, strategy)
	return c.runSimulation(sim), nil
}

// TestStartProcess is supvisors.test_start_process.
func (c *Commander) TestStartProcess(strategy options.StartingStrategy, namespec string) (Placements, error) {
	procs, err := c.startableProcesses(namespec)
	if err != nil {
		return nil, err
	}
	sim := c.simulator()
	for _, p := range procs {
		sim.startProcessPlanned(strategy, p.Namespec, "")
	}
	return c.runSimulation(sim), nil
}

// simulator returns an idle copy of the Commander that reads the model
// through an overlay and answers every start with simulated events.
func (c *Commander) simulator() *Commander {
	ov := &overlay{Model: c.model, mocks: map[string]*mock{}}
	sim := New(Config{Model: ov, Cluster: c.cluster, Rules: c.rules, Logger: c.log.With("dry_run", true)})
	sim.assigned = maps.Clone(c.assigned)
	sim.dryRun = &simulation{overlay: ov}
	sim.now = c.now
	return sim
}

// runSimulation runs the planned jobs of sim to their end and reads the
// predicted states of the planned processes.
func (c *Commander) runSimulation(sim *Commander) Placements {
	var planned []string
	for _, jobs := range sim.starter.planned {
		for _, j := range jobs {
			for _, cmd := range j.allPlanned() {
				planned = append(planned, cmd.namespec)
				sim.dryRun.overlay.mock(cmd.namespec)
			}
		}
	}
	sim.next(&sim.starter)
	sim.dryRun.feed(sim)
	// '@' and '#' assignments are final, even those a dry run made.
	for ns, ids := range sim.assigned {
		if _, ok := c.assigned[ns]; !ok {
			c.assigned[ns] = ids
			c.emit(Assigned{Namespec: ns, Identifiers: slices.Clone(ids)})
		}
	}
	out := Placements{}
	for _, ns := range planned {
		p, ok := sim.model.Process(ns)
		if !ok {
			continue
		}
		ids := slices.Clone(p.Running)
		slices.Sort(ids)
		out = append(out, Placement{ApplicationName: p.ApplicationName, ProcessName: p.ProcessName,
			State: model.ProcessStateName(p.DisplayedState), ForcedReason: p.ForcedReason,
			RunningIdentifiers: ids})
	}
	slices.SortStableFunc(out, func(a, b Placement) int {
		return cmp.Or(cmp.Compare(a.ApplicationName, b.ApplicationName), cmp.Compare(a.ProcessName, b.ProcessName))
	})
	return out
}

// startProcessPlanned plans a process start without moving the Starter
// on, so that several starts are planned before the first is placed.
func (c *Commander) startProcessPlanned(strategy options.StartingStrategy, namespec, extraArgs string) {
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
}

// simulation holds the events a dry run still has to feed.
type simulation struct {
	overlay *overlay
	events  []simEvent
}

type simEvent struct {
	namespec, identifier string
	state                int
}

// started answers a start request: the process runs on the target, and
// goes STARTING, RUNNING, then EXITED for a wait_exit program.
func (s *simulation) started(c *Commander, cmd *command) {
	m := s.overlay.mock(cmd.namespec)
	if !slices.Contains(m.running, cmd.target) {
		m.running = append(m.running, cmd.target)
	}
	s.events = append(s.events, simEvent{cmd.namespec, cmd.target, model.Starting},
		simEvent{cmd.namespec, cmd.target, model.Running})
	if p, ok := c.model.Process(cmd.namespec); ok && p.Rules.WaitExit {
		s.events = append(s.events, simEvent{cmd.namespec, cmd.target, model.Exited})
	}
}

func (s *simulation) forced(namespec string, state int, reason string) {
	m := s.overlay.mock(namespec)
	m.forced, m.forcedState, m.reason = true, state, reason
}

// feed plays the simulated events until none is left.
func (s *simulation) feed(c *Commander) {
	for len(s.events) > 0 {
		ev := s.events[0]
		s.events = s.events[1:]
		m := s.overlay.mock(ev.namespec)
		m.state = ev.state
		m.records[ev.identifier] = ev.state
		if p, ok := c.model.Process(ev.namespec); ok {
			c.onEvent(&c.starter, p, ev.identifier)
		}
	}
}

// overlay is the model as a dry run sees it: the processes it plans are
// copies (mocks) whose state the simulated events change; everything
// else, the instance loads included, is the real model.
type overlay struct {
	Model
	mocks map[string]*mock
}

type mock struct {
	state       int
	running     []string
	records     map[string]int
	forced      bool
	forcedState int
	reason      string
}

// mock returns the copy of a process, made on first use from the real
// one: same state, not yet running anywhere, no forced state.
func (o *overlay) mock(namespec string) *mock {
	if m, ok := o.mocks[namespec]; ok {
		return m
	}
	m := &mock{records: map[string]int{}}
	if p, ok := o.Model.Process(namespec); ok {
		m.state = p.State
	}
	o.mocks[namespec] = m
	return m
}

func (o *overlay) Process(namespec string) (model.ProcessView, bool) {
	p, ok := o.Model.Process(namespec)
	if !ok {
		return p, false
	}
	if m, found := o.mocks[p.Namespec]; found {
		p.State, p.DisplayedState, p.Forced, p.ForcedReason = m.state, m.state, m.forced, m.reason
		if m.forced {
			p.DisplayedState = m.forcedState
		}
		p.Running = slices.Clone(m.running)
	}
	return p, true
}

func (o *overlay) Record(identifier, namespec string) (model.InnerProcessInfo, bool) {
	rec, ok := o.Model.Record(identifier, namespec)
	if !ok {
		return rec, false
	}
	if m, found := o.mocks[namespec]; found {
		if state, set := m.records[identifier]; set {
			rec.State = state
		}
	}
	return rec, true
}
