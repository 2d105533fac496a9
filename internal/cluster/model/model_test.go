package model

import (
	"slices"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/cluster/wire"
	"github.com/supvisors-go/supvisors/internal/errdefs"
)

// step is one PROCESS event in a table test: instance, state, expected
// exit, at its time; events are received at increasing local times.
type step struct {
	id       string
	state    int
	expected bool
}

func TestSynthesizedState(t *testing.T) {
	tests := []struct {
		name         string
		steps        []step
		state        int
		identifiers  []string
		expectedExit bool
	}{
		{"loaded stopped", nil, Stopped, []string{}, true},
		{"one running", []step{{idA, Running, true}}, Running, []string{idA}, true},
		{"running then stopping", []step{{idA, Running, true}, {idA, Stopping, true}}, Stopping, []string{idA}, true},
		{"stopping while none runs wins over later records",
			[]step{{idB, Stopping, true}, {idA, Exited, false}}, Stopping, []string{}, true},
		{"latest stopped record wins", []step{{idA, Exited, false}, {idB, Stopped, true}}, Stopped, []string{}, true},
		{"latest record keeps its unexpected exit", []step{{idB, Stopped, true}, {idA, Exited, false}}, Exited, []string{}, false},
		{"conflict prefers RUNNING", []step{{idA, Starting, true}, {idB, Running, true}}, Running, []string{idA, idB}, true},
		{"conflict prefers BACKOFF to STARTING", []step{{idA, Starting, true}, {idC, Backoff, true}}, Backoff, []string{idA, idC}, true},
		{"conflict of stopping members", []step{{idA, Running, true}, {idB, Running, true},
			{idA, Stopping, true}, {idB, Stopping, true}}, Stopping, []string{idA, idB}, true},
		{"conflict resolved by a stop", []step{{idA, Running, true}, {idB, Starting, true}, {idA, Stopped, true}},
			Starting, []string{idB}, true},
		{"moves to another instance", []step{{idA, Running, true}, {idA, Fatal, false}, {idB, Starting, true}},
			Starting, []string{idB}, true},
		{"fatal everywhere", []step{{idA, Backoff, true}, {idA, Fatal, false}}, Fatal, []string{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := load(t, nil, []string{idA, idB, idC}, "g:p")
			for i, s := range tt.steps {
				ev := event(s.id, "g", "p", s.state, float64(200+i))
				ev.Expected = s.expected
				mustApply(t, m, s.id, ev, float64(10+i))
			}
			got := processOf(t, m, "g:p")
			if got.StateCode != tt.state || got.StateName != ProcessStateName(tt.state) ||
				!slices.Equal(got.Identifiers, tt.identifiers) || got.ExpectedExit != tt.expectedExit {
				t.Errorf("got %d %s %v expected=%t, want %d %v expected=%t", got.StateCode, got.StateName,
					got.Identifiers, got.ExpectedExit, tt.state, tt.identifiers, tt.expectedExit)
			}
		})
	}
}

func TestConflictsOnlyForManagedApplications(t *testing.T) {
	r := mapRules{apps: map[string]ApplicationRules{"managed": {Managed: true}}}
	m := load(t, r, []string{idA, idB}, "managed:p", "free:q")
	for _, ns := range [][2]string{{"managed", "p"}, {"free", "q"}} {
		mustApply(t, m, idA, event(idA, ns[0], ns[1], Running, 10), 10)
		mustApply(t, m, idB, event(idB, ns[0], ns[1], Running, 10), 11)
	}
	conflicts := m.Conflicts(0)
	if len(conflicts) != 1 || conflicts[0].ApplicationName != "managed" || !m.Conflicting() {
		t.Errorf("conflicts = %+v", conflicts)
	}
	mustApply(t, m, idB, event(idB, "managed", "p", Stopped, 20), 12)
	if len(m.Conflicts(0)) != 0 || m.Conflicting() {
		t.Error("conflict should be over")
	}
}

