package api

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/supvisors-go/supvisors/internal/cluster/view"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// fakePrograms knows the programs "worker" and "web" and records the
// requests that reach it.
type fakePrograms struct {
	mu    sync.Mutex
	calls []string
	fail  error
}

func (f *fakePrograms) HasProgram(program string) bool {
	return program == "worker" || program == "web"
}

func (f *fakePrograms) record(format string, args ...any) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
	if f.fail != nil {
		return nil, f.fail
	}
	return true, nil
}

func (f *fakePrograms) Enable(_ context.Context, program string, wait bool) (any, error) {
	return f.record("Enable %s %t", program, wait)
}

func (f *fakePrograms) Disable(_ context.Context, program string, wait bool) (any, error) {
	return f.record("Disable %s %t", program, wait)
}

func (f *fakePrograms) UpdateNumprocs(_ context.Context, program string, numprocs int, wait, lazy bool) (any, error) {
	return f.record("UpdateNumprocs %s %d %t %t", program, numprocs, wait, lazy)
}

func (f *fakePrograms) taken() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.calls
	f.calls = nil
	return out
}

func programsHarness(t *testing.T) (*harness, *fakePrograms) {
	t.Helper()
	progs := &fakePrograms{}
	h := &harness{d: xmlrpc.NewDispatcher(), cluster: newFakeCluster(snapshotABC())}
	Register(h.d, h.cluster, nil, Options{Programs: progs})
	return h, progs
}

func TestProgramMethodsPassTheirArguments(t *testing.T) {
	h, progs := programsHarness(t)
	for _, tc := range []struct {
		method string
		params []any
	}{
		{"enable", []any{"worker"}},
		{"enable", []any{"web", false}},
		{"disable", []any{"worker"}},
		{"disable", []any{"worker", 0}},
		{"update_numprocs", []any{"worker", 3}},
		{"update_numprocs", []any{"worker", "4", false}},
		{"update_numprocs", []any{"worker", 2, true, true}},
		{"update_numprocs", []any{"worker", 2.9, 1, ""}},
		{"update_numprocs", []any{"worker", true}},
		{"update_numprocs", []any{"worker", " 7 "}},
		{"update_numprocs", []any{"worker", []byte("5")}},
		{"update_numprocs", []any{"web", int64(1)}},
	} {
		if v, err := h.call(t, Namespace+tc.method, tc.params...); v != true || err != nil {
			t.Errorf("%s%v = %v, %v", tc.method, tc.params, v, err)
		}
	}
	want := []string{
		"Enable worker true", "Enable web false", "Disable worker true", "Disable worker false",
		"UpdateNumprocs worker 3 true false", "UpdateNumprocs worker 4 false false",
		"UpdateNumprocs worker 2 true true", "UpdateNumprocs worker 2 true false",
		"UpdateNumprocs worker 1 true false", "UpdateNumprocs worker 7 true false",
		"UpdateNumprocs worker 5 true false", "UpdateNumprocs web 1 true false",
	}
	if got := progs.taken(); !slices.Equal(got, want) {
		t.Errorf("requests\n got %q\nwant %q", got, want)
	}
	// The driver's faults come back as they are.
	progs.fail = errdefs.New(errdefs.StillRunning, "processes=['g:worker']")
	_, err := h.call(t, Namespace+"disable", "worker")
	wantFault(t, "disable", err, "STILL_RUNNING: processes=['g:worker']")
}

// The checks run in Supvisors' order: argument count, state, program
// name, then numprocs; nothing reaches the driver.
func TestProgramMethodsFaults(t *testing.T) {
	h, progs := programsHarness(t)
	for _, tc := range []struct {
		method string
		params []any
		want   string
	}{
		{"enable", nil, "INCORRECT_PARAMETERS"},
		{"enable", []any{"worker", true, 1}, "INCORRECT_PARAMETERS"},
		{"disable", nil, "INCORRECT_PARAMETERS"},
		{"update_numprocs", []any{"worker"}, "INCORRECT_PARAMETERS"},
		{"update_numprocs", []any{"worker", 1, true, false, 0}, "INCORRECT_PARAMETERS"},
		{"enable", []any{"nosuch"}, "BAD_NAME: program=nosuch unknown to Supvisors"},
		{"disable", []any{"g:worker"}, "BAD_NAME: program=g:worker unknown to Supvisors"},
		{"disable", []any{12}, "BAD_NAME: program=12 unknown to Supvisors"},
		{"disable", []any{[]any{"worker"}}, "INCORRECT_PARAMETERS"},
		{"update_numprocs", []any{"nosuch", "x"}, "BAD_NAME: program=nosuch unknown to Supvisors"},
		{"update_numprocs", []any{"worker", 0}, "INCORRECT_PARAMETERS: program=worker incorrect numprocs=0 - integer > 0 expected"},
		{"update_numprocs", []any{"worker", -2}, "INCORRECT_PARAMETERS: program=worker incorrect numprocs=-2 - integer > 0 expected"},
		{"update_numprocs", []any{"worker", "two"}, "INCORRECT_PARAMETERS: program=worker incorrect numprocs=two - integer > 0 expected"},
		{"update_numprocs", []any{"worker", 0.5}, "INCORRECT_PARAMETERS: program=worker incorrect numprocs=0.5 - integer > 0 expected"},
		{"update_numprocs", []any{"worker", false}, "INCORRECT_PARAMETERS: program=worker incorrect numprocs=False - integer > 0 expected"},
		{"update_numprocs", []any{"worker", "2.5"}, "INCORRECT_PARAMETERS: program=worker incorrect numprocs=2.5 - integer > 0 expected"},
		{"update_numprocs", []any{"worker", nil}, "INCORRECT_PARAMETERS"},
		{"update_numprocs", []any{"worker", []any{1}}, "INCORRECT_PARAMETERS"},
	} {
		_, err := h.call(t, Namespace+tc.method, tc.params...)
		wantFault(t, fmt.Sprintf("%s%v", tc.method, tc.params), err, tc.want)
	}

	// Outside OPERATION, the state gate comes before the name.
	h.cluster.update(func(s *view.Snapshot) { s.Self.FSMStateName, s.Self.FSMStateCode = "CONCILIATION", 5 })
	for _, tc := range []struct {
		method string
		params []any
	}{
		{"enable", []any{"nosuch"}}, {"disable", []any{"worker"}}, {"update_numprocs", []any{"nosuch", 0}},
	} {
		_, err := h.call(t, Namespace+tc.method, tc.params...)
		wantFault(t, tc.method, err, "BAD_SUPVISORS_STATE: invalid Supvisors state=CONCILIATION - state expected in ['OPERATION']")
	}
	// ... but after the argument count, as Supervisor checks it first.
	_, err := h.call(t, Namespace+"enable")
	wantFault(t, "enable()", err, "INCORRECT_PARAMETERS")
	if got := progs.taken(); len(got) != 0 {
		t.Errorf("refused requests reached the driver: %q", got)
	}
}

func TestProgramMethodsWithoutDriver(t *testing.T) {
	h := newHarness(t, snapshotABC())
	_, err := h.call(t, Namespace+"enable", "worker")
	wantFault(t, "enable", err, "FAILED: no program control in this daemon")
}
