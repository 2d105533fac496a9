package model

import (
	"slices"

	"github.com/supvisors-go/supvisors/internal/cluster/wire"
)

// InnerProcessInfo is the record Supvisors keeps for one process on one
// instance: the local process record that instance sent, kept up to date
// by its PROCESS events and ticks, plus local_mtime, event_time, uptime
// and has_crashed. It is the item of get_all_inner_process_info and
// get_inner_process_info.
type InnerProcessInfo struct {
	Name           string
	Group          string
	State          int
	StateName      string
	Start          Num // int in a process list, float once an event set it
	Stop           Num
	Now            Num
	PID            int
	Description    string
	Spawnerr       string
	Expected       bool
	StartMonotonic float64
	StopMonotonic  float64
	NowMonotonic   float64
	ExtraArgs      string
	StartSecs      int
	StopWaitSecs   int
	ProcessIndex   int
	ProgramName    string
	Disabled       bool
	HasStdout      bool
	HasStderr      bool
	// LocalMtime is the local monotonic time the record was last updated.
	LocalMtime float64
	// EventTime is the sender's monotonic time of its last update; a
	// forced state older than it is dismissed.
	EventTime float64
	// Uptime is now_monotonic - start_monotonic while RUNNING or
	// STOPPING, else the int 0.
	Uptime Num
	// HasCrashed is set once the process was ever FATAL or exited
	// unexpectedly there, and never cleared.
	HasCrashed bool
	// RecordExtra holds the members of the sender's record that the
	// model does not know, kept as they came.
	RecordExtra wire.Object
	// FromEvent is set once a PROCESS event updated the record: Supvisors
	// then reports the identifier and nick_identifier the event carried,
	// and the event's unknown members (EventExtra, such as event_mtime).
	FromEvent      bool
	Identifier     string
	NickIdentifier string
	EventExtra     wire.Object
}

// the members that a Python sender adds to a PROCESS_ADDED record before
// sending it; the receiver computes its own.
var receiverKeys = []string{"local_mtime", "event_time", "uptime", "has_crashed"}

func newInnerProcessInfo(p wire.LocalProcessInfo) *InnerProcessInfo {
	info := &InnerProcessInfo{
		Name: p.Name, Group: p.Group, State: p.State, StateName: p.StateName,
		Start: IntNum(p.Start), Stop: IntNum(p.Stop), Now: IntNum(p.Now),
		PID: p.PID, Description: p.Description, Spawnerr: p.Spawnerr, Expected: p.Expected,
		StartMonotonic: p.StartMonotonic, StopMonotonic: p.StopMonotonic, NowMonotonic: p.NowMonotonic,
		ExtraArgs: p.ExtraArgs, StartSecs: p.StartSecs, StopWaitSecs: p.StopWaitSecs,
		ProcessIndex: p.ProcessIndex, ProgramName: p.ProgramName,
		Disabled: p.Disabled, HasStdout: p.HasStdout, HasStderr: p.HasStderr,
	}
	for _, f := range p.Extra {
		if !slices.Contains(receiverKeys, f.Key) {
			info.RecordExtra = append(info.RecordExtra, f)
		} else if crashed, ok := f.Value.(bool); ok && f.Key == "has_crashed" {
			// Supvisors keeps a crash history that the sender reports.
			info.HasCrashed = crashed
		}
	}
	return info
}

func (i *InnerProcessInfo) updateUptime() {
	if i.State == Running || i.State == Stopping {
		i.Uptime = FloatNum(i.NowMonotonic - i.StartMonotonic)
	} else {
		i.Uptime = Num{}
	}
}

func (i *InnerProcessInfo) crashed() bool { return isCrash(i.State, i.Expected) }

// clone returns a deep copy, so that a getter's answer never aliases the
// model.
func (i *InnerProcessInfo) clone() InnerProcessInfo {
	c := *i
	c.RecordExtra = slices.Clone(i.RecordExtra)
	c.EventExtra = slices.Clone(i.EventExtra)
	return c
}

// processStatus is one logical process (group:name) across instances.
type processStatus struct {
	app   *application
	name  string
	rules ProgramRules
	// state is the synthesized state; the displayed state is the forced
	// one when set.
	state        int
	forced       bool
	forcedState  int
	forcedReason string
	expectedExit bool
	// lastEventMtime is the local monotonic time of the last update.
	lastEventMtime float64
	extraArgs      string
	programName    string
	processIndex   int
	// running holds the instances where the process is running-like.
	running map[string]bool
	// infos holds the record of each instance where the process is
	// configured; order keeps their arrival order, which breaks ties.
	infos map[string]*InnerProcessInfo
	order []string
}

