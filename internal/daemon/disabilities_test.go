package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// waitLong polls cond until it holds: for what takes a few cluster ticks
// of 5 s on a loaded machine. The bound is for a broken daemon only.
func waitLong(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// startDaemon runs the daemon of d in the foreground until the test ends
// or stop is called.
func startDaemon(t *testing.T, d *testDaemon) (stop func()) {
	t.Helper()
	var stderr bytes.Buffer
	cmd := d.command("-n")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		if err := <-done; err != nil {
			t.Errorf("daemon exit: %v", err)
		}
		if t.Failed() {
			t.Logf("stderr: %s", stderr.String())
		}
	}
	t.Cleanup(stop)
	return stop
}

func readFlags(t *testing.T, path string) map[string]bool {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var flags map[string]bool
	if err := json.Unmarshal(raw, &flags); err != nil {
		t.Fatalf("%s: %v (%s)", path, err, raw)
	}
	return flags
}

// lineCount counts the lines of a file (0 when missing).
func lineCount(path string) int {
	raw, _ := os.ReadFile(path)
	return strings.Count(string(raw), "\n")
}

func processState(url, name string) string {
	c, err := xmlrpc.NewClient(url, xmlrpc.ClientOptions{})
	if err != nil {
		return ""
	}
	defer c.Close()
	v, err := c.Call(context.Background(), "supervisor.getProcessInfo", name)
	if err != nil {
		return ""
	}
	return fmt.Sprint(v.(map[string]any)["statename"])
}

