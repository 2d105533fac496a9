package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/bench/clusterbench"
)

// The running failure strategies on a process crash (spec §11.4): one
// cluster of three instances runs four managed applications, started by
// the Master in DISTRIBUTION, that differ only by their strategy. Each
// has a required process, <app>_core (start_sequence 1), and a second one,
// <app>_aide (start_sequence 2). Every program appends its pid to a file
// of its own each time it is spawned, so the test counts the spawns of
// every process wherever it ran.

// crashApps maps each application of the crash tests to its running
// failure strategy and the autorestart of its programs in the
// configuration.
var crashApps = []struct {
	name, strategy string
	autorestart    bool
}{
	{"halt", "STOP_APPLICATION", true},
	{"renew", "RESTART_APPLICATION", true},
	{"mend", "RESTART_PROCESS", true},
	{"keep", "CONTINUE", false},
}

// crashRules writes the rules file of the crash tests.
func crashRules() string {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<root>\n")
	for _, app := range crashApps {
		fmt.Fprintf(&b, `    <application name="%[1]s">
        <start_sequence>1</start_sequence>
        <starting_strategy>LESS_LOADED</starting_strategy>
        <running_failure_strategy>%[2]s</running_failure_strategy>
        <programs>
            <program name="%[1]s_core">
                <start_sequence>1</start_sequence>
                <required>true</required>
                <expected_loading>5</expected_loading>
            </program>
            <program name="%[1]s_aide">
                <start_sequence>2</start_sequence>
                <expected_loading>5</expected_loading>
            </program>
        </programs>
    </application>
`, app.name, app.strategy)
	}
	b.WriteString("</root>\n")
	return b.String()
}

// crashPrograms is the INI text of the crash tests' programs: each
// records its spawns in spawnDir, then becomes a sleep (same pid).
func crashPrograms(spawnDir string) string {
	var b strings.Builder
	for _, app := range crashApps {
		fmt.Fprintf(&b, "\n[group:%[1]s]\nprograms=%[1]s_core,%[1]s_aide\n", app.name)
		for _, prog := range []string{app.name + "_core", app.name + "_aide"} {
			fmt.Fprintf(&b, "\n[program:%s]\ncommand=sh -c 'echo $$ >> %s; exec sleep 86400'\nautostart=false\nautorestart=%t\nstartsecs=1\n",
				prog, filepath.Join(spawnDir, prog), app.autorestart)
		}
	}
	return b.String()
}

// crashSpawns counts the spawns a program recorded.
func crashSpawns(t *testing.T, spawnDir, program string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(spawnDir, program))
	if err != nil {
		if os.IsNotExist(err) {
			return 0
		}
		t.Fatal(err)
	}
	return len(strings.Fields(string(data)))
}

// crashCopy is where one process runs and with which pid, as the
// instance running it tells.
type crashCopy struct {
	node *clusterbench.Node
	pid  int
}

func (p crashCopy) String() string {
	if p.node == nil {
		return "not running on one instance"
	}
	return fmt.Sprintf("pid %d on %s", p.pid, p.node.Nick)
}

// crashCall makes one XML-RPC call, bounded so that an instance that
// does not answer cannot hang a poll.
func crashCall(n *clusterbench.Node, method string, params ...any) (any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return n.Call(ctx, method, params...)
}

// crashProcessInfo is supvisors.get_process_info(namespec) on n: the
// cluster-wide view of one process.
func crashProcessInfo(n *clusterbench.Node, namespec string) (map[string]any, error) {
	v, err := crashCall(n, "supvisors.get_process_info", namespec)
	if err != nil {
		return nil, err
	}
	list, _ := v.([]any)
	if len(list) != 1 {
		return nil, fmt.Errorf("get_process_info(%s) answered %d items", namespec, len(list))
	}
	info, _ := list[0].(map[string]any)
	return info, nil
}

// crashLocalState is supervisor.getProcessInfo(namespec) on n: the state
// and pid the instance's own Supervisor gives the process.
func crashLocalState(n *clusterbench.Node, namespec string) (state string, pid int, err error) {
	v, err := crashCall(n, "supervisor.getProcessInfo", namespec)
	if err != nil {
		return "", 0, err
	}
	info, _ := v.(map[string]any)
	state, _ = info["statename"].(string)
	pid, _ = info["pid"].(int)
	return state, pid, nil
}