func TestForcedState(t *testing.T) {
	t.Run("applied then cleared by the next event", func(t *testing.T) {
		m := load(t, nil, []string{idA}, "g:p")
		mustApply(t, m, idA, event(idA, "g", "p", Starting, 50), 10)
		c, ok := m.ForceState("g:p", idA, Fatal, "Start failed", 60, 20)
		if !ok || !slices.Equal(c.Processes, []string{"g:p"}) || !slices.Equal(c.Applications, []string{"g"}) {
			t.Fatalf("forced state not applied: %+v %t", c, ok)
		}
		got := processOf(t, m, "g:p")
		if got.StateCode != Fatal || got.LastEventMtime != 20 {
			t.Errorf("displayed %d at %v, want FATAL at 20", got.StateCode, got.LastEventMtime)
		}
		if app := applicationOf(t, m, "g"); app.State != AppStopped {
			t.Errorf("application %s, want STOPPED from the displayed state", app.State)
		}
		// The real state is unchanged underneath.
		if inner := innerOf(t, m, idA, "g:p"); inner.State != Starting {
			t.Errorf("record state %d, want STARTING", inner.State)
		}
		mustApply(t, m, idA, event(idA, "g", "p", Stopped, 70), 30)
		if got := processOf(t, m, "g:p"); got.StateCode != Stopped {
			t.Errorf("forced state not cleared: %d", got.StateCode)
		}
	})
	t.Run("dismissed when a newer event arrived", func(t *testing.T) {
		m := load(t, nil, []string{idA}, "g:p")
		mustApply(t, m, idA, event(idA, "g", "p", Running, 80), 10)
		if _, ok := m.ForceState("g:p", idA, Fatal, "late", 79.5, 20); ok {
			t.Fatal("forced state applied over a newer event")
		}
		if got := processOf(t, m, "g:p"); got.StateCode != Running {
			t.Errorf("displayed %d, want RUNNING", got.StateCode)
		}
	})
	t.Run("applied at the same time", func(t *testing.T) {
		m := load(t, nil, []string{idA}, "g:p")
		mustApply(t, m, idA, event(idA, "g", "p", Starting, 80), 10)
		if _, ok := m.ForceState("g:p", idA, Fatal, "x", 80, 20); !ok {
			t.Fatal("forced state dismissed")
		}
	})
	t.Run("no instance found", func(t *testing.T) {
		m := load(t, nil, []string{idA}, "g:p")
		if _, ok := m.ForceState("g:p", "", Fatal, "No resource available", 0, 5); !ok {
			t.Fatal("forced state dismissed")
		}
		if got := processOf(t, m, "g:p"); got.StateCode != Fatal {
			t.Errorf("displayed %d, want FATAL", got.StateCode)
		}
	})
	t.Run("a STOPPED record on loading keeps it, another record clears it", func(t *testing.T) {
		m := load(t, nil, []string{idA}, "g:p")
		m.ForceState("g:p", idA, Fatal, "x", 1000, 5)
		m.LoadProcesses(idB, wire.ProcessInfoList{record("g", "p", Stopped)}, 6)
		if got := processOf(t, m, "g:p"); got.StateCode != Fatal {
			t.Errorf("displayed %d, want FATAL kept", got.StateCode)
		}
		m.LoadProcesses(idC, wire.ProcessInfoList{record("g", "p", Exited)}, 7)
		if got := processOf(t, m, "g:p"); got.StateCode != Exited {
			t.Errorf("displayed %d, want EXITED", got.StateCode)
		}
	})
	t.Run("unknown process ignored", func(t *testing.T) {
		m := load(t, nil, []string{idA}, "g:p")
		if _, ok := m.ForceState("g:q", idA, Fatal, "x", 0, 5); ok {
			t.Error("forced state on an unknown process applied")
		}
	})
	t.Run("event from an instance without the process ignored", func(t *testing.T) {
		m := load(t, nil, []string{idA}, "g:p")
		if _, ok := m.ProcessEvent(idB, event(idB, "g", "p", Running, 1), 5); ok {
			t.Error("event applied")
		}
	})
}

