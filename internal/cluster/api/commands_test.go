package api

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/supvisors-go/supvisors/internal/cluster/commander"
	"github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// fakeCommands records the requests as "Method args...".
type fakeCommands struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeCommands) record(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func (f *fakeCommands) StartApplication(_ context.Context, s options.StartingStrategy, name string, wait bool) (any, error) {
	f.record("StartApplication %s %s %t", s, name, wait)
	return true, nil
}
func (f *fakeCommands) StopApplication(_ context.Context, name string, wait bool) (any, error) {
	f.record("StopApplication %s %t", name, wait)
	return true, nil
}
func (f *fakeCommands) RestartApplication(_ context.Context, s options.StartingStrategy, name string, wait bool) (any, error) {
	f.record("RestartApplication %s %s %t", s, name, wait)
	return true, nil
}
func (f *fakeCommands) StartProcess(_ context.Context, s options.StartingStrategy, ns, extra string, wait bool) (any, error) {
	f.record("StartProcess %s %s %q %t", s, ns, extra, wait)
	return true, nil
}
func (f *fakeCommands) StartAnyProcess(_ context.Context, s options.StartingStrategy, re, extra string, wait bool) (any, error) {
	f.record("StartAnyProcess %s %s %q %t", s, re, extra, wait)
	return "g:p", nil
}
func (f *fakeCommands) StopProcess(_ context.Context, ns string, wait bool) (any, error) {
	f.record("StopProcess %s %t", ns, wait)
	return true, nil
}
func (f *fakeCommands) RestartProcess(_ context.Context, s options.StartingStrategy, ns, extra string, wait bool) (any, error) {
	f.record("RestartProcess %s %s %q %t", s, ns, extra, wait)
	return true, nil
}
func (f *fakeCommands) RestartSequence(_ context.Context, wait bool) (any, error) {
	f.record("RestartSequence %t", wait)
	return true, nil
}
func (f *fakeCommands) Conciliate(_ context.Context, s options.ConciliationStrategy) (any, error) {
	f.record("Conciliate %s", s)
	return s != options.ConciliateUser, nil
}
func (f *fakeCommands) TestStartApplication(_ context.Context, s options.StartingStrategy, name string) (commander.Placements, error) {
	f.record("TestStartApplication %s %s", s, name)
	return commander.Placements{{ApplicationName: name, ProcessName: "p", State: "RUNNING", RunningIdentifiers: []string{"x"}}}, nil
}
func (f *fakeCommands) TestStartProcess(_ context.Context, s options.StartingStrategy, ns string) (commander.Placements, error) {
	f.record("TestStartProcess %s %s", s, ns)
	return commander.Placements{}, nil
}

func TestControlMethods(t *testing.T) {
	snap := snapshotABC()
	cmds := &fakeCommands{}
	h := &harness{d: xmlrpc.NewDispatcher(), cluster: newFakeCluster(snap)}
	Register(h.d, h.cluster, nil, Options{Commands: cmds})
	for _, tc := range []struct {
		method string
		params []any
		want   any
	}{
		{"start_application", []any{"LESS_LOADED", "app"}, true},
		{"start_application", []any{3, "app", false}, true},
		{"stop_application", []any{"app"}, true},
		{"restart_application", []any{"CONFIG", "app", 0}, true},
		{"start_process", []any{"LOCAL", "g:*"}, true},
		{"start_process", []any{0, "g:p", "-x 1", false}, true},
		{"start_any_process", []any{"MOST_LOADED", "^g"}, "g:p"},
		{"stop_process", []any{"g:p", false}, true},
		{"restart_process", []any{"CONFIG", "g:p", "a"}, true},
		{"restart_sequence", nil, true},
		{"test_start_process", []any{"CONFIG", "g:p"}, []any{}},
	} {
		got, err := h.call(t, Namespace+tc.method, tc.params...)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s%v = %v, %v; want %v", tc.method, tc.params, got, err, tc.want)
		}
	}
	want := []string{
		"StartApplication LESS_LOADED app true", "StartApplication LOCAL app false", "StopApplication app true",
		"RestartApplication CONFIG app false", `StartProcess LOCAL g:* "" true`, `StartProcess CONFIG g:p "-x 1" false`,
		`StartAnyProcess MOST_LOADED ^g "" true`, "StopProcess g:p false", `RestartProcess CONFIG g:p "a" true`,
		"RestartSequence true", "TestStartProcess CONFIG g:p",
	}
	if !slices.Equal(cmds.calls, want) {
		t.Errorf("requests\n got %q\nwant %q", cmds.calls, want)
	}
	v, err := h.call(t, Namespace+"test_start_application", "CONFIG", "app")
	if items, ok := v.([]any); err != nil || !ok || len(items) != 1 {
		t.Errorf("test_start_application = %v, %v", v, err)
	}

	for _, tc := range []struct {
		method string
		params []any
		want   string
	}{
		{"start_application", []any{"BOGUS", "app"}, "INCORRECT_PARAMETERS: invalid <enum 'StartingStrategies'> value=BOGUS - " +
			"string expected in ['CONFIG', 'LESS_LOADED', 'MOST_LOADED', 'LOCAL', 'LESS_LOADED_NODE', 'MOST_LOADED_NODE']"},
		{"start_process", []any{9, "g:p"}, "INCORRECT_PARAMETERS: invalid <enum 'StartingStrategies'> value=9 - " +
			"integer expected in [0, 1, 2, 3, 4, 5]"},
		{"restart_process", []any{1.5, "g:p"}, "INCORRECT_PARAMETERS: invalid <enum 'StartingStrategies'> value=1.5 " +
			"type=<class 'float'> - type string or integer expected"},
		{"start_application", []any{"CONFIG"}, "INCORRECT_PARAMETERS"},
		{"conciliate", []any{"SENICIDE"}, "BAD_SUPVISORS_STATE: invalid Supvisors state=OPERATION - state expected in ['CONCILIATION']"},
	} {
		_, err := h.call(t, Namespace+tc.method, tc.params...)
		wantFault(t, tc.method, err, tc.want)
	}

	// CONCILIATION: conciliate runs, the operating requests are refused;
	// jobs in progress refuse restart_sequence.
	snap.Self.FSMStateName = "CONCILIATION"
	if v, err := h.call(t, Namespace+"conciliate", 2); v != false || err != nil {
		t.Errorf("conciliate(USER) = %v, %v", v, err)
	}
	_, err = h.call(t, Namespace+"conciliate", "KILL")
	wantFault(t, "conciliate", err, "INCORRECT_PARAMETERS: invalid <enum 'ConciliationStrategies'> value=KILL - "+
		"string expected in ['SENICIDE', 'INFANTICIDE', 'USER', 'STOP', 'RESTART', 'RUNNING_FAILURE']")
	_, err = h.call(t, Namespace+"start_application", "CONFIG", "app")
	wantFault(t, "start_application", err, "BAD_SUPVISORS_STATE: invalid Supvisors state=CONCILIATION - state expected in ['OPERATION']")
	if v, err := h.call(t, Namespace+"stop_process", "g:p"); v != true || err != nil {
		t.Errorf("stop_process in CONCILIATION = %v, %v", v, err)
	}
	snap.Self.FSMStateName = "OPERATION"
	snap.StoppingJobs = []string{"127.0.0.1:61002"}
	_, err = h.call(t, Namespace+"restart_sequence", true)
	wantFault(t, "restart_sequence", err, "BAD_SUPVISORS_STATE: jobs in progress")

	// Without a commander, the methods answer FAILED.
	d := xmlrpc.NewDispatcher()
	Register(d, newFakeCluster(snapshotABC()), nil, Options{})
	_, err = d.Call(context.Background(), Namespace+"stop_process", []any{"g:p"})
	wantFault(t, "stop_process without commander", err, "FAILED: no commander in this daemon")
}