// crashRunningCopy tells where namespec runs when the cluster sees it
// RUNNING on exactly one instance, and the pid that instance gives it.
func crashRunningCopy(c *clusterbench.Cluster, observer *clusterbench.Node, namespec string) (crashCopy, bool) {
	info, err := crashProcessInfo(observer, namespec)
	if err != nil || info["statename"] != "RUNNING" {
		return crashCopy{}, false
	}
	ids, _ := info["identifiers"].([]any)
	if len(ids) != 1 {
		return crashCopy{}, false
	}
	id, _ := ids[0].(string)
	host := c.Node(id)
	if host == nil {
		return crashCopy{}, false
	}
	state, pid, err := crashLocalState(host, namespec)
	if err != nil || state != "RUNNING" || pid == 0 {
		return crashCopy{}, false
	}
	return crashCopy{node: host, pid: pid}, true
}

// crashApplicationState is the statename and the major failure of an
// application, from supvisors.get_application_info on n.
func crashApplicationState(n *clusterbench.Node, app string) (state string, major bool, err error) {
	v, err := crashCall(n, "supvisors.get_application_info", app)
	if err != nil {
		return "", false, err
	}
	info, _ := v.(map[string]any)
	state, _ = info["statename"].(string)
	major, _ = info["major_failure"].(bool)
	return state, major, nil
}

