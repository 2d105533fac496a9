package process

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// The umask trampoline.
//
// Go cannot set a umask for one child only: syscall.ForkExec has no such
// attribute, and syscall.Umask changes the whole daemon (files the daemon
// creates meanwhile would get the child's umask). So a child with umask=
// set is started as a re-execution of the daemon's own binary under a
// marker argv[0]; the init function below recognises the marker before
// anything else runs, sets the umask, switches user when asked, and
// execve()s the real program with the same environment, descriptors and
// process group. Any binary that links this package (the daemon, test
// binaries) serves as its own trampoline; the cost is one extra exec of the
// daemon binary per such spawn.
//
// The user switch happens in the trampoline, not in the fork, because the
// target user may not be allowed to execute the daemon's binary. The kernel
// clears the parent-death signal when the credentials change, so the
// trampoline sets it again afterwards and checks that the daemon is still
// its parent.
const trampolineArg0 = "supvisors-umask-trampoline"

// selfExecutable is the path of the daemon's binary.
var selfExecutable = sync.OnceValues(os.Executable)

// trampolineSpec is what the trampoline needs besides the program.
type trampolineSpec struct {
	umask     int
	uid, gid  int // -1: no user switch
	groups    []uint32
	pdeathsig bool
	ppid      int
}

func init() {
	if len(os.Args) >= 9 && os.Args[0] == trampolineArg0 {
		os.Exit(runTrampoline(os.Args[1:]))
	}
}

// trampolineArgv builds the argv of a trampolined spawn.
func trampolineArgv(ts trampolineSpec, path string, argv []string) []string {
	groups := make([]string, len(ts.groups))
	for i, g := range ts.groups {
		groups[i] = strconv.FormatUint(uint64(g), 10)
	}
	pdeath := "0"
	if ts.pdeathsig {
		pdeath = "1"
	}
	return append([]string{trampolineArg0,
		strconv.FormatInt(int64(ts.umask), 8),
		strconv.Itoa(ts.uid), strconv.Itoa(ts.gid), strings.Join(groups, ","),
		pdeath, strconv.Itoa(ts.ppid),
		path}, argv...)
}

// prSetPdeathsig is PR_SET_PDEATHSIG (linux/prctl.h).
const prSetPdeathsig = 1

// runTrampoline does the child setup and replaces itself with the
// program. It returns only on failure, with Supervisor's exit code for a
// child that could not be spawned, after writing Supervisor's lines to fd 2
// (the stderr log).
func runTrampoline(args []string) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(os.Stderr, "supervisor: "+format+"\n", a...)
		fmt.Fprintf(os.Stderr, "supervisor: child process was not spawned\n")
		return 127
	}
	mask, err1 := strconv.ParseInt(args[0], 8, 32)
	uid, err2 := strconv.Atoi(args[1])
	gid, err3 := strconv.Atoi(args[2])
	ppid, err4 := strconv.Atoi(args[5])
	path, argv := args[6], args[7:]
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return fail("couldn't exec %s: %v", argv[0], err)
	}
	if uid >= 0 {
		var groups []int
		for _, g := range strings.Split(args[3], ",") {
			if n, err := strconv.Atoi(g); err == nil {
				groups = append(groups, n)
			}
		}
		if err := errors.Join(syscall.Setgroups(groups), syscall.Setgid(gid), syscall.Setuid(uid)); err != nil {
			return fail("couldn't setuid to %d: %v", uid, err)
		}
		if args[4] == "1" {
			syscall.RawSyscall(syscall.SYS_PRCTL, prSetPdeathsig, uintptr(syscall.SIGKILL), 0)
			if os.Getppid() != ppid {
				// The daemon died before the signal was armed again.
				return 137
			}
		}
	}
	syscall.Umask(int(mask))
	err := syscall.Exec(path, argv, os.Environ())
	code := err.Error()
	var errno syscall.Errno
	if errors.As(err, &errno) {
		code = ErrnoName(errno)
	}
	return fail("couldn't exec %s: %s", argv[0], code)
}
