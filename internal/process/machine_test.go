package process

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func at(secs float64) time.Time { return t0.Add(time.Duration(secs * float64(time.Second))) }

func policy(mods ...func(*Policy)) Policy {
	p := Policy{Autostart: true, Autorestart: config.AutoRestartUnexpected, Startsecs: 1, Startretries: 3,
		Exitcodes: []int{0}, Stopsignal: syscall.SIGTERM, Stopwaitsecs: 10}
	for _, m := range mods {
		m(&p)
	}
	return p
}

// trace renders actions compactly: "STOPPED>STARTING spawn log:..." etc.
func trace(acts []Action) string {
	var parts []string
	for _, a := range acts {
		switch a.Kind {
		case ActTransition:
			parts = append(parts, fmt.Sprintf("%s>%s", a.From, a.To))
		case ActSpawn:
			parts = append(parts, "spawn")
		case ActSignal:
			g := ""
			if a.Group {
				g = "/group"
			}
			parts = append(parts, "signal:"+SignalName(a.Sig)+g)
		case ActLog:
			if a.Level > -4 { // skip DEBUG lines
				parts = append(parts, "log:"+a.Msg)
			}
		}
	}
	return strings.Join(parts, " | ")
}

// step is one scripted event applied to a machine.
type step struct {
	at   float64
	do   string // start, spawned, spawnfail, exit:<code>, kill:<sig>, tick, tickdown, stop, giveup, sigfail
	want string // expected trace
	st   State
}

func run(t *testing.T, m *Machine, steps []step) {
	t.Helper()
	for i, s := range steps {
		now := at(s.at)
		var acts []Action
		switch {
		case s.do == "start":
			acts = m.Start(now)
		case s.do == "spawned":
			acts = m.Spawned(4242, now)
		case s.do == "spawnfail":
			acts = m.SpawnFailed("can't find command 'x'", now)
		case strings.HasPrefix(s.do, "exit:"):
			var code int
			fmt.Sscanf(s.do, "exit:%d", &code)
			acts = m.Exited(ExitedWith(code), now)
		case strings.HasPrefix(s.do, "kill:"):
			var sig int
			fmt.Sscanf(s.do, "kill:%d", &sig)
			acts = m.Exited(KilledBy(syscall.Signal(sig)), now)
		case s.do == "tick":
			acts = m.Tick(now, true)
		case s.do == "tickdown":
			acts = m.Tick(now, false)
		case s.do == "stop":
			acts, _ = m.Stop(now)
		case s.do == "giveup":
			acts = m.GiveUp()
		case s.do == "sigfail":
			acts = m.SignalFailed(syscall.EPERM)
		default:
			t.Fatalf("bad step %q", s.do)
		}
		if got := trace(acts); got != s.want {
			t.Errorf("step %d (%s at %v): got\n  %s\nwant\n  %s", i, s.do, s.at, got, s.want)
		}
		if m.State() != s.st {
			t.Errorf("step %d (%s): state %s, want %s", i, s.do, m.State(), s.st)
		}
	}
}

