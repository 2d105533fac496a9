package peer

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/cluster/model"
	"github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/cluster/wire"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/events"
)

// fakePrograms changes the processes of a test node as the engine does
// for enable, disable and update_numprocs, and publishes the same events
// in the same order.
type fakePrograms struct {
	tn *testNode

	mu    sync.Mutex
	saves int
	// lost makes UpdateNumprocs publish no PROCESS_ADDED, as when the
	// bus drops the events.
	lost bool
	// refuse is the error of the next UpdateNumprocs.
	refuse error
}

func (f *fakePrograms) persist() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.saves++
	return nil
}

func (f *fakePrograms) saved() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.saves
}

func (f *fakePrograms) Disabilities() map[string]bool {
	out := map[string]bool{}
	for _, p := range f.tn.localList() {
		out[p.ProgramName] = p.Disabled
	}
	return out
}

func (f *fakePrograms) SetProgramDisabled(program string, disabled bool) ([]string, error) {
	tn := f.tn
	var changed [][2]string
	tn.procsMu.Lock()
	for i := range tn.procs {
		if tn.procs[i].ProgramName == program {
			tn.procs[i].Disabled = disabled
			changed = append(changed, [2]string{tn.procs[i].Group, tn.procs[i].Name})
		}
	}
	tn.procsMu.Unlock()
	if len(changed) == 0 {
		return nil, errdefs.New(errdefs.BadName, program)
	}
	change := map[bool]string{true: "DISABLED", false: "ENABLED"}[disabled]
	var namespecs []string
	for _, gn := range changed {
		tn.bus.Publish(events.ProcessChange{Change: change, GroupName: gn[0], ProcessName: gn[1]})
		namespecs = append(namespecs, gn[0]+":"+gn[1])
	}
	return namespecs, nil
}

// UpdateNumprocs names the processes <program>_<index> after the first,
// in the group of the first.
func (f *fakePrograms) UpdateNumprocs(program string, numprocs int, lazy bool) (added, obsolete []string, err error) {
	f.mu.Lock()
	refuse, lost := f.refuse, f.lost
	f.refuse = nil
	f.mu.Unlock()
	tn := f.tn
	tn.procsMu.Lock()
	var mine []wire.LocalProcessInfo
	for _, p := range tn.procs {
		if p.ProgramName == program {
			mine = append(mine, p)
		}
	}
	if len(mine) == 0 {
		tn.procsMu.Unlock()
		return nil, nil, errdefs.New(errdefs.BadName, program)
	}
	if refuse != nil {
		tn.procsMu.Unlock()
		return nil, nil, refuse
	}
	group := mine[0].Group
	for i := len(mine); i < numprocs; i++ {
		p := mine[0]
		p.Name, p.ProcessIndex, p.State, p.StateName, p.PID = fmt.Sprintf("%s_%d", program, i), i, 0, "STOPPED", 0
		tn.procs = append(tn.procs, p)
		added = append(added, group+":"+p.Name)
	}
	tn.procsMu.Unlock()
	if !lost {
		for _, ns := range added {
			tn.bus.Publish(events.ProcessChange{Change: "ADDED", GroupName: group, ProcessName: strings.TrimPrefix(ns, group+":")})
		}
	}
	for i := len(mine) - 1; i >= numprocs; i-- {
		ns := group + ":" + mine[i].Name
		obsolete = append(obsolete, ns)
		tn.engine.mu.Lock()
		running := tn.engine.running[ns]
		tn.engine.mu.Unlock()
		if running {
			if lazy {
				continue // removed when it stops, which this fake never sees
			}
			if err := tn.engine.StopProcess(context.Background(), ns, false); err != nil {
				return nil, nil, err
			}
		}
		tn.procsMu.Lock()
		tn.procs = slices.DeleteFunc(tn.procs, func(p wire.LocalProcessInfo) bool { return p.Group+":"+p.Name == ns })
		tn.procsMu.Unlock()
		tn.bus.Publish(events.ProcessChange{Change: "REMOVED", GroupName: group, ProcessName: mine[i].Name})
	}
	return added, obsolete, nil
}

// localRecord is the record the node's model keeps of a process on an
// instance.
func localRecord(t *testing.T, tn *testNode, id, namespec string) (disabled bool, state string, ok bool) {
	t.Helper()
	list, err := tn.node.AllInnerProcessInfo(context.Background(), []string{id})
	if err != nil {
		t.Fatalf("%s inner records: %v", tn.name, err)
	}
	for _, p := range list {
		if p.Group+":"+p.Name == namespec {
			return p.Disabled, p.StateName, true
		}
	}
	return false, "", false
}

