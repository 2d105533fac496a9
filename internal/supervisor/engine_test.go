package supervisor

import (
	"context"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/events/eventstest"
)

func TestStartStopInfo(t *testing.T) {
	cfg := cfgOf(t, groupOf("sleeper", 999, prog("sleeper", "sleep 100")))
	h := start(t, cfg)
	w := eventstest.Watch(t, h.bus)

	info := h.info("sleeper")
	if info.StateName != "STOPPED" || info.Description != "Not started" || info.Start != 0 {
		t.Fatalf("before start: %+v", info)
	}
	if !strings.HasPrefix(info.StdoutLogfile, cfg.Supervisord.Childlogdir+"/sleeper-stdout---enginetest-") {
		t.Errorf("stdout log %q is not an AUTO log", info.StdoutLogfile)
	}
	if err := h.s.StartProcess(h.ctx, "sleeper", true); err != nil {
		t.Fatalf("StartProcess: %v", err)
	}
	info = h.info("sleeper")
	if info.StateName != "RUNNING" || info.PID == 0 || !strings.HasPrefix(info.Description, "pid ") {
		t.Fatalf("after start: %+v", info)
	}
	if err := h.s.StartProcess(h.ctx, "sleeper", true); !errdefs.Is(err, errdefs.AlreadyStarted) {
		t.Errorf("second start: %v, want ALREADY_STARTED", err)
	}
	if err := h.s.StopProcess(h.ctx, "sleeper", true); err != nil {
		t.Fatalf("StopProcess: %v", err)
	}
	info = h.info("sleeper")
	if info.StateName != "STOPPED" || info.PID != 0 || info.ExitStatus != -1 || info.Stop == 0 {
		t.Fatalf("after stop: %+v", info)
	}
	h.log.wait(t, "WARN stopped: sleeper (terminated by SIGTERM)")
	h.log.wait(t, "INFO spawned: 'sleeper' with pid ")
	h.log.wait(t, "INFO success: sleeper entered RUNNING state, process has stayed up for > than 0 seconds (startsecs)")
	w.WaitSequence(h.ctx, t,
		eventstest.Name("PROCESS_STATE_STARTING", "processname:sleeper groupname:sleeper from_state:STOPPED tries:0"),
		eventstest.Name("PROCESS_STATE_RUNNING", "from_state:STARTING pid:"),
		eventstest.Name("PROCESS_STATE_STOPPING", "from_state:RUNNING pid:"),
		eventstest.Name("PROCESS_STATE_STOPPED", "from_state:STOPPING pid:"),
	)
	if err := h.s.StopProcess(h.ctx, "sleeper", true); !errdefs.Is(err, errdefs.NotRunning) {
		t.Errorf("second stop: %v, want NOT_RUNNING", err)
	}
	if _, err := h.s.ProcessInfo("nosuch"); !errdefs.Is(err, errdefs.BadName) {
		t.Errorf("ProcessInfo(nosuch): %v", err)
	}
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if z := zombieChildren(); len(z) > 0 {
		t.Errorf("zombies left: %v", z)
	}
	_ = context.Background
	_ = config.AutoLogfile
}
