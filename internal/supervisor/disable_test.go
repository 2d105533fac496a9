package supervisor

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/events/eventstest"
)

// loadConf writes a configuration file (a [supervisord] section logging in
// the file's directory, then body) and loads it as the daemon does.
func loadConf(t *testing.T, body string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "supervisord.conf")
	text := "[supervisord]\nchildlogdir = %(here)s\nidentifier = enginetest\n" + body
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, config.LoadOptions{Env: os.Environ(), Dir: dir})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return cfg
}

// sync makes the loop serve two requests: every pass that was due when
// sync was called has run by the time it returns (the loop runs a pass
// before each request it serves).
func (h *harness) sync() {
	h.t.Helper()
	for range 2 {
		if _, err := h.s.AllLocalProcessInfo(); err != nil {
			h.t.Fatalf("AllLocalProcessInfo: %v", err)
		}
	}
}

// localInfo returns the local record of name or fails.
func (h *harness) localInfo(name string) LocalProcessInfo {
	h.t.Helper()
	info, err := h.s.LocalProcessInfo(name)
	if err != nil {
		h.t.Fatalf("LocalProcessInfo(%s): %v", name, err)
	}
	return info
}

func TestDisabledProgramCannotStart(t *testing.T) {
	cfg := loadConf(t, `
[program:w]
command = sleep 1000
process_name = w_%(process_num)d
numprocs = 2
autostart = false
startsecs = 0

[program:other]
command = sleep 1000
autostart = false
`)
	h := start(t, cfg)
	w := eventstest.Watch(t, h.bus)
	names, err := h.s.SetProgramDisabled("w", true)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"w:w_0", "w:w_1"}; !reflect.DeepEqual(names, want) {
		t.Errorf("namespecs %v, want %v", names, want)
	}
	w.WaitSequence(h.ctx, t,
		eventstest.Name("PROCESS_DISABLED", "processname:w_0 groupname:w "),
		eventstest.Name("PROCESS_DISABLED", "processname:w_1 groupname:w "),
	)
	for _, ev := range w.Seen() {
		if ev.Name() == "PROCESS_DISABLED" && !strings.HasSuffix(ev.Payload(), " ") {
			t.Errorf("payload %q lacks Supvisors' trailing space", ev.Payload())
		}
	}

	err = h.s.StartProcess(h.ctx, "w:w_0", true)
	if !errdefs.Is(err, errdefs.Disabled) || err.Error() != "DISABLED: w:w_0" {
		t.Errorf("StartProcess: %v, want DISABLED: w:w_0", err)
	}
	if code, _ := errdefs.CodeOf(err); code != 103 {
		t.Errorf("fault code %d, want 103", code)
	}
	if err := h.s.StartProcessArgs(h.ctx, "w:w_1", "-x", false); !errdefs.Is(err, errdefs.Disabled) {
		t.Errorf("StartProcessArgs: %v, want DISABLED", err)
	}
	if args, _ := h.s.ExtraArgs("w:w_1"); args != "" {
		t.Errorf("refused start kept extra args %q", args)
	}
	// Group and all starts report each disabled process, as Supervisor's
	// group callbacks report the fault of the wrapped startProcess.
	results, err := h.s.StartProcessGroup(h.ctx, "w", true)
	if err != nil {
		t.Fatal(err)
	}
	want := []Result{
		{Name: "w_0", Group: "w", Status: errdefs.Disabled, Description: "DISABLED: w:w_0"},
		{Name: "w_1", Group: "w", Status: errdefs.Disabled, Description: "DISABLED: w:w_1"},
	}
	if !reflect.DeepEqual(results, want) {
		t.Errorf("StartProcessGroup %+v, want %+v", results, want)
	}
	results, err = h.s.StartAllProcesses(h.ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	// The refusals come first: they are immediate, the start is waited for.
	if len(results) != 3 || results[0].Status != errdefs.Disabled || results[1].Status != errdefs.Disabled ||
		results[2].Name != "other" || results[2].Status != errdefs.Success {
		t.Errorf("StartAllProcesses %+v", results)
	}
	if info := h.info("w:w_0"); info.StateName != "STOPPED" {
		t.Errorf("w_0 %s, want STOPPED", info.StateName)
	}
	if !h.localInfo("w:w_0").Disabled || h.localInfo("other").Disabled {
		t.Error("LocalProcessInfo.Disabled does not follow the program flag")
	}
	if got := h.s.Disabilities(); !reflect.DeepEqual(got, map[string]bool{"w": true, "other": false}) {
		t.Errorf("Disabilities %v", got)
	}
	if _, err := h.s.SetProgramDisabled("nothere", true); !errdefs.Is(err, errdefs.BadName) {
		t.Errorf("unknown program: %v, want BAD_NAME", err)
	}

	// Enabled again, the processes start as usual.
	names, err = h.s.SetProgramDisabled("w", false)
	if err != nil || len(names) != 2 {
		t.Fatalf("enable: %v %v", names, err)
	}
	w.WaitSequence(h.ctx, t, eventstest.Name("PROCESS_ENABLED", "processname:w_0 groupname:w "))
	if err := h.s.StartProcess(h.ctx, "w:w_0", true); err != nil {
		t.Errorf("start after enable: %v", err)
	}
	if h.localInfo("w:w_0").Disabled {
		t.Error("still disabled after enable")
	}
}