func TestMachine(t *testing.T) {
	const spawnedLog = "log:spawned: 'p' with pid 4242"
	const success1 = "RUNNING | log:success: p entered RUNNING state, process has stayed up for > than 1 seconds (startsecs)"
	for _, tc := range []struct {
		name   string
		policy Policy
		steps  []step
	}{
		{"autostart then RUNNING strictly after startsecs", policy(), []step{
			{0, "tick", "STOPPED>STARTING | spawn", Starting},
			{0, "spawned", spawnedLog, Starting},
			{1, "tick", "", Starting},
			{1.001, "tick", "STARTING>" + success1, Running},
			{5, "tick", "", Running},
		}},
		{"no autostart", policy(func(p *Policy) { p.Autostart = false }), []step{
			{0, "tick", "", Stopped},
		}},
		{"nothing starts while the mood is down", policy(), []step{
			{0, "tickdown", "", Stopped},
		}},
		{"startsecs=0 is RUNNING at once", policy(func(p *Policy) { p.Startsecs = 0 }), []step{
			{0, "start", "STOPPED>STARTING | spawn", Starting},
			{0, "spawned", spawnedLog + " | STARTING>RUNNING | log:success: p entered RUNNING state, process has stayed up for > than 0 seconds (startsecs)", Running},
		}},
		{"exit before startsecs is BACKOFF with growing delay, then FATAL", policy(func(p *Policy) { p.Startretries = 2 }), []step{
			{0, "start", "STOPPED>STARTING | spawn", Starting},
			{0, "spawned", spawnedLog, Starting},
			{0.5, "exit:0", "STARTING>BACKOFF | log:exited: p (exit status 0; not expected)", Backoff},
			{1.5, "tick", "", Backoff},
			{1.51, "tick", "BACKOFF>STARTING | spawn", Starting},
			{1.51, "spawned", spawnedLog, Starting},
			{2, "exit:1", "STARTING>BACKOFF | log:exited: p (exit status 1; not expected)", Backoff},
			{4, "tick", "", Backoff},
			{4.01, "tick", "BACKOFF>STARTING | spawn", Starting},
			{4.01, "spawned", spawnedLog, Starting},
			{4.2, "kill:9", "STARTING>BACKOFF | log:exited: p (terminated by SIGKILL; not expected) | BACKOFF>FATAL | log:gave up: p entered FATAL state, too many start retries too quickly", Fatal},
			{100, "tick", "", Fatal},
		}},
		{"startretries=0 is one attempt", policy(func(p *Policy) { p.Startretries = 0 }), []step{
			{0, "start", "STOPPED>STARTING | spawn", Starting},
			{0, "spawnfail", "log:spawnerr: can't find command 'x' | STARTING>BACKOFF | BACKOFF>FATAL | log:gave up: p entered FATAL state, too many start retries too quickly", Fatal},
		}},
		{"exit after startsecs with the promotion not yet done is RUNNING then EXITED", policy(), []step{
			{0, "start", "STOPPED>STARTING | spawn", Starting},
			{0, "spawned", spawnedLog, Starting},
			{1.2, "exit:0", "STARTING>RUNNING | RUNNING>EXITED | log:exited: p (exit status 0; expected)", Exited},
			{1.3, "tick", "", Exited},
		}},
		{"exactly startsecs is too quick", policy(), []step{
			{0, "start", "STOPPED>STARTING | spawn", Starting},
			{0, "spawned", spawnedLog, Starting},
			{1, "exit:0", "STARTING>BACKOFF | log:exited: p (exit status 0; not expected)", Backoff},
		}},
		{"autorestart unexpected restarts on a bad code only", policy(), []step{
			{0, "start", "STOPPED>STARTING | spawn", Starting},
			{0, "spawned", spawnedLog, Starting},
			{2, "tick", "STARTING>" + success1, Running},
			{3, "exit:2", "RUNNING>EXITED | log:exited: p (exit status 2; not expected)", Exited},
			{3, "tickdown", "", Exited},
			{3, "tick", "EXITED>STARTING | spawn", Starting},
			{3, "spawned", spawnedLog, Starting},
			{5, "tick", "STARTING>" + success1, Running},
			{6, "exit:0", "RUNNING>EXITED | log:exited: p (exit status 0; expected)", Exited},
			{7, "tick", "", Exited},
		}},
		{"autorestart true restarts on any exit", policy(func(p *Policy) { p.Autorestart = config.AutoRestartTrue }), []step{
			{0, "start", "STOPPED>STARTING | spawn", Starting},
			{0, "spawned", spawnedLog, Starting},
			{2, "exit:0", "STARTING>RUNNING | RUNNING>EXITED | log:exited: p (exit status 0; expected)", Exited},
			{2, "tick", "EXITED>STARTING | spawn", Starting},
		}},
		{"autorestart false never restarts", policy(func(p *Policy) { p.Autorestart = config.AutoRestartFalse }), []step{
			{0, "start", "STOPPED>STARTING | spawn", Starting},
			{0, "spawned", spawnedLog, Starting},
			{2, "exit:1", "STARTING>RUNNING | RUNNING>EXITED | log:exited: p (exit status 1; not expected)", Exited},
			{3, "tick", "", Exited},
		}},
		{"stop, wait stopwaitsecs, SIGKILL repeated", policy(func(p *Policy) {
			p.Stopwaitsecs = 2
			p.Stopasgroup = true
			p.Killasgroup = true
		}), []step{
			{0, "start", "STOPPED>STARTING | spawn", Starting},
			{0, "spawned", spawnedLog, Starting},
			{2, "tick", "STARTING>" + success1, Running},
			{3, "stop", "RUNNING>STOPPING | signal:SIGTERM/group", Stopping},
			{4.9, "tick", "", Stopping},
			{5, "tick", "log:killing 'p' (4242) with SIGKILL | signal:SIGKILL/group", Stopping},
			{7, "tick", "log:killing 'p' (4242) with SIGKILL | signal:SIGKILL/group", Stopping},
			{7.5, "kill:9", "STOPPING>STOPPED | log:stopped: p (terminated by SIGKILL)", Stopped},
			{8, "tick", "", Stopped},
		}},
		{"stop signal to the leader only without stopasgroup", policy(func(p *Policy) { p.Killasgroup = true }), []step{
			{0, "start", "STOPPED>STARTING | spawn", Starting},
			{0, "spawned", spawnedLog, Starting},
			{0.5, "stop", "STARTING>STOPPING | signal:SIGTERM", Stopping},
			{10.5, "tick", "log:killing 'p' (4242) with SIGKILL | signal:SIGKILL/group", Stopping},
			{10.6, "exit:0", "STOPPING>STOPPED | log:stopped: p (exit status 0)", Stopped},
		}},
		{"stop in BACKOFF is STOPPED without a signal", policy(), []step{
			{0, "start", "STOPPED>STARTING | spawn", Starting},
			{0, "spawnfail", "log:spawnerr: can't find command 'x' | STARTING>BACKOFF", Backoff},
			{0.5, "stop", "BACKOFF>STOPPED", Stopped},
			{10, "tick", "", Stopped},
		}},
		{"give up in BACKOFF is FATAL", policy(), []step{
			{0, "start", "STOPPED>STARTING | spawn", Starting},
			{0, "spawnfail", "log:spawnerr: can't find command 'x' | STARTING>BACKOFF", Backoff},
			{0.5, "giveup", "BACKOFF>FATAL", Fatal},
		}},
		{"a signal error other than ESRCH is UNKNOWN", policy(), []step{
			{0, "start", "STOPPED>STARTING | spawn", Starting},
			{0, "spawned", spawnedLog, Starting},
			{0.5, "stop", "STARTING>STOPPING | signal:SIGTERM", Stopping},
			{0.5, "sigfail", "log:unknown problem signalling p (4242): operation not permitted | STOPPING>UNKNOWN", Unknown},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run(t, NewMachine("p", tc.policy), tc.steps)
		})
	}
}

