package events

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Event is anything published on the bus: it knows its Supervisor event
// type name and its payload.
type Event interface {
	// Name is the event type name ("PROCESS_STATE_RUNNING").
	Name() string
	// Payload is the body sent to event listeners, exactly as Supervisor
	// writes it.
	Payload() string
}

// ProcessState is a PROCESS_STATE_<State> event. Fields a given state does
// not carry are ignored by Payload.
type ProcessState struct {
	State       string // the new state name: "RUNNING"
	ProcessName string
	GroupName   string
	FromState   string
	Tries       int  // STARTING, BACKOFF
	Expected    bool // EXITED
	PID         int  // RUNNING, STOPPING, EXITED, STOPPED
}

// Name implements Event.
func (e ProcessState) Name() string { return "PROCESS_STATE_" + e.State }

// Payload implements Event.
func (e ProcessState) Payload() string {
	s := fmt.Sprintf("processname:%s groupname:%s from_state:%s", e.ProcessName, e.GroupName, e.FromState)
	switch e.State {
	case "STARTING", "BACKOFF":
		s += fmt.Sprintf(" tries:%d", e.Tries)
	case "EXITED":
		exp := 0
		if e.Expected {
			exp = 1
		}
		s += fmt.Sprintf(" expected:%d pid:%d", exp, e.PID)
	case "RUNNING", "STOPPING", "STOPPED":
		s += fmt.Sprintf(" pid:%d", e.PID)
	}
	return s
}

// ProcessGroup is PROCESS_GROUP_ADDED (Added) or PROCESS_GROUP_REMOVED.
type ProcessGroup struct {
	Added     bool
	GroupName string
}

// Name implements Event.
func (e ProcessGroup) Name() string {
	if e.Added {
		return "PROCESS_GROUP_ADDED"
	}
	return "PROCESS_GROUP_REMOVED"
}

// Payload implements Event (with Supervisor's trailing newline).
func (e ProcessGroup) Payload() string { return "groupname:" + e.GroupName + "\n" }

// SupervisorState is SUPERVISOR_STATE_CHANGE_RUNNING (Running) or
// SUPERVISOR_STATE_CHANGE_STOPPING.
type SupervisorState struct{ Running bool }

// Name implements Event.
func (e SupervisorState) Name() string {
	if e.Running {
		return "SUPERVISOR_STATE_CHANGE_RUNNING"
	}
	return "SUPERVISOR_STATE_CHANGE_STOPPING"
}

// Payload implements Event: always empty.
func (SupervisorState) Payload() string { return "" }

// RemoteCommunication is REMOTE_COMMUNICATION (supervisor.sendRemoteCommEvent).
type RemoteCommunication struct{ Type, Data string }

// Name implements Event.
func (RemoteCommunication) Name() string { return "REMOTE_COMMUNICATION" }

// Payload implements Event.
func (e RemoteCommunication) Payload() string { return "type:" + e.Type + "\n" + e.Data }

// ProcessLog is PROCESS_LOG_STDOUT or PROCESS_LOG_STDERR: one chunk read
// from a child.
type ProcessLog struct {
	Channel     string // "stdout" or "stderr"
	ProcessName string
	GroupName   string
	PID         int
	Data        []byte
}

// Name implements Event.
func (e ProcessLog) Name() string { return "PROCESS_LOG_" + strings.ToUpper(e.Channel) }

// Payload implements Event.
func (e ProcessLog) Payload() string {
	return fmt.Sprintf("processname:%s groupname:%s pid:%d channel:%s\n%s", e.ProcessName, e.GroupName, e.PID, e.Channel, DecodeData(e.Data))
}

// ProcessCommunication is PROCESS_COMMUNICATION_STDOUT or _STDERR: the data a
// child wrote between capture markers.
type ProcessCommunication struct {
	Channel     string
	ProcessName string
	GroupName   string
	PID         int
	Data        []byte
}

// Name implements Event.
func (e ProcessCommunication) Name() string {
	return "PROCESS_COMMUNICATION_" + strings.ToUpper(e.Channel)
}

// Payload implements Event.
func (e ProcessCommunication) Payload() string {
	return fmt.Sprintf("processname:%s groupname:%s pid:%d\n%s", e.ProcessName, e.GroupName, e.PID, DecodeData(e.Data))
}

// Tick is TICK_5, TICK_60 or TICK_3600.
type Tick struct {
	Period int   // 5, 60 or 3600
	When   int64 // start of the new time slice, epoch seconds
}

// Name implements Event.
func (e Tick) Name() string { return fmt.Sprintf("TICK_%d", e.Period) }

// Payload implements Event.
func (e Tick) Payload() string { return fmt.Sprintf("when:%d", e.When) }

// DecodeData returns data as text, or Supervisor's `Undecodable: b'...'`
// form when it is not valid UTF-8.
func DecodeData(data []byte) string {
	if utf8.Valid(data) {
		return string(data)
	}
	return "Undecodable: " + BytesRepr(data)
}

// BytesRepr formats data as Python's repr() of a bytes object.
func BytesRepr(data []byte) string {
	q := byte('\'')
	if strings.IndexByte(string(data), '\'') >= 0 && strings.IndexByte(string(data), '"') < 0 {
		q = '"'
	}
	var b strings.Builder
	b.WriteString("b")
	b.WriteByte(q)
	for _, c := range data {
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c == q:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(q)
	return b.String()
}
