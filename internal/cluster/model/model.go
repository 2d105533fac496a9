package model

import (
	"slices"

	"github.com/supvisors-go/supvisors/internal/cluster/wire"
)

// Model is the merged view of applications and processes. It is not safe
// for concurrent use: one goroutine (the peer driver) owns it.
type Model struct {
	rules Rules
	// applications keeps the order in which they were first seen, the
	// order of get_all_applications_info.
	applications []*application
	byName       map[string]*application
	// instances lists, per instance, the processes it defines, in the
	// order it reported them.
	instances map[string][]*processStatus
}

// New returns an empty model that reads rules from r; nil means no rules
// files (every application unmanaged).
func New(r Rules) *Model {
	if r == nil {
		r = noRules{}
	}
	return &Model{rules: r, byName: map[string]*application{}, instances: map[string][]*processStatus{}}
}

// Changes tells the driver what an update touched, so that it can publish
// the new statuses and feed the commanders. Names are in the order the
// model met them.
type Changes struct {
	// Processes are the namespecs whose status was updated.
	Processes []string
	// Applications are the applications whose status was evaluated again.
	Applications []string
	// Deleted are the last statuses of the processes that no instance
	// defines anymore, gone from the model: state -1 DELETED, as
	// Supvisors publishes them on its event interface. The driver sets
	// NowMonotonic when it publishes them.
	Deleted []ProcessInfo
	// DeletedApplications are the last statuses of the applications left
	// without processes, gone from the model (state DELETED).
	DeletedApplications []ApplicationInfo
	// Lost are the namespecs that a lost instance ran and that now run
	// nowhere.
	Lost []string
}

func (c *Changes) process(p *processStatus) {
	if ns := p.namespec(); !slices.Contains(c.Processes, ns) {
		c.Processes = append(c.Processes, ns)
	}
}

func (c *Changes) application(a *application) {
	if !slices.Contains(c.Applications, a.name) {
		c.Applications = append(c.Applications, a.name)
	}
}

func (m *Model) application(name string) *application {
	a, ok := m.byName[name]
	if !ok {
		a = newApplication(name, m.rules.Application(name))
		m.applications = append(m.applications, a)
		m.byName[name] = a
	}
	return a
}

func (m *Model) lookup(group, name string) (*application, *processStatus) {
	a, ok := m.byName[group]
	if !ok {
		return nil, nil
	}
	return a, a.byName[name]
}

// LoadProcesses stores the process list of an instance: the ALL_INFO of
// its handshake, or one PROCESS_ADDED record. recv is the local monotonic
// time of reception. Every application is evaluated again, as Supvisors
// does.
func (m *Model) LoadProcesses(identifier string, list wire.ProcessInfoList, recv float64) Changes {
	var c Changes
	for _, info := range list {
		a := m.application(info.Group)
		p, ok := a.byName[info.Name]
		if !ok {
			p = newProcessStatus(a, info.Name, m.rules.Program(info.Group, info.Name))
		}
		p.addInfo(identifier, info, recv)
		if !ok {
			a.add(p)
		}
		if !slices.Contains(m.instances[identifier], p) {
			m.instances[identifier] = append(m.instances[identifier], p)
		}
		c.process(p)
	}
	for _, a := range m.applications {
		a.update()
		c.application(a)
	}
	return c
}

// ProcessEvent applies a PROCESS publication received from instance
// identifier (the local instance for a local event). A forced event
// applies the commander's state to the process, unless the instance it
// names sent a newer event; it is then dismissed and ok is false. An
// event about a process the model does not know on that instance is
// ignored (ok false), as Supvisors does.
func (m *Model) ProcessEvent(identifier string, ev wire.ProcessEvent, recv float64) (c Changes, ok bool) {
	a, p := m.lookup(ev.Group, ev.Name)
	if p == nil {
		return c, false
	}
	if ev.Forced {
		if !p.forceState(ev, recv) {
			return c, false
		}
	} else {
		if _, known := p.infos[identifier]; !known {
			return c, false
		}
		p.updateInfo(identifier, ev, recv, true)
	}
	a.update()
	c.process(p)
	c.application(a)
	return c, true
}