func programsCluster(t *testing.T, names ...string) []*testNode {
	t.Helper()
	nodes := newClusterSetup(t, names, clusterSetup{programs: true})
	until(t, nodes, 12, "OPERATION with Master A", inOperationWithMaster(identifierOf(nodes[0])))
	return nodes
}

func callCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// update_numprocs on one instance: its model knows the new processes when
// the call returns, and every peer learns them through PROCESS_ADDED; a
// decrease removes them everywhere through PROCESS_REMOVED, the running
// one stopped first.
func TestNumprocsChangesReachEveryModel(t *testing.T) {
	nodes := programsCluster(t, "A", "B", "C")
	b := nodes[1]
	idb := identifierOf(b)
	ctx := callCtx(t)
	if v, err := b.node.UpdateNumprocs(ctx, "s", 3, true, false); v != true || err != nil {
		t.Fatalf("update_numprocs s 3 = %v, %v", v, err)
	}
	for _, ns := range []string{"shared:s_1", "shared:s_2"} {
		if _, _, ok := localRecord(t, b, idb, ns); !ok {
			t.Errorf("B's model lacks %s when update_numprocs returns", ns)
		}
	}
	for _, tn := range nodes {
		waitModel(t, tn, "the new processes", func() bool {
			s := processSummary(t, tn)
			return s["shared:s_1"] == "STOPPED []" && s["shared:s_2"] == "STOPPED []"
		})
		// Defined on B only.
		if _, _, ok := localRecord(t, tn, identifierOf(nodes[0]), "shared:s_1"); ok {
			t.Errorf("%s: shared:s_1 defined on A", tn.name)
		}
		if _, _, ok := localRecord(t, tn, idb, "shared:s_1"); !ok {
			t.Errorf("%s: shared:s_1 not defined on B", tn.name)
		}
	}

	// One of the obsolete processes runs: it is stopped, then removed.
	if err := b.engine.StartProcessArgs(ctx, "shared:s_2", "", false); err != nil {
		t.Fatal(err)
	}
	for _, tn := range nodes {
		waitModel(t, tn, "shared:s_2 running", func() bool { return processSummary(t, tn)["shared:s_2"] == "RUNNING ["+idb+"]" })
	}
	if v, err := b.node.UpdateNumprocs(ctx, "s", 1, true, false); v != true || err != nil {
		t.Fatalf("update_numprocs s 1 = %v, %v", v, err)
	}
	for _, ns := range []string{"shared:s_1", "shared:s_2"} {
		if _, _, ok := localRecord(t, b, idb, ns); ok {
			t.Errorf("B's model still has %s when the waiting update_numprocs returns", ns)
		}
	}
	for _, tn := range nodes {
		waitModel(t, tn, "the removal", func() bool {
			s := processSummary(t, tn)
			_, s1 := s["shared:s_1"]
			_, s2 := s["shared:s_2"]
			return !s1 && !s2 && s["shared:s"] == "STOPPED []"
		})
	}
	// Unchanged: nothing to do.
	if v, err := b.node.UpdateNumprocs(ctx, "s", 1, true, false); v != true || err != nil {
		t.Errorf("update_numprocs to the same value = %v, %v", v, err)
	}
}

