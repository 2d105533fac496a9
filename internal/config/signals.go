package config

import (
	"strconv"
	"strings"
	"syscall"

	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// signalsByName maps every name Python's signal module exposes with a "SIG"
// prefix (Linux) to its number. The SIG_* constants are in it because
// Supervisor's lookup accepts them too ("stopsignal=_DFL" is 0).
var signalsByName = map[string]syscall.Signal{
	"SIGHUP": 1, "SIGINT": 2, "SIGQUIT": 3, "SIGILL": 4, "SIGTRAP": 5,
	"SIGABRT": 6, "SIGIOT": 6, "SIGBUS": 7, "SIGFPE": 8, "SIGKILL": 9,
	"SIGUSR1": 10, "SIGSEGV": 11, "SIGUSR2": 12, "SIGPIPE": 13, "SIGALRM": 14,
	"SIGTERM": 15, "SIGSTKFLT": 16, "SIGCHLD": 17, "SIGCLD": 17, "SIGCONT": 18,
	"SIGSTOP": 19, "SIGTSTP": 20, "SIGTTIN": 21, "SIGTTOU": 22, "SIGURG": 23,
	"SIGXCPU": 24, "SIGXFSZ": 25, "SIGVTALRM": 26, "SIGPROF": 27, "SIGWINCH": 28,
	"SIGIO": 29, "SIGPOLL": 29, "SIGPWR": 30, "SIGSYS": 31,
	"SIGRTMIN": 34, "SIGRTMAX": 64,
	"SIG_DFL": 0, "SIG_IGN": 1, "SIG_BLOCK": 0, "SIG_UNBLOCK": 1, "SIG_SETMASK": 2,
}

// signalNames is the name Supervisor prints for a signal number (its
// signame() without the "SIG" prefix).
var signalNames = map[syscall.Signal]string{
	1: "HUP", 2: "INT", 3: "QUIT", 4: "ILL", 5: "TRAP", 6: "ABRT", 7: "BUS",
	8: "FPE", 9: "KILL", 10: "USR1", 11: "SEGV", 12: "USR2", 13: "PIPE",
	14: "ALRM", 15: "TERM", 16: "STKFLT", 17: "CHLD", 18: "CONT", 19: "STOP",
	20: "TSTP", 21: "TTIN", 22: "TTOU", 23: "URG", 24: "XCPU", 25: "XFSZ",
	26: "VTALRM", 27: "PROF", 28: "WINCH", 29: "POLL", 30: "PWR", 31: "SYS",
	34: "RTMIN", 64: "RTMAX",
}

// ParseSignal reads a signal as Supervisor's signal_number does: a number,
// or a name with or without "SIG" in any case. A number must be one Python's
// signal module defines, which includes 0 and 1 and 2 through SIG_DFL,
// SIG_IGN and SIG_SETMASK (a quirk kept on purpose).
func ParseSignal(value string) (syscall.Signal, error) {
	n, err := pyInt(value, 10)
	var sig syscall.Signal
	if err != nil {
		name := strings.ToUpper(pyStrip(value))
		if !strings.HasPrefix(name, "SIG") {
			name = "SIG" + name
		}
		s, ok := signalsByName[name]
		if !ok {
			return 0, valueErrorf("value %s is not a valid signal name", pyfmt.Repr(value))
		}
		sig = s
	} else {
		sig = syscall.Signal(n)
		if _, ok := signalNames[sig]; !ok && sig != 0 || int64(sig) != n {
			return 0, valueErrorf("value %s is not a valid signal number", pyfmt.Repr(value))
		}
	}
	return sig, nil
}

// SignalName is the short name of sig ("TERM"), or "signal N" for a number
// with no name, as Supervisor's signame() prints it without "SIG".
func SignalName(sig syscall.Signal) string {
	if n, ok := signalNames[sig]; ok {
		return n
	}
	return "signal " + strconv.Itoa(int(sig))
}