func TestHasCrashed(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
		want  bool
	}{
		{"never", []step{{idA, Starting, true}, {idA, Running, true}, {idA, Exited, true}}, false},
		{"fatal", []step{{idA, Backoff, true}, {idA, Fatal, false}, {idA, Running, true}}, true},
		{"unexpected exit", []step{{idA, Running, true}, {idA, Exited, false}, {idA, Stopped, true}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := load(t, nil, []string{idA}, "g:p")
			for i, s := range tt.steps {
				ev := event(s.id, "g", "p", s.state, float64(200+i))
				ev.Expected = s.expected
				mustApply(t, m, s.id, ev, float64(10+i))
			}
			if got := innerOf(t, m, idA, "g:p").HasCrashed; got != tt.want {
				t.Errorf("has_crashed = %t, want %t", got, tt.want)
			}
		})
	}
	t.Run("a lost instance is not a crash", func(t *testing.T) {
		m := load(t, nil, []string{idA}, "g:p")
		mustApply(t, m, idA, event(idA, "g", "p", Running, 50), 10)
		m.InstanceLost(idA, 20)
		if inner := innerOf(t, m, idA, "g:p"); inner.HasCrashed || inner.State != Fatal {
			t.Errorf("record %+v", inner)
		}
	})
	t.Run("kept from a PROCESS_ADDED record", func(t *testing.T) {
		m := New(nil)
		r := record("g", "p", Stopped)
		r.Extra = wire.Object{{Key: "local_mtime", Value: 1.0}, {Key: "has_crashed", Value: true}, {Key: "future", Value: "x"}}
		m.LoadProcesses(idA, wire.ProcessInfoList{r}, 3)
		inner := innerOf(t, m, idA, "g:p")
		if !inner.HasCrashed || inner.LocalMtime != 3 || len(inner.RecordExtra) != 1 {
			t.Errorf("record %+v", inner)
		}
	})
}

func TestApplicationState(t *testing.T) {
	tests := []struct {
		states []int
		want   ApplicationState
	}{
		{[]int{Stopped, Exited, Fatal}, AppStopped},
		{[]int{Running, Stopped}, AppRunning},
		{[]int{Running, Starting}, AppStarting},
		{[]int{Running, Backoff}, AppStarting},
		{[]int{Starting, Stopping}, AppStopping},
		{[]int{Unknown}, AppStopped},
	}
	for _, tt := range tests {
		m := New(nil)
		var list wire.ProcessInfoList
		for i, s := range tt.states {
			list = append(list, record("g", "p"+string(rune('0'+i)), s))
		}
		m.LoadProcesses(idA, list, 1)
		if got := applicationOf(t, m, "g").State; got != tt.want {
			t.Errorf("states %v: application %s, want %s", tt.states, got, tt.want)
		}
	}
}

