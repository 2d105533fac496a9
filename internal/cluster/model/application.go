package model

// application is one Supervisor group as seen across instances.
type application struct {
	name  string
	rules ApplicationRules
	// processes keeps the order in which the processes were first seen,
	// the order of every getter.
	processes []*processStatus
	byName    map[string]*processStatus
	state     ApplicationState
	major     bool
	minor     bool
}

func newApplication(name string, rules ApplicationRules) *application {
	return &application{name: name, rules: rules, byName: map[string]*processStatus{}}
}

func (a *application) add(p *processStatus) {
	a.processes = append(a.processes, p)
	a.byName[p.name] = p
}

func (a *application) remove(name string) {
	delete(a.byName, name)
	for i, p := range a.processes {
		if p.name == name {
			a.processes = append(a.processes[:i], a.processes[i+1:]...)
			break
		}
	}
}

// update evaluates the application state and its operational status from
// the displayed states of its processes.
func (a *application) update() {
	a.state = a.evaluateState()
	a.major, a.minor = false, false
	if a.rules.Status != nil {
		a.updateFromFormula()
	} else {
		a.updateFromRequired()
	}
}

func (a *application) evaluateState() ApplicationState {
	var starting, running, stopping bool
	for _, p := range a.processes {
		switch p.displayedState() {
		case Running:
			running = true
		case Starting, Backoff:
			starting = true
		case Stopping:
			stopping = true
		}
	}
	switch {
	case stopping:
		return AppStopping
	case starting:
		return AppStarting
	case running:
		return AppRunning
	}
	return AppStopped
}

// inStartSequence tells whether a process belongs to the application's
// start sequence map: every process of a managed application, rank 0
// included, and none of an unmanaged one.
func (a *application) inStartSequence() bool { return a.rules.Managed }

// updateFromRequired is the legacy operational status: a failed required
// process is a major failure, a failed other one of the start sequence a
// minor failure, and a stopped required process is a major failure unless
// the whole application is stopped.
func (a *application) updateFromRequired() {
	possibleMajor := false
	for _, p := range a.processes {
		switch {
		case p.crashedDisplayed():
			if p.rules.Required {
				a.major = true
			} else if a.inStartSequence() {
				a.minor = true
			}
		case p.displayedState() == Stopped && p.rules.Required:
			possibleMajor = true
		}
	}
	if a.state != AppStopped {
		a.major = a.major || possibleMajor
	}
	if a.major {
		a.minor = false
	}
}

// updateFromFormula: the formula decides the major failure; without one,
// any failed process of the start sequence is a minor failure.
func (a *application) updateFromFormula() {
	names := make([]string, len(a.processes))
	for i, p := range a.processes {
		names[i] = p.name
	}
	ok, err := a.rules.Status(names, func(name string) bool {
		p, found := a.byName[name]
		return found && p.operational()
	})
	a.major = err != nil || !ok
	if a.major || !a.inStartSequence() {
		return
	}
	for _, p := range a.processes {
		if p.crashedDisplayed() {
			a.minor = true
			return
		}
	}
}
