package peer

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/cluster/model"
	"github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/cluster/view"
	"github.com/supvisors-go/supvisors/internal/cluster/wire"
	"github.com/supvisors-go/supvisors/internal/errdefs"
)

// sequenceRules are the rules of the distribution tests: application
// "first" (start_sequence 1) runs f1 on B then f2 on A; application
// "second" (start_sequence 2) runs s on C. Stops go the other way.
type sequenceRules struct{}

func (sequenceRules) Application(name string) model.ApplicationRules {
	a := model.DefaultApplicationRules()
	switch name {
	case "first":
		a.Managed, a.StartSequence, a.StopSequence = true, 1, 1
	case "second":
		a.Managed, a.StartSequence, a.StopSequence = true, 2, 2
	}
	return a
}

func (r sequenceRules) Program(app, name string) model.ProgramRules {
	p := model.DefaultProgramRules(r.Application(app))
	switch app + ":" + name {
	case "first:f1":
		p.Identifiers, p.StartSequence, p.StopSequence, p.Required = []string{"B"}, 1, 1, true
	case "first:f2":
		p.Identifiers, p.StartSequence, p.StopSequence, p.Required = []string{"A"}, 2, 2, true
	case "second:s":
		p.Identifiers, p.StartSequence, p.StopSequence, p.Required = []string{"C"}, 1, 1, true
	}
	return p
}

// sequenceProcs: every instance defines the three processes, stopped.
func sequenceProcs(name string) wire.ProcessInfoList {
	list := localProcs(name)[:1]
	for _, ns := range [][2]string{{"first", "f1"}, {"first", "f2"}, {"second", "s"}} {
		list = append(list, wire.LocalProcessInfo{Name: ns[1], Group: ns[0], State: 0, StateName: "STOPPED",
			Description: "Not started", Expected: true, NowMonotonic: 195, StartSecs: 1, StopWaitSecs: 10,
			ProgramName: ns[1]})
	}
	return list
}

// applicationStates are the application states that a node reports.
func applicationStates(t *testing.T, tn *testNode) map[string]string {
	t.Helper()
	infos, err := tn.node.AllApplicationsInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, a := range infos {
		out[a.ApplicationName] = a.State.String()
	}
	return out
}

// The Master in DISTRIBUTION starts the applications by start_sequence,
// and inside each the processes by start_sequence, each on the instance
// of its rules (the local one through the engine, the others through
// supvisors.start_args); every node then sees them RUNNING. A shutdown
// stops them in the reverse order before the supervisords end.
func TestDistributionStartsInSequence(t *testing.T) {
	j := &journal{}
	nodes := newClusterSetup(t, []string{"A", "B", "C"}, clusterSetup{rules: sequenceRules{}, procs: sequenceProcs, journal: j})
	a := nodes[0]
	until(t, nodes, 20, "OPERATION with every application running", func(s *view.Snapshot) bool {
		return inOperationWithMaster(identifierOf(a))(s) && len(s.StartingJobs) == 0 && len(j.all()) == 3
	})
	want := []string{"start first:f1 on B", "start first:f2 on A", "start second:s on C"}
	if got := j.all(); !slices.Equal(got, want) {
		t.Fatalf("starts %q, want %q", got, want)
	}
	for _, tn := range nodes {
		waitModel(t, tn, "applications RUNNING", func() bool {
			st := applicationStates(t, tn)
			return st["first"] == "RUNNING" && st["second"] == "RUNNING"
		})
		sum := processSummary(t, tn)
		for ns, where := range map[string]string{"first:f1": "B", "first:f2": "A", "second:s": "C"} {
			if want := "RUNNING [" + identifierOf(nodes[where[0]-'A']) + "]"; sum[ns] != want {
				t.Errorf("%s sees %s %s, want %s", tn.name, ns, sum[ns], want)
			}
		}
	}

	if err := a.node.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, shutdowns := a.engine.counts(); shutdowns > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no shutdown; journal %q", j.all())
		}
		round(t, nodes)
	}
	// By descending stop_sequence: second, first, then the unmanaged
	// applications (rank 0) together.
	stops := j.all()[3:]
	if want := []string{"stop second:s on C", "stop first:f2 on A", "stop first:f1 on B"}; len(stops) != 6 ||
		!slices.Equal(stops[:3], want) {
		t.Fatalf("stops %q, want %q then the unmanaged processes", stops, want)
	}
	unmanaged := slices.Sorted(slices.Values(stops[3:]))
	if want := []string{"stop gA:p on A", "stop gB:p on B", "stop gC:p on C"}; !slices.Equal(unmanaged, want) {
		t.Errorf("unmanaged stops %q, want %q", unmanaged, want)
	}
}

