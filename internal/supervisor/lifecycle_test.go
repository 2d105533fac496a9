package supervisor

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/events/eventstest"
)

func TestExitTooQuicklyGivesUp(t *testing.T) {
	cfg := cfgOf(t, groupOf("quick", 999, prog("quick", "sh -c 'echo oops >&2; exit 0'", func(p *config.Process) {
		// A long startsecs costs nothing here (the program exits at once)
		// and keeps the test independent of the machine's speed.
		p.Startsecs = 10
		p.Startretries = 1
	})))
	h := start(t, cfg)
	w := eventstest.Watch(t, h.bus)
	err := h.s.StartProcess(h.ctx, "quick", true)
	if !errdefs.Is(err, errdefs.SpawnError) || err.Error() != "SPAWN_ERROR: quick" {
		t.Fatalf("StartProcess: %v, want SPAWN_ERROR: quick", err)
	}
	info := h.waitState("quick", "FATAL")
	if info.Description != "Exited too quickly (process log may have details)" {
		t.Errorf("description %q", info.Description)
	}
	h.log.wait(t, "WARN exited: quick (exit status 0; not expected)")
	h.log.wait(t, "INFO gave up: quick entered FATAL state, too many start retries too quickly")
	w.WaitSequence(h.ctx, t,
		eventstest.Name("PROCESS_STATE_STARTING", "tries:0"),
		eventstest.Name("PROCESS_STATE_BACKOFF", "from_state:STARTING tries:1"),
		eventstest.Name("PROCESS_STATE_STARTING", "from_state:BACKOFF tries:1"),
		eventstest.Name("PROCESS_STATE_BACKOFF", "tries:2"),
		eventstest.Name("PROCESS_STATE_FATAL", "from_state:BACKOFF"),
	)
	data, _ := os.ReadFile(info.StderrLogfile)
	if string(data) != "oops\noops\n" {
		t.Errorf("stderr log %q", data)
	}
	// The engine keeps running: a start from FATAL is allowed.
	if err := h.s.StartProcess(h.ctx, "quick", false); err != nil {
		t.Errorf("restart from FATAL: %v", err)
	}
}

func TestExitAfterStartsecsIsExited(t *testing.T) {
	cfg := cfgOf(t, groupOf("ok", 999, prog("ok", "sh -c 'sleep 0.3; exit 3'", func(p *config.Process) {
		p.Startsecs = 0
		p.Autorestart = config.AutoRestartFalse
	})))
	h := start(t, cfg)
	if err := h.s.StartProcess(h.ctx, "ok", true); err != nil {
		t.Fatal(err)
	}
	info := h.waitState("ok", "EXITED")
	if info.ExitStatus != 3 || info.SpawnErr != "Bad exit code 3" {
		t.Errorf("info %+v", info)
	}
	h.log.wait(t, "WARN exited: ok (exit status 3; not expected)")
}

func TestStopEscalatesToSIGKILL(t *testing.T) {
	cfg := cfgOf(t, groupOf("stubborn", 999, prog("stubborn", `sh -c 'trap "" TERM; echo ready; while :; do sleep 0.2; done'`, func(p *config.Process) {
		p.Stopwaitsecs = 1
	})))
	h := start(t, cfg)
	if err := h.s.StartProcess(h.ctx, "stubborn", true); err != nil {
		t.Fatal(err)
	}
	h.waitFile(h.info("stubborn").StdoutLogfile, "ready\n")
	pid := h.info("stubborn").PID
	if err := h.s.StopProcess(h.ctx, "stubborn", true); err != nil {
		t.Fatal(err)
	}
	h.log.wait(t, "WARN killing 'stubborn' ("+strconv.Itoa(pid)+") with SIGKILL")
	h.log.wait(t, "WARN stopped: stubborn (terminated by SIGKILL)")
	h.log.wait(t, "INFO waiting for stubborn to stop")
}

func TestStopAsGroupReachesGrandchildren(t *testing.T) {
	dir := t.TempDir()
	pidfile := filepath.Join(dir, "grandchild")
	cfg := cfgOf(t, groupOf("forker", 999, prog("forker", "sh -c 'sleep 1000 & echo $! > "+pidfile+"; wait'", func(p *config.Process) {
		p.Stopasgroup = true
		p.Killasgroup = true
	})))
	h := start(t, cfg)
	if err := h.s.StartProcess(h.ctx, "forker", true); err != nil {
		t.Fatal(err)
	}
	gpid, _ := strconv.Atoi(strings.TrimSpace(h.waitFile(pidfile, "\n")))
	if err := h.s.StopProcess(h.ctx, "forker", true); err != nil {
		t.Fatal(err)
	}
	waitGone(t, h.ctx, gpid)
}