func TestOperationalStatus(t *testing.T) {
	type proc struct {
		state    int
		expected bool
		required bool
	}
	tests := []struct {
		name         string
		managed      bool
		status       StatusFunc
		procs        []proc
		major, minor bool
	}{
		{"all running", true, nil, []proc{{Running, true, true}, {Running, true, false}}, false, false},
		{"required fatal", true, nil, []proc{{Fatal, false, true}, {Fatal, false, false}}, true, false},
		{"optional fatal", true, nil, []proc{{Running, true, true}, {Fatal, false, false}}, false, true},
		{"optional unexpected exit", true, nil, []proc{{Running, true, true}, {Exited, false, false}}, false, true},
		{"optional expected exit", true, nil, []proc{{Running, true, true}, {Exited, true, false}}, false, false},
		{"required stopped in a running application", true, nil, []proc{{Stopped, true, true}, {Running, true, false}}, true, false},
		{"required stopped in a stopped application", true, nil, []proc{{Stopped, true, true}, {Stopped, true, false}}, false, false},
		{"unmanaged optional fatal", false, nil, []proc{{Running, true, false}, {Fatal, false, false}}, false, false},
		{"formula holds", true, formula("p0"), []proc{{Running, true, false}, {Stopped, true, true}}, false, false},
		{"formula holds, other fatal", true, formula("p0"), []proc{{Running, true, false}, {Fatal, false, false}}, false, true},
		{"formula expected exit counts", true, formula("p0"), []proc{{Exited, true, false}}, false, false},
		{"formula fails", true, formula("p0", "p1"), []proc{{Running, true, false}, {Fatal, false, false}}, true, false},
		{"formula error", true, formula("nosuch"), []proc{{Running, true, false}}, true, false},
		{"formula unmanaged no minor", false, formula("p0"), []proc{{Running, true, false}, {Fatal, false, false}}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mapRules{apps: map[string]ApplicationRules{"g": {Managed: tt.managed, Status: tt.status}},
				programs: map[string]ProgramRules{}}
			var list wire.ProcessInfoList
			for i, p := range tt.procs {
				name := "p" + string(rune('0'+i))
				r.programs["g:"+name] = ProgramRules{Required: p.required}
				rec := record("g", name, p.state)
				rec.Expected = p.expected
				list = append(list, rec)
			}
			m := New(r)
			m.LoadProcesses(idA, list, 1)
			app := applicationOf(t, m, "g")
			if app.MajorFailure != tt.major || app.MinorFailure != tt.minor {
				t.Errorf("major=%t minor=%t, want %t %t", app.MajorFailure, app.MinorFailure, tt.major, tt.minor)
			}
		})
	}
}

func TestRemoveProcess(t *testing.T) {
	m := load(t, nil, []string{idA, idB}, "g:p", "g:q", "h:r")
	c := m.RemoveProcess(idA, wire.ProcessRemoved{Group: "g", Name: "p"})
	if len(c.Deleted) != 0 || !slices.Equal(c.Processes, []string{"g:p"}) {
		t.Errorf("changes %+v", c)
	}
	if _, err := m.InnerProcessInfo("A", []string{idA}, "g:p"); !errdefs.Is(err, errdefs.Failed) ||
		err.Error() != "FAILED: g:p unknown on A" {
		t.Errorf("inner of removed record: %v", err)
	}
	c = m.RemoveProcess(idB, wire.ProcessRemoved{Group: "g", Name: "p"})
	if len(c.Deleted) != 1 || c.Deleted[0].ProcessName != "p" || c.Deleted[0].StateCode != -1 ||
		c.Deleted[0].StateName != "DELETED" || !slices.Equal(c.Applications, []string{"g"}) {
		t.Errorf("changes %+v", c)
	}
	if _, err := m.ProcessInfo("g:p", 0); !errdefs.Is(err, errdefs.BadName) {
		t.Errorf("removed process still known: %v", err)
	}
	m.RemoveProcess(idA, wire.ProcessRemoved{Group: "h", Name: "*"})
	c = m.RemoveProcess(idB, wire.ProcessRemoved{Group: "h", Name: "*"})
	if len(c.DeletedApplications) != 1 || c.DeletedApplications[0].ApplicationName != "h" ||
		c.DeletedApplications[0].State != AppDeleted {
		t.Errorf("changes %+v", c)
	}
	if _, err := m.ApplicationInfo("h", 0); err == nil || err.Error() != "BAD_NAME: application=h unknown to Supvisors" {
		t.Errorf("deleted application: %v", err)
	}
	if got := len(m.AllInnerProcessInfo([]string{idA, idB})); got != 2 {
		t.Errorf("%d records left, want 2 (g:q on A and B)", got)
	}
}

func TestRemoveRunningRecord(t *testing.T) {
	m := load(t, nil, []string{idA, idB}, "g:p")
	mustApply(t, m, idA, event(idA, "g", "p", Running, 10), 10)
	m.RemoveProcess(idA, wire.ProcessRemoved{Group: "g", Name: "p"})
	if got := processOf(t, m, "g:p"); got.StateCode != Stopped || len(got.Identifiers) != 0 {
		t.Errorf("process %+v", got)
	}
}