// The control requests with wait return once the commander is done, with
// the application in the state asked for; the driver goes on meanwhile.
func TestControlRequestsWait(t *testing.T) {
	nodes := newClusterSetup(t, []string{"A", "B", "C"}, clusterSetup{rules: sequenceRules{}, procs: sequenceProcs, journal: &journal{}})
	a, b := nodes[0], nodes[1]
	until(t, nodes, 20, "OPERATION with every application running", func(s *view.Snapshot) bool {
		return inOperationWithMaster(identifierOf(a))(s) && len(s.StartingJobs) == 0
	})
	ctx := context.Background()
	for _, tn := range nodes {
		waitModel(t, tn, "first RUNNING", func() bool { return applicationStates(t, tn)["first"] == "RUNNING" })
	}
	// A Slave drives the request as well as the Master.
	if v, err := b.node.StopApplication(ctx, "first", true); v != true || err != nil {
		t.Fatalf("stop_application = %v, %v", v, err)
	}
	if st := applicationStates(t, b)["first"]; st != "STOPPED" {
		t.Errorf("first is %s after stop_application with wait", st)
	}
	if _, err := b.node.StopApplication(ctx, "first", true); !errdefs.Is(err, errdefs.NotRunning) {
		t.Errorf("second stop_application: %v", err)
	}
	if v, err := b.node.StartApplication(ctx, options.StartConfig, "first", true); v != true || err != nil {
		t.Fatalf("start_application = %v, %v", v, err)
	}
	if st := applicationStates(t, b)["first"]; st != "RUNNING" {
		t.Errorf("first is %s after start_application with wait", st)
	}
	if _, err := b.node.StartApplication(ctx, options.StartConfig, "first", true); !errdefs.Is(err, errdefs.AlreadyStarted) {
		t.Errorf("second start_application: %v", err)
	}
	if v, err := a.node.RestartProcess(ctx, options.StartConfig, "second:s", "-v", true); v != true || err != nil {
		t.Fatalf("restart_process = %v, %v", v, err)
	}
	// The extra arguments travel with the PROCESS publications.
	waitModel(t, b, "extra arguments of second:s", func() bool {
		list, err := b.node.ProcessInfo(ctx, "second:s")
		return err == nil && len(list) == 1 && list[0].ExtraArgs == "-v"
	})
	if v, err := a.node.StopProcess(ctx, "second:s", false); v != true || err != nil {
		t.Fatalf("stop_process without wait = %v, %v", v, err)
	}
	waitModel(t, a, "second STOPPED", func() bool { return applicationStates(t, a)["second"] == "STOPPED" })
	placements, err := a.node.TestStartProcess(ctx, options.StartConfig, "second:s")
	if err != nil || len(placements) != 1 || !slices.Equal(placements[0].RunningIdentifiers, []string{identifierOf(nodes[2])}) {
		t.Errorf("test_start_process = %+v, %v", placements, err)
	}
	if v, err := a.node.StartAnyProcess(ctx, options.StartConfig, "^sec", "", true); v != "second:s" || err != nil {
		t.Errorf("start_any_process = %v, %v", v, err)
	}
	if _, err := a.node.Conciliate(ctx, options.ConciliateSenicide); !errdefs.Is(err, errdefs.BadSupvisorsState) {
		t.Errorf("conciliate in OPERATION: %v", err)
	}
	if v, err := a.node.RestartSequence(ctx, true); err == nil {
		t.Errorf("restart_sequence with nothing to start = %v", v)
	}
}
