package model

import (
	"slices"

	"github.com/supvisors-go/supvisors/internal/cluster/wire"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// This file holds the answers of the supvisors.* status getters that the
// model serves. Each is a typed value whose XMLRPC method gives the struct
// with its members in the order Supvisors builds the dict, so that the
// XML equals a Python instance's. The FSM state gate (from DISTRIBUTION
// on) is the API's to check; the faults raised here are the name faults.

// ApplicationInfo is the get_application_info answer (and the item of
// get_all_applications_info).
type ApplicationInfo struct {
	ApplicationName string
	Managed         bool
	NowMonotonic    float64
	State           ApplicationState
	MajorFailure    bool
	MinorFailure    bool
}

// XMLRPC returns the struct as a server sends it.
func (i ApplicationInfo) XMLRPC() xmlrpc.Struct {
	return xmlrpc.Struct{{Name: "application_name", Value: i.ApplicationName},
		{Name: "managed", Value: i.Managed}, {Name: "now_monotonic", Value: i.NowMonotonic},
		{Name: "statecode", Value: int(i.State)}, {Name: "statename", Value: i.State.String()},
		{Name: "major_failure", Value: i.MajorFailure}, {Name: "minor_failure", Value: i.MinorFailure}}
}

// ApplicationInfoList is the get_all_applications_info answer.
type ApplicationInfoList []ApplicationInfo

// XMLRPC returns the array as a server sends it.
func (l ApplicationInfoList) XMLRPC() []any { return listXMLRPC(l, ApplicationInfo.XMLRPC) }

// ProcessInfo is the synthesized status of one process: the item of
// get_process_info, get_all_process_info and get_conflicts.
type ProcessInfo struct {
	ApplicationName string
	ProcessName     string
	NowMonotonic    float64
	// StateCode is the displayed state: a forced state when there is one.
	StateCode    int
	StateName    string
	ExpectedExit bool
	// LastEventMtime is the local monotonic time of the last update.
	LastEventMtime float64
	// Identifiers are the instances where the process is running-like,
	// sorted (more than one is a conflict).
	Identifiers []string
	ExtraArgs   string
}

// XMLRPC returns the struct as a server sends it.
func (i ProcessInfo) XMLRPC() xmlrpc.Struct {
	return xmlrpc.Struct{{Name: "application_name", Value: i.ApplicationName},
		{Name: "process_name", Value: i.ProcessName}, {Name: "now_monotonic", Value: i.NowMonotonic},
		{Name: "statecode", Value: i.StateCode}, {Name: "statename", Value: i.StateName},
		{Name: "expected_exit", Value: i.ExpectedExit}, {Name: "last_event_mtime", Value: i.LastEventMtime},
		{Name: "identifiers", Value: stringsXMLRPC(i.Identifiers)}, {Name: "extra_args", Value: i.ExtraArgs}}
}

// ProcessInfoList is the answer of get_process_info, get_all_process_info
// and get_conflicts.
type ProcessInfoList []ProcessInfo

// XMLRPC returns the array as a server sends it.
func (l ProcessInfoList) XMLRPC() []any { return listXMLRPC(l, ProcessInfo.XMLRPC) }

// ApplicationRulesInfo is the get_application_rules answer. An unmanaged
// application reports only managed and application_name.
type ApplicationRulesInfo struct {
	ApplicationName string
	ApplicationRules
}

// XMLRPC returns the struct as a server sends it.
func (r ApplicationRulesInfo) XMLRPC() xmlrpc.Struct {
	s := xmlrpc.Struct{{Name: "managed", Value: r.Managed}}
	if r.Managed {
		s = append(s, xmlrpc.Member{Name: "distribution", Value: r.Distribution},
			xmlrpc.Member{Name: "identifiers", Value: stringsXMLRPC(r.Identifiers)},
			xmlrpc.Member{Name: "start_sequence", Value: r.StartSequence},
			xmlrpc.Member{Name: "stop_sequence", Value: r.StopSequence},
			xmlrpc.Member{Name: "starting_strategy", Value: r.StartingStrategy},
			xmlrpc.Member{Name: "starting_failure_strategy", Value: r.StartingFailureStrategy},
			xmlrpc.Member{Name: "running_failure_strategy", Value: r.RunningFailureStrategy},
			xmlrpc.Member{Name: "status_formula", Value: r.StatusFormula})
	}
	return append(s, xmlrpc.Member{Name: "application_name", Value: r.ApplicationName})
}

// ProcessRulesInfo is the item of the get_process_rules answer.
type ProcessRulesInfo struct {
	ApplicationName string
	ProcessName     string
	ProgramRules
}

// XMLRPC returns the struct as a server sends it.
func (r ProcessRulesInfo) XMLRPC() xmlrpc.Struct {
	return xmlrpc.Struct{{Name: "identifiers", Value: stringsXMLRPC(r.Identifiers)},
		{Name: "start_sequence", Value: r.StartSequence}, {Name: "stop_sequence", Value: r.StopSequence},
		{Name: "required", Value: r.Required}, {Name: "wait_exit", Value: r.WaitExit},
		{Name: "expected_loading", Value: r.ExpectedLoading},
		{Name: "starting_failure_strategy", Value: r.StartingFailureStrategy},
		{Name: "running_failure_strategy", Value: r.RunningFailureStrategy},
		{Name: "application_name", Value: r.ApplicationName}, {Name: "process_name", Value: r.ProcessName}}
}

// ProcessRulesList is the get_process_rules answer.
type ProcessRulesList []ProcessRulesInfo

// XMLRPC returns the array as a server sends it.
func (l ProcessRulesList) XMLRPC() []any { return listXMLRPC(l, ProcessRulesInfo.XMLRPC) }

// XMLRPC returns the struct as a server sends it.
func (i InnerProcessInfo) XMLRPC() xmlrpc.Struct {
	s := xmlrpc.Struct{{Name: "name", Value: i.Name}, {Name: "group", Value: i.Group},
		{Name: "state", Value: i.State}, {Name: "statename", Value: i.StateName},
		{Name: "start", Value: i.Start.xmlrpc()}, {Name: "stop", Value: i.Stop.xmlrpc()},
		{Name: "now", Value: i.Now.xmlrpc()}, {Name: "pid", Value: i.PID},
		{Name: "description", Value: i.Description}, {Name: "spawnerr", Value: i.Spawnerr},
		{Name: "expected", Value: i.Expected}, {Name: "start_monotonic", Value: i.StartMonotonic},
		{Name: "stop_monotonic", Value: i.StopMonotonic}, {Name: "now_monotonic", Value: i.NowMonotonic},
		{Name: "extra_args", Value: i.ExtraArgs}, {Name: "startsecs", Value: i.StartSecs},
		{Name: "stopwaitsecs", Value: i.StopWaitSecs}, {Name: "process_index", Value: i.ProcessIndex},
		{Name: "program_name", Value: i.ProgramName}, {Name: "disabled", Value: i.Disabled},
		{Name: "has_stdout", Value: i.HasStdout}, {Name: "has_stderr", Value: i.HasStderr},
		{Name: "local_mtime", Value: i.LocalMtime}, {Name: "event_time", Value: i.EventTime},
		{Name: "uptime", Value: i.Uptime.xmlrpc()}, {Name: "has_crashed", Value: i.HasCrashed}}
	s = appendObject(s, i.RecordExtra)
	if i.FromEvent {
		s = append(s, xmlrpc.Member{Name: "identifier", Value: i.Identifier},
			xmlrpc.Member{Name: "nick_identifier", Value: i.NickIdentifier})
	}
	return appendObject(s, i.EventExtra)
}

// InnerProcessInfoList is the answer of get_all_inner_process_info and
// get_inner_process_info.
type InnerProcessInfoList []InnerProcessInfo

// XMLRPC returns the array as a server sends it.
func (l InnerProcessInfoList) XMLRPC() []any { return listXMLRPC(l, InnerProcessInfo.XMLRPC) }

func listXMLRPC[T any](items []T, one func(T) xmlrpc.Struct) []any {
	out := make([]any, len(items))
	for i, item := range items {
		out[i] = one(item)
	}
	return out
}

func stringsXMLRPC(items []string) []any {
	out := make([]any, len(items))
	for i, s := range items {
		out[i] = s
	}
	return out
}

// appendObject appends members kept from a peer's JSON. A null cannot
// travel over XML-RPC (Python would fail the whole answer): such a member
// is left out.
func appendObject(s xmlrpc.Struct, o wire.Object) xmlrpc.Struct {
	for _, f := range o {
		if v, ok := jsonToXMLRPC(f.Value); ok {
			s = append(s, xmlrpc.Member{Name: f.Key, Value: v})
		}
	}
	return s
}

func jsonToXMLRPC(v any) (any, bool) {
	switch x := v.(type) {
	case nil:
		return nil, false
	case wire.Object:
		return appendObject(xmlrpc.Struct{}, x), true
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			if c, ok := jsonToXMLRPC(e); ok {
				out = append(out, c)
			}
		}
		return out, true
	}
	return v, true
}

