package cluster

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/bench/clusterbench"
)

// TestMasterLossAndRejoin follows one cluster through its life: the three
// instances reach OPERATION and elect the lowest nick name; the Master is
// killed, the others see it FAILED then STOPPED and elect a new Master;
// the old Master restarts and rejoins without taking the role back.
func TestMasterLossAndRejoin(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 3, nil)
	a := c.Nodes[0]

	views := waitOperation(t, c.Nodes, c.Nodes)
	if got := views.Master(); got != a.Identifier() {
		t.Fatalf("Master = %q; want %s, the lowest nick name", got, describe(a))
	}
	checkMasterGetter(t, c.Nodes, a)

	a.Kill()
	survivors := clusterbench.Except(c.Nodes, a.Nick)
	views, trace := watchInstance(t, survivors, a.Identifier(), "the survivors agree on a new Master and see A STOPPED",
		func(v clusterbench.Views) bool {
			m := v.Master()
			return m != "" && m != a.Identifier() && allSee(a.Identifier(), "STOPPED")(v)
		})
	checkFailedThenStopped(t, trace, a.Identifier(), true)
	newMaster := views.Master()
	if newMaster != c.Nodes[1].Identifier() {
		t.Errorf("new Master = %q; want %s, the lowest nick name left", newMaster, describe(c.Nodes[1]))
	}
	waitFor(t, reactionDeadline, survivors, "the survivors back in OPERATION without A",
		func(v clusterbench.Views) bool {
			return clusterbench.InOperation(clusterbench.Identifiers(survivors))(v) && allSee(a.Identifier(), "STOPPED")(v)
		})

	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	views = waitOperation(t, c.Nodes, c.Nodes)
	if got := views.Master(); got != newMaster {
		t.Errorf("after A rejoined, Master = %q; want %q kept (declared Masters are preferred)", got, newMaster)
	}
	checkInstancesInfo(t, c.Nodes)
}

// checkInstancesInfo checks supvisors.get_all_instances_info on every
// node: every instance, sorted by identifier, RUNNING, with its nick name.
func checkInstancesInfo(t *testing.T, nodes []*clusterbench.Node) {
	t.Helper()
	want := map[string]string{}
	for _, n := range nodes {
		want[n.Identifier()] = n.Nick
	}
	for _, n := range nodes {
		infos, err := n.InstancesInfo(t.Context())
		if err != nil {
			t.Fatalf("get_all_instances_info on %s: %v", n.Nick, err)
		}
		if len(infos) != len(nodes) {
			t.Errorf("get_all_instances_info on %s lists %d instances; want %d", n.Nick, len(infos), len(nodes))
		}
		for i, info := range infos {
			if i > 0 && infos[i-1].Identifier >= info.Identifier {
				t.Errorf("get_all_instances_info on %s is not sorted by identifier: %q before %q", n.Nick, infos[i-1].Identifier, info.Identifier)
			}
			if want[info.Identifier] != info.NickIdentifier || info.StateName != "RUNNING" || info.StateCode != 3 {
				t.Errorf("get_all_instances_info on %s: %+v; want nick %q, RUNNING (3)", n.Nick, info, want[info.Identifier])
			}
		}
	}
}

// checkMasterGetter checks supvisors.get_master_identifier on every node.
func checkMasterGetter(t *testing.T, nodes []*clusterbench.Node, master *clusterbench.Node) {
	t.Helper()
	for _, n := range nodes {
		got, ok := mustCall(t, n, "supvisors.get_master_identifier").(map[string]any)
		if !ok || got["identifier"] != master.Identifier() || got["nick_identifier"] != master.Nick {
			t.Errorf("get_master_identifier on %s = %#v; want identifier %s, nick %s", n.Nick, got, master.Identifier(), master.Nick)
		}
	}
}

// TestInconsistentStrategiesIsolate gives C another starting strategy:
// the handshake finds the difference and both sides isolate each other.
func TestInconsistentStrategiesIsolate(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 3, func(c *clusterbench.Cluster) {
		c.Nodes[2].Options = map[string]string{"starting_strategy": "LESS_LOADED"}
	})
	a, b, odd := c.Nodes[0], c.Nodes[1], c.Nodes[2]
	waitFor(t, operationDeadline, c.Nodes, "C and the others isolating each other", func(v clusterbench.Views) bool {
		return v[a.Nick].InstanceStates[odd.Identifier()] == "ISOLATED" &&
			v[b.Nick].InstanceStates[odd.Identifier()] == "ISOLATED" &&
			v[odd.Nick].InstanceStates[a.Identifier()] == "ISOLATED" &&
			v[odd.Nick].InstanceStates[b.Identifier()] == "ISOLATED" &&
			v[a.Nick].InstanceStates[b.Identifier()] == "RUNNING" &&
			v[b.Nick].InstanceStates[a.Identifier()] == "RUNNING"
	})
	strategies, ok := mustCall(t, odd, "supvisors.get_strategies").(map[string]any)
	if !ok || strategies["starting"] != "LESS_LOADED" {
		t.Errorf("get_strategies on C = %#v; want starting LESS_LOADED", strategies)
	}
	// Isolation is final: a few more ticks change nothing.
	deadline := time.Now().Add(12 * time.Second)
	for time.Now().Before(deadline) {
		views, _ := clusterbench.Observe(t.Context(), c.Nodes)
		if s := views[a.Nick].InstanceStates[odd.Identifier()]; s != "ISOLATED" {
			t.Fatalf("A sees C %s after isolating it:%s", s, views)
		}
		time.Sleep(time.Second)
	}
}

