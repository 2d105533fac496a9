package daemon

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ignoredSignalsOfChild runs one daemon (argv) in the foreground with a
// program that writes its SigIgn mask, and returns that mask.
func ignoredSignalsOfChild(t *testing.T, name string, argv []string, env []string) string {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "p.out")
	conf := filepath.Join(dir, "s.conf")
	text := fmt.Sprintf(`[supervisord]
nodaemon=true
logfile=%[1]s/s.log
pidfile=%[1]s/s.pid
childlogdir=%[1]s

[unix_http_server]
file=%[1]s/s.sock

[program:p]
command=sh -c 'grep SigIgn /proc/self/status; exec sleep 1000'
stdout_logfile=%[2]s
startsecs=0
autorestart=false
`, dir, out)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(argv[0], append(argv[1:], "-c", conf)...)
	cmd.Env = append(os.Environ(), env...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	var line string
	waitFor(t, name+"'s child to report its signals", func() bool {
		data, _ := os.ReadFile(out)
		line = strings.TrimSpace(string(data))
		return strings.HasPrefix(line, "SigIgn:")
	})
	return line
}

// TestChildrenInheritIgnoredSignalsOfSupervisord: Python's supervisord
// ignores SIGPIPE and SIGXFSZ and its children inherit that, which changes
// how a child's pipelines and large writes end; ours must give the same
// dispositions.
func TestChildrenInheritIgnoredSignalsOfSupervisord(t *testing.T) {
	python(t)
	want := ignoredSignalsOfChild(t, "supervisord", []string{"/usr/bin/supervisord"}, nil)
	got := ignoredSignalsOfChild(t, "supvisord", []string{os.Args[0]}, []string{asDaemonEnv + "=1"})
	if got != want {
		t.Errorf("ignored signals of a child: supervisord %q, supvisord %q", want, got)
	}
}

// TestClosedStdoutDoesNotKillTheDaemon: in the foreground the main log is
// echoed to stdout; once the reader of that pipe is gone, a write must
// fail quietly instead of killing the daemon with SIGPIPE, which would
// leave its children behind.
func TestClosedStdoutDoesNotKillTheDaemon(t *testing.T) {
	python(t)
	d := newTestDaemon(t)
	cmd := d.command("-n")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var child int
	waitFor(t, "sl RUNNING", func() bool {
		rep := callRPC(t, d.url(), "supervisor.getProcessInfo", "sl")
		if rep.Fault != 0 {
			return false
		}
		info := rep.Result.(map[string]any)
		child = int(info["pid"].(float64))
		return info["statename"] == "RUNNING"
	})
	r.Close() // every later echo of the log now meets a closed pipe
	if rep := callRPC(t, d.url(), "supervisor.stopProcess", "sl"); rep.Fault != 0 {
		t.Fatalf("stopProcess: fault %d", rep.Fault)
	}
	if rep := callRPC(t, d.url(), "supervisor.startProcess", "sl"); rep.Fault != 0 {
		t.Fatalf("startProcess after stdout closed: fault %d", rep.Fault)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := <-exited; err != nil {
		t.Errorf("daemon with a closed stdout: %v, want exit 0", err)
	}
	waitFor(t, "the child stopped by the shutdown", func() bool { return !alive(child) })
}
