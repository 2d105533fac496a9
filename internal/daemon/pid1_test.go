package daemon

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// pid1Command returns the command that runs the test binary, as the
// daemon, as PID 1 of a new PID namespace with its own /proc. As root it
// uses unshare(1) directly; otherwise a user namespace maps the caller to
// root inside, which unprivileged users may create on most kernels. There
// is no skip: without unshare, or when the kernel refuses, the test fails
// and says why.
func pid1Command(t *testing.T, daemonArgs ...string) *exec.Cmd {
	t.Helper()
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Fatalf("unshare (util-linux) is required to run the daemon as PID 1 of a PID namespace: %v", err)
	}
	args := []string{"--fork", "--pid", "--mount-proc"}
	if os.Geteuid() != 0 {
		args = append([]string{"--user", "--map-root-user"}, args...)
	}
	probe, err := exec.Command(unshare, append(args, "sh", "-c", "echo $$")...).CombinedOutput()
	if err != nil || strings.TrimSpace(string(probe)) != "1" {
		t.Fatalf("cannot create a PID namespace with %s %s (euid %d; CI runs as root): %v %q",
			unshare, strings.Join(args, " "), os.Geteuid(), err, probe)
	}
	args = append(args, os.Args[0])
	cmd := exec.Command(unshare, append(args, daemonArgs...)...)
	cmd.Env = append(os.Environ(), asDaemonEnv+"=1")
	return cmd
}

// childOf returns the pid (in our namespace) of the only child of ppid,
// 0 when it has none yet.
func childOf(ppid int) int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := readStat(filepath.Join("/proc", e.Name(), "stat")); ok && st.ppid == ppid {
			return pid
		}
	}
	return 0
}

// procStat is the part of a /proc/<pid>/stat line the test looks at.
type procStat struct {
	pid, ppid int
	comm      string
	state     string
}

func parseStat(line string) (procStat, bool) {
	// "pid (comm) state ppid ...": comm may hold spaces and parentheses,
	// so it ends at the last ')'.
	open, end := strings.IndexByte(line, '('), strings.LastIndexByte(line, ')')
	if open < 0 || end < open {
		return procStat{}, false
	}
	var st procStat
	var err error
	if st.pid, err = strconv.Atoi(strings.TrimSpace(line[:open])); err != nil {
		return procStat{}, false
	}
	st.comm = line[open+1 : end]
	fields := strings.Fields(line[end+1:])
	if len(fields) < 2 {
		return procStat{}, false
	}
	st.state = fields[0]
	if st.ppid, err = strconv.Atoi(fields[1]); err != nil {
		return procStat{}, false
	}
	return st, true
}

func readStat(path string) (procStat, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return procStat{}, false
	}
	return parseStat(string(b))
}