// The disabilities file is created at start (directory included) with
// every program enabled; disable persists the flag, stops the program and
// refuses its starts (DISABLED); enable persists the change and
// autostarts it; after a restart of the daemon a disabled program does
// not autostart.
func TestDisabilitiesFileRoundTrip(t *testing.T) {
	t.Parallel()
	marks := filepath.Join(t.TempDir(), "marks")
	d := newTestDaemon(t, fmt.Sprintf(`
[program:job]
command=sh -c 'echo started >> %s; exec sleep 1000'
startsecs=0
stopwaitsecs=5
`, marks))
	file := filepath.Join(d.dir, "state", "sub", "disabilities.json")
	d.withSupvisors(t, fmt.Sprintf("supvisors_list = <A>127.0.0.1:%d", d.port),
		"disabilities_file = "+file)

	stop := startDaemon(t, d)
	waitLong(t, "the disabilities file", func() bool {
		return maps.Equal(readFlags(t, file), map[string]bool{"sl": false, "job": false})
	})
	waitLong(t, "job started", func() bool { return lineCount(marks) == 1 && processState(d.url(), "job") == "RUNNING" })
	waitLong(t, "OPERATION", func() bool { return supvisorsState(d.url()) == "OPERATION" })

	if v, err := supvisorsCall(d.url(), "disable", "job"); v != true || err != nil {
		t.Fatalf("disable = %v, %v", v, err)
	}
	if st := processState(d.url(), "job"); st != "STOPPED" {
		t.Errorf("job %s after a waiting disable", st)
	}
	if got := readFlags(t, file); !maps.Equal(got, map[string]bool{"sl": false, "job": true}) {
		t.Errorf("file after disable: %v", got)
	}
	for _, call := range [][]any{
		{"supervisor.startProcess", "job"},
		{"supvisors.start_args", "job", ""},
	} {
		c, err := xmlrpc.NewClient(d.url(), xmlrpc.ClientOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Call(context.Background(), call[0].(string), call[1:]...)
		c.Close()
		if f := xmlrpc.FaultOf(err); f.Code != 103 {
			t.Errorf("%v on a disabled program: %v", call, err)
		}
	}
	local, err := supvisorsCall(d.url(), "get_local_process_info", "job")
	if err != nil || local.(map[string]any)["disabled"] != true {
		t.Errorf("local record %v, %v", local, err)
	}
	// Enabled, it autostarts again; disabled again before the restart.
	if v, err := supvisorsCall(d.url(), "enable", "job"); v != true || err != nil {
		t.Fatalf("enable = %v, %v", v, err)
	}
	waitLong(t, "job autostarted once enabled", func() bool {
		return lineCount(marks) == 2 && processState(d.url(), "job") == "RUNNING"
	})
	if got := readFlags(t, file); !maps.Equal(got, map[string]bool{"sl": false, "job": false}) {
		t.Errorf("file after enable: %v", got)
	}
	if v, err := supvisorsCall(d.url(), "disable", "job", true); v != true || err != nil {
		t.Fatalf("disable = %v, %v", v, err)
	}
	stop()

	// A new daemon on the same file: job stays stopped while sl, which
	// the autostart pass reaches after job (by name), runs.
	stop = startDaemon(t, d)
	waitLong(t, "sl running after the restart", func() bool { return processState(d.url(), "sl") == "RUNNING" })
	if st := processState(d.url(), "job"); st != "STOPPED" || lineCount(marks) != 2 {
		t.Errorf("disabled job after a restart: %s, started %d times", st, lineCount(marks))
	}
	if got := readFlags(t, file); !maps.Equal(got, map[string]bool{"sl": false, "job": true}) {
		t.Errorf("file after the restart: %v", got)
	}
	stop()
}

// A disabilities file that is not JSON is reported with its name; the
// daemon starts with every program enabled and rewrites the file.
func TestBadDisabilitiesFile(t *testing.T) {
	t.Parallel()
	d := newTestDaemon(t)
	file := filepath.Join(d.dir, "disabilities.json")
	if err := os.WriteFile(file, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	d.withSupvisors(t, fmt.Sprintf("supvisors_list = <A>127.0.0.1:%d", d.port), "disabilities_file = "+file)
	startDaemon(t, d)
	waitLong(t, "the file rewritten", func() bool {
		raw, _ := os.ReadFile(file)
		return string(raw) == `{"sl": false}`
	})
	waitLong(t, "sl running", func() bool { return processState(d.url(), "sl") == "RUNNING" })
	if !fileContains(d.logfile, "ERRO Supvisors: the disabilities file cannot be read") || !fileContains(d.logfile, file) {
		out, _ := exec.Command("tail", "-20", d.logfile).Output()
		t.Errorf("the log does not report the bad file:\n%s", out)
	}
}

// A program whose running failure strategy acts on the whole application
// gets Supervisor's autorestart forced off (with a warning) once the
// cluster layer loads its rules; the others keep theirs.
func TestAutorestartForcedOffByRules(t *testing.T) {
	t.Parallel()
	d := newTestDaemon(t, `
[group:app]
programs=crashy,steady

[program:crashy]
command=sleep 1000
autorestart=true

[program:steady]
command=sleep 1000
autorestart=true
`)
	rules := filepath.Join(d.dir, "rules.xml")
	const rulesXML = `<root>
<application name="app">
<programs>
<program name="crashy"><running_failure_strategy>STOP_APPLICATION</running_failure_strategy></program>
</programs>
</application>
</root>
`
	if err := os.WriteFile(rules, []byte(rulesXML), 0o600); err != nil {
		t.Fatal(err)
	}
	d.withSupvisors(t, fmt.Sprintf("supvisors_list = <A>127.0.0.1:%d", d.port), "rules_files = "+rules)
	startDaemon(t, d)
	waitLong(t, "the warning", func() bool { return logMentions(d.logfile, "WARN", "autorestart", "app:crashy") })
	if logMentions(d.logfile, "autorestart", "app:steady") {
		t.Error("autorestart of app:steady changed")
	}
}

// logMentions tells whether one line of the log has every word.
func logMentions(path string, words ...string) bool {
	raw, _ := os.ReadFile(path)
	for _, line := range strings.Split(string(raw), "\n") {
		all := true
		for _, w := range words {
			all = all && strings.Contains(line, w)
		}
		if all {
			return true
		}
	}
	return false
}