// crashPoll calls probe every half second until it reports done, and
// fails the test with its last word when the deadline passes first.
func crashPoll(t *testing.T, deadline time.Duration, what string, probe func() (done bool, last string)) {
	t.Helper()
	until := time.Now().Add(deadline)
	for {
		done, last := probe()
		if done {
			t.Logf("%s: %s", what, last)
			return
		}
		if time.Now().After(until) {
			t.Fatalf("gave up waiting for %s; last seen: %s", what, last)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// crashSteady checks over a window of several ticks that check keeps
// holding: what Supvisors must not do has had the time to happen.
func crashSteady(t *testing.T, window time.Duration, what string, check func() error) {
	t.Helper()
	until := time.Now().Add(window)
	for time.Now().Before(until) {
		if err := check(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(time.Second)
	}
}

// crashSettle is the window of crashSteady: three 5-second ticks, ample
// for the Master to act on a crash event, which it does on receipt.
const crashSettle = 16 * time.Second

// crashKill sends SIGKILL to a process, as a crash would end it.
func crashKill(t *testing.T, p crashCopy, namespec string) {
	t.Helper()
	if err := syscall.Kill(p.pid, syscall.SIGKILL); err != nil {
		t.Fatalf("killing %s (%s): %v", namespec, p, err)
	}
	t.Logf("%s (%s) killed", namespec, p)
}

// crashStarted waits until both processes of app run (the Master started
// the application in DISTRIBUTION) and returns where.
func crashStarted(t *testing.T, c *clusterbench.Cluster, app string) (core, aide crashCopy) {
	t.Helper()
	coreSpec, aideSpec := app+":"+app+"_core", app+":"+app+"_aide"
	crashPoll(t, operationDeadline, app+" started in DISTRIBUTION", func() (bool, string) {
		var ok1, ok2 bool
		core, ok1 = crashRunningCopy(c, c.Nodes[0], coreSpec)
		aide, ok2 = crashRunningCopy(c, c.Nodes[0], aideSpec)
		state, _, err := crashApplicationState(c.Nodes[0], app)
		last := fmt.Sprintf("application %s %v; core %v %v, aide %v %v", state, err, ok1, core.pid, ok2, aide.pid)
		return ok1 && ok2 && state == "RUNNING", last
	})
	return core, aide
}

// crashNotRunning tells whether the cluster sees namespec in a
// stopped-like state, with no instance running it.
func crashNotRunning(n *clusterbench.Node, namespec string) (bool, string) {
	info, err := crashProcessInfo(n, namespec)
	if err != nil {
		return false, err.Error()
	}
	ids, _ := info["identifiers"].([]any)
	state, _ := info["statename"].(string)
	stopped := slices.Contains([]string{"STOPPED", "EXITED", "FATAL", "UNKNOWN"}, state) && len(ids) == 0
	return stopped, fmt.Sprintf("%s %s on %v", namespec, state, ids)
}

// TestCrashRunningFailure kills the required process of each application
// with SIGKILL and checks what the Master's running failure handler does:
//
//   - STOP_APPLICATION stops the whole application, and the crashed
//     program, whose autorestart Supvisors forced off, stays down;
//   - RESTART_APPLICATION stops the application and starts it again: new
//     pids for every process, the application RUNNING;
//   - RESTART_PROCESS and CONTINUE leave the crash to Supervisor:
//     autorestart spawns the process again in place, or the process stays
//     EXITED, and the other process of the application is untouched.
func TestCrashRunningFailure(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spawnDir := filepath.Join(dir, "spawns")
	if err := os.Mkdir(spawnDir, 0o755); err != nil {
		t.Fatal(err)
	}
	rules := filepath.Join(dir, "rules.xml")
	if err := os.WriteFile(rules, []byte(crashRules()), 0o644); err != nil {
		t.Fatal(err)
	}
	c := startCluster(t, 3, func(c *clusterbench.Cluster) {
		c.Options = map[string]string{"rules_files": rules}
		c.Programs = crashPrograms(spawnDir)
	})
	waitOperation(t, c.Nodes, c.Nodes)

	t.Run("STOP_APPLICATION", func(t *testing.T) {
		t.Parallel()
		core, aide := crashStarted(t, c, "halt")
		crashKill(t, core, "halt:halt_core")
		crashPoll(t, reactionDeadline, "halt STOPPED, every process stopped", func() (bool, string) {
			// With autorestart forced off, Supervisor never spawns the
			// crashed process again, not even before the stop reaches
			// the application; a respawn would keep halt running.
			if n := crashSpawns(t, spawnDir, "halt_core"); n != 1 {
				t.Fatalf("halt_core was spawned %d times; want 1: Supvisors forces autorestart off for STOP_APPLICATION, "+
					"so the crash must not be followed by a respawn (its [program] says autorestart=true)", n)
			}
			state, _, err := crashApplicationState(c.Nodes[0], "halt")
			coreDown, coreSeen := crashNotRunning(c.Nodes[0], "halt:halt_core")
			aideDown, aideSeen := crashNotRunning(c.Nodes[0], "halt:halt_aide")
			return state == "STOPPED" && coreDown && aideDown, fmt.Sprintf("halt %s %v; %s; %s", state, err, coreSeen, aideSeen)
		})
		// The stop reached the aide's own Supervisor: a stop request, not
		// a crash, ended it.
		if state, _, err := crashLocalState(aide.node, "halt:halt_aide"); err != nil || state != "STOPPED" {
			t.Errorf("halt_aide on %s is %s (%v); want STOPPED by the application stop", aide.node.Nick, state, err)
		}
		crashSteady(t, crashSettle, "halt stays stopped", func() error {
			state, _, err := crashApplicationState(c.Nodes[0], "halt")
			if err != nil || state != "STOPPED" {
				return fmt.Errorf("halt is %s (%v)", state, err)
			}
			if down, seen := crashNotRunning(c.Nodes[0], "halt:halt_core"); !down {
				return fmt.Errorf("the crashed process came back: %s", seen)
			}
			return nil
		})
		if n := crashSpawns(t, spawnDir, "halt_core"); n != 1 {
			t.Errorf("halt_core was spawned %d times; want 1 (autorestart forced off)", n)
		}
		if state, _, err := crashLocalState(core.node, "halt:halt_core"); err != nil || state != "EXITED" {
			t.Errorf("halt_core on %s is %s (%v); want EXITED, as its crash left it", core.node.Nick, state, err)
		}
		if n := crashSpawns(t, spawnDir, "halt_aide"); n != 1 {
			t.Errorf("halt_aide was spawned %d times; want 1 (stopped, not restarted)", n)
		}
	})

	t.Run("RESTART_APPLICATION", func(t *testing.T) {
		t.Parallel()
		core, aide := crashStarted(t, c, "renew")
		crashKill(t, core, "renew:renew_core")
		var newCore, newAide crashCopy
		crashPoll(t, reactionDeadline, "renew RUNNING again with new pids", func() (bool, string) {
			var ok1, ok2 bool
			newCore, ok1 = crashRunningCopy(c, c.Nodes[0], "renew:renew_core")
			newAide, ok2 = crashRunningCopy(c, c.Nodes[0], "renew:renew_aide")
			state, major, err := crashApplicationState(c.Nodes[0], "renew")
			// A respawn by Supervisor's own autorestart (not forced off)
			// makes the application look started again, and its restart
			// then starts nothing: the count shows it.
			last := fmt.Sprintf("renew %s major=%v %v; core %v, aide %v; renew_core spawned %d times",
				state, major, err, newCore, newAide, crashSpawns(t, spawnDir, "renew_core"))
			return ok1 && ok2 && state == "RUNNING" && !major && newCore.pid != core.pid && newAide.pid != aide.pid, last
		})
		// The restart of the application stopped the aide (it did not
		// crash) and started both again: each spawned twice in all; more
		// for the crashed one means Supervisor respawned it on its own.
		if n := crashSpawns(t, spawnDir, "renew_aide"); n != 2 {
			t.Errorf("renew_aide was spawned %d times; want 2 (the first start and the restart)", n)
		}
		if n := crashSpawns(t, spawnDir, "renew_core"); n != 2 {
			t.Errorf("renew_core was spawned %d times; want 2: Supvisors forces autorestart off for RESTART_APPLICATION, "+
				"so only the application restart spawns it again", n)
		}
		crashSteady(t, crashSettle, "renew stays RUNNING, restarted once", func() error {
			for ns, want := range map[string]int{"renew:renew_core": newCore.pid, "renew:renew_aide": newAide.pid} {
				if p, ok := crashRunningCopy(c, c.Nodes[0], ns); !ok || p.pid != want {
					return fmt.Errorf("%s: %v (running %v); want pid %d still", ns, p, ok, want)
				}
			}
			return nil
		})
	})

	t.Run("RESTART_PROCESS and CONTINUE", func(t *testing.T) {
		t.Parallel()
		mendCore, mendAide := crashStarted(t, c, "mend")
		keepCore, keepAide := crashStarted(t, c, "keep")
		crashKill(t, mendCore, "mend:mend_core")
		crashKill(t, keepCore, "keep:keep_core")

		// RESTART_PROCESS: Supervisor's autorestart spawns it again on its
		// own instance.
		var respawned crashCopy
		crashPoll(t, reactionDeadline, "mend_core respawned by autorestart", func() (bool, string) {
			var ok bool
			respawned, ok = crashRunningCopy(c, c.Nodes[0], "mend:mend_core")
			return ok && respawned.pid != mendCore.pid, respawned.String()
		})
		if respawned.node != mendCore.node {
			t.Errorf("mend_core came back on %s; autorestart restarts it where it crashed, on %s", respawned.node.Nick, mendCore.node.Nick)
		}
		// CONTINUE, autorestart=false: the crash stands.
		crashPoll(t, reactionDeadline, "keep_core EXITED", func() (bool, string) {
			state, _, err := crashLocalState(keepCore.node, "keep:keep_core")
			return state == "EXITED", fmt.Sprintf("%s %v", state, err)
		})
		crashSteady(t, crashSettle, "Supvisors leaves mend and keep alone", func() error {
			if p, ok := crashRunningCopy(c, c.Nodes[0], "mend:mend_core"); !ok || p != respawned {
				return fmt.Errorf("mend_core: %v (running %v); want %v still", p, ok, respawned)
			}
			if p, ok := crashRunningCopy(c, c.Nodes[0], "mend:mend_aide"); !ok || p != mendAide {
				return fmt.Errorf("mend_aide: %v (running %v); want %v untouched", p, ok, mendAide)
			}
			if p, ok := crashRunningCopy(c, c.Nodes[0], "keep:keep_aide"); !ok || p != keepAide {
				return fmt.Errorf("keep_aide: %v (running %v); want %v untouched", p, ok, keepAide)
			}
			if state, _, err := crashLocalState(keepCore.node, "keep:keep_core"); err != nil || state != "EXITED" {
				return fmt.Errorf("keep_core on %s is %s (%v); want EXITED", keepCore.node.Nick, state, err)
			}
			if down, seen := crashNotRunning(c.Nodes[0], "keep:keep_core"); !down {
				return fmt.Errorf("keep_core: %s; want it left crashed", seen)
			}
			return nil
		})
		for prog, want := range map[string]int{"mend_core": 2, "mend_aide": 1, "keep_core": 1, "keep_aide": 1} {
			if n := crashSpawns(t, spawnDir, prog); n != want {
				t.Errorf("%s was spawned %d times; want %d", prog, n, want)
			}
		}
		// The crashed required process makes keep a major failure, which
		// Supvisors reports and does not act on.
		if state, major, err := crashApplicationState(c.Nodes[0], "keep"); err != nil || state != "RUNNING" || !major {
			t.Errorf("keep: %s major_failure=%v (%v); want RUNNING with a major failure", state, major, err)
		}
	})
}