// TestShutdownFromSlave asks a Slave for supvisors.shutdown(): it forwards
// the request to the Master, and every daemon of the cluster exits cleanly.
func TestShutdownFromSlave(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 3, nil)
	views := waitOperation(t, c.Nodes, c.Nodes)
	master := c.Node(views.Master())
	slave := clusterbench.Except(c.Nodes, master.Nick)[0]

	if got := mustCall(t, slave, "supvisors.shutdown"); got != true {
		t.Fatalf("supvisors.shutdown on %s = %#v; want true", slave.Nick, got)
	}
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	for _, n := range c.Nodes {
		wg.Go(func() {
			select {
			case <-n.Done():
				mu.Lock()
				order = append(order, n.Nick)
				mu.Unlock()
			case <-time.After(reactionDeadline):
			}
		})
	}
	wg.Wait()
	t.Logf("exit order: %v (Master %s)", order, master.Nick)
	for _, n := range c.Nodes {
		t.Logf("%s's closing lines:\n%s", n.Nick, grepLines(t, n.OutputPath(), "SHUTTING_DOWN", "FINAL", "shutdown", "exiting"))
	}
	for _, n := range c.Nodes {
		if n.Running() {
			t.Errorf("%s still runs after the cluster shutdown", describe(n))
			continue
		}
		if err := n.ExitErr(); err != nil {
			t.Errorf("%s exited with %v; want status 0", describe(n), err)
		}
	}
}

// TestRestartFromSlave calls supvisors.restart on a Slave: the Master takes
// the whole cluster through RESTARTING, every supervisord restarts in place
// (its programs with it), and the cluster forms again.
func TestRestartFromSlave(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 3, nil)
	views := waitOperation(t, c.Nodes, c.Nodes)
	master := c.Node(views.Master())
	slave := clusterbench.Except(c.Nodes, master.Nick)[0]
	sleeperPID := func(n *clusterbench.Node) any {
		info, _ := mustCall(t, n, "supervisor.getProcessInfo", "sleeper").(map[string]any)
		return info["pid"]
	}
	before := map[string]any{}
	for _, n := range c.Nodes {
		before[n.Nick] = sleeperPID(n)
	}
	checkSupvisorsctl(t, slave, master, len(c.Nodes))

	// Through our supvisorsctl: sreload is supvisors.restart.
	if out, err := exec.Command(testCtl, "-s", fmt.Sprintf("http://127.0.0.1:%d", slave.Port), "sreload").CombinedOutput(); err != nil || string(out) != "Restarted: True\n" {
		t.Fatalf("supvisorsctl sreload on %s: %v, %q", slave.Nick, err, out)
	}
	deadline := time.Now().Add(reactionDeadline)
	for _, n := range c.Nodes {
		for !strings.Contains(grepLines(t, n.OutputPath(), "-> RESTARTING"), "RESTARTING") {
			if time.Now().After(deadline) {
				t.Fatalf("%s never entered RESTARTING; its state lines:\n%s", describe(n), grepLines(t, n.OutputPath(), "Supvisors state"))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	views = waitOperation(t, c.Nodes, c.Nodes)
	t.Logf("Master after the restart: %s", views.Master())
	for _, n := range c.Nodes {
		if !n.Running() {
			t.Errorf("%s exited: a cluster restart restarts supervisord in place", describe(n))
		}
		if lines := grepLines(t, n.OutputPath(), "RESTARTING -> FINAL"); lines == "" {
			t.Errorf("%s did not go from RESTARTING to FINAL", describe(n))
		}
		if after := sleeperPID(n); after == before[n.Nick] {
			t.Errorf("%s: sleeper still has pid %v: its supervisord did not restart", describe(n), after)
		}
	}
}

// checkSupvisorsctl runs our supvisorsctl with -s URL against n, a member
// of a cluster of size instances in OPERATION under master: the Supvisors
// commands are there without any configuration file, and answer.
func checkSupvisorsctl(t *testing.T, n, master *clusterbench.Node, size int) {
	t.Helper()
	url := fmt.Sprintf("http://127.0.0.1:%d", n.Port)
	run := func(args ...string) string {
		cmd := exec.Command(testCtl, append([]string{"-s", url}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("supvisorsctl %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if got := run("sversion"); got != "0.19.1\n" {
		t.Errorf("sversion = %q", got)
	}
	want := fmt.Sprintf("Nick identifier: %s\nIdentifier:      %s\n", master.Nick, master.Identifier())
	if got := run("master"); got != want {
		t.Errorf("master = %q, want %q", got, want)
	}
	if got := run("sstate"); !strings.Contains(got, "OPERATION") || !strings.Contains(got, master.Identifier()) {
		t.Errorf("sstate = %q", got)
	}
	lines := strings.Split(strings.TrimSpace(run("instance_status")), "\n")
	if len(lines) != size+1 || !strings.HasPrefix(lines[0], "Nickname") {
		t.Fatalf("instance_status = %q: want a header and %d rows", lines, size)
	}
	for _, l := range lines[1:] {
		if !strings.Contains(l, " RUNNING ") {
			t.Errorf("instance_status row %q: want RUNNING", l)
		}
	}
	if got := run("strategies"); !strings.Contains(got, "Auto-fencing:") || !strings.Contains(got, "CONFIG") {
		t.Errorf("strategies = %q", got)
	}
	if got := run("loglevel", "info"); got != "Logger level changed: True\n" {
		t.Errorf("loglevel info = %q", got)
	}
	// end_sync outside SYNCHRONIZATION: the daemon's fault, exit 1.
	out, err := exec.Command(testCtl, "-s", url, "end_sync").CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(string(out), "ERROR (BAD_SUPVISORS_STATE: ") {
		t.Errorf("end_sync in OPERATION: %v, %q; want BAD_SUPVISORS_STATE and exit 1", err, out)
	}
}
