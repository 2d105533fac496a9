package events

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ListenerState is the protocol state of one event listener process, kept
// apart from its process state. The codes are Supervisor's
// EventListenerStates.
type ListenerState int

// The listener states.
const (
	ListenerReady        ListenerState = 10
	ListenerBusy         ListenerState = 20
	ListenerAcknowledged ListenerState = 30
	ListenerUnknown      ListenerState = 40
)

func (s ListenerState) String() string {
	switch s {
	case ListenerReady:
		return "READY"
	case ListenerBusy:
		return "BUSY"
	case ListenerAcknowledged:
		return "ACKNOWLEDGED"
	case ListenerUnknown:
		return "UNKNOWN"
	}
	return "ListenerState(" + strconv.Itoa(int(s)) + ")"
}

// Protocol tokens of the listener's stdout.
var (
	readyToken  = []byte("READY\n")
	resultToken = "RESULT "
)

// ListenerActionKind tells what a ListenerAction asks of the engine.
type ListenerActionKind int

const (
	// ActStateChange: the listener moved From -> To (log it at debug; a
	// move to UNKNOWN also gets Supervisor's warning).
	ActStateChange ListenerActionKind = iota + 1
	// ActResult: the listener answered the event in flight with Result;
	// Accepted tells whether the default result handler accepts it (the
	// bytes "OK"). A rejected event goes back to the head of its pool.
	ActResult
	// ActBadResultLine: the result line (Line, as text) had no integer
	// length; the event in flight is rejected.
	ActBadResultLine
)

// ListenerAction is one consequence of listener output.
type ListenerAction struct {
	Kind     ListenerActionKind
	From, To ListenerState
	Result   []byte
	Accepted bool
	Line     string
}

// Listener is the pure protocol core of one listener process (Supervisor's
// PEventListenerDispatcher): it consumes what the listener writes on
// stdout and says what follows. It does no I/O and is not safe for
// concurrent use; the engine's loop owns it.
type Listener struct {
	state     ListenerState
	buf       []byte // output not yet consumed by the protocol
	result    []byte // result bytes gathered so far
	resultLen int    // expected result length, -1 before the result line
}

// NewListener returns the core of a freshly spawned listener:
// ACKNOWLEDGED.
func NewListener() *Listener {
	return &Listener{state: ListenerAcknowledged, resultLen: -1}
}

// State returns the protocol state.
func (l *Listener) State() ListenerState { return l.state }

// Dispatched records that an event was written to the listener: BUSY.
// The engine calls it only when the state is READY.
func (l *Listener) Dispatched() ListenerAction {
	return l.change(ListenerBusy)
}

func (l *Listener) change(to ListenerState) ListenerAction {
	a := ListenerAction{Kind: ActStateChange, From: l.state, To: to}
	l.state = to
	return a
}

// Feed consumes a chunk of the listener's stdout and returns the actions,
// in Supervisor's order.
func (l *Listener) Feed(data []byte) []ListenerAction {
	l.buf = append(l.buf, data...)
	var acts []ListenerAction
	for len(l.buf) > 0 {
		more, a := l.step()
		acts = append(acts, a...)
		if !more {
			break
		}
	}
	return acts
}

// step is one pass of Supervisor's handle_listener_state_change: it
// returns whether another pass may consume more of the buffer.
func (l *Listener) step() (bool, []ListenerAction) {
	switch l.state {
	case ListenerUnknown:
		// Permanent until respawn: output is dropped.
		l.buf = nil
		return false, nil
	case ListenerAcknowledged:
		if len(l.buf) < len(readyToken) {
			return false, nil // not enough to decide yet
		}
		if bytes.HasPrefix(l.buf, readyToken) {
			l.buf = l.buf[len(readyToken):]
			return true, []ListenerAction{l.change(ListenerReady)}
		}
		l.buf = nil
		return false, []ListenerAction{l.change(ListenerUnknown)}
	case ListenerReady:
		// Nothing may come while READY: a protocol violation.
		l.buf = nil
		return false, []ListenerAction{l.change(ListenerUnknown)}
	case ListenerBusy:
		if l.resultLen < 0 {
			pos := bytes.IndexByte(l.buf, '\n')
			if pos < 0 {
				return false, nil // no full result line yet
			}
			line := l.buf[:pos]
			l.buf = l.buf[pos+1:]
			n, ok := parseResultLen(line)
			if !ok {
				l.buf = nil
				bad := ListenerAction{Kind: ActBadResultLine, Line: lineText(line)}
				return false, []ListenerAction{bad, l.change(ListenerUnknown)}
			}
			l.resultLen = n
			// As in Supervisor, the result itself is only looked at on
			// the next pass, which needs more buffered output.
			return true, nil
		}
		if needed := l.resultLen - len(l.result); needed > 0 {
			take := min(needed, len(l.buf))
			l.result = append(l.result, l.buf[:take]...)
			l.buf = l.buf[take:]
		}
		if len(l.result) < l.resultLen {
			return false, nil
		}
		res := ListenerAction{Kind: ActResult, Result: l.result, Accepted: string(l.result) == "OK"}
		l.result, l.resultLen = nil, -1
		return true, []ListenerAction{res, l.change(ListenerAcknowledged)}
	}
	return false, nil
}

// parseResultLen reads the length of a result line: everything after its
// first 7 characters (the "RESULT " literal itself is not checked, as in
// Supervisor), an integer with optional surrounding blanks. A negative
// length, which would stall Supervisor's listener forever, is refused.
func parseResultLen(line []byte) (int, bool) {
	if len(line) < len(resultToken) {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(line[len(resultToken):])))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

func lineText(line []byte) string {
	if utf8.Valid(line) {
		return string(line)
	}
	return "Undecodable: " + BytesRepr(line)
}

// Envelope is what is written to a listener's stdin for one event: the
// header line, then the payload. len is the payload's length in characters
// (Unicode code points), as Supervisor counts a Python str, not in bytes.
func Envelope(server string, serial uint64, pool string, poolSerial uint64, ev Event) []byte {
	payload := ev.Payload()
	var b strings.Builder
	b.WriteString("ver:3.0 server:")
	b.WriteString(server)
	b.WriteString(" serial:")
	b.WriteString(strconv.FormatUint(serial, 10))
	b.WriteString(" pool:")
	b.WriteString(pool)
	b.WriteString(" poolserial:")
	b.WriteString(strconv.FormatUint(poolSerial, 10))
	b.WriteString(" eventname:")
	b.WriteString(ev.Name())
	b.WriteString(" len:")
	b.WriteString(strconv.Itoa(utf8.RuneCountInString(payload)))
	b.WriteByte('\n')
	b.WriteString(payload)
	return []byte(b.String())
}
