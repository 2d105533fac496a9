package daemon

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// withSupvisors appends a [rpcinterface:supvisors] section to the
// daemon's configuration.
func (d *testDaemon) withSupvisors(t *testing.T, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(d.conf, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprintf(f, "\n[rpcinterface:supvisors]\nsupervisor.rpcinterface_factory = supvisors.plugin:make_supvisors_rpcinterface\n%s\n",
		strings.Join(lines, "\n"))
}

func TestClusterConfigErrorFailsStartup(t *testing.T) {
	d := newTestDaemon(t)
	d.withSupvisors(t, "supvisors_list = <X>10.255.255.1:7000")
	var stdout, stderr bytes.Buffer
	if code := Run([]string{"supvisord", "-n", "-c", d.conf}, &stdout, &stderr); code != exitUsage {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "could not find the local Supvisors instance in supvisors_list") {
		t.Errorf("stderr %q", stderr.String())
	}
}

// supvisorsState calls supvisors.get_supvisors_state; "" when the daemon
// does not answer (yet).
func supvisorsState(url string) string {
	c, err := xmlrpc.NewClient(url, xmlrpc.ClientOptions{})
	if err != nil {
		return ""
	}
	defer c.Close()
	v, err := c.Call(context.Background(), "supvisors.get_supvisors_state")
	if err != nil {
		return ""
	}
	m, _ := v.(map[string]any)
	return fmt.Sprint(m["fsm_statename"])
}

func TestClusterRunsForTheLifetimeOfTheInstance(t *testing.T) {
	d := newTestDaemon(t)
	d.withSupvisors(t, fmt.Sprintf("supvisors_list = <A>127.0.0.1:%d", d.port))
	cmd := d.command("-n", "-e", "info")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	// Alone in its list, the instance checks itself on its first tick and
	// ends the synchronization at once (STRICT): OPERATION within a few
	// ticks of 5 s.
	waitFor(t, "OPERATION", func() bool { return supvisorsState(d.url()) == "OPERATION" })
	if !fileContains(d.logfile, "INFO Supvisors Master is A (127.0.0.1:") {
		t.Error("main log lacks the Master line")
	}
	// change_log_level sets the main log's level (Supvisors shares it):
	// XML-RPC calls are traced from then on, not at info before.
	c, err := xmlrpc.NewClient(d.url(), xmlrpc.ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if fileContains(d.logfile, " TRAC ") {
		t.Fatal("TRAC line at loglevel info")
	}
	if v, err := c.Call(context.Background(), "supvisors.change_log_level", "trace"); err != nil || v != true {
		t.Fatalf("change_log_level = %v, %v", v, err)
	}
	waitFor(t, "a TRAC line", func() bool {
		_, _ = c.Call(context.Background(), "supervisor.getState")
		return fileContains(d.logfile, " TRAC ")
	})
	// A restart makes a new driver, which starts over from OFF.
	_ = cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "a new driver", func() bool {
		s := supvisorsState(d.url())
		return s == "OFF" || s == "SYNCHRONIZATION"
	})
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := <-exited; err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	exited <- nil
}

// A rules file that does not validate stops the start-up with its file
// and line (Supvisors would run without rules).
func TestClusterBadRulesFileFailsStartup(t *testing.T) {
	d := newTestDaemon(t)
	bad := filepath.Join(d.dir, "rules.xml")
	if err := os.WriteFile(bad, []byte("<root>\n<application name=\"app\">\n<start_sequence>x</start_sequence>\n</application>\n</root>\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.withSupvisors(t, fmt.Sprintf("supvisors_list = <A>127.0.0.1:%d", d.port), "rules_files = %%(here)s/rules.xml")
	var stdout, stderr bytes.Buffer
	if code := Run([]string{"supvisord", "-n", "-c", d.conf}, &stdout, &stderr); code != exitUsage {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), bad+":3") {
		t.Errorf("stderr %q does not locate the error", stderr.String())
	}
}

// supvisorsCall calls a supvisors.* method; the fault as an error.
func supvisorsCall(url, method string, params ...any) (any, error) {
	c, err := xmlrpc.NewClient(url, xmlrpc.ClientOptions{})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Call(context.Background(), "supvisors."+method, params...)
}

// processesSeen is "STATE [identifiers]" by namespec, as get_all_process_info
// gives them; nil while the daemon refuses the call.
func processesSeen(url string) map[string]string {
	v, err := supvisorsCall(url, "get_all_process_info")
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, item := range v.([]any) {
		p := item.(map[string]any)
		out[fmt.Sprint(p["application_name"], ":", p["process_name"])] = fmt.Sprint(p["statename"], " ", p["identifiers"])
	}
	return out
}

// Two instances, each with its own processes and a rules file that makes
// one application managed: each instance's get_all_process_info shows the
// processes of both, and the rules come from the file.
func TestClusterMergesProcessesOfTwoInstances(t *testing.T) {
	procs := func(autostart bool) string {
		return fmt.Sprintf("\n[group:app]\nprograms=worker\n\n[program:worker]\ncommand=sleep 1000\nstartsecs=0\nautostart=%t\n", autostart)
	}
	a, b := newTestDaemon(t, procs(true)), newTestDaemon(t, procs(false))
	list := fmt.Sprintf("supvisors_list = <A>127.0.0.1:%d,<B>127.0.0.1:%d", a.port, b.port)
	const rulesXML = `<root>
<application name="app">
<start_sequence>1</start_sequence>
<programs><program name="worker"><expected_loading>25</expected_loading></program></programs>
</application>
</root>
`
	for _, d := range []*testDaemon{a, b} {
		if err := os.WriteFile(filepath.Join(d.dir, "rules.xml"), []byte(rulesXML), 0o600); err != nil {
			t.Fatal(err)
		}
		d.withSupvisors(t, list, "rules_files = %%(here)s/rules.xml")
	}
	exited := map[*testDaemon]chan error{}
	for _, d := range []*testDaemon{a, b} {
		var stderr bytes.Buffer
		cmd := d.command("-n")
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		exited[d] = done
		t.Cleanup(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			<-done
			if t.Failed() {
				t.Logf("%s stderr: %s", d.url(), stderr.String())
			}
		})
	}
	idA, idB := fmt.Sprintf("127.0.0.1:%d", a.port), fmt.Sprintf("127.0.0.1:%d", b.port)
	both := []string{idA, idB}
	slices.Sort(both) // identifiers come sorted
	want := map[string]string{
		"app:worker": "RUNNING [" + idA + "]",
		"sl:sl":      fmt.Sprint("RUNNING ", both),
	}
	for _, d := range []*testDaemon{a, b} {
		// The instances reach DISTRIBUTION after a few ticks of 5 s; the
		// bound is for a broken daemon only.
		var seen map[string]string
		for deadline := time.Now().Add(2 * time.Minute); !maps.Equal(seen, want); time.Sleep(100 * time.Millisecond) {
			for other, done := range exited {
				select {
				case err := <-done:
					done <- err // for the clean-up
					t.Fatalf("%s exited: %v", other.url(), err)
				default:
				}
			}
			if time.Now().After(deadline) {
				_, err := supvisorsCall(d.url(), "get_all_process_info")
				t.Fatalf("%s: get_all_process_info %v (%v), want %v", d.url(), seen, err, want)
			}
			seen = processesSeen(d.url())
		}
		v, err := supvisorsCall(d.url(), "get_application_rules", "app")
		if err != nil {
			t.Fatal(err)
		}
		if r := v.(map[string]any); r["managed"] != true || r["start_sequence"] != 1 {
			t.Errorf("%s: rules of app %v", d.url(), r)
		}
		v, err = supvisorsCall(d.url(), "get_application_info", "sl")
		if err != nil {
			t.Fatal(err)
		}
		if r := v.(map[string]any); r["managed"] != false || r["statename"] != "RUNNING" {
			t.Errorf("%s: sl %v", d.url(), r)
		}
		if v, err := supvisorsCall(d.url(), "get_conflicts"); err != nil || len(v.([]any)) != 0 {
			t.Errorf("%s: conflicts %v, %v", d.url(), v, err)
		}
		// The load of an instance is the expected_loading of what runs there.
		v, err = supvisorsCall(d.url(), "get_instance_info", "A")
		if err != nil {
			t.Fatal(err)
		}
		if in := v.([]any)[0].(map[string]any); in["loading"] != 25 || in["process_failure"] != false {
			t.Errorf("%s: instance A %v", d.url(), in)
		}
	}
}

func TestExpandRulesPattern(t *testing.T) {
	env := []string{"RULES=/etc/rules", "EMPTY="}
	for in, want := range map[string]string{
		"%(here)s/r.xml":         "/conf/r.xml",
		"%(ENV_RULES)s/*.xml":    "/etc/rules/*.xml",
		"a%(ENV_EMPTY)sb":        "ab",
		"100%%.xml":              "100%.xml",
		"plain/rules-[ab].xml":   "plain/rules-[ab].xml",
		"%(here)s/%(ENV_RULES)s": "/conf//etc/rules",
	} {
		if got, err := expandRulesPattern(in, "/conf", env); err != nil || got != want {
			t.Errorf("expand(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"%(nope)s", "%(ENV_MISSING)s", "%(here)d", "%(here", "50%"} {
		if got, err := expandRulesPattern(in, "/conf", env); err == nil {
			t.Errorf("expand(%q) = %q, want an error", in, got)
		}
	}
}

// The Master in DISTRIBUTION starts the applications of the rules files
// by start_sequence, and their programs by start_sequence, each on the
// instance its rules name: f1 on B, then f2 on A (through the local
// engine), then the second application's s on B (through
// supvisors.start_args); both instances then see every application
// RUNNING.
func TestClusterDistributionStartsInSequence(t *testing.T) {
	order := filepath.Join(t.TempDir(), "order")
	procs := func() string {
		var b strings.Builder
		b.WriteString("\n[group:first]\nprograms=f1,f2\n\n[group:second]\nprograms=s\n")
		for _, name := range []string{"f1", "f2", "s"} {
			// startsecs=1: RUNNING comes after the name is written.
			fmt.Fprintf(&b, "\n[program:%[1]s]\ncommand=sh -c 'echo %[1]s >> %[2]s; exec sleep 1000'\nstartsecs=1\nautostart=false\n", name, order)
		}
		return b.String()
	}
	a, b := newTestDaemon(t, procs()), newTestDaemon(t, procs())
	list := fmt.Sprintf("supvisors_list = <A>127.0.0.1:%d,<B>127.0.0.1:%d", a.port, b.port)
	const rulesXML = `<root>
<application name="first">
<start_sequence>1</start_sequence>
<programs>
<program name="f1"><identifiers>B</identifiers><start_sequence>1</start_sequence><required>true</required></program>
<program name="f2"><identifiers>A</identifiers><start_sequence>2</start_sequence><required>true</required></program>
</programs>
</application>
<application name="second">
<start_sequence>2</start_sequence>
<programs><program name="s"><identifiers>B</identifiers><start_sequence>1</start_sequence></program></programs>
</application>
</root>
`
	for _, d := range []*testDaemon{a, b} {
		if err := os.WriteFile(filepath.Join(d.dir, "rules.xml"), []byte(rulesXML), 0o600); err != nil {
			t.Fatal(err)
		}
		d.withSupvisors(t, list, "rules_files = %%(here)s/rules.xml")
	}
	for _, d := range []*testDaemon{a, b} {
		var stderr bytes.Buffer
		cmd := d.command("-n")
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		t.Cleanup(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			<-done
			if t.Failed() {
				t.Logf("%s stderr: %s", d.url(), stderr.String())
			}
		})
	}
	idA, idB := fmt.Sprintf("127.0.0.1:%d", a.port), fmt.Sprintf("127.0.0.1:%d", b.port)
	want := map[string]string{
		"first:f1": "RUNNING [" + idB + "]",
		"first:f2": "RUNNING [" + idA + "]",
		"second:s": "RUNNING [" + idB + "]",
		"sl:sl":    fmt.Sprint("RUNNING ", slices.Sorted(slices.Values([]string{idA, idB}))),
		"first:*":  "RUNNING",
		"second:*": "RUNNING",
		"sl:*":     "RUNNING",
	}
	for _, d := range []*testDaemon{a, b} {
		// DISTRIBUTION comes after a few ticks of 5 s; the bound is for a
		// broken daemon only.
		var seen map[string]string
		for deadline := time.Now().Add(2 * time.Minute); !maps.Equal(seen, want); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %v, want %v", d.url(), seen, want)
			}
			seen = processesSeen(d.url())
			if seen == nil {
				continue
			}
			v, err := supvisorsCall(d.url(), "get_all_applications_info")
			if err != nil {
				continue
			}
			for _, item := range v.([]any) {
				app := item.(map[string]any)
				seen[fmt.Sprint(app["application_name"], ":*")] = fmt.Sprint(app["statename"])
			}
		}
	}
	got, err := os.ReadFile(order)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "f1\nf2\ns\n" {
		t.Errorf("start order %q, want f1, f2, s", got)
	}
	// The control methods with wait, from the Slave: each returns once
	// the application is in the state asked for.
	waitFor(t, "OPERATION", func() bool { return supvisorsState(b.url()) == "OPERATION" })
	for _, step := range []struct {
		method string
		params []any
		state  string
	}{
		{"stop_application", []any{"second", true}, "STOPPED"},
		{"start_application", []any{"CONFIG", "second", true}, "RUNNING"},
		{"restart_application", []any{"LESS_LOADED", "first", true}, "RUNNING"},
	} {
		if v, err := supvisorsCall(b.url(), step.method, step.params...); v != true || err != nil {
			t.Fatalf("%s = %v, %v", step.method, v, err)
		}
		v, err := supvisorsCall(b.url(), "get_application_info", step.params[len(step.params)-2])
		if err != nil || v.(map[string]any)["statename"] != step.state {
			t.Errorf("after %s: %v, %v", step.method, v, err)
		}
	}
}
