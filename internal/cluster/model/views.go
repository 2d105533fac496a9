package model

import "slices"

// This file gives the commanders (starter, stopper, failure handler,
// conciliation) read access to the model: copies, never references into
// it, so that a view stays valid while the model moves on.

// ProcessView is a process as the commanders read it.
type ProcessView struct {
	ApplicationName string
	ProcessName     string
	Namespec        string
	// State is the synthesized state, DisplayedState the forced one when
	// Forced.
	State          int
	DisplayedState int
	Forced         bool
	ForcedReason   string
	ExpectedExit   bool
	// Running are the instances where it is running-like, sorted.
	Running []string
	// Configured are the instances that define it, in arrival order;
	// Disabled those among them where the program is disabled.
	Configured []string
	Disabled   []string
	// HasCrashed is set once it crashed on any instance.
	HasCrashed   bool
	Rules        ProgramRules
	ProgramName  string
	ProcessIndex int
	ExtraArgs    string
	// LastEventMtime is the local monotonic time of its last update.
	LastEventMtime float64
}

// Crashed reports whether the synthesized state is a failure (FATAL, or
// EXITED unexpectedly): what triggers a running failure strategy.
func (v ProcessView) Crashed() bool { return isCrash(v.State, v.ExpectedExit) }

// IsRunning reports whether the synthesized state is running-like.
func (v ProcessView) IsRunning() bool { return isRunningLike(v.State) }

// ApplicationView is an application as the commanders read it.
type ApplicationView struct {
	Name         string
	Rules        ApplicationRules
	State        ApplicationState
	MajorFailure bool
	MinorFailure bool
	// Processes are its process names, in the order first seen.
	Processes []string
	// NeverStarted is true while every record of every process is
	// STOPPED without ever having stopped: the Starter of DISTRIBUTION
	// starts such applications.
	NeverStarted bool
	// HasRunningProcesses is true when one of its processes is
	// running-like; the application itself may show STOPPED meanwhile,
	// when a forced state hides that process.
	HasRunningProcesses bool
}

func (p *processStatus) view() ProcessView {
	v := ProcessView{ApplicationName: p.app.name, ProcessName: p.name, Namespec: p.namespec(),
		State: p.state, DisplayedState: p.displayedState(), Forced: p.forced, ForcedReason: p.forcedReason,
		ExpectedExit: p.expectedExit, Running: p.runningIdentifiers(), Configured: slices.Clone(p.order),
		Rules: p.rules, ProgramName: p.programName, ProcessIndex: p.processIndex, ExtraArgs: p.extraArgs,
		LastEventMtime: p.lastEventMtime}
	v.Rules.Identifiers = slices.Clone(p.rules.Identifiers)
	for _, id := range p.order {
		info := p.infos[id]
		if info.Disabled {
			v.Disabled = append(v.Disabled, id)
		}
		v.HasCrashed = v.HasCrashed || info.HasCrashed
	}
	return v
}

// Process returns the view of a process ("group:name", or "name" for
// "name:name").
func (m *Model) Process(namespec string) (ProcessView, bool) {
	_, p, err := m.resolve(namespec)
	if err != nil || p == nil {
		return ProcessView{}, false
	}
	return p.view(), true
}

// Record returns the record of a process on an instance (its startsecs
// and stopwaitsecs bound the commanders' waits).
func (m *Model) Record(identifier, namespec string) (InnerProcessInfo, bool) {
	_, p, err := m.resolve(namespec)
	if err != nil || p == nil || p.infos[identifier] == nil {
		return InnerProcessInfo{}, false
	}
	return p.infos[identifier].clone(), true
}

// Application returns the view of an application.
func (m *Model) Application(name string) (ApplicationView, bool) {
	a, ok := m.byName[name]
	if !ok {
		return ApplicationView{}, false
	}
	v := ApplicationView{Name: a.name, Rules: a.rules, State: a.state, MajorFailure: a.major,
		MinorFailure: a.minor, NeverStarted: true}
	v.Rules.Identifiers = slices.Clone(a.rules.Identifiers)
	for _, p := range a.processes {
		v.Processes = append(v.Processes, p.name)
		v.HasRunningProcesses = v.HasRunningProcesses || p.isRunning()
		for _, info := range p.infos {
			if info.State != Stopped || !info.Stop.IsZero() {
				v.NeverStarted = false
			}
		}
	}
	return v, true
}

// Applications returns the application names, in the order first seen.
func (m *Model) Applications() []string {
	names := make([]string, len(m.applications))
	for i, a := range m.applications {
		names[i] = a.name
	}
	return names
}

// ApplicationProcesses returns the views of an application's processes,
// in the order first seen; nil for an unknown application.
func (m *Model) ApplicationProcesses(name string) []ProcessView {
	a, ok := m.byName[name]
	if !ok {
		return nil
	}
	views := make([]ProcessView, len(a.processes))
	for i, p := range a.processes {
		views[i] = p.view()
	}
	return views
}

// RunningOn returns the namespecs of the processes running on an
// instance, in the order it reported them: what is lost with it.
func (m *Model) RunningOn(identifier string) []string {
	var out []string
	for _, p := range m.instances[identifier] {
		if p.runningOn(identifier) {
			out = append(out, p.namespec())
		}
	}
	return out
}
