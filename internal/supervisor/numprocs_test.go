package supervisor

import (
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/events/eventstest"
)

// configNames lists the processes getAllConfigInfo describes for group.
func (h *harness) configNames(group string) []string {
	h.t.Helper()
	infos, err := h.s.AllConfigInfo()
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, ci := range infos {
		if ci.Group == group {
			out = append(out, ci.Name)
		}
	}
	return out
}

// processNames lists the namespecs of the process table.
func (h *harness) processNames() []string {
	h.t.Helper()
	all, err := h.s.AllProcessInfo()
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, info := range all {
		out = append(out, MakeNamespec(info.Group, info.Name))
	}
	return out
}

// waitRemoved waits until name is no longer in the process table.
func (h *harness) waitRemoved(name string) {
	h.t.Helper()
	for {
		if _, err := h.s.ProcessInfo(name); errdefs.Is(err, errdefs.BadName) {
			return
		}
		select {
		case <-h.ctx.Done():
			h.t.Fatalf("%s never removed; table %v", name, h.processNames())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestNumprocsIncreaseAddsProcesses(t *testing.T) {
	cfg := loadConf(t, `
[program:w]
command = sleep 1000
process_name = w_%(process_num)d
numprocs = 2
numprocs_start = 1
startsecs = 0
`)
	h := start(t, cfg)
	h.waitState("w:w_1", "RUNNING")
	h.waitState("w:w_2", "RUNNING")
	w := eventstest.Watch(t, h.bus)
	added, obsolete, err := h.s.UpdateNumprocs("w", 4, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"w:w_3", "w:w_4"}; !reflect.DeepEqual(added, want) || len(obsolete) != 0 {
		t.Fatalf("added %v obsolete %v, want %v and none", added, obsolete, want)
	}
	// Created STOPPED, announced, then autostarted like any new process.
	w.WaitSequence(h.ctx, t,
		eventstest.Name("PROCESS_ADDED", "processname:w_3 groupname:w "),
		eventstest.Name("PROCESS_ADDED", "processname:w_4 groupname:w "),
		eventstest.Name("PROCESS_STATE_STARTING", "processname:w_3 "),
	)
	h.waitState("w:w_3", "RUNNING")
	h.waitState("w:w_4", "RUNNING")
	if want := []string{"w:w_1", "w:w_2", "w:w_3", "w:w_4"}; !reflect.DeepEqual(h.processNames(), want) {
		t.Errorf("table %v, want %v", h.processNames(), want)
	}
	if want := []string{"w_1", "w_2", "w_3", "w_4"}; !reflect.DeepEqual(h.configNames("w"), want) {
		t.Errorf("config info %v, want %v", h.configNames("w"), want)
	}
	info := h.localInfo("w:w_4")
	if info.ProgramName != "w" || info.ProcessIndex != 3 || info.StdoutLogfile == "" {
		t.Errorf("w_4 record %+v", info)
	}
	// The same count again changes nothing.
	if added, obsolete, err := h.s.UpdateNumprocs("w", 4, false); err != nil || len(added)+len(obsolete) != 0 {
		t.Errorf("same numprocs: %v %v %v", added, obsolete, err)
	}
}

func TestNumprocsDecreaseStopsThenRemoves(t *testing.T) {
	cfg := loadConf(t, `
[program:w]
command = sleep 1000
process_name = w_%(process_num)d
numprocs = 4
autostart = false
startsecs = 0
`)
	h := start(t, cfg)
	for _, name := range []string{"w:w_0", "w:w_1", "w:w_2"} {
		if err := h.s.StartProcess(h.ctx, name, true); err != nil {
			t.Fatal(err)
		}
	}
	pid1, pid2 := h.info("w:w_1").PID, h.info("w:w_2").PID
	w := eventstest.Watch(t, h.bus)
	added, obsolete, err := h.s.UpdateNumprocs("w", 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"w:w_1", "w:w_2", "w:w_3"}; len(added) != 0 || !reflect.DeepEqual(obsolete, want) {
		t.Fatalf("added %v obsolete %v, want none and %v", added, obsolete, want)
	}
	// The stopped one is gone at once.
	if _, err := h.s.ProcessInfo("w:w_3"); !errdefs.Is(err, errdefs.BadName) {
		t.Errorf("stopped obsolete w_3 still there: %v", err)
	}
	w.WaitSequence(h.ctx, t,
		eventstest.Name("PROCESS_REMOVED", "processname:w_3 groupname:w "),
		eventstest.Name("PROCESS_STATE_STOPPED", "processname:w_1 "),
		eventstest.Name("PROCESS_REMOVED", "processname:w_1 groupname:w "),
	)
	w.WaitSequence(h.ctx, t,
		eventstest.Name("PROCESS_STATE_STOPPED", "processname:w_2 "),
		eventstest.Name("PROCESS_REMOVED", "processname:w_2 groupname:w "),
	)
	waitGone(t, h.ctx, pid1)
	waitGone(t, h.ctx, pid2)
	// The events come before the snapshot that follows them.
	h.waitRemoved("w:w_1")
	h.waitRemoved("w:w_2")
	if want := []string{"w:w_0"}; !reflect.DeepEqual(h.processNames(), want) {
		t.Errorf("table %v, want %v", h.processNames(), want)
	}
	if want := []string{"w_0"}; !reflect.DeepEqual(h.configNames("w"), want) {
		t.Errorf("config info %v, want %v", h.configNames("w"), want)
	}
	if st := h.info("w:w_0").StateName; st != "RUNNING" {
		t.Errorf("w_0 %s, want RUNNING", st)
	}
}

func TestNumprocsLazyDecreaseWaitsForExit(t *testing.T) {
	cfg := loadConf(t, `
[program:w]
command = sleep 1000
process_name = w_%(process_num)d
numprocs = 3
startsecs = 0
autorestart = true
`)
	h := start(t, cfg)
	for _, name := range []string{"w:w_0", "w:w_1", "w:w_2"} {
		h.waitState(name, "RUNNING")
	}
	w := eventstest.Watch(t, h.bus)
	_, obsolete, err := h.s.UpdateNumprocs("w", 1, true)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"w:w_1", "w:w_2"}; !reflect.DeepEqual(obsolete, want) {
		t.Fatalf("obsolete %v, want %v", obsolete, want)
	}
	h.sync()
	for _, name := range obsolete {
		if st := h.info(name).StateName; st != "RUNNING" {
			t.Errorf("lazy decrease left %s %s, want RUNNING", name, st)
		}
	}
	// An exit of its own removes it, autorestart=true notwithstanding.
	pid := h.info("w:w_1").PID
	if err := h.s.SignalProcess("w:w_1", syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, h.ctx, pid)
	w.WaitSequence(h.ctx, t,
		eventstest.Name("PROCESS_STATE_EXITED", "processname:w_1 "),
		eventstest.Name("PROCESS_REMOVED", "processname:w_1 groupname:w "),
	)
	h.waitRemoved("w:w_1")
	for _, ev := range w.Seen() {
		if eventstest.Name("PROCESS_STATE_STARTING", "processname:w_1 ")(ev) {
			t.Error("obsolete w_1 respawned")
		}
	}
	// A stop asked by someone removes it as well.
	if err := h.s.StopProcess(h.ctx, "w:w_2", true); err != nil {
		t.Fatal(err)
	}
	h.waitRemoved("w:w_2")
	if want := []string{"w:w_0"}; !reflect.DeepEqual(h.processNames(), want) {
		t.Errorf("table %v, want %v", h.processNames(), want)
	}
}

func TestNumprocsIncreaseRevivesObsolete(t *testing.T) {
	cfg := loadConf(t, `
[program:w]
command = sleep 1000
process_name = w_%(process_num)d
numprocs = 3
startsecs = 0
`)
	h := start(t, cfg)
	for _, name := range []string{"w:w_0", "w:w_1", "w:w_2"} {
		h.waitState(name, "RUNNING")
	}
	if _, obsolete, err := h.s.UpdateNumprocs("w", 1, true); err != nil || len(obsolete) != 2 {
		t.Fatalf("decrease: %v %v", obsolete, err)
	}
	pid := h.info("w:w_2").PID
	added, obsolete, err := h.s.UpdateNumprocs("w", 3, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(added) != 0 || len(obsolete) != 0 {
		t.Errorf("revival reported added %v obsolete %v, want none", added, obsolete)
	}
	// Revived, w_2 is an ordinary process again: its exit does not remove
	// it, and a start works.
	if err := h.s.StopProcess(h.ctx, "w:w_2", true); err != nil {
		t.Fatal(err)
	}
	waitGone(t, h.ctx, pid)
	h.sync()
	if st := h.info("w:w_2").StateName; st != "STOPPED" {
		t.Errorf("w_2 %s, want STOPPED", st)
	}
	if err := h.s.StartProcess(h.ctx, "w:w_2", true); err != nil {
		t.Errorf("start revived w_2: %v", err)
	}
}

func TestNumprocsFaults(t *testing.T) {
	cfg := loadConf(t, `
[program:single]
command = sleep 1000
autostart = false
`)
	h := start(t, cfg)
	_, _, err := h.s.UpdateNumprocs("single", 2, false)
	if !errdefs.Is(err, errdefs.NotApplicable) || err.Error() != "NOT_APPLICABLE: numprocs not applicable to program=single" {
		t.Errorf("no process_num: %v, want NOT_APPLICABLE", err)
	}
	if code, _ := errdefs.CodeOf(err); code != 104 {
		t.Errorf("fault code %d, want 104", code)
	}
	if _, _, err := h.s.UpdateNumprocs("nothere", 2, false); !errdefs.Is(err, errdefs.BadName) {
		t.Errorf("unknown program: %v, want BAD_NAME", err)
	}
	if _, _, err := h.s.UpdateNumprocs("single", 0, false); !errdefs.Is(err, errdefs.IncorrectParameters) {
		t.Errorf("numprocs 0: %v, want INCORRECT_PARAMETERS", err)
	}
	if want := []string{"single"}; !reflect.DeepEqual(h.processNames(), want) {
		t.Errorf("table changed by failed calls: %v", h.processNames())
	}
}

func TestNumprocsInSeveralGroups(t *testing.T) {
	// Supervisor lets several [group:x] sections name the same program:
	// each group gets its own processes of it.
	cfg := loadConf(t, `
[program:w]
command = sleep 1000
process_name = w_%(process_num)d
autostart = false

[program:solo]
command = sleep 1000
autostart = false

[group:g1]
programs = w,solo

[group:g2]
programs = w
`)
	h := start(t, cfg)
	w := eventstest.Watch(t, h.bus)
	added, _, err := h.s.UpdateNumprocs("w", 2, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"g1:w_1", "g2:w_1"}; !reflect.DeepEqual(added, want) {
		t.Fatalf("added %v, want %v", added, want)
	}
	w.WaitSequence(h.ctx, t,
		eventstest.Name("PROCESS_ADDED", "processname:w_1 groupname:g1 "),
		eventstest.Name("PROCESS_ADDED", "processname:w_1 groupname:g2 "),
	)
	if want := []string{"solo", "w_0", "w_1"}; !reflect.DeepEqual(h.configNames("g1"), want) {
		t.Errorf("g1 config %v, want %v", h.configNames("g1"), want)
	}
	if info := h.localInfo("g2:w_1"); info.ProcessIndex != 1 || info.ProgramName != "w" {
		t.Errorf("g2:w_1 record %+v", info)
	}
	_, obsolete, err := h.s.UpdateNumprocs("w", 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"g1:w_1", "g2:w_1"}; !reflect.DeepEqual(obsolete, want) {
		t.Errorf("obsolete %v, want %v", obsolete, want)
	}
	if want := []string{"g1:solo", "g1:w_0", "g2:w_0"}; !reflect.DeepEqual(h.processNames(), want) {
		t.Errorf("table %v, want %v", h.processNames(), want)
	}
}

func TestNumprocsOfDisabledProgram(t *testing.T) {
	cfg := loadConf(t, `
[program:w]
command = sleep 1000
process_name = w_%(process_num)d
startsecs = 0
`)
	h := start(t, cfg, func(o *Options) { o.DisabledPrograms = map[string]bool{"w": true} })
	added, _, err := h.s.UpdateNumprocs("w", 2, false)
	if err != nil || len(added) != 1 {
		t.Fatalf("increase: %v %v", added, err)
	}
	h.sync()
	if info := h.localInfo("w:w_1"); !info.Disabled || info.StateName != "STOPPED" {
		t.Errorf("new process of a disabled program: %+v", info)
	}
	if _, err := h.s.SetProgramDisabled("w", false); err != nil {
		t.Fatal(err)
	}
	h.waitState("w:w_0", "RUNNING")
	h.waitState("w:w_1", "RUNNING")
}

func TestNumprocsOfEventListener(t *testing.T) {
	cfg := loadConf(t, `
[rpcinterface:supvisors]
supervisor.rpcinterface_factory = supvisors.plugin:make_supvisors_rpcinterface

[eventlistener:lis]
command = sh -c 'printf "READY\n"; exec sleep 1000'
process_name = lis_%(process_num)d
events = PROCESS_DISABLED
startsecs = 0
`)
	h := start(t, cfg)
	h.waitState("lis:lis_0", "RUNNING")
	added, _, err := h.s.UpdateNumprocs("lis", 2, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"lis:lis_1"}; !reflect.DeepEqual(added, want) {
		t.Fatalf("added %v, want %v", added, want)
	}
	h.waitState("lis:lis_1", "RUNNING")
	if _, _, err := h.s.UpdateNumprocs("lis", 1, false); err != nil {
		t.Fatal(err)
	}
	h.waitRemoved("lis:lis_1")
}

func TestNumprocsOfFCGIProgram(t *testing.T) {
	cfg := loadConf(t, `
[fcgi-program:web]
command = sleep 1000
socket = unix://%(here)s/web.sock
process_name = web_%(process_num)d
startsecs = 0
`)
	h := start(t, cfg)
	h.waitState("web:web_0", "RUNNING")
	added, _, err := h.s.UpdateNumprocs("web", 3, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"web:web_1", "web:web_2"}; !reflect.DeepEqual(added, want) {
		t.Fatalf("added %v, want %v", added, want)
	}
	h.waitState("web:web_1", "RUNNING")
	h.waitState("web:web_2", "RUNNING")
	if _, obsolete, err := h.s.UpdateNumprocs("web", 1, false); err != nil || len(obsolete) != 2 {
		t.Fatalf("decrease: %v %v", obsolete, err)
	}
	h.waitRemoved("web:web_1")
	h.waitRemoved("web:web_2")
	if st := h.info("web:web_0").StateName; st != "RUNNING" {
		t.Errorf("web_0 %s, want RUNNING", st)
	}
}

// TestNumprocsIssue177Scenario replays Supvisors' own check of
// update_numprocs (test_supervisor_177): a program in two groups, a
// program that cannot change numprocs, stopped programs and event
// listeners, each grown then shrunk back.
func TestNumprocsIssue177Scenario(t *testing.T) {
	// A listener that acknowledges every event it gets.
	const listener = `sh -c 'while :; do printf "READY\n"; read -r hdr || exit 0; n=${hdr##*len:}; head -c "$n" >/dev/null; printf "RESULT 2\nOK"; done'`
	cfg := loadConf(t, strings.ReplaceAll(`
[rpcinterface:supvisors]
supervisor.rpcinterface_factory = supvisors.plugin:make_supvisors_rpcinterface

[group:dummy1]
programs=autostarted,stopped

[group:dummy2]
programs=autostarted,control

[program:control]
command=sleep 1000
startsecs=0

[program:autostarted]
command=sleep 1000
process_name=%(program_name)s_%(process_num)d
numprocs=2
numprocs_start=10
startsecs=0

[program:stopped]
command=sleep 1000
process_name=%(program_name)s_%(process_num)d
numprocs=2
numprocs_start=20
autostart=false

[eventlistener:listener]
command=LISTENER
events=EVENT
buffer_size=50
startsecs=0

[eventlistener:multiple_listener]
command=LISTENER
process_name=%(program_name)s_%(process_num)02d
numprocs=2
events=PROCESS_STATE
buffer_size=50
startsecs=0
`, "LISTENER", listener))
	h := start(t, cfg)
	// check waits until every process but the stopped_* ones runs, and
	// the processes of each program are as many as expected.
	check := func(want map[string]int) {
		t.Helper()
		for {
			all, err := h.s.AllProcessInfo()
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			settled := true
			for _, info := range all {
				name := info.Name
				if i := strings.LastIndexByte(name, '_'); i > 0 {
					name = name[:i]
				}
				got[name]++
				wantState := "RUNNING"
				if name == "stopped" {
					wantState = "STOPPED"
				}
				settled = settled && info.StateName == wantState
			}
			if settled && reflect.DeepEqual(got, want) {
				return
			}
			select {
			case <-h.ctx.Done():
				t.Fatalf("processes %v (settled %v), want %v; table %v", got, settled, want, h.processNames())
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	counts := func(autostarted, stopped, multiple int) map[string]int {
		return map[string]int{"autostarted": autostarted, "stopped": stopped, "control": 1, "listener": 1, "multiple_listener": multiple}
	}
	check(counts(4, 2, 2))
	if _, _, err := h.s.UpdateNumprocs("control", 5, false); !errdefs.Is(err, errdefs.NotApplicable) {
		t.Errorf("control: %v, want NOT_APPLICABLE", err)
	}
	steps := []struct {
		program  string
		numprocs int
		want     map[string]int
	}{
		{"autostarted", 5, counts(10, 2, 2)},
		{"autostarted", 2, counts(4, 2, 2)},
		{"stopped", 4, counts(4, 4, 2)},
		{"stopped", 2, counts(4, 2, 2)},
		{"multiple_listener", 3, counts(4, 2, 3)},
		{"multiple_listener", 1, counts(4, 2, 1)},
	}
	for _, st := range steps {
		if _, _, err := h.s.UpdateNumprocs(st.program, st.numprocs, false); err != nil {
			t.Fatalf("%s %d: %v", st.program, st.numprocs, err)
		}
		check(st.want)
	}
	if _, _, err := h.s.UpdateNumprocs("listener", 5, false); !errdefs.Is(err, errdefs.NotApplicable) {
		t.Errorf("listener: %v, want NOT_APPLICABLE", err)
	}
}
