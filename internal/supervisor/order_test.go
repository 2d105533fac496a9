package supervisor

import (
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/events"
	"github.com/supvisors-go/supvisors/internal/events/eventstest"
)

func autostart(p *config.Process) { p.Autostart = true }

func prio(n int) func(*config.Process) { return func(p *config.Process) { p.Priority = n } }

// names returns the process names of the events named name, in order.
func names(evs []events.Event, name string) []string {
	var out []string
	for _, ev := range evs {
		if ev.Name() == name {
			p := ev.Payload()
			p = strings.TrimPrefix(p, "processname:")
			out = append(out, p[:strings.IndexByte(p, ' ')])
		}
	}
	return out
}

func TestAutostartInPriorityOrderAndOrderedShutdown(t *testing.T) {
	cfg := cfgOf(t,
		groupOf("first", 1, prog("first", "sleep 100", autostart)),
		groupOf("mixed", 5,
			prog("low", "sleep 100", autostart, prio(1)),
			prog("high", `sh -c 'trap "" TERM; while :; do sleep 0.1; done'`, autostart, prio(2), func(p *config.Process) {
				p.Stopwaitsecs = 1
			})),
		groupOf("manual", 9, prog("manual", "sleep 100")),
	)
	h := start(t, cfg)
	w := eventstest.Watch(t, h.bus)
	h.waitState("first", "RUNNING")
	h.waitState("mixed:low", "RUNNING")
	h.waitState("mixed:high", "RUNNING")
	if st := h.info("manual").StateName; st != "STOPPED" {
		t.Errorf("manual is %s, want STOPPED (autostart=false)", st)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	seen := w.WaitSequence(h.ctx, t,
		eventstest.Name("SUPERVISOR_STATE_CHANGE_STOPPING"),
		eventstest.Name("PROCESS_STATE_STOPPED", "processname:first"),
	)
	// Group "mixed" (priority 5) is stopped before "first" (priority 1),
	// within it "high" before "low"; "first" only once "mixed" is done.
	if got := names(seen, "PROCESS_STATE_STOPPING"); strings.Join(got, ",") != "high,low,first" {
		t.Errorf("stop order %v, want high,low,first", got)
	}
	var lastMixedStopped, firstStopping int
	for i, ev := range seen {
		p := ev.Payload()
		if ev.Name() == "PROCESS_STATE_STOPPED" && strings.Contains(p, "groupname:mixed") {
			lastMixedStopped = i
		}
		if ev.Name() == "PROCESS_STATE_STOPPING" && strings.Contains(p, "processname:first") {
			firstStopping = i
		}
	}
	if firstStopping < lastMixedStopped {
		t.Errorf("first was stopped before mixed finished:%s", eventstest.Describe(seen))
	}
	h.log.wait(t, "INFO waiting for first, low, high to die")
	if z := zombieChildren(); len(z) > 0 {
		t.Errorf("zombies left: %v", z)
	}
	if _, err := h.s.AllProcessInfo(); !errdefs.Is(err, errdefs.ShutdownState) {
		t.Errorf("AllProcessInfo after shutdown: %v", err)
	}
}

func TestGroupOperations(t *testing.T) {
	cfg := cfgOf(t,
		groupOf("b", 2, prog("b1", "sleep 100", prio(2)), prog("b2", "sleep 100", prio(1))),
		groupOf("a", 1, prog("a", "sleep 100")),
	)
	h := start(t, cfg)
	w := eventstest.Watch(t, h.bus)
	res, err := h.s.StartAllProcesses(h.ctx, true)
	if err != nil || len(res) != 3 {
		t.Fatalf("StartAllProcesses: %+v %v", res, err)
	}
	for _, r := range res {
		if r.Status != errdefs.Success || r.Description != "OK" {
			t.Errorf("result %+v", r)
		}
	}
	seen := w.WaitSequence(h.ctx, t, eventstest.Name("PROCESS_STATE_RUNNING"), eventstest.Name("PROCESS_STATE_RUNNING"), eventstest.Name("PROCESS_STATE_RUNNING"))
	if got := strings.Join(names(seen, "PROCESS_STATE_STARTING"), ","); got != "a,b2,b1" {
		t.Errorf("start order %s, want a,b2,b1", got)
	}
	res, err = h.s.StartProcessGroup(h.ctx, "b", true)
	if err != nil || len(res) != 0 {
		t.Errorf("StartProcessGroup on running group: %+v %v", res, err)
	}
	if _, err := h.s.StartProcessGroup(h.ctx, "nosuch", true); !errdefs.Is(err, errdefs.BadName) {
		t.Errorf("unknown group: %v", err)
	}
	if err := h.s.StartProcess(h.ctx, "b:*", true); !errdefs.Is(err, errdefs.BadName) {
		t.Errorf("group spec to StartProcess: %v", err)
	}
	all, err := h.s.AllProcessInfo()
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, i := range all {
		order = append(order, i.Group+":"+i.Name)
	}
	if strings.Join(order, ",") != "a:a,b:b1,b:b2" {
		t.Errorf("AllProcessInfo order %v", order)
	}
	res, err = h.s.StopProcessGroup(h.ctx, "b", true)
	if err != nil || len(res) != 2 {
		t.Fatalf("StopProcessGroup: %+v %v", res, err)
	}
	res, err = h.s.StopAllProcesses(h.ctx, false)
	if err != nil || len(res) != 1 || res[0].Name != "a" {
		t.Fatalf("StopAllProcesses: %+v %v", res, err)
	}
	h.waitState("a", "STOPPED")
}

func TestRereadAddRemove(t *testing.T) {
	cfg := cfgOf(t, groupOf("keep", 1, prog("keep", "sleep 100")), groupOf("old", 2, prog("old", "sleep 100")))
	next := cfgOf(t,
		groupOf("keep", 1, prog("keep", "sleep 200")),
		groupOf("new", 3, prog("new", "sleep 100", autostart)),
	)
	next.Supervisord = cfg.Supervisord
	h := start(t, cfg, func(o *Options) {
		o.Reread = func() (*config.Config, error) { return next, nil }
	})
	w := eventstest.Watch(t, h.bus)
	added, changed, removed, err := h.s.ReloadConfig()
	if err != nil || strings.Join(added, ",") != "new" || strings.Join(changed, ",") != "keep" || strings.Join(removed, ",") != "old" {
		t.Fatalf("ReloadConfig: %v %v %v %v", added, changed, removed, err)
	}
	if err := h.s.AddProcessGroup("nosuch"); !errdefs.Is(err, errdefs.BadName) {
		t.Errorf("add unknown: %v", err)
	}
	if err := h.s.AddProcessGroup("keep"); !errdefs.Is(err, errdefs.AlreadyAdded) {
		t.Errorf("add active: %v", err)
	}
	if err := h.s.AddProcessGroup("new"); err != nil {
		t.Fatal(err)
	}
	h.waitState("new", "RUNNING")
	if err := h.s.RemoveProcessGroup("new"); !errdefs.Is(err, errdefs.StillRunning) {
		t.Errorf("remove running: %v", err)
	}
	if err := h.s.RemoveProcessGroup("old"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.ProcessInfo("old"); !errdefs.Is(err, errdefs.BadName) {
		t.Errorf("removed group still there: %v", err)
	}
	w.WaitSequence(h.ctx, t, eventstest.Name("PROCESS_GROUP_ADDED", "groupname:new\n"), eventstest.Name("PROCESS_GROUP_REMOVED", "groupname:old\n"))
	ci, err := h.s.AllConfigInfo()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range ci {
		got = append(got, c.Name+"="+*c.Stdout.Logfile)
		if c.Name == "keep" && !c.InUse {
			t.Errorf("keep not in use")
		}
	}
	// "keep" was re-read (its fresh configuration is unresolved); "new"
	// was added from the re-read configuration, which resolves its AUTO log.
	if len(got) != 2 || got[0] != "keep=auto" || !strings.HasPrefix(got[1], "new="+next.Supervisord.Childlogdir+"/new-stdout---") {
		t.Errorf("config info logfiles %v", got)
	}
}

// Processes that stop together are reported in the order they were acted
// on, as Supervisor reports those it finds stopped in one poll; one that
// needs SIGKILL after stopwaitsecs comes after them.
func TestGroupResultsInActionOrder(t *testing.T) {
	stubborn := func(p *config.Process) { p.Stopwaitsecs = 2 }
	cfg := cfgOf(t, groupOf("g", 1,
		prog("a", "sh -c 'trap \"\" TERM; exec sleep 100'", stubborn),
		prog("b", "sleep 100"), prog("c", "sleep 100"), prog("d", "sleep 100")))
	h := start(t, cfg)
	for round := range 3 {
		if _, err := h.s.StartProcessGroup(h.ctx, "g", true); err != nil {
			t.Fatal(err)
		}
		res, err := h.s.StopProcessGroup(h.ctx, "g", true)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range res {
			got = append(got, r.Name)
		}
		if strings.Join(got, ",") != "b,c,d,a" {
			t.Errorf("round %d: results %v, want b,c,d,a", round, got)
		}
	}
}
