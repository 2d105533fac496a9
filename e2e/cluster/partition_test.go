package cluster

import (
	"strings"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/bench/clusterbench"
)

// labPort is the HTTP port of every instance in a lab: each has an address
// of its own, so they can share the port, as separate machines would.
const labPort = 61001

// startLabCluster runs one instance per lab member, in its namespace,
// declared by its lab address, and observed through a relay.
func startLabCluster(t *testing.T, lab *netLab, nicks []string, options map[string]string) *clusterbench.Cluster {
	t.Helper()
	c := &clusterbench.Cluster{Daemon: testDaemon, Dir: t.TempDir(), Options: options}
	for _, nick := range nicks {
		n := &clusterbench.Node{Nick: nick, Host: lab.addrs[nick], Port: labPort, Wrap: lab.wrap(nick)}
		n.ObserveAddr = startRelay(t, lab.members[nick], n.Identifier())
		c.Nodes = append(c.Nodes, n)
	}
	launch(t, c)
	return c
}

// TestPartitionAndHeal cuts one instance off the network, a Slave then the
// Master: the others see it FAILED then STOPPED and carry on (electing a new
// Master if needed) while it carries on alone; once the network heals, it
// rejoins and the whole cluster agrees on one Master again.
func TestPartitionAndHeal(t *testing.T) {
	t.Parallel()
	for _, victim := range []int{2, 0} {
		nicks := []string{"A", "B", "C"}
		t.Run("cut "+nicks[victim], func(t *testing.T) {
			t.Parallel()
			lab := newNetLab(t, nicks...)
			c := startLabCluster(t, lab, nicks, nil)
			views := waitOperation(t, c.Nodes, c.Nodes)
			oldMaster := views.Master()

			cutOff := c.Nodes[victim]
			others := clusterbench.Except(c.Nodes, cutOff.Nick)
			lab.cut(cutOff.Nick)
			_, trace := watchInstance(t, others, cutOff.Identifier(), "the others see "+cutOff.Nick+" STOPPED", allSee(cutOff.Identifier(), "STOPPED"))
			checkFailedThenStopped(t, trace, cutOff.Identifier(), false)
			// An instance lost to inactivity is FAILED and STOPPED within one
			// tick, too briefly for the API; the log shows both steps.
			for _, o := range others {
				checkLoggedFailedThenStopped(t, o, cutOff.Nick)
			}
			views = waitOperation(t, others, others)
			if oldMaster == cutOff.Identifier() && views.Master() == oldMaster {
				t.Errorf("the others kept the lost Master %s", oldMaster)
			}
			// Alone, the cut instance sees the others lost in its turn.
			waitFor(t, reactionDeadline, []*clusterbench.Node{cutOff}, cutOff.Nick+" seeing the others STOPPED", func(v clusterbench.Views) bool {
				for _, o := range others {
					if !allSee(o.Identifier(), "STOPPED")(v) {
						return false
					}
				}
				return true
			})

			lab.heal(cutOff.Nick)
			views = waitOperation(t, c.Nodes, c.Nodes)
			t.Logf("Master before the cut %s, after healing %s", oldMaster, views.Master())
		})
	}
}

// TestPartitionWithAutoFence cuts C off a cluster with auto_fence: the
// others isolate it, and it stays isolated after the network heals.
func TestPartitionWithAutoFence(t *testing.T) {
	t.Parallel()
	nicks := []string{"A", "B", "C"}
	lab := newNetLab(t, nicks...)
	c := startLabCluster(t, lab, nicks, map[string]string{"auto_fence": "true"})
	waitOperation(t, c.Nodes, c.Nodes)

	cutOff := c.Nodes[2]
	others := clusterbench.Except(c.Nodes, cutOff.Nick)
	lab.cut(cutOff.Nick)
	_, trace := watchInstance(t, others, cutOff.Identifier(), "A and B isolating C", allSee(cutOff.Identifier(), "ISOLATED"))
	for nick, seq := range trace {
		if got := strings.Join(seq, " "); got != "RUNNING FAILED ISOLATED" && got != "RUNNING ISOLATED" {
			t.Errorf("%s saw C go through %s; want RUNNING, FAILED, ISOLATED", nick, got)
		}
	}

	lab.heal(cutOff.Nick)
	// Isolation is final until C's supervisord restarts: three more
	// ticks with the network back change nothing.
	until := time.Now().Add(16 * time.Second)
	for time.Now().Before(until) {
		views, errs := clusterbench.Observe(t.Context(), others)
		for nick, err := range errs {
			t.Fatalf("%s does not answer: %v", nick, err)
		}
		if !allSee(cutOff.Identifier(), "ISOLATED")(views) {
			t.Fatalf("C is no longer isolated after the network healed:%s", views)
		}
		time.Sleep(500 * time.Millisecond)
	}
	waitOperation(t, others, others)
}
