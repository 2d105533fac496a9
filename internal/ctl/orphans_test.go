package ctl

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test harness must never leave a daemon's children running: not when
// a daemon ignores SIGTERM, not when it leaves processes behind, not when
// the test process itself dies before its cleanups. These helpers read
// the process table from /proc, and the tests below check each case with
// real processes.

// procEntry is one process as /proc/<pid>/stat shows it.
type procEntry struct {
	pid, ppid, pgid int
	state           byte
}

func readProc(pid int) (procEntry, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procEntry{}, false
	}
	// The command name, in parentheses, may hold spaces and parentheses:
	// the fields that follow start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procEntry{}, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 3 || f[0] == "" {
		return procEntry{}, false
	}
	ppid, err1 := strconv.Atoi(f[1])
	pgid, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil {
		return procEntry{}, false
	}
	return procEntry{pid: pid, ppid: ppid, pgid: pgid, state: f[0][0]}, true
}

// alive reports whether pid is a process that has not exited (a zombie
// has).
func alive(pid int) bool {
	e, ok := readProc(pid)
	return ok && e.state != 'Z' && e.state != 'X'
}

func allPids() []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// descendants lists the processes below root, parents before their
// children.
func descendants(root int) []int {
	children := map[int][]int{}
	for _, pid := range allPids() {
		if e, ok := readProc(pid); ok {
			children[e.ppid] = append(children[e.ppid], pid)
		}
	}
	var out []int
	for queue := []int{root}; len(queue) > 0; queue = queue[1:] {
		for _, c := range children[queue[0]] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// killTree SIGKILLs root and every process descended from it, each with
// its whole process group. A supervisord puts every child in a process
// group of its own, so killing the daemon's group alone would leave them
// running, adopted by init.
func killTree(root int) {
	own := syscall.Getpgrp()
	// A stopped daemon cannot start more children while the tree is read.
	if e, ok := readProc(root); ok && e.pgid == root && root != own {
		_ = syscall.Kill(-root, syscall.SIGSTOP)
	} else {
		_ = syscall.Kill(root, syscall.SIGSTOP)
	}
	for _, pid := range append([]int{root}, descendants(root)...) {
		if e, ok := readProc(pid); ok && e.pgid > 1 && e.pgid != own {
			_ = syscall.Kill(-e.pgid, syscall.SIGKILL)
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// killLeftovers SIGKILLs every running process whose environment holds
// the entry marker, and describes each one. It finds what a daemon
// started even once the daemon is gone and its children were adopted by
// init.
func killLeftovers(marker string) []string {
	var out []string
	self := os.Getpid()
	for _, pid := range allPids() {
		if pid == self {
			continue
		}
		env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
		if err != nil || !bytes.Contains(append([]byte{0}, env...), []byte("\x00"+marker+"\x00")) || !alive(pid) {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		_ = syscall.Kill(pid, syscall.SIGKILL)
		out = append(out, fmt.Sprintf("pid %d (%s)", pid, strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " "))))
	}
	return out
}

// waitGone waits until none of pids runs, and fails the test (after
// killing them) if some still do after a generous delay.
func waitGone(t *testing.T, what string, pids []int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var left []int
		for _, pid := range pids {
			if alive(pid) {
				left = append(left, pid)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, pid := range left {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			t.Fatalf("%s: processes %v still running (now killed)", what, left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// killTree reaches the children that left the daemon's process group.
func TestKillTreeReachesOtherProcessGroups(t *testing.T) {
	t.Parallel()
	// A parent in a group of its own, with a child in another group, as a
	// supervisord and its programs are.
	cmd := exec.Command("sh", "-c", "setsid sleep 1000 & wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	root := cmd.Process.Pid
	var children []int
	for range 400 {
		children = descendants(root)
		if len(children) == 1 {
			if e, ok := readProc(children[0]); ok && e.pgid != root && alive(children[0]) {
				break
			}
		}
		children = nil
		time.Sleep(50 * time.Millisecond)
	}
	if children == nil {
		killTree(root)
		_ = cmd.Wait()
		t.Fatal("the child never moved to a process group of its own")
	}
	killTree(root)
	_ = cmd.Wait()
	waitGone(t, "killTree", append(children, root))
}

// A process that outlives its daemon (here the background half of a
// program, which the daemon's stop does not reach) is found by its
// environment, killed, and reported.
func TestShutdownKillsLeftovers(t *testing.T) {
	t.Parallel()
	d := startDaemon(t, withExtra("[program:escaper]\ncommand=sh -c 'sleep 1002 & exec sleep 1001'\nstartsecs=0\n"))
	// The program is RUNNING as soon as it is spawned: its shell may
	// still be about to fork the background sleep.
	var background []int
	for range 400 {
		for _, pid := range descendants(d.cmd.Process.Pid) {
			if cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline"); string(cmdline) == "sleep\x001002\x00" {
				background = append(background, pid)
			}
		}
		if len(background) > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(background) != 1 {
		t.Fatalf("background sleeps %v, want one", background)
	}
	problems := d.shutdown()
	if len(problems) != 1 || !strings.Contains(problems[0], "left 1 processes running (killed): pid "+
		strconv.Itoa(background[0])+" (sleep 1002)") {
		t.Errorf("problems: %q", problems)
	}
	waitGone(t, "leftover", background)
}

// orphanHelperEnv makes TestOrphanHelper the body of a helper process:
// it starts a daemon, prints the pids of the daemon and of its children,
// and kills itself before any cleanup can run.
const orphanHelperEnv = "SUPVISORS_CTL_ORPHAN_HELPER"

// TestOrphanHelper does nothing in a normal run; it is the helper process
// of TestDaemonEndsWithTheTestProcess.
func TestOrphanHelper(t *testing.T) {
	if os.Getenv(orphanHelperEnv) == "" {
		return
	}
	d := startDaemon(t)
	fmt.Printf("pid %d\n", d.cmd.Process.Pid)
	for _, pid := range descendants(d.cmd.Process.Pid) {
		fmt.Printf("pid %d\n", pid)
	}
	_ = os.Stdout.Sync()
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

// When the test process dies without running its cleanups (a -timeout
// panic, a kill), its daemons stop, and their children with them.
func TestDaemonEndsWithTheTestProcess(t *testing.T) {
	t.Parallel()
	requireTools(t)
	helper := exec.Command(os.Args[0], "-test.run=^TestOrphanHelper$", "-test.count=1")
	helper.Env = append(os.Environ(), orphanHelperEnv+"=1")
	out, err := helper.Output()
	var pids []int
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "pid "); ok {
			if pid, err := strconv.Atoi(rest); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	// The daemon and its four autostarted programs.
	if len(pids) != 5 {
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		t.Fatalf("helper (%v) printed:\n%s", err, out)
	}
	waitGone(t, "after the test process died", pids)
}
