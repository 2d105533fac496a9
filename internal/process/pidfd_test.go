package process

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// threadCount is the number of OS threads of this process.
func threadCount(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// TestWaitThroughPidfd checks that children are waited for through a
// pidfd on the poller (the kernel here has them: a CI kernel without
// pidfds fails this test rather than silently taking the slow path), that
// the statuses are the native ones, and that many waiting children do not
// each hold an OS thread.
func TestWaitThroughPidfd(t *testing.T) {
	sp := NewOSSpawner(OSSpawnerOptions{})
	defer sp.Close()

	c, err := sp.Spawn(spec("/bin/sh", "-c", "exit 7"))
	if err != nil {
		t.Fatal(err)
	}
	if c.(*osChild).pidfd == nil {
		t.Fatal("the child has no pidfd: Wait falls back to one blocked thread per child")
	}
	if ws := c.Wait(); !ws.Exited() || ws.ExitStatus() != 7 {
		t.Errorf("exit status %v, want 7", ws)
	}

	// 50 children blocked in Wait: with a thread each, the count would
	// grow by about 50; parked on the poller it barely moves.
	before := threadCount(t)
	const n = 50
	children := make([]Child, n)
	statuses := make(chan syscall.WaitStatus, n)
	for i := range children {
		if children[i], err = sp.Spawn(spec("/bin/sleep", "1000")); err != nil {
			t.Fatal(err)
		}
		go func(c Child) { statuses <- c.Wait() }(children[i])
	}
	// Give the waiters every chance to block (a blocked syscall would
	// show as a thread once the scheduler hands its P off).
	for range 20 {
		syscall.Nanosleep(&syscall.Timespec{Nsec: 5e6}, nil)
	}
	if grown := threadCount(t) - before; grown >= n/2 {
		t.Errorf("%d threads more with %d children waited for: Wait holds a thread per child", grown, n)
	}
	for _, c := range children {
		if err := c.Signal(syscall.SIGTERM, false); err != nil {
			t.Fatal(err)
		}
	}
	for range n {
		if ws := <-statuses; !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
			t.Errorf("status %v, want killed by SIGTERM", ws)
		}
	}
	if z := zombieChildrenOf(os.Getpid()); len(z) > 0 {
		t.Errorf("zombies left: %v", z)
	}
}

// TestWaitPidfdFallback checks the path taken when the poller refuses the
// pidfd: the child is not reaped by the attempt, and the blocking wait
// then gets its status.
func TestWaitPidfdFallback(t *testing.T) {
	sp := NewOSSpawner(OSSpawnerOptions{})
	defer sp.Close()
	c, err := sp.Spawn(spec("/bin/sleep", "1000"))
	if err != nil {
		t.Fatal(err)
	}
	child := c.(*osChild)
	// A blocking pidfd is not registered with the poller.
	fd, _, errno := syscall.Syscall(sysPidfdOpen, uintptr(child.pid), 0, 0)
	if errno != 0 {
		t.Fatalf("pidfd_open: %v", errno)
	}
	if _, err := waitPidfd(os.NewFile(fd, "blocking pidfd"), child.pid); !errors.Is(err, errNotPollable) {
		t.Fatalf("waitPidfd on a blocking pidfd: %v, want errNotPollable", err)
	}
	if err := c.Signal(syscall.SIGKILL, false); err != nil {
		t.Fatalf("the child should still be there: %v", err)
	}
	ws, err := waitBlocking(child.pid)
	if err != nil || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("waitBlocking: %v, %v", ws, err)
	}
	// The child was reaped here: Wait must not hang, and reports the
	// unknown death of a child someone else reaped.
	if ws := c.Wait(); ws != syscall.WaitStatus(0xffff) {
		t.Errorf("Wait after someone else reaped: %v", ws)
	}
}

// zombieChildrenOf lists the children of ppid that are zombies.
func zombieChildrenOf(ppid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(s[i+1:])
		if len(fields) >= 2 && fields[0] == "Z" && fields[1] == strconv.Itoa(ppid) {
			out = append(out, pid)
		}
	}
	return out
}
