package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/bench/clusterbench"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// extrasPrograms: a pool of workers whose numprocs changes, and a roamer
// that a disable on one instance sends elsewhere. Nothing autostarts.
const extrasPrograms = `
[group:pool]
programs=worker

[program:worker]
command=sleep 86400
process_name=worker_%(process_num)d
numprocs=1
autostart=false
startsecs=1
stopwaitsecs=5

[group:mobile]
programs=roamer

[program:roamer]
command=sleep 86400
autostart=false
startsecs=1
stopwaitsecs=5
`

// call makes one XML-RPC call with a bound that only a broken daemon
// reaches.
func extrasCall(n *clusterbench.Node, method string, params ...any) (any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), reactionDeadline)
	defer cancel()
	return n.Call(ctx, method, params...)
}

// definedOn tells whether n's model has a record of namespec from the
// instance on (supvisors.get_inner_process_info).
func extrasDefinedOn(n, on *clusterbench.Node, namespec string) bool {
	v, err := extrasCall(n, "supvisors.get_inner_process_info", on.Identifier(), namespec)
	list, _ := v.([]any)
	return err == nil && len(list) == 1
}

// workers lists the pool processes of n's get_all_process_info.
func extrasWorkers(n *clusterbench.Node) []string {
	v, err := extrasCall(n, "supvisors.get_all_process_info")
	if err != nil {
		return nil
	}
	var out []string
	for _, item := range v.([]any) {
		p := item.(map[string]any)
		if p["application_name"] == "pool" {
			out = append(out, fmt.Sprint(p["process_name"]))
		}
	}
	slices.Sort(out)
	return out
}

// waitUntil polls cond until it holds, failing the test after deadline.
func extrasWaitUntil(t *testing.T, deadline time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(deadline); !cond(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("no %s", what)
		}
	}
}

// TestNumprocsAndDisabilities: update_numprocs called on every instance
// adds the processes to every instance's view, then removes them (a
// running one stopped first); disable on the first instance sends the
// roamer elsewhere and start_args there answers DISABLED, enable brings
// it back; the disabilities file follows.
func TestNumprocsAndDisabilities(t *testing.T) {
	t.Parallel()
	files := t.TempDir()
	c := startCluster(t, 3, func(c *clusterbench.Cluster) {
		c.Programs = extrasPrograms
		for _, n := range c.Nodes {
			n.Options = map[string]string{"disabilities_file": filepath.Join(files, n.Nick, "disabilities.json")}
		}
	})
	waitOperation(t, c.Nodes, c.Nodes)
	a, b := c.Nodes[0], c.Nodes[1]

	// Increase on each instance in turn: every view learns the new
	// processes of that instance.
	for _, on := range c.Nodes {
		if v, err := extrasCall(on, "supvisors.update_numprocs", "worker", 3); v != true || err != nil {
			t.Fatalf("update_numprocs worker 3 on %s = %v, %v", describe(on), v, err)
		}
		for _, n := range c.Nodes {
			extrasWaitUntil(t, reactionDeadline, fmt.Sprintf("pool:worker_2 of %s seen by %s", on.Nick, n.Nick), func() bool {
				return extrasDefinedOn(n, on, "pool:worker_1") && extrasDefinedOn(n, on, "pool:worker_2")
			})
		}
	}
	for _, n := range c.Nodes {
		if got := extrasWorkers(n); !slices.Equal(got, []string{"worker_0", "worker_1", "worker_2"}) {
			t.Errorf("%s: pool %v", describe(n), got)
		}
	}

	// A running obsolete process is stopped, then removed, before a
	// waiting decrease returns.
	mustCall(t, a, "supervisor.startProcess", "pool:worker_2", true)
	for _, on := range c.Nodes {
		if v, err := extrasCall(on, "supvisors.update_numprocs", "worker", 1); v != true || err != nil {
			t.Fatalf("update_numprocs worker 1 on %s = %v, %v", describe(on), v, err)
		}
		if _, err := extrasCall(on, "supervisor.getProcessInfo", "pool:worker_2"); xmlrpc.FaultOf(err).Code != 10 {
			t.Errorf("pool:worker_2 on %s after the decrease: %v", describe(on), err)
		}
		for _, n := range c.Nodes {
			extrasWaitUntil(t, reactionDeadline, fmt.Sprintf("removal of %s's workers seen by %s", on.Nick, n.Nick), func() bool {
				return !extrasDefinedOn(n, on, "pool:worker_1") && !extrasDefinedOn(n, on, "pool:worker_2")
			})
		}
	}
	for _, n := range c.Nodes {
		extrasWaitUntil(t, reactionDeadline, "one worker left in "+n.Nick+"'s view", func() bool {
			return slices.Equal(extrasWorkers(n), []string{"worker_0"})
		})
	}

	// The roamer disabled on A: the CONFIG strategy (A first) places it
	// on B, and A refuses it.
	if v, err := extrasCall(a, "supvisors.disable", "roamer"); v != true || err != nil {
		t.Fatalf("disable roamer on A = %v, %v", v, err)
	}
	for _, n := range c.Nodes {
		extrasWaitUntil(t, reactionDeadline, n.Nick+" sees roamer disabled on A", func() bool {
			v, err := extrasCall(n, "supvisors.get_inner_process_info", a.Identifier(), "mobile:roamer")
			list, _ := v.([]any)
			return err == nil && len(list) == 1 && list[0].(map[string]any)["disabled"] == true
		})
	}
	if _, err := extrasCall(a, "supvisors.start_args", "mobile:roamer", "", false); xmlrpc.FaultOf(err).Code != 103 {
		t.Errorf("start_args on a disabled program: %v", err)
	}
	mustCall(t, b, "supvisors.start_process", "CONFIG", "mobile:roamer", "", true)
	extrasWaitUntil(t, reactionDeadline, "roamer running on B in C's view", func() bool {
		return slices.Equal(runningOn(c.Nodes[2], "mobile:roamer"), []any{b.Identifier()})
	})
	extrasCheckFlags(t, filepath.Join(files, "A", "disabilities.json"), map[string]bool{"roamer": true, "worker": false})
	extrasCheckFlags(t, filepath.Join(files, "B", "disabilities.json"), map[string]bool{"roamer": false, "worker": false})

	// Enabled again, A is the first choice again.
	mustCall(t, b, "supvisors.stop_process", "mobile:roamer", true)
	if v, err := extrasCall(a, "supvisors.enable", "roamer"); v != true || err != nil {
		t.Fatalf("enable roamer on A = %v, %v", v, err)
	}
	for _, n := range c.Nodes {
		extrasWaitUntil(t, reactionDeadline, n.Nick+" sees roamer enabled on A", func() bool {
			v, err := extrasCall(n, "supvisors.get_inner_process_info", a.Identifier(), "mobile:roamer")
			list, _ := v.([]any)
			return err == nil && len(list) == 1 && list[0].(map[string]any)["disabled"] == false
		})
	}
	mustCall(t, b, "supvisors.start_process", "CONFIG", "mobile:roamer", "", true)
	extrasWaitUntil(t, reactionDeadline, "roamer running on A in C's view", func() bool {
		return slices.Equal(runningOn(c.Nodes[2], "mobile:roamer"), []any{a.Identifier()})
	})
	extrasCheckFlags(t, filepath.Join(files, "A", "disabilities.json"), map[string]bool{"roamer": false, "worker": false})

	extrasSupvisorsctl(t, c.Nodes)
}

