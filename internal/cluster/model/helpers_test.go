package model

import (
	"errors"
	"slices"
	"testing"

	"github.com/supvisors-go/supvisors/internal/cluster/wire"
)

// record is the local record an instance sends for a process in state.
func record(group, name string, state int) wire.LocalProcessInfo {
	return wire.LocalProcessInfo{Name: name, Group: group, State: state, StateName: ProcessStateName(state),
		Now: 1_700_000_000, Description: "Not started", Expected: true, NowMonotonic: 100,
		StartSecs: 1, StopWaitSecs: 10, ProgramName: name, HasStdout: true, HasStderr: true}
}

// event is a PROCESS event of instance id; expected is true.
func event(id, group, name string, state int, at float64) wire.ProcessEvent {
	return wire.ProcessEvent{Identifier: id, NickIdentifier: id, Group: group, Name: name, State: state,
		Now: 1_700_000_000 + at, NowMonotonic: at, Expected: true}
}

// load gives a model where every instance of ids defines every namespec,
// STOPPED, received at time 1.
func load(t *testing.T, r Rules, ids []string, namespecs ...string) *Model {
	t.Helper()
	m := New(r)
	var list wire.ProcessInfoList
	for _, ns := range namespecs {
		g, n := splitNamespec(ns)
		list = append(list, record(g, n, Stopped))
	}
	for _, id := range ids {
		m.LoadProcesses(id, list, 1)
	}
	return m
}

func mustApply(t *testing.T, m *Model, id string, ev wire.ProcessEvent, recv float64) {
	t.Helper()
	if _, ok := m.ProcessEvent(id, ev, recv); !ok {
		t.Fatalf("event %+v from %s ignored", ev, id)
	}
}

func processOf(t *testing.T, m *Model, namespec string) ProcessInfo {
	t.Helper()
	list, err := m.ProcessInfo(namespec, 0)
	if err != nil || len(list) != 1 {
		t.Fatalf("ProcessInfo(%s) = %v, %v", namespec, list, err)
	}
	return list[0]
}

func applicationOf(t *testing.T, m *Model, name string) ApplicationInfo {
	t.Helper()
	info, err := m.ApplicationInfo(name, 0)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func innerOf(t *testing.T, m *Model, id, namespec string) InnerProcessInfo {
	t.Helper()
	list, err := m.InnerProcessInfo(id, []string{id}, namespec)
	if err != nil || len(list) != 1 {
		t.Fatalf("InnerProcessInfo(%s, %s) = %v, %v", id, namespec, list, err)
	}
	return list[0]
}

// formula is a status formula for tests: all of the named processes
// must be operational; a name no process has is an error.
func formula(names ...string) StatusFunc {
	return func(processes []string, operational func(string) bool) (bool, error) {
		for _, n := range names {
			if !slices.Contains(processes, n) {
				return false, errors.New("no match for " + n)
			}
			if !operational(n) {
				return false, nil
			}
		}
		return true, nil
	}
}
