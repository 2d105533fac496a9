package model

import (
	"fmt"
	"slices"
	"testing"

	"github.com/supvisors-go/supvisors/internal/cluster/wire"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

var (
	fuzzInstances = []string{idA, idB, idC}
	fuzzProcesses = [][2]string{{"g", "p"}, {"g", "q"}, {"h", "r"}, {"h", "h"}}
	fuzzStates    = []int{Stopped, Starting, Running, Backoff, Stopping, Exited, Fatal, Unknown}
)

// FuzzEventSequences feeds the model arbitrary sequences of what the
// driver may feed it, and checks after each step that it does not panic
// and that its invariants hold.
func FuzzEventSequences(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 1, 0, 0, 2, 1, 1, 0, 2, 6, 1, 0, 0})
	f.Add([]byte{0, 1, 2, 0, 1, 1, 2, 1, 2, 0, 2, 6, 3, 1, 2, 0, 4, 0, 3, 0, 5, 1, 0, 0})
	f.Add([]byte{0, 2, 1, 0, 0, 0, 1, 0, 1, 2, 1, 2, 1, 0, 1, 2, 6, 2, 0, 0, 3, 0, 1, 0, 3, 2, 1, 1})
	r := mapRules{apps: map[string]ApplicationRules{"g": {Managed: true}, "h": {Managed: true, Status: formula("r")}},
		programs: map[string]ProgramRules{"g:p": {Required: true, ExpectedLoading: 5}, "h:r": {ExpectedLoading: 2}}}
	f.Fuzz(func(t *testing.T, ops []byte) {
		m := New(r)
		recv := 0.0
		for i := 0; i+3 < len(ops) && i < 400; i += 4 {
			op, id := ops[i]%8, fuzzInstances[int(ops[i+1])%len(fuzzInstances)]
			proc := fuzzProcesses[int(ops[i+2])%len(fuzzProcesses)]
			state := fuzzStates[int(ops[i+3])%len(fuzzStates)]
			flag := ops[i+3]&0x80 != 0
			recv++
			step := fmt.Sprintf("step %d op %d %s %v state %d", i/4, op, id, proc, state)
			switch op {
			case 0, 1:
				rec := record(proc[0], proc[1], state)
				rec.Expected = !flag
				m.LoadProcesses(id, wire.ProcessInfoList{rec}, recv)
			case 2, 3:
				ev := event(id, proc[0], proc[1], state, recv)
				ev.Expected = !flag
				m.ProcessEvent(id, ev, recv)
			case 4:
				m.ForceState(makeNamespec(proc[0], proc[1]), id, state, "forced", recv-float64(ops[i+3]%4), recv)
			case 5:
				name := proc[1]
				if flag {
					name = "*"
				}
				m.RemoveProcess(id, wire.ProcessRemoved{Group: proc[0], Name: name})
			case 6:
				m.InstanceLost(id, recv)
			case 7:
				m.Tick(id, int64(recv), recv)
				rec := record(proc[0], proc[1], state)
				rec.Disabled = flag
				m.SetDisabled(id, rec)
			}
			checkInvariants(t, m, step)
		}
	})
}

func checkInvariants(t *testing.T, m *Model, step string) {
	t.Helper()
	if len(m.applications) != len(m.byName) {
		t.Fatalf("%s: %d applications, %d names", step, len(m.applications), len(m.byName))
	}
	for _, a := range m.applications {
		if m.byName[a.name] != a || len(a.processes) == 0 || len(a.processes) != len(a.byName) {
			t.Fatalf("%s: application %s inconsistent", step, a.name)
		}
		if a.state != a.evaluateState() {
			t.Fatalf("%s: application %s is %s, its processes say %s", step, a.name, a.state, a.evaluateState())
		}
		if a.major && a.minor {
			t.Fatalf("%s: application %s has both failures", step, a.name)
		}
		for _, p := range a.processes {
			if len(p.infos) == 0 || len(p.order) != len(p.infos) {
				t.Fatalf("%s: %s has %d records, order %v", step, p.namespec(), len(p.infos), p.order)
			}
			for id := range p.running {
				info, ok := p.infos[id]
				if !ok || !(isRunningLike(info.State) || info.State == Stopping) {
					t.Fatalf("%s: %s runs on %s without a running record", step, p.namespec(), id)
				}
			}
			if len(p.running) > 0 && !(isRunningLike(p.state) || p.state == Stopping) {
				t.Fatalf("%s: %s runs on %v but is %d", step, p.namespec(), p.runningIdentifiers(), p.state)
			}
			for id := range p.infos {
				if !slices.Contains(m.instances[id], p) {
					t.Fatalf("%s: %s has a record of %s that the instance does not list", step, p.namespec(), id)
				}
			}
		}
	}
	for id, procs := range m.instances {
		for _, p := range procs {
			if p.infos[id] == nil || m.byName[p.app.name] != p.app {
				t.Fatalf("%s: %s lists a process it has no record of", step, id)
			}
		}
		if m.Loading(id) < 0 {
			t.Fatalf("%s: negative loading", step)
		}
	}
	answers := []any{m.AllApplicationsInfo(1).XMLRPC(), m.AllProcessInfo(1).XMLRPC(), m.Conflicts(1).XMLRPC(),
		m.AllInnerProcessInfo(fuzzInstances).XMLRPC()}
	for _, a := range m.applications {
		rules, err := m.ProcessRules(a.name + ":*")
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		answers = append(answers, rules.XMLRPC())
	}
	for _, v := range answers {
		if _, err := xmlrpc.AppendResponse(nil, v); err != nil {
			t.Fatalf("%s: answer does not encode: %v", step, err)
		}
	}
}