func TestMachineSnapshotAndEvents(t *testing.T) {
	m := NewMachine("p", policy())
	m.Start(at(0))
	m.Spawned(77, at(0))
	m.Tick(at(2), true)
	acts := m.Exited(ExitedWith(3), at(5))
	var exited Action
	for _, a := range acts {
		if a.Kind == ActTransition && a.To == Exited {
			exited = a
		}
	}
	if exited.PID != 77 || exited.Expected || exited.From != Running {
		t.Errorf("EXITED transition %+v: want the old pid, unexpected, from RUNNING", exited)
	}
	snap := m.Snapshot()
	if snap.PID != 0 || snap.ExitStatus != 3 || snap.SpawnErr != "Bad exit code 3" || !snap.LastStop.Equal(at(5)) || !snap.LastStart.Equal(at(0)) {
		t.Errorf("snapshot %+v", snap)
	}
}

func TestNextWake(t *testing.T) {
	m := NewMachine("p", policy())
	if w, ok := m.NextWake(true); !ok || !w.IsZero() {
		t.Errorf("autostart pending: %v %v", w, ok)
	}
	if _, ok := m.NextWake(false); ok {
		t.Errorf("no autostart while the mood is down")
	}
	m.Start(at(0))
	m.Spawned(1, at(0))
	if w, ok := m.NextWake(true); !ok || !w.After(at(1)) || w.After(at(1.001)) {
		t.Errorf("promotion wake %v", w)
	}
}

func TestStateSets(t *testing.T) {
	for _, tc := range []struct {
		s                  State
		name               string
		stopped, run, sigs bool
	}{
		{Stopped, "STOPPED", true, false, false},
		{Starting, "STARTING", false, true, true},
		{Running, "RUNNING", false, true, true},
		{Backoff, "BACKOFF", false, true, false},
		{Stopping, "STOPPING", false, false, true},
		{Exited, "EXITED", true, false, false},
		{Fatal, "FATAL", true, false, false},
		{Unknown, "UNKNOWN", true, false, false},
	} {
		if tc.s.String() != tc.name || tc.s.IsStopped() != tc.stopped || tc.s.IsRunning() != tc.run || tc.s.IsSignallable() != tc.sigs {
			t.Errorf("%d: %s stopped=%v running=%v signallable=%v", int(tc.s), tc.s, tc.s.IsStopped(), tc.s.IsRunning(), tc.s.IsSignallable())
		}
	}
}