func (m *Model) applicationInfo(a *application, now float64) ApplicationInfo {
	return ApplicationInfo{ApplicationName: a.name, Managed: a.rules.Managed, NowMonotonic: now,
		State: a.state, MajorFailure: a.major, MinorFailure: a.minor}
}

func processInfo(p *processStatus, now float64) ProcessInfo {
	return ProcessInfo{ApplicationName: p.app.name, ProcessName: p.name, NowMonotonic: now,
		StateCode: p.displayedState(), StateName: ProcessStateName(p.displayedState()),
		ExpectedExit: p.expectedExit, LastEventMtime: p.lastEventMtime,
		Identifiers: p.runningIdentifiers(), ExtraArgs: p.extraArgs}
}

// badApplication is Supvisors' fault for an unknown application.
func badApplication(name string) error {
	return errdefs.Newf(errdefs.BadName, "application=%s unknown to Supvisors", name)
}

// resolve finds the application and, unless namespec names the whole
// group, the process.
func (m *Model) resolve(namespec string) (*application, *processStatus, error) {
	group, name := splitNamespec(namespec)
	a, ok := m.byName[group]
	if !ok {
		return nil, nil, badApplication(group)
	}
	if name == "" {
		return a, nil, nil
	}
	p, ok := a.byName[name]
	if !ok {
		return nil, nil, errdefs.Newf(errdefs.BadName, "process=%s unknown in application=%s", name, group)
	}
	return a, p, nil
}

