package model

import (
	"math"
	"strconv"
	"time"
)

// Supervisor's process state codes, which Supvisors keeps unchanged.
const (
	Stopped  = 0
	Starting = 10
	Running  = 20
	Backoff  = 30
	Stopping = 40
	Exited   = 100
	Fatal    = 200
	Unknown  = 1000
	// DeletedProcessState is the state Supvisors publishes, on its event
	// interface only, for a process that no instance defines anymore.
	DeletedProcessState = -1
)

// ProcessStateName is Supervisor's name of a process state code. A code
// Supervisor does not define (only a faulty peer can send one) is named
// UNKNOWN rather than left without a name, which XML-RPC could not carry.
func ProcessStateName(code int) string {
	switch code {
	case Stopped:
		return "STOPPED"
	case Starting:
		return "STARTING"
	case Running:
		return "RUNNING"
	case Backoff:
		return "BACKOFF"
	case Stopping:
		return "STOPPING"
	case Exited:
		return "EXITED"
	case Fatal:
		return "FATAL"
	}
	return "UNKNOWN"
}

// runningLike are Supervisor's RUNNING_STATES, in the order that picks the
// state shown for a process running in several places.
var runningLike = [...]int{Running, Backoff, Starting}

func isRunningLike(state int) bool {
	return state == Running || state == Backoff || state == Starting
}

// isStoppedLike is Supervisor's STOPPED_STATES.
func isStoppedLike(state int) bool {
	return state == Stopped || state == Exited || state == Fatal || state == Unknown
}

// isCrash tells whether a state is a failure: FATAL, or EXITED when the
// exit was not expected.
func isCrash(state int, expected bool) bool {
	return state == Fatal || (state == Exited && !expected)
}

// ApplicationState is Supvisors' ApplicationStates.
type ApplicationState int

// ApplicationStates values.
const (
	AppStopped ApplicationState = iota
	AppStarting
	AppRunning
	AppStopping
	AppDeleted
)

func (s ApplicationState) String() string {
	switch s {
	case AppStopped:
		return "STOPPED"
	case AppStarting:
		return "STARTING"
	case AppRunning:
		return "RUNNING"
	case AppStopping:
		return "STOPPING"
	case AppDeleted:
		return "DELETED"
	}
	return "ApplicationState(" + strconv.Itoa(int(s)) + ")"
}

// Num is a number that Supvisors keeps either as an int or as a float,
// depending on where it came from: start, stop and now are ints in a
// process list and floats once a PROCESS event has set them. The
// distinction shows on the wire (<int> or <double>), so it is kept.
type Num struct {
	Value float64
	Float bool
}

// IntNum is an integer Num.
func IntNum(v int64) Num { return Num{Value: float64(v)} }

// FloatNum is a float Num.
func FloatNum(v float64) Num { return Num{Value: v, Float: true} }

// IsZero reports a zero value, as Python's truth test does.
func (n Num) IsZero() bool { return n.Value == 0 }

func (n Num) xmlrpc() any {
	if n.Float {
		return n.Value
	}
	return int64(n.Value)
}

// seconds truncates to whole seconds, as time.gmtime does.
func (n Num) seconds() int64 { return int64(math.Floor(n.Value)) }

// describe is Supervisor's description of a process state, computed from
// the record as Supervisor's _interpretProcessInfo does.
func describe(info *InnerProcessInfo) string {
	switch info.State {
	case Running:
		uptime := max(info.Now.seconds()-info.Start.seconds(), 0)
		return "pid " + strconv.Itoa(info.PID) + ", uptime " + timedelta(uptime)
	case Fatal, Backoff:
		if info.Spawnerr != "" {
			return info.Spawnerr
		}
		return `unknown error (try "tail ` + info.Name + `")`
	case Stopped, Exited:
		if !info.Start.IsZero() {
			return time.Unix(info.Stop.seconds(), 0).Local().Format("Jan 02 03:04 PM")
		}
		return "Not started"
	}
	return ""
}

// timedelta writes whole seconds as Python's str(timedelta) does.
func timedelta(secs int64) string {
	days, rest := secs/86400, secs%86400
	out := ""
	switch days {
	case 0:
	case 1:
		out = "1 day, "
	default:
		out = strconv.FormatInt(days, 10) + " days, "
	}
	two := func(n int64) string {
		if n < 10 {
			return "0" + strconv.FormatInt(n, 10)
		}
		return strconv.FormatInt(n, 10)
	}
	return out + strconv.FormatInt(rest/3600, 10) + ":" + two(rest%3600/60) + ":" + two(rest%60)
}
