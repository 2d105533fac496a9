package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/bench/clusterbench"
)

// Conciliation after a healed partition (spec §3.6, §11.5): dup:solo, a
// managed program with running failure strategy RESTART_PROCESS, is
// started in DISTRIBUTION on C (the first of its identifiers, strategy
// CONFIG). C is cut off: A and B lose it and start solo again on A, while
// C, alone, keeps its copy. Once the network heals and C rejoins, solo
// runs twice, a conflict: the Master goes to CONCILIATION and applies the
// configured conciliation strategy.

const concRules = `<?xml version="1.0" encoding="UTF-8"?>
<root>
    <application name="dup">
        <start_sequence>1</start_sequence>
        <starting_strategy>CONFIG</starting_strategy>
        <running_failure_strategy>RESTART_PROCESS</running_failure_strategy>
        <programs>
            <program name="solo">
                <identifiers>C,A,B</identifiers>
                <start_sequence>1</start_sequence>
            </program>
        </programs>
    </application>
</root>
`

const concPrograms = `
[group:dup]
programs=solo

[program:solo]
command=sleep 86400
autostart=false
startsecs=1
`

const concSolo = "dup:solo"

// concStartLabCluster is startLabCluster with programs of our own.
func concStartLabCluster(t *testing.T, lab *netLab, nicks []string, options map[string]string, programs string) *clusterbench.Cluster {
	t.Helper()
	c := &clusterbench.Cluster{Daemon: testDaemon, Dir: t.TempDir(), Options: options, Programs: programs}
	for _, nick := range nicks {
		n := &clusterbench.Node{Nick: nick, Host: lab.addrs[nick], Port: labPort, Wrap: lab.wrap(nick)}
		n.ObserveAddr = startRelay(t, lab.members[nick], n.Identifier())
		c.Nodes = append(c.Nodes, n)
	}
	launch(t, c)
	return c
}

// concCopies asks every instance's own Supervisor about solo and returns
// the pid of each running copy by nick, or an error naming an instance
// that did not answer.
func concCopies(nodes []*clusterbench.Node) (map[string]int, error) {
	copies := map[string]int{}
	for _, n := range nodes {
		state, pid, err := crashLocalState(n, concSolo)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", n.Nick, err)
		}
		if state == "RUNNING" || state == "STARTING" || state == "BACKOFF" || state == "STOPPING" {
			copies[n.Nick] = pid
		}
	}
	return copies, nil
}

// concConflicts is supvisors.get_conflicts on n, as namespec -> the
// identifiers running it.
func concConflicts(n *clusterbench.Node) (map[string][]string, error) {
	v, err := crashCall(n, "supvisors.get_conflicts")
	if err != nil {
		return nil, err
	}
	list, _ := v.([]any)
	out := map[string][]string{}
	for _, item := range list {
		info, _ := item.(map[string]any)
		ns := fmt.Sprintf("%v:%v", info["application_name"], info["process_name"])
		ids, _ := info["identifiers"].([]any)
		for _, id := range ids {
			out[ns] = append(out[ns], fmt.Sprint(id))
		}
		slices.Sort(out[ns])
	}
	return out, nil
}

// concExpect tells whether the copies of solo left running (pid by nick)
// are what strategy must leave of the copies before healing (C's, and
// the one that survivor started during the partition).
func concExpect(strategy, survivor string) func(before, after map[string]int) bool {
	return func(before, after map[string]int) bool {
		switch strategy {
		case "SENICIDE": // the oldest (C's) stopped, the youngest kept
			return len(after) == 1 && after[survivor] == before[survivor]
		case "INFANTICIDE": // the youngest stopped, the oldest (C's) kept
			return len(after) == 1 && after["C"] == before["C"]
		case "USER", "STOP": // USER is conciliated by hand with STOP
			return len(after) == 0
		case "RESTART", "RUNNING_FAILURE": // both stopped, one started anew
			if len(after) != 1 {
				return false
			}
			for _, pid := range after {
				for _, old := range before {
					if pid == old {
						return false
					}
				}
			}
			return true
		}
		return false
	}
}

// TestConciliationAfterHeal runs the scenario once per conciliation
// strategy, each in a lab of its own, all at once.
func TestConciliationAfterHeal(t *testing.T) {
	t.Parallel()
	for _, strategy := range []string{"SENICIDE", "INFANTICIDE", "USER", "STOP", "RESTART", "RUNNING_FAILURE"} {
		t.Run(strategy, func(t *testing.T) {
			t.Parallel()
			concScenario(t, strategy)
		})
	}
}