// AllApplicationsInfo is get_all_applications_info: every application
// seen on any instance, managed or not, in the order first seen.
func (m *Model) AllApplicationsInfo(now float64) ApplicationInfoList {
	out := make(ApplicationInfoList, len(m.applications))
	for i, a := range m.applications {
		out[i] = m.applicationInfo(a, now)
	}
	return out
}

// ApplicationInfo is get_application_info.
func (m *Model) ApplicationInfo(name string, now float64) (ApplicationInfo, error) {
	a, ok := m.byName[name]
	if !ok {
		return ApplicationInfo{}, badApplication(name)
	}
	return m.applicationInfo(a, now), nil
}

// ApplicationRules is get_application_rules.
func (m *Model) ApplicationRules(name string) (ApplicationRulesInfo, error) {
	a, ok := m.byName[name]
	if !ok {
		return ApplicationRulesInfo{}, badApplication(name)
	}
	r := a.rules
	r.Identifiers = slices.Clone(r.Identifiers)
	return ApplicationRulesInfo{ApplicationName: name, ApplicationRules: r}, nil
}

// AllProcessInfo is get_all_process_info: every process of every
// application, unmanaged ones included.
func (m *Model) AllProcessInfo(now float64) ProcessInfoList {
	var out ProcessInfoList
	for _, a := range m.applications {
		for _, p := range a.processes {
			out = append(out, processInfo(p, now))
		}
	}
	return out
}

// ProcessInfo is get_process_info: one process, or every process of the
// group for "group:*" or "group:".
func (m *Model) ProcessInfo(namespec string, now float64) (ProcessInfoList, error) {
	a, p, err := m.resolve(namespec)
	if err != nil {
		return nil, err
	}
	if p != nil {
		return ProcessInfoList{processInfo(p, now)}, nil
	}
	out := make(ProcessInfoList, len(a.processes))
	for i, q := range a.processes {
		out[i] = processInfo(q, now)
	}
	return out, nil
}

// Conflicts is get_conflicts: the managed processes running on more than
// one instance.
func (m *Model) Conflicts(now float64) ProcessInfoList {
	out := ProcessInfoList{}
	for _, a := range m.applications {
		if !a.rules.Managed {
			continue
		}
		for _, p := range a.processes {
			if p.conflicting() {
				out = append(out, processInfo(p, now))
			}
		}
	}
	return out
}

// ProcessRules is get_process_rules: one process, or every process of the
// group for "group:*" or "group:".
func (m *Model) ProcessRules(namespec string) (ProcessRulesList, error) {
	a, p, err := m.resolve(namespec)
	if err != nil {
		return nil, err
	}
	targets := a.processes
	if p != nil {
		targets = []*processStatus{p}
	}
	out := make(ProcessRulesList, len(targets))
	for i, q := range targets {
		r := q.rules
		r.Identifiers = slices.Clone(r.Identifiers)
		out[i] = ProcessRulesInfo{ApplicationName: a.name, ProcessName: q.name, ProgramRules: r}
	}
	return out, nil
}

// AllInnerProcessInfo is get_all_inner_process_info for the instances an
// identifier parameter designates (the API resolves it, and answers
// BAD_NAME when it designates none): the record of every process each
// instance defines, in the order it reported them.
func (m *Model) AllInnerProcessInfo(identifiers []string) InnerProcessInfoList {
	out := InnerProcessInfoList{}
	for _, id := range identifiers {
		for _, p := range m.instances[id] {
			out = append(out, p.infos[id].clone())
		}
	}
	return out
}

// InnerProcessInfo is get_inner_process_info: the records of namespec (a
// process, or every process of a group) on the instances that requested,
// the identifier parameter as given, designates. A process not defined on
// one of them is FAILED, as in Supvisors.
func (m *Model) InnerProcessInfo(requested string, identifiers []string, namespec string) (InnerProcessInfoList, error) {
	a, p, err := m.resolve(namespec)
	if err != nil {
		return nil, err
	}
	out := InnerProcessInfoList{}
	for _, id := range identifiers {
		if p == nil {
			for _, q := range m.instances[id] {
				if q.app == a {
					out = append(out, q.infos[id].clone())
				}
			}
			continue
		}
		info, ok := p.infos[id]
		if !ok {
			return nil, errdefs.Newf(errdefs.Failed, "%s unknown on %s", namespec, requested)
		}
		out = append(out, info.clone())
	}
	return out, nil
}