// disable stops the program's running processes and the flag reaches
// every model; enable clears it. Both persist the disabilities.
func TestDisableAndEnableReachEveryModel(t *testing.T) {
	nodes := programsCluster(t, "A", "B", "C")
	a := nodes[0]
	ida := identifierOf(a)
	ctx := callCtx(t)
	if v, err := a.node.Disable(ctx, "p", true); v != true || err != nil {
		t.Fatalf("disable p = %v, %v", v, err)
	}
	// With wait, the local model shows it stopped and disabled.
	if disabled, state, ok := localRecord(t, a, ida, "gA:p"); !ok || !disabled || state != "STOPPED" {
		t.Errorf("A's record of gA:p after disable: disabled %t %s (%t)", disabled, state, ok)
	}
	a.engine.mu.Lock()
	running := a.engine.running["gA:p"]
	a.engine.mu.Unlock()
	if running {
		t.Error("gA:p still running after disable")
	}
	for _, tn := range nodes {
		waitModel(t, tn, "gA:p disabled", func() bool {
			disabled, _, _ := localRecord(t, tn, ida, "gA:p")
			return disabled
		})
	}
	if a.programs.saved() != 1 {
		t.Errorf("disabilities saved %d times", a.programs.saved())
	}

	if v, err := a.node.Enable(ctx, "p", true); v != true || err != nil {
		t.Fatalf("enable p = %v, %v", v, err)
	}
	if disabled, _, _ := localRecord(t, a, ida, "gA:p"); disabled {
		t.Error("A's record still disabled after a waiting enable")
	}
	for _, tn := range nodes {
		waitModel(t, tn, "gA:p enabled", func() bool {
			disabled, _, ok := localRecord(t, tn, ida, "gA:p")
			return ok && !disabled
		})
	}
	// Without wait, the answer is immediate; nothing runs, nothing stops.
	if v, err := a.node.Disable(ctx, "s", false); v != true || err != nil {
		t.Errorf("disable s without wait = %v, %v", v, err)
	}
	if a.programs.saved() != 3 {
		t.Errorf("disabilities saved %d times", a.programs.saved())
	}
}

// A process disabled on an instance is placed elsewhere; once enabled
// there again, the strategy picks it again.
func TestDisabledInstanceIsNotAPlacementCandidate(t *testing.T) {
	j := &journal{}
	nodes := newClusterSetup(t, []string{"A", "B", "C"}, clusterSetup{programs: true, journal: j})
	a := nodes[0]
	until(t, nodes, 12, "OPERATION with Master A", inOperationWithMaster(identifierOf(a)))
	ctx := callCtx(t)
	if _, err := a.node.Disable(ctx, "s", true); err != nil {
		t.Fatal(err)
	}
	for _, tn := range nodes {
		waitModel(t, tn, "shared:s disabled on A", func() bool {
			disabled, _, _ := localRecord(t, tn, identifierOf(a), "shared:s")
			return disabled
		})
	}
	placements, err := nodes[2].node.TestStartProcess(ctx, options.StartConfig, "shared:s")
	if err != nil || len(placements) != 1 || !slices.Equal(placements[0].RunningIdentifiers, []string{identifierOf(nodes[1])}) {
		t.Errorf("test_start_process on C: %+v, %v", placements, err)
	}
	if v, err := nodes[2].node.StartProcess(ctx, options.StartConfig, "shared:s", "", true); v != true || err != nil {
		t.Fatalf("start_process = %v, %v", v, err)
	}
	if got := j.all(); !slices.Equal(got, []string{"start shared:s on B"}) {
		t.Errorf("starts %q", got)
	}
	if _, err := nodes[2].node.StopProcess(ctx, "shared:s", true); err != nil {
		t.Fatal(err)
	}
	if _, err := a.node.Enable(ctx, "s", true); err != nil {
		t.Fatal(err)
	}
	for _, tn := range nodes {
		waitModel(t, tn, "shared:s enabled on A", func() bool {
			disabled, _, _ := localRecord(t, tn, identifierOf(a), "shared:s")
			return !disabled
		})
	}
	if _, err := nodes[2].node.StartProcess(ctx, options.StartConfig, "shared:s", "", true); err != nil {
		t.Fatal(err)
	}
	if got := j.all(); !slices.Equal(got, []string{"start shared:s on B", "stop shared:s on B", "start shared:s on A"}) {
		t.Errorf("starts and stops %q", got)
	}
}