func TestDisability(t *testing.T) {
	m := load(t, nil, []string{idA}, "g:p")
	r := record("g", "p", Stopped)
	r.Disabled = true
	if !m.SetDisabled(idA, r) || !innerOf(t, m, idA, "g:p").Disabled {
		t.Error("disabled flag not stored")
	}
	if m.SetDisabled(idB, r) {
		t.Error("disability of an instance without the process accepted")
	}
}

func TestInstanceLost(t *testing.T) {
	r := mapRules{programs: map[string]ProgramRules{"g:p": {ExpectedLoading: 7}, "g:q": {ExpectedLoading: 3}}}
	m := load(t, r, []string{idA, idB}, "g:p", "g:q")
	mustApply(t, m, idB, event(idB, "g", "p", Running, 50), 10)
	mustApply(t, m, idA, event(idA, "g", "q", Running, 50), 11)
	mustApply(t, m, idB, event(idB, "g", "q", Running, 50), 12)
	if m.Loading(idB) != 10 || m.Loading(idA) != 3 {
		t.Errorf("loading A=%d B=%d", m.Loading(idA), m.Loading(idB))
	}
	m.Tick(idB, 1_700_000_100, 60)
	c := m.InstanceLost(idB, 70)
	if !slices.Equal(c.Lost, []string{"g:p"}) || !slices.Equal(c.Processes, []string{"g:p", "g:q"}) {
		t.Errorf("changes %+v", c)
	}
	inner := innerOf(t, m, idB, "g:p")
	want := "Supervisor " + idB + " lost"
	if inner.State != Fatal || inner.Expected || inner.Spawnerr != want || inner.Description != want ||
		inner.Now != IntNum(1_700_000_100) || inner.EventTime != 60 || inner.LocalMtime != 70 || inner.Uptime != (Num{}) {
		t.Errorf("lost record %+v", inner)
	}
	if got := processOf(t, m, "g:q"); got.StateCode != Running || !slices.Equal(got.Identifiers, []string{idA}) {
		t.Errorf("g:q %+v", got)
	}
	if m.Loading(idB) != 0 || !m.HasCrashedProcess(idB) || m.HasCrashedProcess(idA) {
		t.Errorf("B load %d crashed %t", m.Loading(idB), m.HasCrashedProcess(idB))
	}
}

func TestExtraArgsNeedAgreement(t *testing.T) {
	m := New(nil)
	r := record("g", "p", Stopped)
	r.ExtraArgs = "-x"
	m.LoadProcesses(idA, wire.ProcessInfoList{r}, 1)
	if got := processOf(t, m, "g:p").ExtraArgs; got != "" {
		t.Errorf("extra args %q, want reset", got)
	}
	ev := event(idA, "g", "p", Starting, 5)
	ev.ExtraArgs = "-y"
	mustApply(t, m, idA, ev, 2)
	if got := processOf(t, m, "g:p").ExtraArgs; got != "-y" {
		t.Errorf("extra args %q, want -y", got)
	}
}

func TestRecordTimes(t *testing.T) {
	m := load(t, nil, []string{idA}, "g:p")
	ev := event(idA, "g", "p", Starting, 50)
	ev.Now = 1_700_000_000.5
	ev.Extra = wire.Object{{Key: "event_mtime", Value: 50.1}, {Key: "nothing", Value: nil}}
	mustApply(t, m, idA, ev, 10)
	ev = event(idA, "g", "p", Running, 51)
	ev.Now, ev.PID = 1_700_000_001.7, 42
	mustApply(t, m, idA, ev, 11)
	inner := innerOf(t, m, idA, "g:p")
	if inner.Start != FloatNum(1_700_000_000.5) || inner.StartMonotonic != 50 || inner.Uptime != FloatNum(1) ||
		inner.Description != "pid 42, uptime 0:00:01" || inner.Identifier != idA || !inner.FromEvent {
		t.Errorf("record %+v", inner)
	}
	m.Tick(idA, 1_700_090_000, 90050)
	inner = innerOf(t, m, idA, "g:p")
	if inner.Now != IntNum(1_700_090_000) || inner.Uptime != FloatNum(90000) || inner.Description != "pid 42, uptime 1 day, 1:00:00" {
		t.Errorf("after tick %+v", inner)
	}
	s := inner.XMLRPC()
	var names []string
	for _, mb := range s {
		names = append(names, mb.Name)
	}
	if got := strings.Join(names[len(names)-3:], " "); got != "identifier nick_identifier event_mtime" {
		t.Errorf("last members %s", got)
	}
	ev = event(idA, "g", "p", Exited, 52)
	ev.Expected = false
	mustApply(t, m, idA, ev, 12)
	inner = innerOf(t, m, idA, "g:p")
	if inner.Stop != FloatNum(ev.Now) || inner.StopMonotonic != 52 || inner.Uptime != (Num{}) || inner.StateName != "EXITED" {
		t.Errorf("after exit %+v", inner)
	}
}

