package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/bench/clusterbench"
)

// The running failure strategies that end the whole cluster (spec §11.4):
// when a managed process whose strategy is SHUTDOWN or RESTART crashes,
// the Master takes every instance through SHUTTING_DOWN or RESTARTING,
// then FINAL, and every supervisord shuts down or restarts in place. Each
// case has a cluster of its own, as the strategy ends it; the managed
// application has the shape of the crash tests' (crash_test.go): a
// required <app>_core and an <app>_aide, started by the Master in
// DISTRIBUTION, each recording its spawns in a file of its own.

// clusterFailureRules is the rules file of one application whose
// processes crash with the given running failure strategy; its required
// process may only run on the instance nick-named coreOn.
func clusterFailureRules(app, strategy, coreOn string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<root>
    <application name="%[1]s">
        <start_sequence>1</start_sequence>
        <starting_strategy>LESS_LOADED</starting_strategy>
        <running_failure_strategy>%[2]s</running_failure_strategy>
        <programs>
            <program name="%[1]s_core">
                <start_sequence>1</start_sequence>
                <required>true</required>
                <identifiers>%[3]s</identifiers>
                <expected_loading>5</expected_loading>
            </program>
            <program name="%[1]s_aide">
                <start_sequence>2</start_sequence>
                <expected_loading>5</expected_loading>
            </program>
        </programs>
    </application>
</root>
`, app, strategy, coreOn)
}

// clusterFailurePrograms is the INI text of every instance: the two
// managed programs, which Supervisor never restarts on its own (the
// strategy alone acts on the crash), and an unmanaged sleeper that each
// supervisord starts itself, whose pid tells whether it restarted.
func clusterFailurePrograms(app, spawnDir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n[group:%[1]s]\nprograms=%[1]s_core,%[1]s_aide\n", app)
	for _, prog := range []string{app + "_core", app + "_aide"} {
		fmt.Fprintf(&b, "\n[program:%s]\ncommand=sh -c 'echo $$ >> %s; exec sleep 86400'\nautostart=false\nautorestart=false\nstartsecs=1\n",
			prog, filepath.Join(spawnDir, prog))
	}
	b.WriteString("\n[program:sleeper]\ncommand=sleep 86400\nstartsecs=1\n")
	return b.String()
}

// startFailureCluster launches three instances (A, B, C) that manage app
// with the strategy and its core on coreOn, waits for OPERATION and for
// the Master to have started app in DISTRIBUTION. It returns the cluster,
// its Master, where both processes run, and the directory of the spawn
// records.
func startFailureCluster(t *testing.T, app, strategy, coreOn string) (c *clusterbench.Cluster, master *clusterbench.Node, core, aide crashCopy, spawnDir string) {
	t.Helper()
	dir := t.TempDir()
	spawnDir = filepath.Join(dir, "spawns")
	if err := os.Mkdir(spawnDir, 0o755); err != nil {
		t.Fatal(err)
	}
	rules := filepath.Join(dir, "rules.xml")
	if err := os.WriteFile(rules, []byte(clusterFailureRules(app, strategy, coreOn)), 0o644); err != nil {
		t.Fatal(err)
	}
	c = startCluster(t, 3, func(c *clusterbench.Cluster) {
		c.Options = map[string]string{"rules_files": rules}
		c.Programs = clusterFailurePrograms(app, spawnDir)
	})
	views := waitOperation(t, c.Nodes, c.Nodes)
	master = c.Node(views.Master())
	if master == nil {
		t.Fatalf("the Master %q is not an instance of the cluster", views.Master())
	}
	core, aide = crashStarted(t, c, app)
	if core.node.Nick != coreOn {
		t.Fatalf("%s_core runs on %s; its rules allow %s only", app, describe(core.node), coreOn)
	}
	t.Logf("Master %s; %s_core %v, %s_aide %v", describe(master), app, core, app, aide)
	return c, master, core, aide, spawnDir
}

// clusterFailureSleeperPID is the pid n's Supervisor gives its unmanaged
// sleeper.
func clusterFailureSleeperPID(t *testing.T, n *clusterbench.Node) int {
	t.Helper()
	info, _ := mustCall(t, n, "supervisor.getProcessInfo", "sleeper").(map[string]any)
	pid, _ := info["pid"].(int)
	if pid == 0 {
		t.Fatalf("sleeper on %s has no pid: %#v", describe(n), info)
	}
	return pid
}

// clusterFailureWaitLogged waits until the output of every node has a
// line containing each of words, and fails with its state lines if one
// never does.
func clusterFailureWaitLogged(t *testing.T, nodes []*clusterbench.Node, words ...string) {
	t.Helper()
	deadline := time.Now().Add(reactionDeadline)
	for _, n := range nodes {
		for _, w := range words {
			for grepLines(t, n.OutputPath(), w) == "" {
				if time.Now().After(deadline) {
					t.Fatalf("%s never logged %q; its state lines:\n%s", describe(n), w, grepLines(t, n.OutputPath(), "Supvisors state"))
				}
				time.Sleep(200 * time.Millisecond)
			}
		}
	}
}

// clusterFailureCount counts the lines of n's output that contain word.
func clusterFailureCount(t *testing.T, n *clusterbench.Node, word string) int {
	t.Helper()
	return strings.Count(grepLines(t, n.OutputPath(), word), "\n")
}

// clusterFailureBefore tells whether n's output has a line containing
// first, and one containing second, the first of each in that order.
func clusterFailureBefore(t *testing.T, n *clusterbench.Node, first, second string) bool {
	t.Helper()
	lines := strings.Split(grepLines(t, n.OutputPath(), first, second), "\n")
	i := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, first) })
	j := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, second) })
	return i >= 0 && j >= 0 && i < j
}

// clusterFailureGone tells whether no process has pid any more; a zombie
// (exited, not reaped) counts as still there, as its parent left it.
func clusterFailureGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}

// TestClusterFailure crashes (SIGKILL) the required process of an
// application that the Master started in DISTRIBUTION:
//
//   - SHUTDOWN: the Master shuts Supvisors down; every instance goes
//     through SHUTTING_DOWN to FINAL and every daemon exits with status 0,
//     leaving no process behind;
//   - RESTART: the Master restarts Supvisors; every instance goes through
//     RESTARTING to FINAL, every supervisord restarts in place (same
//     daemon pid, its programs spawned anew), the cluster forms again and
//     the Master starts the application again, once.
func TestClusterFailure(t *testing.T) {
	t.Parallel()

	t.Run("SHUTDOWN", func(t *testing.T) {
		t.Parallel()
		const app = "finale"
		// The crash happens on a Slave (the Master is the lowest nick
		// name): the Master learns it from the Slave's publication.
		c, master, core, aide, spawnDir := startFailureCluster(t, app, "SHUTDOWN", "C")
		if core.node == master {
			t.Fatalf("%s_core runs on the Master %s; this case crashes it on a Slave", app, describe(master))
		}
		crashKill(t, core, app+":"+app+"_core")

		ctx, cancel := context.WithTimeout(context.Background(), reactionDeadline)
		defer cancel()
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
				case <-ctx.Done():
				}
			})
		}
		wg.Wait()
		t.Logf("exit order: %v (Master %s)", order, master.Nick)
		for _, n := range c.Nodes {
			t.Logf("%s's closing lines:\n%s", n.Nick, grepLines(t, n.OutputPath(), "crashed", "SHUTTING_DOWN", "FINAL", "shutdown", "exiting"))
		}
		for _, n := range c.Nodes {
			if n.Running() {
				t.Errorf("%s still runs after the crash of a SHUTDOWN process", describe(n))
				continue
			}
			if err := n.ExitErr(); err != nil {
				t.Errorf("%s exited with %v; want status 0", describe(n), err)
			}
			// Slaves follow the Master: each instance went through
			// SHUTTING_DOWN, then FINAL, before its supervisord shut down.
			if grepLines(t, n.OutputPath(), "-> SHUTTING_DOWN") == "" {
				t.Errorf("%s never entered SHUTTING_DOWN", describe(n))
			}
			if grepLines(t, n.OutputPath(), "SHUTTING_DOWN -> FINAL") == "" {
				t.Errorf("%s did not go from SHUTTING_DOWN to FINAL", describe(n))
			}
			if grepLines(t, n.OutputPath(), "-> RESTARTING") != "" {
				t.Errorf("%s entered RESTARTING; SHUTDOWN shuts down", describe(n))
			}
		}
		// The crash was the Master's decision, not a Slave's.
		if grepLines(t, master.OutputPath(), "Supvisors shuts down") == "" {
			t.Errorf("the Master %s did not log the shutdown for the crash of %s_core", describe(master), app)
		}
		// The Master's Stopper stopped the application in SHUTTING_DOWN;
		// the shutdown of the aide's supervisord, after FINAL, found it
		// stopped already.
		if !clusterFailureBefore(t, aide.node, "stopped: "+app+"_aide", "SHUTTING_DOWN -> FINAL") {
			t.Errorf("%s_aide was not stopped on %s before its SHUTTING_DOWN -> FINAL:\n%s", app, describe(aide.node),
				grepLines(t, aide.node.OutputPath(), app+"_aide", "Supvisors state"))
		}
		for _, prog := range []string{app + "_core", app + "_aide"} {
			if n := crashSpawns(t, spawnDir, prog); n != 1 {
				t.Errorf("%s was spawned %d times; want 1 (the shutdown starts nothing)", prog, n)
			}
		}
	})

	t.Run("RESTART", func(t *testing.T) {
		t.Parallel()
		const app = "encore"
		coreSpec, aideSpec := app+":"+app+"_core", app+":"+app+"_aide"
		// This crash happens on the Master's own instance (A, the lowest
		// nick name); the SHUTDOWN case covers a crash on a Slave.
		c, master, core, aide, spawnDir := startFailureCluster(t, app, "RESTART", "A")
		daemonPID := map[string]int{}
		sleeperPID := map[string]int{}
		for _, n := range c.Nodes {
			daemonPID[n.Nick] = n.PID()
			sleeperPID[n.Nick] = clusterFailureSleeperPID(t, n)
		}
		crashKill(t, core, coreSpec)

		// Every instance reaches FINAL through RESTARTING before the
		// cluster can be seen in OPERATION again: the wait for OPERATION
		// below cannot be met by the views of before the crash.
		clusterFailureWaitLogged(t, c.Nodes, "-> RESTARTING", "RESTARTING -> FINAL")
		if !clusterFailureBefore(t, aide.node, "stopped: "+app+"_aide", "RESTARTING -> FINAL") {
			t.Errorf("%s_aide was not stopped on %s before its RESTARTING -> FINAL: the Master's Stopper did not stop %s:\n%s",
				app, describe(aide.node), app, grepLines(t, aide.node.OutputPath(), app+"_aide", "Supvisors state"))
		}
		if grepLines(t, master.OutputPath(), "Supvisors restarts") == "" {
			t.Errorf("the Master %s did not log the restart for the crash of %s", describe(master), coreSpec)
		}
		views := waitOperation(t, c.Nodes, c.Nodes)
		t.Logf("Master after the restart: %s", views.Master())
		for _, n := range c.Nodes {
			t.Logf("%s's state lines:\n%s", n.Nick, grepLines(t, n.OutputPath(), "crashed", "Supvisors state"))
		}
		for _, n := range c.Nodes {
			if !n.Running() || n.PID() != daemonPID[n.Nick] {
				t.Errorf("%s: daemon pid %d (running %v); want pid %d still: supervisord restarts in place",
					describe(n), n.PID(), n.Running(), daemonPID[n.Nick])
			}
			if grepLines(t, n.OutputPath(), "-> SHUTTING_DOWN") != "" {
				t.Errorf("%s entered SHUTTING_DOWN; RESTART restarts", describe(n))
			}
			if after := clusterFailureSleeperPID(t, n); after == sleeperPID[n.Nick] {
				t.Errorf("%s: sleeper still has pid %d: its supervisord did not restart", describe(n), after)
			}
		}

		// The new Master starts the application again in DISTRIBUTION.
		newCore, newAide := crashStarted(t, c, app)
		t.Logf("after the restart: %s_core %v, %s_aide %v", app, newCore, app, newAide)
		if newCore.pid == core.pid || newAide.pid == aide.pid {
			t.Errorf("%s kept a pid across the restart: core %v then %v, aide %v then %v", app, core, newCore, aide, newAide)
		}
		// Nothing of the first run is left: the crashed core was reaped,
		// the aide stopped by the Stopper before the restart.
		for _, old := range []crashCopy{core, aide} {
			if !clusterFailureGone(old.pid) {
				t.Errorf("pid %d (%s before the restart) is still there", old.pid, old.node.Nick)
			}
		}
		// The new run does not crash: no second restart follows.
		crashSteady(t, crashSettle, app+" stays RUNNING, restarted once", func() error {
			for ns, want := range map[string]int{coreSpec: newCore.pid, aideSpec: newAide.pid} {
				if p, ok := crashRunningCopy(c, c.Nodes[0], ns); !ok || p.pid != want {
					return fmt.Errorf("%s: %v (running %v); want pid %d still", ns, p, ok, want)
				}
			}
			return nil
		})
		for _, n := range c.Nodes {
			if got := clusterFailureCount(t, n, "-> RESTARTING"); got != 1 {
				t.Errorf("%s entered RESTARTING %d times; want once", describe(n), got)
			}
		}
		for _, prog := range []string{app + "_core", app + "_aide"} {
			if n := crashSpawns(t, spawnDir, prog); n != 2 {
				t.Errorf("%s was spawned %d times; want 2 (the first start and the one after the restart)", prog, n)
			}
		}
	})
}
