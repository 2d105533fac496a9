package cluster

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/bench/clusterbench"
)

// roamerRules makes mobile:roamer a managed program that the Master starts
// in DISTRIBUTION and restarts elsewhere when its instance is lost.
const roamerRules = `<?xml version="1.0" encoding="UTF-8"?>
<root>
    <application name="mobile">
        <start_sequence>1</start_sequence>
        <starting_strategy>LESS_LOADED</starting_strategy>
        <running_failure_strategy>RESTART_PROCESS</running_failure_strategy>
        <programs>
            <program name="roamer">
                <start_sequence>1</start_sequence>
                <expected_loading>10</expected_loading>
            </program>
        </programs>
    </application>
</root>
`

const roamerPrograms = `
[group:mobile]
programs=roamer

[program:roamer]
command=sleep 86400
autostart=false
startsecs=1
`

// runningOn returns the identifiers where namespec runs, as n sees it
// (get_process_info), or nil when n does not answer.
func runningOn(n *clusterbench.Node, namespec string) []any {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := n.Call(ctx, "supvisors.get_process_info", namespec)
	if err != nil {
		return nil
	}
	list, _ := v.([]any)
	if len(list) != 1 {
		return nil
	}
	info, _ := list[0].(map[string]any)
	if info["statename"] != "RUNNING" {
		return nil
	}
	ids, _ := info["identifiers"].([]any)
	return ids
}

// TestRestartProcessMovesOnLoss: the Master starts mobile:roamer in
// DISTRIBUTION on one instance; when that instance is killed, the program
// (running failure strategy RESTART_PROCESS) runs again on another one.
func TestRestartProcessMovesOnLoss(t *testing.T) {
	t.Parallel()
	rules := filepath.Join(t.TempDir(), "rules.xml")
	if err := os.WriteFile(rules, []byte(roamerRules), 0o644); err != nil {
		t.Fatal(err)
	}
	c := startCluster(t, 3, func(c *clusterbench.Cluster) {
		c.Options = map[string]string{"rules_files": rules}
		c.Programs = roamerPrograms
	})
	waitOperation(t, c.Nodes, c.Nodes)

	var host *clusterbench.Node
	deadline := time.Now().Add(reactionDeadline)
	for host == nil {
		if ids := runningOn(c.Nodes[0], "mobile:roamer"); len(ids) == 1 {
			for _, n := range c.Nodes {
				if n.Identifier() == ids[0] {
					host = n
				}
			}
		}
		if host == nil {
			if time.Now().After(deadline) {
				t.Fatal("mobile:roamer never ran on exactly one instance after DISTRIBUTION")
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	t.Logf("mobile:roamer runs on %s", describe(host))

	host.Kill()
	others := clusterbench.Except(c.Nodes, host.Nick)
	deadline = time.Now().Add(2 * reactionDeadline)
	for {
		ids := runningOn(others[0], "mobile:roamer")
		if len(ids) == 1 && ids[0] != host.Identifier() {
			t.Logf("mobile:roamer runs again on %v", ids[0])
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("mobile:roamer did not run again elsewhere after %s was killed (last seen on %v)", describe(host), ids)
		}
		time.Sleep(500 * time.Millisecond)
	}
	// The record of the lost instance stays, marked FATAL because its
	// Supervisor is gone, which is what the dashboards and scripts see.
	v := mustCall(t, others[0], "supvisors.get_inner_process_info", host.Identifier(), "mobile:roamer")
	list, _ := v.([]any)
	if len(list) != 1 {
		t.Fatalf("get_inner_process_info(%s, mobile:roamer) = %v, want one record", host.Identifier(), v)
	}
	rec, _ := list[0].(map[string]any)
	want := "Supervisor " + host.Identifier() + " lost"
	if rec["statename"] != "FATAL" || rec["spawnerr"] != want {
		t.Errorf("record of mobile:roamer on the lost %s: state %v, spawnerr %q; want FATAL, %q",
			describe(host), rec["statename"], rec["spawnerr"], want)
	}
}