// TestReapsOrphansAsPID1 runs the daemon as PID 1 of a PID namespace, as in
// a container: the orphan that a program leaves behind is reparented to
// the daemon, which must reap it (no zombie) and log it as Supervisor
// does; SIGTERM must still stop the programs in order and end the daemon
// (and thus the namespace) with status 0.
func TestReapsOrphansAsPID1(t *testing.T) {
	dir, err := os.MkdirTemp("", "svd1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	conf, logfile := filepath.Join(dir, "s.conf"), filepath.Join(dir, "s.log")
	orphanPID, procDump := filepath.Join(dir, "orphan.pid"), filepath.Join(dir, "proc.txt")
	// orphaner: backgrounds a grandchild, then exits at once. The
	// grandchild records its pid (as the namespace sees it), lives a
	// little so that its parent is reaped first, and exits 0: it dies an
	// orphan of PID 1.
	// zombies: waits until that orphan is fully gone (kill -0 succeeds on
	// a zombie, so this loop ends only once it was reaped), then dumps
	// every /proc/<pid>/stat of the namespace to a file for the test.
	// first and second: long-running programs to stop in order (second
	// has the higher priority, so it stops first).
	config := fmt.Sprintf(`[supervisord]
logfile=%[1]s
pidfile=%[2]s/s.pid
childlogdir=%[2]s
loglevel=info

[program:orphaner]
command=sh -c 'sh -c "echo \$\$ > %[3]s.tmp && mv %[3]s.tmp %[3]s && exec sleep 0.3" >/dev/null 2>&1 & exit 0'
startsecs=0
autorestart=false
priority=10

[program:zombies]
command=sh -c 'until [ -s %[3]s ]; do sleep 0.02; done; while kill -0 "$(cat %[3]s)" 2>/dev/null; do sleep 0.02; done; cat /proc/[0-9]*/stat > %[4]s.tmp 2>/dev/null; mv %[4]s.tmp %[4]s'
startsecs=0
autorestart=false
priority=20

[program:first]
command=sleep 1000
startsecs=0
stopwaitsecs=5
priority=30

[program:second]
command=sleep 1000
startsecs=0
stopwaitsecs=5
priority=40
`, logfile, dir, orphanPID, procDump)
	if err := os.WriteFile(conf, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}

	cmd := pid1Command(t, "-n", "-c", conf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var daemonPID int // as our namespace sees it, for the signals
	t.Cleanup(func() {
		select {
		case <-exited:
			return
		default:
		}
		// Killing PID 1 of the namespace kills everything in it.
		if daemonPID != 0 {
			syscall.Kill(daemonPID, syscall.SIGKILL)
		}
		cmd.Process.Kill()
		<-exited
	})

	waitFor(t, "the daemon started as PID 1", func() bool {
		return fileContains(logfile, "INFO supervisord started with pid 1\n")
	})
	waitFor(t, "the daemon's pid outside the namespace", func() bool {
		daemonPID = childOf(cmd.Process.Pid)
		return daemonPID != 0
	})

	// The orphan was reaped by the daemon and logged with its status.
	waitFor(t, "the orphan's pid file", func() bool { b, err := os.ReadFile(orphanPID); return err == nil && len(b) > 0 })
	b, err := os.ReadFile(orphanPID)
	if err != nil {
		t.Fatal(err)
	}
	orphan, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || orphan <= 1 {
		t.Fatalf("orphan pid file holds %q", b)
	}
	reaped := fmt.Sprintf("INFO reaped unknown pid %d (exit status 0)\n", orphan)
	waitFor(t, "the line "+strings.TrimSpace(reaped), func() bool { return fileContains(logfile, reaped) })

	// The namespace's own view of its processes holds no zombie and no
	// trace of the orphan.
	waitFor(t, "the /proc dump of the namespace", func() bool { _, err := os.Stat(procDump); return err == nil })
	dump, err := os.ReadFile(procDump)
	if err != nil {
		t.Fatal(err)
	}
	var sawInit bool
	for _, line := range strings.Split(strings.TrimSpace(string(dump)), "\n") {
		st, ok := parseStat(line)
		if !ok {
			t.Fatalf("unreadable /proc stat line %q in\n%s", line, dump)
		}
		if st.state == "Z" {
			t.Errorf("zombie left in the namespace: %s", line)
		}
		if st.pid == orphan {
			t.Errorf("the orphan %d is still there: %s", orphan, line)
		}
		sawInit = sawInit || (st.pid == 1 && st.ppid == 0)
	}
	if !sawInit {
		t.Errorf("the dump does not come from the namespace (no PID 1):\n%s", dump)
	}
	// The programs that exited were the daemon's own children: reaped as
	// such, not as unknown pids.
	for _, line := range []string{"INFO exited: orphaner (exit status 0; expected)", "INFO exited: zombies (exit status 0; expected)"} {
		waitFor(t, "the line "+line, func() bool { return fileContains(logfile, line) })
	}
	if n := strings.Count(readFile(t, logfile), "reaped unknown pid"); n != 1 {
		t.Errorf("%d orphans reaped, want exactly 1:\n%s", n, readFile(t, logfile))
	}

	// SIGTERM from outside the namespace: the ordered shutdown stops the
	// programs by descending priority, then the daemon exits 0.
	waitFor(t, "first and second RUNNING", func() bool {
		log := readFile(t, logfile)
		return strings.Contains(log, "INFO success: first entered RUNNING state") &&
			strings.Contains(log, "INFO success: second entered RUNNING state")
	})
	if err := syscall.Kill(daemonPID, syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM to the daemon (pid %d here): %v", daemonPID, err)
	}
	if err := <-exited; err != nil {
		t.Fatalf("daemon as PID 1 after SIGTERM: %v\n%s", err, readFile(t, logfile))
	}
	exited <- nil // for the cleanup
	log := readFile(t, logfile)
	term := strings.Index(log, "WARN received SIGTERM indicating exit request")
	second := strings.Index(log, "WARN stopped: second (terminated by SIGTERM)")
	first := strings.Index(log, "WARN stopped: first (terminated by SIGTERM)")
	if term < 0 || second < term || first < second {
		t.Errorf("shutdown not in order (SIGTERM at %d, second stopped at %d, first at %d):\n%s", term, second, first, log)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