func TestDisabledAtStartNeverAutostarts(t *testing.T) {
	cfg := loadConf(t, `
[program:a]
command = sleep 1000
startsecs = 0

[program:witness]
command = sleep 1000
startsecs = 0
`)
	h := start(t, cfg, func(o *Options) { o.DisabledPrograms = map[string]bool{"a": true, "gone": true} })
	w := eventstest.Watch(t, h.bus)
	h.waitState("witness", "RUNNING")
	h.sync()
	if info := h.info("a"); info.StateName != "STOPPED" || info.Start != 0 {
		t.Fatalf("disabled a autostarted: %+v", info)
	}
	// Entries of the disabilities file about unknown programs are kept.
	if got := h.s.Disabilities(); !reflect.DeepEqual(got, map[string]bool{"a": true, "gone": true, "witness": false}) {
		t.Errorf("Disabilities %v", got)
	}
	if _, err := h.s.SetProgramDisabled("a", false); err != nil {
		t.Fatal(err)
	}
	// Enabling lets autostart act: PROCESS_ENABLED first, then the start.
	w.WaitSequence(h.ctx, t,
		eventstest.Name("PROCESS_ENABLED", "processname:a groupname:a "),
		eventstest.Name("PROCESS_STATE_STARTING", "processname:a "),
		eventstest.Name("PROCESS_STATE_RUNNING", "processname:a "),
	)
}

func TestEnableAutostartsAProcessStoppedBefore(t *testing.T) {
	cfg := loadConf(t, `
[program:a]
command = sleep 1000
startsecs = 0
`)
	h := start(t, cfg)
	h.waitState("a", "RUNNING")
	if err := h.s.StopProcess(h.ctx, "a", true); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s.SetProgramDisabled("a", true); err != nil {
		t.Fatal(err)
	}
	h.sync()
	if st := h.info("a").StateName; st != "STOPPED" {
		t.Fatalf("a %s after disable, want STOPPED", st)
	}
	// Supvisors resets the last start time on enable, so that autostart
	// acts again even for a process that was started before.
	if _, err := h.s.SetProgramDisabled("a", false); err != nil {
		t.Fatal(err)
	}
	h.waitState("a", "RUNNING")
}

func TestDisabledProgramDoesNotAutorestart(t *testing.T) {
	cfg := loadConf(t, `
[program:a]
command = sleep 1000
startsecs = 0
autorestart = true
`)
	h := start(t, cfg)
	pid := h.waitState("a", "RUNNING").PID
	if _, err := h.s.SetProgramDisabled("a", true); err != nil {
		t.Fatal(err)
	}
	// Disabling does not stop it: the caller does that.
	if st := h.info("a").StateName; st != "RUNNING" {
		t.Fatalf("a %s after disable, want RUNNING", st)
	}
	if err := h.s.SignalProcess("a", syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, h.ctx, pid)
	h.waitState("a", "EXITED")
	h.sync()
	if st := h.info("a").StateName; st != "EXITED" {
		t.Fatalf("disabled a restarted: %s", st)
	}
	// Enabled again, autorestart acts.
	if _, err := h.s.SetProgramDisabled("a", false); err != nil {
		t.Fatal(err)
	}
	h.waitState("a", "RUNNING")
}

func TestDisabledFlagSurvivesGroupUpdate(t *testing.T) {
	cfg := loadConf(t, `
[program:a]
command = sleep 1000
startsecs = 0
`)
	h := start(t, cfg, func(o *Options) {
		o.DisabledPrograms = map[string]bool{"a": true}
		o.Reread = func() (*config.Config, error) { return cfg, nil }
	})
	h.sync()
	if _, _, _, err := h.s.ReloadConfig(); err != nil {
		t.Fatal(err)
	}
	if err := h.s.RemoveProcessGroup("a"); err != nil {
		t.Fatal(err)
	}
	if err := h.s.AddProcessGroup("a"); err != nil {
		t.Fatal(err)
	}
	h.sync()
	if st := h.info("a").StateName; st != "STOPPED" {
		t.Fatalf("re-added disabled a is %s, want STOPPED", st)
	}
	if err := h.s.StartProcess(h.ctx, "a", false); !errdefs.Is(err, errdefs.Disabled) {
		t.Errorf("StartProcess: %v, want DISABLED", err)
	}
	if !h.localInfo("a").Disabled {
		t.Error("re-added process not disabled")
	}
}

func TestForceAutorestartOff(t *testing.T) {
	cfg := loadConf(t, `
[program:a]
command = sleep 1000
startsecs = 0
autorestart = true

[program:b]
command = sleep 1000
startsecs = 0
autorestart = true
`)
	h := start(t, cfg, func(o *Options) { o.NoAutorestartPrograms = map[string]bool{"b": true} })
	h.log.wait(t, "WARN autorestart of b forced off")
	pidA := h.waitState("a", "RUNNING").PID
	pidB := h.waitState("b", "RUNNING").PID
	if err := h.s.ForceAutorestartOff("a"); err != nil {
		t.Fatal(err)
	}
	h.log.wait(t, "WARN autorestart of a forced off")
	if err := h.s.ForceAutorestartOff("nothere"); !errdefs.Is(err, errdefs.BadName) {
		t.Errorf("unknown program: %v, want BAD_NAME", err)
	}
	for name, pid := range map[string]int{"a": pidA, "b": pidB} {
		if err := h.s.SignalProcess(name, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitGone(t, h.ctx, pid)
		h.waitState(name, "EXITED")
	}
	h.sync()
	for _, name := range []string{"a", "b"} {
		if st := h.info(name).StateName; st != "EXITED" {
			t.Errorf("%s restarted (%s) with autorestart forced off", name, st)
		}
	}
}
