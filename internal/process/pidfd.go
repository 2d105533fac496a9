package process

import (
	"errors"
	"os"
	"syscall"
)

// Waiting for a child without a thread per child.
//
// os.Process.Wait blocks an OS thread in waitid until the child exits, so
// 500 running programs cost 500 parked threads, and a stop-all wakes all
// of them, one scheduling round trip per exit: measured on 2 cores, that
// made the kill-and-reap of 500 `sleep` children about a third slower than
// a single waiter. Instead, each child gets a pidfd (Linux 5.3) in
// non-blocking mode, which Go's network poller watches: the waiting
// goroutine is parked without a thread, and when the pidfd turns readable
// (the child is a zombie) it reaps exactly that pid with wait4(WNOHANG),
// which also gives the native wait status. Only our own child is reaped,
// so nothing else in the daemon loses an exit. When the kernel or a
// sandbox refuses pidfds, the child is waited for the old way.

// sysPidfdOpen is pidfd_open(2): one number on every Linux architecture
// (the syscalls numbered from 424 on are shared).
const sysPidfdOpen = 434

// openPidfd returns a poller-registered pidfd of pid, which must be an
// unreaped child of ours (so that the pid cannot be reused meanwhile).
func openPidfd(pid int) (*os.File, error) {
	// PIDFD_NONBLOCK is O_NONBLOCK; the kernel makes pidfds close-on-exec.
	fd, _, errno := syscall.Syscall(sysPidfdOpen, uintptr(pid), uintptr(syscall.O_NONBLOCK), 0)
	if errno != 0 {
		return nil, os.NewSyscallError("pidfd_open", errno)
	}
	// A non-blocking descriptor is added to the poller by NewFile.
	return os.NewFile(fd, "pidfd"), nil
}

// errNotPollable says that the pidfd could not be waited for through the
// poller; the caller falls back to a blocking wait.
var errNotPollable = errors.New("pidfd not pollable")

// waitPidfd waits, without holding a thread, until pid (the child pidfd
// refers to) exits, reaps it and returns its wait status. It closes pidfd.
// With errNotPollable, the child has not been reaped.
func waitPidfd(pidfd *os.File, pid int) (syscall.WaitStatus, error) {
	defer pidfd.Close()
	rc, err := pidfd.SyscallConn()
	if err != nil {
		return 0, errNotPollable
	}
	var ws syscall.WaitStatus
	var waitErr error
	reaped := false
	// Read returns an error without calling back again when the poller
	// does not watch the pidfd; the outcome is in reaped and waitErr.
	_ = rc.Read(func(uintptr) bool {
		for {
			got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
			switch {
			case errors.Is(err, syscall.EINTR):
				continue
			case err != nil:
				waitErr = err
				return true
			case got == pid:
				reaped = true
				return true
			}
			// Still running: wait until the pidfd turns readable.
			return false
		}
	})
	switch {
	case reaped:
		return ws, nil
	case waitErr != nil:
		return 0, waitErr
	}
	// The poller refused the pidfd: the child is still to be reaped.
	return 0, errNotPollable
}

// waitBlocking reaps pid, blocking the calling thread until it exits.
func waitBlocking(pid int) (syscall.WaitStatus, error) {
	for {
		var ws syscall.WaitStatus
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if !errors.Is(err, syscall.EINTR) {
			return ws, err
		}
	}
}
