package cluster

import (
	"fmt"
	"testing"

	"github.com/supvisors-go/supvisors/internal/bench/clusterbench"
)

// TestAutoFenceIsolationOutlivesRestart completes TestPartitionWithAutoFence
// (spec §3.5): with auto_fence, A and B isolate C, cut off while the
// Master is in OPERATION. Once the network heals, nothing crosses in
// either direction: C loses A and B in its turn and never sees them
// RUNNING again. When C's supervisord then restarts, the isolation stays:
// A and B send it nothing (ticks included) and drop what it sends, so the
// new C runs on its own while A and B carry on in OPERATION without it.
func TestAutoFenceIsolationOutlivesRestart(t *testing.T) {
	t.Parallel()
	nicks := []string{"A", "B", "C"}
	lab := newNetLab(t, nicks...)
	c := startLabCluster(t, lab, nicks, map[string]string{"auto_fence": "true"})
	waitOperation(t, c.Nodes, c.Nodes)

	cutOff := c.Nodes[2]
	others := clusterbench.Except(c.Nodes, cutOff.Nick)
	lab.cut(cutOff.Nick)
	waitFor(t, reactionDeadline, others, "A and B isolating C", allSee(cutOff.Identifier(), "ISOLATED"))
	lab.heal(cutOff.Nick)

	// Neither side talks to the other any more: A and B keep C isolated,
	// and C, whose peers send it no tick, loses them and never finds them
	// again.
	separated := func() error {
		views, errs := clusterbench.Observe(t.Context(), c.Nodes)
		if len(errs) > 0 {
			return fmt.Errorf("instances do not answer: %v", errs)
		}
		for _, o := range others {
			if s := views[o.Nick].InstanceStates[cutOff.Identifier()]; s != "ISOLATED" {
				return fmt.Errorf("%s sees C %s; want it isolated for good:%s", o.Nick, s, views)
			}
			if s := views[cutOff.Nick].InstanceStates[o.Identifier()]; s != "ISOLATED" && s != "STOPPED" {
				return fmt.Errorf("C sees %s %s although %s isolated it:%s", o.Nick, s, o.Nick, views)
			}
		}
		return nil
	}
	// C may not have missed their ticks yet: its inactivity check finds
	// them silent within a few ticks, healed network or not.
	waitFor(t, reactionDeadline, []*clusterbench.Node{cutOff}, "C losing A and B, which send it nothing", func(v clusterbench.Views) bool {
		for _, o := range others {
			if s := v[cutOff.Nick].InstanceStates[o.Identifier()]; s != "ISOLATED" && s != "STOPPED" {
				return false
			}
		}
		return true
	})
	crashSteady(t, crashSettle, "the healed network changes nothing", separated)

	// C comes back: a new supervisord, the same network.
	if err := cutOff.Stop(stopGrace); err != nil {
		t.Fatal(err)
	}
	if err := cutOff.Start(); err != nil {
		t.Fatal(err)
	}
	// A and B send nothing to an instance they isolated, not even a tick,
	// so the new C never hears from them and forms a cluster of its own.
	waitFor(t, operationDeadline, []*clusterbench.Node{cutOff}, "the restarted C in OPERATION on its own", func(v clusterbench.Views) bool {
		return clusterbench.InOperation([]string{cutOff.Identifier()})(v) && v.Master() == cutOff.Identifier()
	})
	crashSteady(t, crashSettle, "the split stays after C's restart", separated)
	waitOperation(t, others, others)
	t.Logf("C's log on its peers:\n%s", grepLines(t, cutOff.OutputPath(), "Supvisors instance A", "Supvisors instance B"))
}