func TestProgramRequestFaults(t *testing.T) {
	nodes := newClusterSetup(t, []string{"A", "B"}, clusterSetup{programs: true})
	a := nodes[0]
	ctx := callCtx(t)
	// Not in OPERATION yet.
	_, err := a.node.Enable(ctx, "p", true)
	if !errdefs.Is(err, errdefs.BadSupvisorsState) ||
		!strings.Contains(err.Error(), " - state expected in ['OPERATION']") {
		t.Errorf("enable before OPERATION: %v", err)
	}
	until(t, nodes, 12, "OPERATION with Master A", inOperationWithMaster(identifierOf(a)))
	for _, call := range []func() (any, error){
		func() (any, error) { return a.node.Enable(ctx, "nosuch", true) },
		func() (any, error) { return a.node.Disable(ctx, "nosuch", true) },
		func() (any, error) { return a.node.UpdateNumprocs(ctx, "nosuch", 2, true, false) },
	} {
		if _, err := call(); !errdefs.Is(err, errdefs.BadName) || !strings.Contains(err.Error(), "program=nosuch unknown to Supvisors") {
			t.Errorf("unknown program: %v", err)
		}
	}
	if a.node.HasProgram("nosuch") || !a.node.HasProgram("s") {
		t.Error("HasProgram")
	}
	a.programs.mu.Lock()
	a.programs.refuse = errdefs.New(errdefs.NotApplicable, "process_name lacks %(process_num)")
	a.programs.mu.Unlock()
	if _, err := a.node.UpdateNumprocs(ctx, "s", 2, true, false); !errdefs.Is(err, errdefs.NotApplicable) ||
		!strings.Contains(err.Error(), "numprocs not applicable to program=s") {
		t.Errorf("refused re-expansion: %v", err)
	}

	// The new processes never reach the model: FAILED after the bound,
	// counted in local ticks.
	a.programs.mu.Lock()
	a.programs.lost = true
	a.programs.mu.Unlock()
	type answer struct {
		v   any
		err error
	}
	done := make(chan answer, 1)
	go func() {
		v, err := a.node.UpdateNumprocs(ctx, "s", 2, true, false)
		done <- answer{v, err}
	}()
	for {
		select {
		case got := <-done:
			if !errdefs.Is(got.err, errdefs.Failed) || !strings.Contains(got.err.Error(), "processes=['shared:s_1']") {
				t.Errorf("lost insertion: %v, %v", got.v, got.err)
			}
			// No driver, no program control.
			n := unstartedNode(t)
			if _, err := n.Enable(ctx, "p", true); !errdefs.Is(err, errdefs.Failed) {
				t.Errorf("enable without Programs: %v", err)
			}
			return
		case <-ctx.Done():
			t.Fatal("the lost insertion never failed")
		default:
			round(t, nodes)
		}
	}
}

// A caller that gives up leaves no condition behind.
func TestAbandonedWaitIsDropped(t *testing.T) {
	nodes := programsCluster(t, "A", "B")
	a := nodes[0]
	// Engine stops that never happen: the model keeps gA:p running.
	a.engine.mu.Lock()
	a.engine.running["gA:p"] = false
	a.engine.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := a.node.Disable(ctx, "p", true)
		done <- err
	}()
	waitModel(t, a, "a parked condition", func() bool {
		n, _ := query(context.Background(), a.node, func(_ *model.Model, _ float64) (int, error) {
			return len(a.node.conditions), nil
		})
		return n == 1
	})
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("abandoned disable: %v", err)
	}
	round(t, nodes)
	n, _ := query(context.Background(), a.node, func(_ *model.Model, _ float64) (int, error) {
		return len(a.node.conditions), nil
	})
	if n != 0 {
		t.Errorf("%d conditions left", n)
	}
}

// applicationFailureRules give the programs of "shared" the running
// failure strategy RESTART_APPLICATION.
type applicationFailureRules struct{}

func (applicationFailureRules) Application(name string) model.ApplicationRules {
	a := model.DefaultApplicationRules()
	if name == "shared" {
		a.Managed = true
	}
	return a
}

func (r applicationFailureRules) Program(app, name string) model.ProgramRules {
	p := model.DefaultProgramRules(r.Application(app))
	if app == "shared" {
		p.RunningFailureStrategy = "RESTART_APPLICATION"
	}
	return p
}

// The local processes whose running failure strategy acts on the whole
// application get Supervisor's autorestart forced off: at the local
// check, and when update_numprocs adds some.
func TestAutorestartForcedOffByRules(t *testing.T) {
	j := &journal{}
	nodes := newClusterSetup(t, []string{"A", "B"}, clusterSetup{programs: true, forced: j, rules: applicationFailureRules{}})
	until(t, nodes, 12, "OPERATION with Master A", inOperationWithMaster(identifierOf(nodes[0])))
	want := []string{"autorestart shared:s on A", "autorestart shared:s on B"}
	waitModel(t, nodes[0], "autorestart forced off", func() bool {
		got := j.all()
		slices.Sort(got)
		return slices.Equal(got, want)
	})
	if _, err := nodes[1].node.UpdateNumprocs(callCtx(t), "s", 2, true, false); err != nil {
		t.Fatal(err)
	}
	want = append(want, "autorestart shared:s_1 on B")
	waitModel(t, nodes[1], "autorestart of the new process forced off", func() bool {
		got := j.all()
		slices.Sort(got)
		return slices.Equal(got, want)
	})
}