// extrasSupvisorsctl drives the same features through our supvisorsctl,
// against the real cluster: all_start reaches every instance directly,
// start_args appends its arguments to the command, and update_numprocs
// (lazy or not) answers as Supvisors' client prints it.
func extrasSupvisorsctl(t *testing.T, nodes []*clusterbench.Node) {
	t.Helper()
	a := nodes[0]
	ctl := func(args ...string) string {
		out, err := exec.Command(testCtl, append([]string{"-s", fmt.Sprintf("http://127.0.0.1:%d", a.Port)}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("supvisorsctl %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	got := ctl("all_start", "pool:worker_0")
	for _, n := range nodes {
		if line := "pool:worker_0 started on " + n.Identifier() + ": True"; !strings.Contains(got, line+"\n") {
			t.Errorf("all_start pool:worker_0 = %q; want the line %q", got, line)
		}
		// all_start does not wait: started means STARTING at least.
		if info := mustCall(t, n, "supervisor.getProcessInfo", "pool:worker_0").(map[string]any); info["statename"] != "STARTING" && info["statename"] != "RUNNING" {
			t.Errorf("pool:worker_0 on %s after all_start: %v", describe(n), info["statename"])
		}
	}
	mustCall(t, a, "supervisor.stopProcess", "pool:worker_0", true)
	if got := ctl("start_args", "pool:worker_0", "7", "8"); got != "pool:worker_0 started: True\n" {
		t.Errorf("start_args pool:worker_0 7 8 = %q", got)
	}
	info := mustCall(t, a, "supervisor.getProcessInfo", "pool:worker_0").(map[string]any)
	pid, _ := info["pid"].(int)
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || strings.Join(strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00"), " ") != "sleep 86400 7 8" {
		t.Errorf("command line of pool:worker_0 after start_args: %q, %v", cmdline, err)
	}
	if got := ctl("update_numprocs", "worker", "2"); got != "worker numprocs updated: True\n" {
		t.Errorf("update_numprocs worker 2 = %q", got)
	}
	if got := ctl("lazy_update_numprocs", "worker", "1"); got != "worker numprocs updated: True\n" {
		t.Errorf("lazy_update_numprocs worker 1 = %q", got)
	}
}

func extrasCheckFlags(t *testing.T, path string, want map[string]bool) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("disabilities file: %v", err)
		return
	}
	var got map[string]bool
	if err := json.Unmarshal(raw, &got); err != nil || !maps.Equal(got, want) {
		t.Errorf("%s = %s (%v), want %v", path, raw, err, want)
	}
}
