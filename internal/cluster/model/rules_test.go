package model

// refRules are the rules of the reference cluster, as its
// get_application_rules and get_process_rules answers show them.
type refRules struct{}

func (refRules) Application(name string) ApplicationRules {
	r := DefaultApplicationRules()
	switch name {
	case "chain":
		r.Managed, r.StartSequence, r.StopSequence = true, 1, 2
	case "mobile":
		r.Managed, r.StartSequence, r.StopSequence, r.StartingStrategy = true, 2, 2, "LESS_LOADED"
	}
	return r
}

func (r refRules) Program(app, name string) ProgramRules {
	p := DefaultProgramRules(r.Application(app))
	switch app + ":" + name {
	case "chain:p1", "chain:p2", "chain:p3":
		seq := int(name[1] - '0')
		p.Required, p.StartSequence, p.StopSequence, p.ExpectedLoading = true, seq, seq, 10
	case "mobile:roamer":
		p.StartSequence, p.StopSequence, p.ExpectedLoading = 1, 1, 5
		p.RunningFailureStrategy = "RESTART_PROCESS"
	}
	return p
}

// mapRules gives rules from maps, for the table tests; anything absent
// gets the defaults.
type mapRules struct {
	apps     map[string]ApplicationRules
	programs map[string]ProgramRules // by namespec
}

func (r mapRules) Application(name string) ApplicationRules {
	if a, ok := r.apps[name]; ok {
		return a
	}
	return DefaultApplicationRules()
}

func (r mapRules) Program(app, name string) ProgramRules {
	if p, ok := r.programs[app+":"+name]; ok {
		return p
	}
	return DefaultProgramRules(r.Application(app))
}
