package process

import (
	"fmt"
	"log/slog"
	"slices"
	"syscall"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
)

// LevelCritical is the slog level of Supervisor's CRIT messages.
const LevelCritical = slog.LevelError + 4

// Policy is the part of a program's configuration that governs its life
// cycle.
type Policy struct {
	Autostart    bool
	Autorestart  config.AutoRestart
	Startsecs    int
	Startretries int
	Exitcodes    []int
	Stopsignal   syscall.Signal
	Stopwaitsecs int
	Stopasgroup  bool
	Killasgroup  bool
}

// PolicyOf extracts the Policy of a process configuration.
func PolicyOf(p *config.Process) Policy {
	return Policy{
		Autostart:    p.Autostart,
		Autorestart:  p.Autorestart,
		Startsecs:    p.Startsecs,
		Startretries: p.Startretries,
		Exitcodes:    slices.Clone(p.Exitcodes),
		Stopsignal:   p.Stopsignal,
		Stopwaitsecs: p.Stopwaitsecs,
		Stopasgroup:  p.Stopasgroup,
		Killasgroup:  p.Killasgroup,
	}
}

// ActionKind tells what an Action asks the driver to do.
type ActionKind int

const (
	// ActTransition reports a state change; the driver publishes the
	// PROCESS_STATE_<To> event and resolves waiters.
	ActTransition ActionKind = iota
	// ActSpawn asks the driver to spawn the child now and to report the
	// outcome with Spawned or SpawnFailed.
	ActSpawn
	// ActSignal asks the driver to send Sig to the child (to its whole
	// process group when Group is set) and to report a failure other than
	// ESRCH with SignalFailed.
	ActSignal
	// ActLog asks the driver to write Msg to the main log at Level.
	ActLog
)

// Action is one thing the driver must do, in the order returned.
type Action struct {
	Kind ActionKind

	// ActTransition.
	From, To State
	Expected bool // PROCESS_STATE_EXITED only
	PID      int  // the pid at transition time (the old pid for EXITED/STOPPED)
	Tries    int  // the back-off count at transition time

	// ActSignal.
	Sig   syscall.Signal
	Group bool

	// ActLog.
	Level slog.Level
	Msg   string
}

// Machine is the state of one process and the rules that move it: Supervisor's
// Subprocess without the I/O. Every method takes the current time; none reads
// a clock. A Machine is not safe for concurrent use: one goroutine (the
// engine's loop) owns it.
type Machine struct {
	name   string
	policy Policy

	state      State
	backoff    int       // failed starts since the last RUNNING
	delay      time.Time // back-off retry or SIGKILL deadline; zero when none
	lastStart  time.Time // zero when never started
	lastStop   time.Time // zero when never stopped
	exitStatus int
	spawnErr   string
	killing    bool // a stop or kill signal was sent; the next exit is a stop
	pid        int
}

// NewMachine returns a STOPPED, never started process named name.
func NewMachine(name string, policy Policy) *Machine {
	return &Machine{name: name, policy: policy}
}

// Snapshot is a copy of what a Machine exposes to readers.
type Snapshot struct {
	State      State
	PID        int
	LastStart  time.Time
	LastStop   time.Time
	ExitStatus int
	SpawnErr   string
	Backoff    int
}

// Snapshot returns the Machine's observable fields.
func (m *Machine) Snapshot() Snapshot {
	return Snapshot{State: m.state, PID: m.pid, LastStart: m.lastStart, LastStop: m.lastStop,
		ExitStatus: m.exitStatus, SpawnErr: m.spawnErr, Backoff: m.backoff}
}

// State returns the current state.
func (m *Machine) State() State { return m.state }

// PID returns the child's pid, 0 when there is none.
func (m *Machine) PID() int { return m.pid }

// Name returns the process name used in messages.
func (m *Machine) Name() string { return m.name }

// Policy returns the life-cycle policy.
func (m *Machine) Policy() Policy { return m.policy }

// SetPolicy replaces the policy (the process configuration changed while the
// group stayed).
func (m *Machine) SetPolicy(p Policy) { m.policy = p }

// NeverStarted reports whether the process was never spawned since it was
// created: only such a process autostarts.
func (m *Machine) NeverStarted() bool { return m.lastStart.IsZero() }

func (m *Machine) change(to State, expected bool) Action {
	from := m.state
	m.state = to
	return Action{Kind: ActTransition, From: from, To: to, Expected: expected, PID: m.pid, Tries: m.backoff}
}

func logf(level slog.Level, format string, args ...any) Action {
	return Action{Kind: ActLog, Level: level, Msg: fmt.Sprintf(format, args...)}
}

// CanStart reports whether a start is allowed from the current state.
func (m *Machine) CanStart() bool {
	switch m.state {
	case Exited, Fatal, Backoff, Stopped:
		return m.pid == 0
	}
	return false
}