// concScenario runs the partition, the heal and the conciliation in a lab
// of its own, the cluster configured with strategy.
func concScenario(t *testing.T, strategy string) {
	nicks := []string{"A", "B", "C"}
	rules := filepath.Join(t.TempDir(), "rules.xml")
	if err := os.WriteFile(rules, []byte(concRules), 0o644); err != nil {
		t.Fatal(err)
	}
	lab := newNetLab(t, nicks...)
	c := concStartLabCluster(t, lab, nicks, map[string]string{"rules_files": rules, "conciliation_strategy": strategy}, concPrograms)
	waitOperation(t, c.Nodes, c.Nodes)
	a, cutOff := c.Nodes[0], c.Nodes[2]
	others := clusterbench.Except(c.Nodes, cutOff.Nick)

	var first crashCopy
	crashPoll(t, operationDeadline, "solo started on C in DISTRIBUTION", func() (bool, string) {
		var ok bool
		first, ok = crashRunningCopy(c, a, concSolo)
		return ok, first.String()
	})
	if first.node != cutOff {
		t.Fatalf("solo runs on %s; the rules (CONFIG, identifiers C,A,B) put it on C", first.node.Nick)
	}

	lab.cut(cutOff.Nick)
	waitFor(t, reactionDeadline, others, "A and B seeing C STOPPED", allSee(cutOff.Identifier(), "STOPPED"))
	var second crashCopy
	crashPoll(t, reactionDeadline, "solo restarted by A and B after losing C", func() (bool, string) {
		var ok bool
		second, ok = crashRunningCopy(c, a, concSolo)
		return ok && second.node != cutOff, second.String()
	})
	before, err := concCopies(c.Nodes)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) != 2 || before[cutOff.Nick] != first.pid || before[second.node.Nick] != second.pid {
		t.Fatalf("running copies of solo during the partition: %v; want C's pid %d kept and %s", before, first.pid, second)
	}

	// A real partition: C, alone, loses A and B in its turn (and keeps
	// its copy), so that each side learns the other's processes anew
	// when they meet again.
	waitFor(t, reactionDeadline, []*clusterbench.Node{cutOff}, "C seeing A and B STOPPED", func(v clusterbench.Views) bool {
		return allSee(a.Identifier(), "STOPPED")(v) && allSee(c.Nodes[1].Identifier(), "STOPPED")(v)
	})
	if state, pid, err := crashLocalState(cutOff, concSolo); err != nil || state != "RUNNING" || pid != first.pid {
		t.Fatalf("solo on C: %s pid %d (%v); want its copy %s left running while alone", state, pid, err, first)
	}

	lab.heal(cutOff.Nick)
	if strategy == "USER" {
		concUser(t, c, first, second)
	}
	expect := concExpect(strategy, second.node.Nick)
	var after map[string]int
	waitFor(t, operationDeadline, c.Nodes, "OPERATION, no conflict, the copies "+strategy+" leaves", func(v clusterbench.Views) bool {
		if !clusterbench.InOperation(clusterbench.Identifiers(c.Nodes))(v) {
			return false
		}
		for _, n := range c.Nodes {
			if conflicts, err := concConflicts(n); err != nil || len(conflicts) > 0 {
				return false
			}
		}
		var err error
		after, err = concCopies(c.Nodes)
		return err == nil && expect(before, after)
	})
	t.Logf("copies of solo before healing %v, after %s %v", before, strategy, after)

	// The Master went through CONCILIATION to get there.
	master := c.Node(concMaster(t, c))
	if lines := grepLines(t, master.OutputPath(), "-> CONCILIATION"); lines == "" {
		t.Errorf("the Master %s never entered CONCILIATION; its state lines:\n%s", describe(master), grepLines(t, master.OutputPath(), "Supvisors state"))
	}
	// And its commander, not anything else, ended the conflict.
	if lines := grepLines(t, master.OutputPath(), "conciliation: "); !strings.Contains(lines, concSolo) {
		t.Errorf("the Master %s logged no conciliation of %s:\n%s", describe(master), concSolo, lines)
	} else {
		t.Logf("the Master's conciliation:\n%s", lines)
	}
	if info, err := crashProcessInfo(a, concSolo); err != nil {
		t.Error(err)
	} else if ids, _ := info["identifiers"].([]any); len(ids) != len(after) {
		t.Errorf("get_process_info(%s) on A: %v; want it running on %d instances, as their Supervisors say %v", concSolo, info, len(after), after)
	}
}

// concMaster is the Master all instances agree on.
func concMaster(t *testing.T, c *clusterbench.Cluster) string {
	t.Helper()
	views, errs := clusterbench.Observe(t.Context(), c.Nodes)
	if len(errs) > 0 || views.Master() == "" {
		t.Fatalf("no agreed Master:%s %v", views, errs)
	}
	return views.Master()
}

// concUser checks that USER leaves the conflict to a person: the cluster
// settles in CONCILIATION with solo listed by get_conflicts on both
// instances, both copies untouched, until supvisors.conciliate(STOP) is
// called.
func concUser(t *testing.T, c *clusterbench.Cluster, first, second crashCopy) {
	t.Helper()
	want := []string{first.node.Identifier(), second.node.Identifier()}
	slices.Sort(want)
	conflictSeen := func(v clusterbench.Views) bool {
		for _, s := range v {
			if s.FSMStateName != "CONCILIATION" {
				return false
			}
		}
		for _, n := range c.Nodes {
			conflicts, err := concConflicts(n)
			if err != nil || len(conflicts) != 1 || !slices.Equal(conflicts[concSolo], want) {
				return false
			}
		}
		return true
	}
	views := waitFor(t, operationDeadline, c.Nodes, "CONCILIATION with solo in conflict on "+strings.Join(want, ", "), conflictSeen)
	crashSteady(t, crashSettle, "USER leaves the conflict alone", func() error {
		v, errs := clusterbench.Observe(t.Context(), c.Nodes)
		if len(errs) > 0 || !conflictSeen(v) {
			return fmt.Errorf("the conflict or the CONCILIATION state went away without a user:%s %v", v, errs)
		}
		copies, err := concCopies(c.Nodes)
		if err != nil || len(copies) != 2 || copies[first.node.Nick] != first.pid || copies[second.node.Nick] != second.pid {
			return fmt.Errorf("copies of solo %v (%v); want %s and %s untouched", copies, err, first, second)
		}
		return nil
	})
	master := c.Node(views.Master())
	if got := mustCall(t, master, "supvisors.conciliate", "STOP"); got != true {
		t.Fatalf("supvisors.conciliate(STOP) on the Master %s = %#v; want true", describe(master), got)
	}
}