func TestGetterNames(t *testing.T) {
	m := load(t, refRules{}, []string{idA}, "chain:p1", "chain:p2", "solo:solo")
	if _, err := m.ProcessInfo("solo", 0); err != nil {
		t.Errorf("a bare name is group and process: %v", err)
	}
	for _, ns := range []string{"chain:*", "chain:"} {
		if list, err := m.ProcessRules(ns); err != nil || len(list) != 2 {
			t.Errorf("%s: %v %v", ns, list, err)
		}
	}
	if _, err := m.ProcessRules("chain:p9"); err == nil || err.Error() != "BAD_NAME: process=p9 unknown in application=chain" {
		t.Errorf("unknown process: %v", err)
	}
	if list, err := m.InnerProcessInfo("A", []string{idA, idB}, "chain:*"); err != nil || len(list) != 2 {
		t.Errorf("group inner: %v %v", list, err)
	}
	rules, err := m.ApplicationRules("solo")
	if err != nil {
		t.Fatal(err)
	}
	if got := rules.XMLRPC(); len(got) != 2 || got[0].Name != "managed" || got[1].Name != "application_name" {
		t.Errorf("unmanaged rules %v", got)
	}
}

func TestViews(t *testing.T) {
	m := load(t, refRules{}, []string{idA, idB}, "chain:p1", "chain:p2")
	if v, ok := m.Application("chain"); !ok || !v.NeverStarted || v.HasRunningProcesses ||
		!slices.Equal(v.Processes, []string{"p1", "p2"}) || !v.Rules.Managed {
		t.Errorf("application view %+v", v)
	}
	mustApply(t, m, idB, event(idB, "chain", "p1", Running, 10), 10)
	r := record("chain", "p2", Stopped)
	r.Disabled = true
	m.SetDisabled(idA, r)
	m.ForceState("chain:p2", "", Fatal, "No resource available", 0, 11)
	p1, ok := m.Process("chain:p1")
	if !ok || !p1.IsRunning() || p1.Crashed() || !slices.Equal(p1.Running, []string{idB}) ||
		!slices.Equal(p1.Configured, []string{idA, idB}) || p1.Rules.ExpectedLoading != 10 {
		t.Errorf("p1 view %+v", p1)
	}
	p2, _ := m.Process("chain:p2")
	if !p2.Forced || p2.DisplayedState != Fatal || p2.ForcedReason != "No resource available" ||
		!slices.Equal(p2.Disabled, []string{idA}) {
		t.Errorf("p2 view %+v", p2)
	}
	if v, _ := m.Application("chain"); v.NeverStarted || !v.HasRunningProcesses || v.State != AppRunning {
		t.Errorf("application view %+v", v)
	}
	if got := m.RunningOn(idB); !slices.Equal(got, []string{"chain:p1"}) {
		t.Errorf("running on B: %v", got)
	}
	if rec, ok := m.Record(idB, "chain:p1"); !ok || rec.State != Running {
		t.Errorf("record %+v", rec)
	}
	if _, ok := m.Record(idC, "chain:p1"); ok {
		t.Error("record of an instance without the process")
	}
	if got := m.Applications(); !slices.Equal(got, []string{"chain"}) || len(m.ApplicationProcesses("chain")) != 2 {
		t.Errorf("applications %v", got)
	}
}