// Start begins a spawn: STARTING, then ActSpawn. The caller must have checked
// CanStart; Start returns nil otherwise.
func (m *Machine) Start(now time.Time) []Action {
	if !m.CanStart() {
		return nil
	}
	m.killing = false
	m.spawnErr = ""
	m.exitStatus = 0
	m.lastStart = now
	m.delay = time.Time{}
	return []Action{m.change(Starting, true), {Kind: ActSpawn}}
}

// Spawned records a successful spawn. A process with startsecs=0 is RUNNING
// at once, as Supervisor's startProcess makes it.
func (m *Machine) Spawned(pid int, now time.Time) []Action {
	m.pid = pid
	m.spawnErr = ""
	m.delay = m.lastStart.Add(time.Duration(m.policy.Startsecs) * time.Second)
	acts := []Action{logf(slog.LevelInfo, "spawned: '%s' with pid %d", m.name, pid)}
	if m.policy.Startsecs <= 0 {
		acts = append(acts, m.promote()...)
	}
	return acts
}

// SpawnFailed records a spawn that produced no child: STARTING -> BACKOFF,
// and FATAL at once when the retries are exhausted.
func (m *Machine) SpawnFailed(msg string, now time.Time) []Action {
	m.spawnErr = msg
	acts := []Action{logf(slog.LevelInfo, "spawnerr: %s", msg)}
	return append(acts, m.enterBackoff(now)...)
}

// enterBackoff moves to BACKOFF, then to FATAL when the retries are spent.
// The after actions (a log line) come right after the BACKOFF transition.
func (m *Machine) enterBackoff(now time.Time, after ...Action) []Action {
	m.backoff++
	m.delay = now.Add(time.Duration(m.backoff) * time.Second)
	acts := append([]Action{m.change(Backoff, true)}, after...)
	if m.backoff > m.policy.Startretries {
		acts = append(acts, m.giveUp()...)
		acts = append(acts, logf(slog.LevelInfo, "gave up: %s entered FATAL state, too many start retries too quickly", m.name))
	}
	return acts
}

func (m *Machine) giveUp() []Action {
	m.delay = time.Time{}
	m.backoff = 0
	return []Action{m.change(Fatal, true)}
}

func (m *Machine) promote() []Action {
	m.delay = time.Time{}
	m.backoff = 0
	return []Action{
		m.change(Running, true),
		logf(slog.LevelInfo, "success: %s entered RUNNING state, process has stayed up for > than %d seconds (startsecs)", m.name, m.policy.Startsecs),
	}
}

func (m *Machine) expected(code int) bool { return slices.Contains(m.policy.Exitcodes, code) }

// Exited records the death of the child, reaped at now with status ws.
//
// A STARTING process that lived strictly more than startsecs is treated as
// RUNNING (it is promoted, then EXITED): the decision compares the exit time
// with the start time, so it does not depend on whether the driver's
// promotion timer or the exit was handled first (Supervisor 4.2.5's race).
func (m *Machine) Exited(ws syscall.WaitStatus, now time.Time) []Action {
	es, how := DecodeStatus(ws)
	m.lastStop = now
	var acts []Action
	lived := now.Sub(m.lastStart)
	tooQuickly := m.state == Starting && lived <= time.Duration(m.policy.Startsecs)*time.Second
	switch {
	case m.killing:
		m.killing = false
		m.delay = time.Time{}
		m.exitStatus = es
		acts = append(acts, m.change(Stopped, true))
		level := slog.LevelWarn
		if m.expected(es) {
			level = slog.LevelInfo
		}
		acts = append(acts, logf(level, "stopped: %s (%s)", m.name, how))
	case tooQuickly:
		m.exitStatus = 0
		m.spawnErr = "Exited too quickly (process log may have details)"
		acts = m.enterBackoff(now, logf(slog.LevelWarn, "exited: %s (%s; not expected)", m.name, how))
	default:
		m.delay = time.Time{}
		m.backoff = 0
		m.exitStatus = es
		if m.state == Starting {
			acts = append(acts, m.change(Running, true))
		}
		if m.expected(es) {
			acts = append(acts, m.change(Exited, true), logf(slog.LevelInfo, "exited: %s (%s; expected)", m.name, how))
		} else {
			m.spawnErr = fmt.Sprintf("Bad exit code %d", es)
			acts = append(acts, m.change(Exited, false), logf(slog.LevelWarn, "exited: %s (%s; not expected)", m.name, how))
		}
	}
	m.pid = 0
	// The transitions above carry the pid at transition time: the old pid.
	return acts
}

// Stop is an administrative stop: STOPPING with the stop signal, or
// BACKOFF -> STOPPED (there is no child to signal). It returns a non-empty
// message when there is nothing to stop.
func (m *Machine) Stop(now time.Time) ([]Action, string) {
	return m.kill(m.policy.Stopsignal, now)
}

// GiveUp moves a BACKOFF process to FATAL without retrying (shutdown and
// stop-all do this).
func (m *Machine) GiveUp() []Action {
	if m.state != Backoff {
		return nil
	}
	return m.giveUp()
}

