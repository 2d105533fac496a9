package process

import (
	"fmt"
	"syscall"
)

// signalNames are the names Supervisor prints for Linux signals (Python's
// signal module, last alias wins: SIGPOLL rather than SIGIO, SIGABRT rather
// than SIGIOT).
var signalNames = map[syscall.Signal]string{
	1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP",
	6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1",
	11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
	16: "SIGSTKFLT", 17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP", 20: "SIGTSTP",
	21: "SIGTTIN", 22: "SIGTTOU", 23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ",
	26: "SIGVTALRM", 27: "SIGPROF", 28: "SIGWINCH", 29: "SIGPOLL", 30: "SIGPWR",
	31: "SIGSYS",
}

// SignalName returns the name Supervisor uses in its messages for sig
// ("SIGTERM"), or "signal N" for a number without a name.
func SignalName(sig syscall.Signal) string {
	if n, ok := signalNames[sig]; ok {
		return n
	}
	return fmt.Sprintf("signal %d", int(sig))
}

// ExitedWith builds the wait status of a child that called exit(code).
func ExitedWith(code int) syscall.WaitStatus { return syscall.WaitStatus((code & 0xff) << 8) }

// KilledBy builds the wait status of a child terminated by sig.
func KilledBy(sig syscall.Signal) syscall.WaitStatus { return syscall.WaitStatus(sig & 0x7f) }

// DecodeStatus turns a wait status into Supervisor's exit status and text:
// (code, "exit status N") for a normal exit, (-1, "terminated by SIGx") for
// a signal death, with " (core dumped)" when a core was written.
func DecodeStatus(ws syscall.WaitStatus) (int, string) {
	switch {
	case ws.Exited():
		code := ws.ExitStatus()
		return code, fmt.Sprintf("exit status %d", code)
	case ws.Signaled():
		msg := "terminated by " + SignalName(ws.Signal())
		if ws.CoreDump() {
			msg += " (core dumped)"
		}
		return -1, msg
	}
	return -1, fmt.Sprintf("unknown termination cause 0x%04x", uint32(ws))
}
