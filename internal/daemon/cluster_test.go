package daemon

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

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