func (m *Machine) kill(sig syscall.Signal, now time.Time) ([]Action, string) {
	if m.state == Backoff {
		return []Action{
			logf(slog.LevelDebug, "Attempted to kill %s, which is in BACKOFF state.", m.name),
			m.change(Stopped, true),
		}, ""
	}
	if m.pid == 0 {
		msg := fmt.Sprintf("attempted to kill %s with sig %s but it wasn't running", m.name, SignalName(sig))
		return []Action{logf(slog.LevelDebug, "%s", msg)}, msg
	}
	group := m.policy.Stopasgroup
	if m.state == Stopping {
		group = m.policy.Killasgroup
	}
	asGroup := ""
	if group {
		asGroup = "process group "
	}
	acts := []Action{logf(slog.LevelDebug, "killing %s (pid %d) %swith signal %s", m.name, m.pid, asGroup, SignalName(sig))}
	m.killing = true
	m.delay = now.Add(time.Duration(m.policy.Stopwaitsecs) * time.Second)
	if m.state != Stopping {
		acts = append(acts, m.change(Stopping, true))
	}
	acts = append(acts, Action{Kind: ActSignal, Sig: sig, Group: group})
	return acts, ""
}

// SignalFailed records a signal that could not be delivered for a reason
// other than ESRCH: the process state is no longer known.
func (m *Machine) SignalFailed(err error) []Action {
	m.killing = false
	m.delay = time.Time{}
	return []Action{
		logf(LevelCritical, "unknown problem signalling %s (%d): %v", m.name, m.pid, err),
		m.change(Unknown, true),
	}
}

// Signal checks that sig may be sent to the child (signalProcess); it never
// changes the state. The signal goes to the pid only, never to the group.
func (m *Machine) Signal(sig syscall.Signal) ([]Action, string) {
	if m.pid == 0 || !m.state.IsSignallable() {
		msg := fmt.Sprintf("attempted to send %s sig %s but it wasn't running", m.name, SignalName(sig))
		return []Action{logf(slog.LevelDebug, "%s", msg)}, msg
	}
	return []Action{
		logf(slog.LevelDebug, "sending %s (pid %d) sig %s", m.name, m.pid, SignalName(sig)),
		{Kind: ActSignal, Sig: sig},
	}, ""
}

// Tick applies the time-driven rules (Supervisor's transition()): automatic
// start and restart while moodRunning, retry after back-off, promotion to
// RUNNING after startsecs, and SIGKILL after stopwaitsecs.
func (m *Machine) Tick(now time.Time, moodRunning bool) []Action {
	var acts []Action
	if moodRunning {
		switch m.state {
		case Exited:
			switch m.policy.Autorestart {
			case config.AutoRestartTrue:
				return m.Start(now)
			case config.AutoRestartUnexpected:
				if !m.expected(m.exitStatus) {
					return m.Start(now)
				}
			}
		case Stopped:
			if m.lastStart.IsZero() && m.policy.Autostart {
				return m.Start(now)
			}
		case Backoff:
			if m.backoff <= m.policy.Startretries && now.After(m.delay) {
				return m.Start(now)
			}
		}
	}
	switch m.state {
	case Starting:
		if m.pid != 0 && now.Sub(m.lastStart) > time.Duration(m.policy.Startsecs)*time.Second {
			acts = append(acts, m.promote()...)
		}
	case Backoff:
		if m.backoff > m.policy.Startretries {
			acts = append(acts, m.giveUp()...)
			acts = append(acts, logf(slog.LevelInfo, "gave up: %s entered FATAL state, too many start retries too quickly", m.name))
		}
	case Stopping:
		if !now.Before(m.delay) {
			acts = append(acts, logf(slog.LevelWarn, "killing '%s' (%d) with SIGKILL", m.name, m.pid))
			more, _ := m.kill(syscall.SIGKILL, now)
			acts = append(acts, more...)
		}
	}
	return acts
}

// NextWake returns when Tick next has something to do, and false when only
// an outside event (exit, request) can move the process. A moodRunning of
// false disables the automatic starts.
func (m *Machine) NextWake(moodRunning bool) (time.Time, bool) {
	switch m.state {
	case Starting:
		if m.pid != 0 {
			// Strictly more than startsecs.
			return m.lastStart.Add(time.Duration(m.policy.Startsecs)*time.Second + time.Nanosecond), true
		}
	case Backoff:
		if m.backoff > m.policy.Startretries {
			return time.Time{}, true
		}
		if moodRunning {
			return m.delay.Add(time.Nanosecond), true
		}
	case Stopping:
		if m.killing {
			return m.delay, true
		}
	case Exited:
		if moodRunning && (m.policy.Autorestart == config.AutoRestartTrue ||
			(m.policy.Autorestart == config.AutoRestartUnexpected && !m.expected(m.exitStatus))) {
			return time.Time{}, true
		}
	case Stopped:
		if moodRunning && m.lastStart.IsZero() && m.policy.Autostart {
			return time.Time{}, true
		}
	}
	return time.Time{}, false
}
