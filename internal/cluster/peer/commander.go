package peer

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/supvisors-go/supvisors/internal/cluster/commander"
	"github.com/supvisors-go/supvisors/internal/cluster/fsm"
	"github.com/supvisors-go/supvisors/internal/cluster/wire"
)

// This file plugs the Starter and Stopper (package commander) into the
// driver. The Run goroutine owns the Commander as it owns the model: it
// feeds it the real process events, calls Check before each local tick,
// and carries out its actions at once, never waiting for an answer. The
// requests to instances go through the peers' queues (the local instance
// through the engine, on a goroutine of its own), and their progress is
// followed through the process events they cause, as Supvisors does.

// instances is the driver's view of the instances as the commander reads
// it (commander.Cluster), from the Run goroutine.
type instances struct{ n *Node }

func (c instances) Local() string   { return c.n.local.Identifier }
func (c instances) Known() []string { return slices.Clone(c.n.order) }

// Filter resolves identifiers, nicks and stereotypes the way validOrigin
// does, in the order of the names.
func (c instances) Filter(names []string) []string {
	var out []string
	for _, name := range names {
		for _, id := range c.n.order {
			rec := c.n.peers[id]
			if (id == name || rec.inst.Nick == name || slices.Contains(rec.network.Stereotypes, name)) &&
				!slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

func (c instances) Running(id string) bool {
	st, ok := c.n.machine.InstanceState(id)
	return ok && st == fsm.Running
}

// Node is the machine_id that the instance reported; an instance not
// identified yet is a node of its own.
func (c instances) Node(id string) string {
	if rec := c.n.peers[id]; rec != nil && rec.network.Network != nil && rec.network.Network.MachineID != "" {
		return rec.network.Network.MachineID
	}
	return id
}

func (c instances) TickCounter(id string) int {
	if rec := c.n.peers[id]; rec != nil {
		return int(rec.times.remoteCounter)
	}
	return 0
}

func (c instances) ValidCount() int {
	count := 0
	for _, id := range c.n.order {
		if st, _ := c.n.machine.InstanceState(id); st != fsm.Isolated {
			count++
		}
	}
	return count
}

// isMaster tells whether the local instance is the Master: only the
// Master applies the running failure strategies.
func (n *Node) isMaster() bool {
	return n.machine.Master() != "" && n.machine.Master() == n.local.Identifier
}

// processApplied feeds the commander with a process event that the model
// has just applied: the Starter and Stopper see the real events only,
// the Master's failure handler every accepted one.
func (n *Node) processApplied(namespec, from string, forced bool) {
	t := now()
	if !forced {
		n.cmd.ProcessEvent(namespec, from, t)
	}
	if n.isMaster() {
		n.cmd.ProcessFailure(namespec, t)
	}
	n.drain()
}

// commanderActions carries out what the commander has queued, in order,
// until it has nothing more to say: forcing a state may give a running
// failure job, which may queue more.
func (n *Node) commanderActions() {
	for {
		actions := n.cmd.Ready()
		if len(actions) == 0 {
			return
		}
		for _, a := range actions {
			n.carryOutCommand(a)
		}
	}
}

func (n *Node) carryOutCommand(a commander.Action) {
	n.log.Debug("commander action", "action", a.String())
	switch a := a.(type) {
	case commander.StartProcess:
		if a.Target == n.local.Identifier {
			n.localCall("start_args", func(ctx context.Context) error {
				return n.opts.Engine.StartProcessArgs(ctx, a.Namespec, a.ExtraArgs, false)
			})
			return
		}
		n.enqueue(a.Target, item{kind: itemRequest, what: "START_PROCESS " + a.Namespec,
			method: "supvisors.start_args", params: []any{a.Namespec, a.ExtraArgs, false}})
	case commander.StopProcess:
		if a.Target == n.local.Identifier {
			n.localCall("stopProcess", func(ctx context.Context) error {
				return n.opts.Engine.StopProcess(ctx, a.Namespec, false)
			})
			return
		}
		n.enqueue(a.Target, item{kind: itemRequest, what: "STOP_PROCESS " + a.Namespec,
			method: "supervisor.stopProcess", params: []any{a.Namespec, false}})
	case commander.ForceState:
		n.forceState(a)
	case commander.JobsChanged:
		// The state machine learns the flags (and publishes them in the
		// next STATE) through its Workload.
		n.pending = append(n.pending, n.workload())
	case commander.Assigned:
		n.log.Info(fmt.Sprintf("Supvisors assigned %s to %v", a.Namespec, a.Identifiers))
		n.model.AssignIdentifiers(a.Namespec, a.Identifiers)
	case commander.Finished:
		n.finish(a)
	case commander.SupvisorsRestart:
		n.pending = append(n.pending, fsm.RestartRequest{})
	case commander.SupvisorsShutdown:
		n.pending = append(n.pending, fsm.ShutdownRequest{})
	}
}

// localCall runs a request to the local engine on a goroutine of its
// own: the engine answers through its loop, which may be busy, and the
// driver never waits for it. The outcome shows in the process events;
// a refusal is only logged, as a peer's would be.
func (n *Node) localCall(what string, call func(ctx context.Context) error) {
	ctx := n.linkCtx
	if ctx == nil || ctx.Err() != nil {
		return
	}
	n.linkWG.Add(1)
	go func() {
		defer n.linkWG.Done()
		ctx, cancel := context.WithTimeout(ctx, n.opts.CallTimeout)
		defer cancel()
		if err := call(ctx); err != nil {
			n.log.Warn("local request refused", "call", what, "error", err.Error())
		}
	}()
}

// forceState applies a state the commander decided (a start or a stop
// not acknowledged in time, or no instance to start on) to the model,
// and publishes it to every active peer as a forced PROCESS event.
func (n *Node) forceState(a commander.ForceState) {
	_, ok := n.model.ForceState(a.Namespec, a.Identifier, a.State, a.Reason, a.Decided, now())
	group, name := splitNamespec(a.Namespec)
	ev := wire.ProcessEvent{Identifier: a.Identifier, NickIdentifier: n.nickOrEmpty(a.Identifier),
		Name: name, Group: group, State: a.State, Forced: true,
		Now: float64(time.Now().UnixNano()) / 1e9, NowMonotonic: a.Decided, Spawnerr: a.Reason}
	n.publish(n.activePeers(), wire.PublicationProcess, ev)
	if ok && n.isMaster() {
		n.cmd.ProcessFailure(a.Namespec, now())
	}
}

func (n *Node) nickOrEmpty(id string) string {
	if rec := n.peers[id]; rec != nil {
		return rec.inst.Nick
	}
	return ""
}

// splitNamespec is Supervisor's split: "g:n", or "n" for "n:n".
func splitNamespec(namespec string) (group, name string) {
	for i := 0; i < len(namespec); i++ {
		if namespec[i] == ':' {
			return namespec[:i], namespec[i+1:]
		}
	}
	return namespec, namespec
}

// waiters are the supvisors.* calls made with wait, parked on their own
// goroutines until the commander's Finished for their ticket.
type waiters map[commander.Ticket]chan commander.Finished

func (n *Node) finish(a commander.Finished) {
	if ch, ok := n.waiting[a.Ticket]; ok {
		delete(n.waiting, a.Ticket)
		ch <- a // buffered: the waiter may be gone
	}
}
