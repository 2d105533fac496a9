package api

import (
	"context"
	"testing"

	"github.com/supvisors-go/supvisors/internal/cluster/model"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// localModel answers ProcessInfo from a model loaded with the local
// processes only: all that start_args asks of the model.
type localModel struct {
	Model
	m *model.Model
}

func (l localModel) ProcessInfo(_ context.Context, namespec string) (model.ProcessInfoList, error) {
	return l.m.ProcessInfo(namespec, 0)
}

func TestStartArgs(t *testing.T) {
	e := startEngine(t)
	procs, err := LocalProcesses(e)
	if err != nil {
		t.Fatal(err)
	}
	m := model.New(nil)
	m.LoadProcesses("127.0.0.1:61001", procs, 0)
	h := &harness{d: xmlrpc.NewDispatcher(), cluster: newFakeCluster(snapshotABC())}
	Register(h.d, h.cluster, e, Options{Model: localModel{m: m}})

	if v, err := h.call(t, "supvisors.start_args", "mobile:roamer", "2000", true); v != true || err != nil {
		t.Fatalf("start_args = %v, %v", v, err)
	}
	waitState(t, e, "mobile:roamer", "RUNNING")
	if args, err := e.ExtraArgs("mobile:roamer"); args != "2000" || err != nil {
		t.Errorf("extra args %q, %v", args, err)
	}
	// The local records show them, as peers read them.
	v, err := h.call(t, "supvisors.get_local_process_info", "mobile:roamer")
	if got, _ := v.(xmlrpc.Struct).Get("extra_args"); err != nil || got != "2000" {
		t.Errorf("get_local_process_info = %v, %v", v, err)
	}
	list, err := LocalProcesses(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range list {
		if want := map[bool]string{true: "2000"}[p.Group == "mobile"]; p.ExtraArgs != want {
			t.Errorf("%s:%s extra_args %q, want %q", p.Group, p.Name, p.ExtraArgs, want)
		}
	}
	for _, tc := range []struct {
		params []any
		want   string
	}{
		{[]any{"mobile:roamer", "", false}, "ALREADY_STARTED: mobile:roamer"},
		{[]any{"nosuch:x", ""}, "BAD_NAME: application=nosuch unknown to Supvisors"},
		{[]any{"mobile:x", ""}, "BAD_NAME: process=x unknown in application=mobile"},
		{[]any{"mobile:*", ""}, "BAD_NAME: namespec=mobile:* unknown to Supervisor"},
		{[]any{"mobile:roamer"}, "INCORRECT_PARAMETERS"},
	} {
		_, err := h.call(t, "supvisors.start_args", tc.params...)
		wantFault(t, "start_args", err, tc.want)
	}
}

// A disabled program shows in the local records, and start_args refuses
// it with DISABLED (the engine's fault, passed on).
func TestStartArgsOnDisabledProgram(t *testing.T) {
	e := startEngine(t)
	procs, err := LocalProcesses(e)
	if err != nil {
		t.Fatal(err)
	}
	m := model.New(nil)
	m.LoadProcesses("127.0.0.1:61001", procs, 0)
	h := &harness{d: xmlrpc.NewDispatcher(), cluster: newFakeCluster(snapshotABC())}
	Register(h.d, h.cluster, e, Options{Model: localModel{m: m}})
	if _, err := e.SetProgramDisabled("roamer", true); err != nil {
		t.Fatal(err)
	}
	_, err = h.call(t, "supvisors.start_args", "mobile:roamer", "")
	if f := xmlrpc.FaultOf(err); f.Code != 103 {
		t.Errorf("start_args on a disabled program: %v", err)
	}
	record, err := LocalProcess(e, "mobile:roamer")
	if err != nil || !record.Disabled {
		t.Errorf("local record %+v, %v", record, err)
	}
	list, err := LocalProcesses(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range list {
		if p.Disabled != (p.ProgramName == "roamer") {
			t.Errorf("%s:%s disabled %t", p.Group, p.Name, p.Disabled)
		}
	}
}
