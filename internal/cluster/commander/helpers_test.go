package commander

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/supvisors-go/supvisors/internal/cluster/model"
	"github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/cluster/rules"
	"github.com/supvisors-go/supvisors/internal/cluster/wire"
)

// fakeCluster is the instances as a test declares them.
type fakeCluster struct {
	local   string
	known   []string
	down    map[string]bool
	nodes   map[string]string
	ticks   map[string]int
	isolate map[string]bool
}

func newFakeCluster() *fakeCluster {
	return &fakeCluster{down: map[string]bool{}, nodes: map[string]string{}, ticks: map[string]int{},
		isolate: map[string]bool{}}
}

func (f *fakeCluster) add(id, node string) {
	if !slices.Contains(f.known, id) {
		f.known = append(f.known, id)
	}
	if node == "" {
		node = "node-" + id
	}
	f.nodes[id] = node
	if f.local == "" {
		f.local = id
	}
}

func (f *fakeCluster) Local() string   { return f.local }
func (f *fakeCluster) Known() []string { return slices.Clone(f.known) }
func (f *fakeCluster) Filter(names []string) []string {
	var out []string
	for _, n := range names {
		if slices.Contains(f.known, n) && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
func (f *fakeCluster) Running(id string) bool    { return slices.Contains(f.known, id) && !f.down[id] }
func (f *fakeCluster) Node(id string) string     { return f.nodes[id] }
func (f *fakeCluster) TickCounter(id string) int { return f.ticks[id] }
func (f *fakeCluster) ValidCount() int           { return len(f.known) - len(f.isolate) }
func (f *fakeCluster) tick() {
	for _, id := range f.known {
		f.ticks[id]++
	}
}
func (f *fakeCluster) setDown(id string, d bool) { f.down[id] = d }
func (f *fakeCluster) String() string            { return strings.Join(f.known, ",") }

// fakeRules are the rules of a test: model rules by application and by
// namespec, and the '@' / '#' lists the commander resolves.
type fakeRules struct {
	apps  map[string]model.ApplicationRules
	progs map[string]model.ProgramRules
	signs map[string]rules.ProgramRules
}

func newFakeRules() *fakeRules {
	return &fakeRules{apps: map[string]model.ApplicationRules{}, progs: map[string]model.ProgramRules{},
		signs: map[string]rules.ProgramRules{}}
}

func (r *fakeRules) Application(name string) model.ApplicationRules {
	if a, ok := r.apps[name]; ok {
		return a
	}
	return model.DefaultApplicationRules()
}

func (r *fakeRules) Program(app, name string) model.ProgramRules {
	if p, ok := r.progs[app+":"+name]; ok {
		return p
	}
	return model.DefaultProgramRules(r.Application(app))
}

// signRules is the commander's view of the same rules.
type signRules struct{ r *fakeRules }

func (s signRules) Program(app, name string) rules.ProgramRules {
	if p, ok := s.r.signs[app+":"+name]; ok {
		p.Identifiers = slices.Clone(p.Identifiers)
		p.AtIdentifiers = slices.Clone(p.AtIdentifiers)
		p.HashIdentifiers = slices.Clone(p.HashIdentifiers)
		return p
	}
	return rules.ProgramRules{Application: app, Process: name, Identifiers: []string{"*"}}
}

// namespec parts.
func split(ns string) (string, string) {
	g, n, ok := strings.Cut(ns, ":")
	if !ok {
		return ns, ns
	}
	return g, n
}

// record is what an instance reports for a process it defines.
func record(ns string, state, startsecs, stopwaitsecs, index int, program string, now float64) wire.LocalProcessInfo {
	g, n := split(ns)
	if program == "" {
		program = n
	}
	return wire.LocalProcessInfo{Name: n, Group: g, State: state, StateName: model.ProcessStateName(state),
		Expected: true, NowMonotonic: now, StartSecs: startsecs, StopWaitSecs: stopwaitsecs,
		ProgramName: program, ProcessIndex: index}
}

func processEvent(id, ns string, state int, expected bool, now float64) wire.ProcessEvent {
	g, n := split(ns)
	return wire.ProcessEvent{Identifier: id, NickIdentifier: id, Group: g, Name: n, State: state,
		Now: 1_700_000_000 + now, NowMonotonic: now, Expected: expected}
}

var stateCodes = map[string]int{"STOPPED": model.Stopped, "STARTING": model.Starting, "RUNNING": model.Running,
	"BACKOFF": model.Backoff, "STOPPING": model.Stopping, "EXITED": model.Exited, "FATAL": model.Fatal,
	"UNKNOWN": model.Unknown}

func parseState(s string) (int, bool, error) {
	name, bad := strings.CutSuffix(s, "!")
	code, ok := stateCodes[name]
	if !ok {
		return 0, false, fmt.Errorf("unknown state %q", s)
	}
	return code, !bad, nil
}

func parseStrategyArg(s string) (options.StartingStrategy, error) {
	if i := slices.Index(strategyNames, s); i >= 0 {
		return options.StartingStrategy(i), nil
	}
	return 0, fmt.Errorf("unknown strategy %q", s)
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}

func recordState(state int) model.InnerProcessInfo { return model.InnerProcessInfo{State: state} }