func TestSpawnErrors(t *testing.T) {
	dir := t.TempDir()
	noexec := filepath.Join(dir, "noexec")
	os.WriteFile(noexec, []byte("#!/bin/sh\n"), 0o644)
	cfg := cfgOf(t,
		groupOf("missing", 1, prog("missing", "/nonexistent/prog")),
		groupOf("notfound", 2, prog("notfound", "no-such-command-anywhere")),
		groupOf("isdir", 3, prog("isdir", dir)),
		groupOf("noexec", 4, prog("noexec", noexec)),
		groupOf("badquote", 5, prog("badquote", "sh -c 'unterminated")),
		groupOf("badcwd", 6, prog("badcwd", "sleep 1", func(p *config.Process) {
			p.Directory = "/nonexistent-dir"
			p.Startretries = 0
		})),
	)
	h := start(t, cfg)
	for _, tc := range []struct {
		name string
		code errdefs.Code
		text string
	}{
		{"missing", errdefs.NoFile, "NO_FILE: can't find command '/nonexistent/prog'"},
		{"notfound", errdefs.NoFile, "NO_FILE: can't find command 'no-such-command-anywhere'"},
		{"isdir", errdefs.NotExecutable, "NOT_EXECUTABLE: command at '" + dir + "' is a directory"},
		{"noexec", errdefs.NotExecutable, "NOT_EXECUTABLE: command at '" + noexec + "' is not executable"},
		{"badquote", errdefs.NotExecutable, "NOT_EXECUTABLE: can't parse command \"sh -c 'unterminated\": No closing quotation"},
		{"badcwd", errdefs.SpawnError, "SPAWN_ERROR: badcwd"},
	} {
		err := h.s.StartProcess(h.ctx, tc.name, true)
		if !errdefs.Is(err, tc.code) || err.Error() != tc.text {
			t.Errorf("start %s: %v, want %s", tc.name, err, tc.text)
		}
	}
	info := h.waitState("badcwd", "FATAL")
	if info.Description != "couldn't chdir to /nonexistent-dir: ENOENT" {
		t.Errorf("badcwd description %q", info.Description)
	}
	h.log.wait(t, "INFO spawnerr: couldn't chdir to /nonexistent-dir: ENOENT")
}

func TestEnvironmentDirectoryUmask(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	cfg := cfgOf(t, groupOf("grp", 999, prog("envp", "sh -c 'env > "+out+"; pwd >> "+out+"; umask >> "+out+"; touch "+out+".made'", func(p *config.Process) {
		p.Directory = dir
		p.Umask = 0o077
		p.Autorestart = config.AutoRestartFalse
		p.Environment = []config.EnvVar{{Key: "FROM_PROGRAM", Value: "p"}, {Key: "BOTH", Value: "program"}}
	})))
	cfg.Supervisord.Environment = []config.EnvVar{{Key: "FROM_GLOBAL", Value: "g"}, {Key: "BOTH", Value: "global"}}
	h := start(t, cfg)
	if err := h.s.StartProcess(h.ctx, "grp:envp", false); err != nil {
		t.Fatal(err)
	}
	h.waitState("grp:envp", "EXITED")
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{
		"SUPERVISOR_ENABLED=1\n", "SUPERVISOR_PROCESS_NAME=envp\n", "SUPERVISOR_GROUP_NAME=grp\n",
		"SUPERVISOR_SERVER_URL=http://127.0.0.1:9001\n", "FROM_PROGRAM=p\n", "FROM_GLOBAL=g\n", "BOTH=program\n",
		"\n" + dir + "\n", "\n0077\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("child output lacks %q:\n%s", want, text)
		}
	}
	st, err := os.Stat(out + ".made")
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("file made under umask 077 has mode %v", st.Mode().Perm())
	}
}

func TestSignalProcess(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "got")
	cfg := cfgOf(t, groupOf("sig", 999, prog("sig", `sh -c 'trap "echo usr1 >> `+out+`" USR1; echo ready; while :; do sleep 0.1; done'`, func(p *config.Process) {
		p.Stopasgroup, p.Killasgroup = true, true
	})))
	h := start(t, cfg)
	if err := h.s.SignalProcess("sig", syscall.SIGUSR1); !errdefs.Is(err, errdefs.NotRunning) {
		t.Errorf("signal stopped process: %v", err)
	}
	if err := h.s.StartProcess(h.ctx, "sig", true); err != nil {
		t.Fatal(err)
	}
	h.waitFile(h.info("sig").StdoutLogfile, "ready\n")
	if err := h.s.SignalProcess("sig", syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	for {
		if data, _ := os.ReadFile(out); strings.Contains(string(data), "usr1") {
			break
		}
		select {
		case <-time.After(10 * time.Millisecond):
		case <-h.ctx.Done():
			t.Fatal("the child never got SIGUSR1")
		}
	}
	res, err := h.s.SignalAllProcesses(syscall.SIGUSR1)
	if err != nil || len(res) != 1 || res[0].Status != errdefs.Success || res[0].Description != "OK" {
		t.Errorf("SignalAllProcesses: %+v %v", res, err)
	}
}

func TestKillAsGroupOnly(t *testing.T) {
	dir := t.TempDir()
	pidfile := filepath.Join(dir, "grandchild")
	cfg := cfgOf(t, groupOf("deaf", 999, prog("deaf", `sh -c 'trap "" TERM; sleep 1000 & echo $! > `+pidfile+`; while :; do sleep 0.1; done'`, func(p *config.Process) {
		p.Stopwaitsecs = 1
		p.Killasgroup = true
	})))
	h := start(t, cfg)
	if err := h.s.StartProcess(h.ctx, "deaf", true); err != nil {
		t.Fatal(err)
	}
	// The pid file is written after the trap is set.
	gpid, _ := strconv.Atoi(strings.TrimSpace(h.waitFile(pidfile, "\n")))
	defer syscall.Kill(gpid, syscall.SIGKILL)
	if err := h.s.StopProcess(h.ctx, "deaf", true); err != nil {
		t.Fatal(err)
	}
	h.log.wait(t, "WARN stopped: deaf (terminated by SIGKILL)")
	// SIGTERM went to the leader only (ignored everywhere); SIGKILL went
	// to the whole group and reached the grandchild.
	waitGone(t, h.ctx, gpid)
}
