package process

import (
	"os"
	"strconv"
	"sync"
	"syscall"
)

var inheritedOnce sync.Once

// markInheritedCloseOnExec sets close-on-exec on every descriptor above 2
// that is open now. Go opens all of its own descriptors close-on-exec, but
// the daemon may have inherited some from its parent without the flag;
// Supervisor closes fds 3..minfds in each child for that reason. Marking
// them once, in the parent, has the same effect for every later spawn.
func markInheritedCloseOnExec() {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd < 3 {
			continue
		}
		syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_SETFD, syscall.FD_CLOEXEC)
	}
}