func newProcessStatus(app *application, name string, rules ProgramRules) *processStatus {
	return &processStatus{app: app, name: name, rules: rules, state: Unknown, expectedExit: true,
		running: map[string]bool{}, infos: map[string]*InnerProcessInfo{}}
}

func (p *processStatus) namespec() string { return makeNamespec(p.app.name, p.name) }

func (p *processStatus) displayedState() int {
	if p.forced {
		return p.forcedState
	}
	return p.state
}

func (p *processStatus) runningIdentifiers() []string {
	ids := make([]string, 0, len(p.running))
	for id := range p.running {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (p *processStatus) conflicting() bool { return len(p.running) > 1 }

func (p *processStatus) isRunning() bool { return isRunningLike(p.state) }

func (p *processStatus) runningOn(identifier string) bool {
	return p.isRunning() && p.running[identifier]
}

// crashedDisplayed is the failure test of the operational status, made on
// the displayed state.
func (p *processStatus) crashedDisplayed() bool {
	s := p.displayedState()
	return s == Fatal || s == Unknown || (s == Exited && !p.expectedExit)
}

// operational is what a status formula reads of a process.
func (p *processStatus) operational() bool {
	s := p.displayedState()
	return isRunningLike(s) || (s == Exited && p.expectedExit)
}

// addInfo stores the record sent by an instance in its process list,
// replacing any previous one.
func (p *processStatus) addInfo(identifier string, local wire.LocalProcessInfo, recv float64) {
	info := newInnerProcessInfo(local)
	if _, ok := p.infos[identifier]; !ok {
		p.order = append(p.order, identifier)
	}
	p.infos[identifier] = info
	p.lastEventMtime = recv
	info.LocalMtime = recv
	info.EventTime = info.NowMonotonic
	info.updateUptime()
	// Extra arguments survive only when every instance agrees on them.
	if p.extraArgs != info.ExtraArgs {
		info.ExtraArgs = ""
		p.extraArgs = ""
	}
	p.programName = info.ProgramName
	p.processIndex = info.ProcessIndex
	info.HasCrashed = info.HasCrashed || info.crashed()
	// A STOPPED record is what every process reports when first loaded:
	// it does not override a forced state.
	if info.State != Stopped {
		p.resetForced()
	}
	p.updateStatus(identifier, info.State)
}

// updateInfo applies a PROCESS event of an instance. external is false for
// the synthetic event of a lost instance, which does not count as a crash.
func (p *processStatus) updateInfo(identifier string, ev wire.ProcessEvent, recv float64, external bool) {
	info := p.infos[identifier]
	info.FromEvent = true
	info.Identifier, info.NickIdentifier = ev.Identifier, ev.NickIdentifier
	info.Name, info.Group = ev.Name, ev.Group
	for _, f := range ev.Extra {
		if i := slices.IndexFunc(info.EventExtra, func(g wire.Field) bool { return g.Key == f.Key }); i >= 0 {
			info.EventExtra[i] = f
		} else {
			info.EventExtra = append(info.EventExtra, f)
		}
	}
	p.applyEvent(info, ev.State, FloatNum(ev.Now), ev.NowMonotonic, ev.PID, ev.Expected, ev.Spawnerr, ev.ExtraArgs)
	info.Disabled = ev.Disabled
	p.finishUpdate(identifier, info, recv, external)
}

// applyEvent sets the members that every event carries and what follows
// from the new state.
func (p *processStatus) applyEvent(info *InnerProcessInfo, state int, now Num, nowMonotonic float64,
	pid int, expected bool, spawnerr, extraArgs string) {
	info.State, info.Now, info.NowMonotonic = state, now, nowMonotonic
	info.PID, info.Expected, info.Spawnerr, info.ExtraArgs = pid, expected, spawnerr, extraArgs
	p.extraArgs = extraArgs
	info.StateName = ProcessStateName(state)
	// Supvisors describes the record before moving start or stop.
	info.Description = describe(info)
	switch {
	case state == Starting || state == Backoff:
		info.Start, info.StartMonotonic = info.Now, info.NowMonotonic
	case state == Fatal:
		// Supervisor does not stamp a stop on FATAL either.
	case isStoppedLike(state):
		info.Stop, info.StopMonotonic = info.Now, info.NowMonotonic
	}
}

func (p *processStatus) finishUpdate(identifier string, info *InnerProcessInfo, recv float64, external bool) {
	p.lastEventMtime = recv
	info.LocalMtime = recv
	info.EventTime = info.NowMonotonic
	info.updateUptime()
	if external {
		info.HasCrashed = info.HasCrashed || info.crashed()
	}
	p.resetForced()
	p.updateStatus(identifier, info.State)
}

// invalidate marks the process lost on an instance that stopped
// answering, when it was running there. It reports whether the process
// then runs nowhere.
func (p *processStatus) invalidate(identifier string, recv float64) bool {
	if !p.running[identifier] {
		return false
	}
	info := p.infos[identifier]
	p.applyEvent(info, Fatal, info.Now, info.NowMonotonic, info.PID, false,
		"Supervisor "+identifier+" lost", info.ExtraArgs)
	p.finishUpdate(identifier, info, recv, false)
	return len(p.running) == 0
}

// tick refreshes the sender-side times of the record of an instance.
func (p *processStatus) tick(identifier string, when int64, whenMonotonic float64) {
	if info, ok := p.infos[identifier]; ok {
		info.NowMonotonic = whenMonotonic
		info.Now = IntNum(when)
		info.updateUptime()
		info.Description = describe(info)
	}
}

// forceState applies a state decided by a commander, unless the instance
// concerned sent an event after the decision was made.
func (p *processStatus) forceState(ev wire.ProcessEvent, recv float64) bool {
	if info, ok := p.infos[ev.Identifier]; ok && info.EventTime > ev.NowMonotonic {
		return false
	}
	p.lastEventMtime = recv
	p.forced, p.forcedState, p.forcedReason = true, ev.State, ev.Spawnerr
	return true
}

func (p *processStatus) resetForced() {
	p.forced, p.forcedState, p.forcedReason = false, 0, ""
}

// removeInfo forgets the record of an instance; it reports whether no
// instance defines the process anymore.
func (p *processStatus) removeInfo(identifier string) bool {
	delete(p.infos, identifier)
	p.order = slices.DeleteFunc(p.order, func(id string) bool { return id == identifier })
	if p.running[identifier] {
		// Supvisors keeps a removed instance among the running ones; it
		// cannot run a process it no longer defines, so we drop it and
		// synthesize the state again.
		delete(p.running, identifier)
		if len(p.infos) > 0 {
			p.synthesize()
		}
	}
	return len(p.infos) == 0
}

// updateStatus updates the running instances after an instance reported
// state, then synthesizes the process state.
func (p *processStatus) updateStatus(identifier string, state int) {
	switch {
	case isStoppedLike(state):
		delete(p.running, identifier)
	case isRunningLike(state):
		if isStoppedLike(p.state) {
			clear(p.running)
		}
		p.running[identifier] = true
	}
	p.synthesize()
}

func (p *processStatus) synthesize() {
	switch {
	case len(p.running) > 1:
		p.state = Unknown
		for _, s := range append(runningLike[:], Stopping) {
			if slices.ContainsFunc(p.runningIdentifiers(), func(id string) bool { return p.infos[id].State == s }) {
				p.state = s
				break
			}
		}
	case len(p.running) == 1:
		for id := range p.running {
			p.state = p.infos[id].State
		}
		p.expectedExit = true
	default:
		for _, id := range p.order {
			if p.infos[id].State == Stopping {
				p.state, p.expectedExit = Stopping, true
				return
			}
		}
		var latest *InnerProcessInfo
		for _, id := range p.order {
			if info := p.infos[id]; latest == nil || info.LocalMtime > latest.LocalMtime {
				latest = info
			}
		}
		if latest != nil {
			p.state, p.expectedExit = latest.State, latest.Expected
		}
	}
}

func makeNamespec(group, name string) string {
	if group == name {
		return name
	}
	return group + ":" + name
}

// splitNamespec is Supervisor's split_namespec: "g:n", "g:" or "g:*" (a
// whole group: name ""), or "n" standing for "n:n".
func splitNamespec(namespec string) (group, name string) {
	for i := 0; i < len(namespec); i++ {
		if namespec[i] == ':' {
			group, name = namespec[:i], namespec[i+1:]
			if name == "*" {
				name = ""
			}
			return group, name
		}
	}
	return namespec, namespec
}