// ForceState is the local form of a forced event: the commander of this
// instance gave up on a start (state FATAL) or a stop (STOPPED) of
// namespec on identifier ("" when no instance could be found); reason
// becomes the description, and decided is the time of the last event the
// commander had seen. The driver publishes the same forced event to the
// peers.
func (m *Model) ForceState(namespec, identifier string, state int, reason string, decided, recv float64) (Changes, bool) {
	group, name := splitNamespec(namespec)
	return m.ProcessEvent(identifier, wire.ProcessEvent{Identifier: identifier, Group: group, Name: name,
		State: state, Forced: true, NowMonotonic: decided, Spawnerr: reason}, recv)
}

// RemoveProcess applies a PROCESS_REMOVED publication of an instance:
// the process (every process of the group that instance defines, for name
// "*") loses its record there, and is deleted once no instance defines
// it; an application left empty is deleted too.
func (m *Model) RemoveProcess(identifier string, r wire.ProcessRemoved) Changes {
	var c Changes
	a, ok := m.byName[r.Group]
	if !ok {
		return c
	}
	var targets []*processStatus
	if r.Name == "*" {
		for _, p := range m.instances[identifier] {
			if p.app == a {
				targets = append(targets, p)
			}
		}
	} else if p, ok := a.byName[r.Name]; ok && p.infos[identifier] != nil {
		targets = append(targets, p)
	}
	for _, p := range targets {
		m.instances[identifier] = slices.DeleteFunc(m.instances[identifier],
			func(q *processStatus) bool { return q == p })
		if p.removeInfo(identifier) {
			a.remove(p.name)
			last := processInfo(p, 0)
			last.StateCode, last.StateName = DeletedProcessState, "DELETED"
			c.Deleted = append(c.Deleted, last)
		} else {
			c.process(p)
		}
	}
	if len(targets) == 0 {
		return c
	}
	if len(a.processes) == 0 {
		a.state = AppDeleted
		delete(m.byName, a.name)
		m.applications = slices.DeleteFunc(m.applications, func(b *application) bool { return b == a })
		c.DeletedApplications = append(c.DeletedApplications, m.applicationInfo(a, 0))
		return c
	}
	a.update()
	c.application(a)
	return c
}

// SetDisabled applies a PROCESS_DISABILITY publication: the program is
// enabled or disabled on that instance. It reports whether the process
// is known there. The statuses do not change.
func (m *Model) SetDisabled(identifier string, info wire.LocalProcessInfo) bool {
	_, p := m.lookup(info.Group, info.Name)
	if p == nil || p.infos[identifier] == nil {
		return false
	}
	p.infos[identifier].Disabled = info.Disabled
	return true
}

// Tick refreshes the sender-side times (now, now_monotonic, uptime,
// description) of the records of an instance on each of its ticks.
func (m *Model) Tick(identifier string, when int64, whenMonotonic float64) {
	for _, p := range m.instances[identifier] {
		p.tick(identifier, when, whenMonotonic)
	}
}

// InstanceLost marks the processes running on an invalidated instance as
// FATAL ("Supervisor <identifier> lost"). Their records stay, so that the
// loss remains visible. Changes.Lost lists the processes that now run
// nowhere: the lost processes of the failure handler.
func (m *Model) InstanceLost(identifier string, recv float64) Changes {
	var c Changes
	for _, p := range m.instances[identifier] {
		if !p.runningOn(identifier) {
			continue
		}
		if p.invalidate(identifier, recv) {
			c.Lost = append(c.Lost, p.namespec())
		}
		c.process(p)
		// Supvisors re-evaluates only the applications of the processes
		// that run nowhere; every touched one is evaluated here, so that
		// a lost conflict member does not leave a stale status.
		p.app.update()
		c.application(p.app)
	}
	return c
}

// Loading is the load of an instance: the expected_loading sum of the
// processes running there.
func (m *Model) Loading(identifier string) int {
	load := 0
	for _, p := range m.instances[identifier] {
		if p.runningOn(identifier) {
			load += p.rules.ExpectedLoading
		}
	}
	return load
}

// HasCrashedProcess reports whether a process of the instance is FATAL or
// exited unexpectedly there. process_failure is this when the instance is
// RUNNING, false otherwise: the caller knows the instance state.
func (m *Model) HasCrashedProcess(identifier string) bool {
	for _, p := range m.instances[identifier] {
		if p.infos[identifier].crashed() {
			return true
		}
	}
	return false
}

// Conflicting reports whether a managed process runs on more than one
// instance (the Master then goes to CONCILIATION).
func (m *Model) Conflicting() bool {
	for _, a := range m.applications {
		if a.rules.Managed && slices.ContainsFunc(a.processes, (*processStatus).conflicting) {
			return true
		}
	}
	return false
}
