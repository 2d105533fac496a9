// Package errdefs defines the error kinds shared by the engine, the cluster
// layer and the API boundary. Each kind carries the numeric fault code that
// Supervisor (and Supvisors) use on the XML-RPC wire; the mapping to a
// <fault> happens only in package xmlrpc.
//
// An error of a kind is built with New (or Newf) and recognised with Is or
// CodeOf, so that callers can wrap it with %w freely.
package errdefs

import (
	"errors"
	"fmt"
)

// Code is a Supervisor/Supvisors fault code.
type Code int

// Supervisor's fault codes (supervisor/xmlrpc.py Faults) and the ones
// Supvisors adds (100-105).
const (
	UnknownMethod        Code = 1
	IncorrectParameters  Code = 2
	BadArguments         Code = 3
	SignatureUnsupported Code = 4
	ShutdownState        Code = 6
	BadName              Code = 10
	BadSignal            Code = 11
	NoFile               Code = 20
	NotExecutable        Code = 21
	Failed               Code = 30
	AbnormalTermination  Code = 40
	SpawnError           Code = 50
	AlreadyStarted       Code = 60
	NotRunning           Code = 70
	Success              Code = 80
	AlreadyAdded         Code = 90
	StillRunning         Code = 91
	CantReread           Code = 92
	// Supvisors (supvisors/ttypes.py SupvisorsFaults). 100 is defined but
	// never raised by Supvisors 0.19.
	SupvisorsConfError Code = 100
	BadSupvisorsState  Code = 101
	NotManaged         Code = 102
	Disabled           Code = 103
	NotApplicable      Code = 104
	NotInstalled       Code = 105
)

var codeNames = map[Code]string{
	UnknownMethod:        "UNKNOWN_METHOD",
	IncorrectParameters:  "INCORRECT_PARAMETERS",
	BadArguments:         "BAD_ARGUMENTS",
	SignatureUnsupported: "SIGNATURE_UNSUPPORTED",
	ShutdownState:        "SHUTDOWN_STATE",
	BadName:              "BAD_NAME",
	BadSignal:            "BAD_SIGNAL",
	NoFile:               "NO_FILE",
	NotExecutable:        "NOT_EXECUTABLE",
	Failed:               "FAILED",
	AbnormalTermination:  "ABNORMAL_TERMINATION",
	SpawnError:           "SPAWN_ERROR",
	AlreadyStarted:       "ALREADY_STARTED",
	NotRunning:           "NOT_RUNNING",
	Success:              "SUCCESS",
	AlreadyAdded:         "ALREADY_ADDED",
	StillRunning:         "STILL_RUNNING",
	CantReread:           "CANT_REREAD",
	SupvisorsConfError:   "SUPVISORS_CONF_ERROR",
	BadSupvisorsState:    "BAD_SUPVISORS_STATE",
	NotManaged:           "NOT_MANAGED",
	Disabled:             "DISABLED",
	NotApplicable:        "NOT_APPLICABLE",
	NotInstalled:         "NOT_INSTALLED",
}

// Name is the fault name as Supervisor spells it; an unknown code is
// "UNKNOWN", as in Supervisor's getFaultDescription.
func (c Code) Name() string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	return "UNKNOWN"
}

func (c Code) String() string { return c.Name() }

// Error is an error of a known kind. Extra is the text that follows the
// fault name on the wire ("BAD_NAME: foo"); it may be empty.
type Error struct {
	Code  Code
	Extra string
}

// New returns an error of kind code with the given extra text.
func New(code Code, extra string) *Error { return &Error{Code: code, Extra: extra} }

// Newf is New with a formatted extra text.
func Newf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Extra: fmt.Sprintf(format, args...)}
}

// Error returns the fault string: the name, or "NAME: extra".
func (e *Error) Error() string {
	if e.Extra == "" {
		return e.Code.Name()
	}
	return e.Code.Name() + ": " + e.Extra
}

// Is makes errors.Is(err, errdefs.New(code, "")) match any error of that
// kind, whatever its extra text.
func (e *Error) Is(target error) bool {
	var t *Error
	if errors.As(target, &t) {
		return t.Code == e.Code && (t.Extra == "" || t.Extra == e.Extra)
	}
	return false
}

// CodeOf returns the kind of err, and false when err carries none.
func CodeOf(err error) (Code, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Code, true
	}
	return 0, false
}

// Is reports whether err is of kind code.
func Is(err error, code Code) bool {
	c, ok := CodeOf(err)
	return ok && c == code
}
