package cluster

import (
	"fmt"
	"testing"

	"github.com/supvisors-go/supvisors/internal/bench/clusterbench"
)

// TestAutoFenceIsolationOutlivesRestart completes TestPartitionWithAutoFence
// (spec §3.5): with auto_fence, A and B isolate C, cut off while the
// Master is in OPERATION. Once the network heals, C's next ticks reach A
// and B, which answer each with one last TICK: C checks them, reads that
// it is ISOLATED and isolates them in turn. When C's supervisord then
// restarts, the same happens again: the split is symmetric and stays, the
// new C running on its own while A and B carry on in OPERATION without it.
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

	// Neither side talks to the other any more: each keeps the other
	// isolated.
	separated := func() error {
		views, errs := clusterbench.Observe(t.Context(), c.Nodes)
		if len(errs) > 0 {
			return fmt.Errorf("instances do not answer: %v", errs)
		}
		for _, o := range others {
			if s := views[o.Nick].InstanceStates[cutOff.Identifier()]; s != "ISOLATED" {
				return fmt.Errorf("%s sees C %s; want it isolated for good:%s", o.Nick, s, views)
			}
			if s := views[cutOff.Nick].InstanceStates[o.Identifier()]; s != "ISOLATED" {
				return fmt.Errorf("C sees %s %s although %s isolated it:%s", o.Nick, s, o.Nick, views)
			}
		}
		return nil
	}
	cIsolatesThem := func(v clusterbench.Views) bool {
		for _, o := range others {
			if v[cutOff.Nick].InstanceStates[o.Identifier()] != "ISOLATED" {
				return false
			}
		}
		return true
	}
	waitFor(t, reactionDeadline, []*clusterbench.Node{cutOff}, "C isolating A and B in turn", cIsolatesThem)
	crashSteady(t, crashSettle, "the healed network changes nothing", separated)

	// C comes back: a new supervisord, the same network.
	if err := cutOff.Stop(stopGrace); err != nil {
		t.Fatal(err)
	}
	if err := cutOff.Start(); err != nil {
		t.Fatal(err)
	}
	// The new C learns from its first ticks' answers that it is isolated,
	// isolates A and B, and forms a cluster of its own.
	waitFor(t, operationDeadline, []*clusterbench.Node{cutOff}, "the restarted C isolating A and B", cIsolatesThem)
	waitFor(t, operationDeadline, []*clusterbench.Node{cutOff}, "the restarted C in OPERATION on its own", func(v clusterbench.Views) bool {
		return clusterbench.InOperation([]string{cutOff.Identifier()})(v) && v.Master() == cutOff.Identifier()
	})
	crashSteady(t, crashSettle, "the split stays after C's restart", separated)
	waitOperation(t, others, others)
	t.Logf("C's log on its peers:\n%s", grepLines(t, cutOff.OutputPath(), "Supvisors instance A", "Supvisors instance B"))
}
