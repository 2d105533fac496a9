// Package process owns what concerns one supervised process: its state codes,
// the pure state machine and restart policy (Machine), the parsing and
// resolution of its command line, and the Spawner that starts it on the
// operating system (or in memory, for tests).
//
// The engine (package supervisor) drives a Machine with events that carry the
// current time and carries out the actions the Machine returns; the Machine
// itself never reads a clock and never does I/O, so every rule of
// Supervisor's process life cycle is testable with plain tables.
package process

// State is a process state code, as Supervisor numbers it on the wire.
type State int

// Supervisor's process states (supervisor/states.py ProcessStates).
const (
	Stopped  State = 0
	Starting State = 10
	Running  State = 20
	Backoff  State = 30
	Stopping State = 40
	Exited   State = 100
	Fatal    State = 200
	Unknown  State = 1000
)

var stateNames = map[State]string{
	Stopped:  "STOPPED",
	Starting: "STARTING",
	Running:  "RUNNING",
	Backoff:  "BACKOFF",
	Stopping: "STOPPING",
	Exited:   "EXITED",
	Fatal:    "FATAL",
	Unknown:  "UNKNOWN",
}

// String returns the state name as Supervisor spells it ("RUNNING").
func (s State) String() string {
	if n, ok := stateNames[s]; ok {
		return n
	}
	return "UNKNOWN"
}

// IsStopped reports membership of STOPPED_STATES: the process has no child
// and will not get one without a start (or an automatic restart).
func (s State) IsStopped() bool {
	switch s {
	case Stopped, Exited, Fatal, Unknown:
		return true
	}
	return false
}

// IsRunning reports membership of RUNNING_STATES. BACKOFF counts as running:
// a start request on a process in BACKOFF is ALREADY_STARTED.
func (s State) IsRunning() bool {
	switch s {
	case Starting, Running, Backoff:
		return true
	}
	return false
}

// IsSignallable reports membership of SIGNALLABLE_STATES: a child exists and
// may receive a signal.
func (s State) IsSignallable() bool {
	switch s {
	case Starting, Running, Stopping:
		return true
	}
	return false
}
