package ctl

import (
	"io"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCompareShutdown shuts a daemon down with each client, then asks
// again when nothing listens any more.
func TestCompareShutdown(t *testing.T) {
	t.Parallel()
	var results [2][2]result
	for i, client := range []string{referenceClient, ourClient} {
		d := startDaemon(t)
		results[i][0] = runClient(t, client, d.dir, "", nil, "-c", d.conf, "shutdown")
		d.waitDown(t)
		results[i][1] = runClient(t, client, d.dir, "", nil, "-c", d.conf, "shutdown")
	}
	for step := range 2 {
		// The port differs between the two daemons.
		want := normalizePort(normalizeResult(results[0][step], exact))
		got := normalizePort(normalizeResult(results[1][step], exact))
		if want != got {
			t.Errorf("shutdown %d:\n=== reference\n%s\n=== ours\n%s", step, want, got)
		}
	}
}

func normalizePort(s string) string {
	if i := strings.Index(s, "127.0.0.1:"); i >= 0 {
		j := i + len("127.0.0.1:")
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		return s[:i] + "127.0.0.1:PORT" + s[j:]
	}
	return s
}

// TestCompareReload restarts the daemon with each client in turn.
func TestCompareReload(t *testing.T) {
	t.Parallel()
	d := startDaemon(t)
	compareClients(t, d.dir, "", nil, exact, func() { d.waitUp(t) }, "-c", d.conf, "reload")
}

// TestCompareUpdate changes the daemon's configuration and compares
// reread, update, add and remove, putting the old configuration back
// between the two clients.
func TestCompareUpdate(t *testing.T) {
	t.Parallel()
	const before = "[program:oldprog]\ncommand=sleep 1000\nstartsecs=0\n"
	const after = "[program:newprog]\ncommand=sleep 1000\nstartsecs=0\n" +
		"[group:newgroup]\nprograms=ng1\n[program:ng1]\ncommand=sleep 1000\nstartsecs=0\n" +
		// A second [program:sleeper] section changes the first one.
		"[program:sleeper]\ncommand=sleep 999\n"
	d := startDaemon(t, withExtra(before))
	reset := func(stopOld bool) func() {
		return func() {
			d.writeConfig(t, before)
			d.update(t)
			if stopOld {
				d.call(t, "supervisor.stopProcess", "oldprog", true)
			}
			d.writeConfig(t, after)
		}
	}
	for _, c := range []struct {
		args    string
		stopOld bool
	}{
		{args: "reread"},
		{args: "avail"},
		{args: "update"},
		{args: "update newgroup sleeper"},
		{args: "update nope newprog"},
		{args: "update all"},
		{args: "add newprog newgroup oldprog"},
		{args: "remove oldprog", stopOld: true},
		{args: "remove oldprog"},
	} {
		t.Run(c.args, func(t *testing.T) {
			compareClients(t, d.dir, "", nil, exact, reset(c.stopOld), append([]string{"-c", d.conf}, strings.Fields(c.args)...)...)
		})
	}
}

// TestCompareUnixSocket talks to the daemon over its unix socket.
func TestCompareUnixSocket(t *testing.T) {
	t.Parallel()
	d := startDaemon(t)
	for _, cmd := range []string{"status", "pid sleeper", "tail echoer", "version", "avail"} {
		args := append([]string{"-s", d.socketURL()}, strings.Fields(cmd)...)
		t.Run(cmd, func(t *testing.T) {
			compareClients(t, d.dir, "", nil, exact, nil, args...)
		})
	}
}

// TestCompareFollow runs "tail -f" and "maintail -f" in one-shot mode,
// stops each client with Ctrl-C (SIGINT) once the log shows, and compares.
func TestCompareFollow(t *testing.T) {
	t.Parallel()
	d := startDaemon(t)
	for _, c := range []struct {
		args []string
		seen string
	}{
		{[]string{"tail", "-f", "echoer"}, "hello\n"},
		{[]string{"tail", "-f", "echoer", "stderr"}, "oops\n"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var results [2]result
			for i, client := range []string{referenceClient, ourClient} {
				results[i] = runInterrupted(t, client, d.dir, c.seen, false, append([]string{"-c", d.conf}, c.args...)...)
			}
			if w, g := normalizeResult(results[0], exact), normalizeResult(results[1], exact); w != g {
				t.Errorf("=== reference\n%s\n=== ours\n%s", w, g)
			}
		})
	}
}

// runUntil starts a client, waits until its stdout holds seen, then
// interrupts it as Ctrl-C would and collects what it printed. With
// openStdin, the client's input stays open (a shell waiting for a line).
// A client still running 10 s after the interrupt gets its input closed,
// then is killed, so that a lost interrupt fails the comparison instead of
// hanging the run; ignored reports that it happened.
func runUntil(t *testing.T, bin, dir, seen string, openStdin bool, args ...string) (r result, ignored bool) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	out, errOut := &syncBuffer{}, &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, errOut
	var stdin io.WriteCloser
	if openStdin {
		var err error
		if stdin, err = cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		defer stdin.Close()
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for range 400 {
		if strings.Contains(out.String(), seen) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var err error
	select {
	case err = <-exited:
	case <-time.After(10 * time.Second):
		ignored = true
		if stdin != nil {
			stdin.Close()
		}
		select {
		case err = <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			err = <-exited
		}
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	return result{stdout: out.String(), stderr: errOut.String(), code: code}, ignored
}

// runInterrupted is runUntil, once more when the interrupt was lost: the
// reference client, Python, now and then swallows a SIGINT that lands
// while it is busy with a signal-sensitive call. Ours must not need the
// retry: a lost interrupt of ours fails the test.
func runInterrupted(t *testing.T, bin, dir, seen string, openStdin bool, args ...string) result {
	t.Helper()
	r, ignored := runUntil(t, bin, dir, seen, openStdin, args...)
	if ignored && bin == referenceClient {
		t.Logf("%s ignored the interrupt; running it again", bin)
		r, ignored = runUntil(t, bin, dir, seen, openStdin, args...)
	}
	if ignored {
		t.Errorf("%s did not end on the interrupt", bin)
	}
	return r
}

// update applies the daemon's configuration file as "update" does, for
// test setup.
func (d *daemon) update(t *testing.T) {
	t.Helper()
	v := d.call(t, "supervisor.reloadConfig")
	lists := v.([]any)[0].([]any)
	for i, l := range lists {
		for _, g := range l.([]any) {
			name := g.(string)
			if i > 0 { // changed or removed
				d.call(t, "supervisor.stopProcessGroup", name, true)
				d.call(t, "supervisor.removeProcessGroup", name)
			}
			if i < 2 { // added or changed
				d.call(t, "supervisor.addProcessGroup", name)
			}
		}
	}
}

// TestCompareShellInterrupt presses Ctrl-C in a shell that reads its
// commands from a pipe: both clients end the line and exit 0.
func TestCompareShellInterrupt(t *testing.T) {
	t.Parallel()
	d := startDaemon(t)
	var results [2]result
	for i, client := range []string{referenceClient, ourClient} {
		results[i] = runInterrupted(t, client, d.dir, "supervisor> ", true, "-c", d.conf)
	}
	if w, g := normalizeResult(results[0], exact), normalizeResult(results[1], exact); w != g {
		t.Errorf("=== reference\n%s\n=== ours\n%s", w, g)
	}
}
