package peer

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/supvisors-go/supvisors/internal/cluster/fsm"
	"github.com/supvisors-go/supvisors/internal/cluster/wire"
	"github.com/supvisors-go/supvisors/internal/events"
	"github.com/supvisors-go/supvisors/internal/process"
)

// onRemoteCommunication handles a sendRemoteCommEvent received by our
// engine: a publication of a peer.
func (n *Node) onRemoteCommunication(e events.RemoteCommunication) {
	if e.Type != wire.TypePublication && e.Type != wire.TypeNotification {
		return // somebody else's remote communication
	}
	msg, err := wire.Decode(e.Type, e.Data)
	if err != nil {
		n.log.Error("cannot decode a Supvisors message", "type", e.Type, "error", err)
		return
	}
	kind, ok := msg.Publication()
	if !ok {
		// Notifications stay inside the instance that makes them; ours
		// never travel. Nothing here to act on.
		n.log.Debug("notification ignored", "kind", msg.KindName(), "origin", msg.Origin.Identifier)
		return
	}
	from, reason := n.validOrigin(msg.Origin)
	if reason == reasonIsolated {
		// An isolated peer keeps ticking for as long as it runs: expected
		// traffic, not an error worth a line every 5 s.
		n.log.Debug("publication from an isolated Supvisors instance dropped", "kind", msg.KindName(), "peer", msg.Origin.Identifier)
		if tick, ok := msg.Body.(wire.Tick); ok && kind == wire.PublicationTick {
			n.isolatedTick(from, tick.SequenceCounter)
		}
		return
	}
	if reason != "" {
		n.log.Error(fmt.Sprintf("publication %s from Supvisors instance %s dropped: %s",
			msg.KindName(), msg.Origin.Identifier, reason))
		return
	}
	switch kind {
	case wire.PublicationTick:
		tick := msg.Body.(wire.Tick)
		if st, _ := n.machine.InstanceState(n.local.Identifier); st != fsm.Checked && st != fsm.Running {
			n.log.Debug("remote tick ignored: local instance not checked yet", "peer", from)
			return
		}
		if from == n.local.Identifier {
			return
		}
		rec := n.peers[from]
		if tick.SequenceCounter < rec.times.remoteCounter {
			n.log.Warn(fmt.Sprintf("Supvisors instance %s restarted unnoticed: its tick counter went back", rec.inst.Nick))
		}
		rec.times = times{remoteCounter: tick.SequenceCounter, remoteTime: tick.When, remoteMtime: tick.WhenMonotonic,
			localCounter: int64(n.tick.counter), localTime: time.Now().Unix(), localMtime: now()}
		n.model.Tick(from, tick.When, tick.WhenMonotonic)
		if err := n.step(fsm.RemoteTick{From: from, Counter: int(tick.SequenceCounter)}); err != nil {
			n.log.Error("remote tick refused", "peer", from, "error", err)
		}
	case wire.PublicationState:
		if from == n.local.Identifier {
			return
		}
		modes := msg.Body.(wire.StateModes)
		n.peers[from].modes = &modes
		if err := n.step(fsm.PeerState{From: from, State: fsmModes(modes)}); err != nil {
			n.log.Error("remote state refused", "peer", from, "error", err)
		}
	default:
		// Processes and statistics belong to the model. Changes of a
		// peer's processes count only once it is checked.
		st, _ := n.machine.InstanceState(from)
		switch kind {
		case wire.PublicationProcess, wire.PublicationProcessRemoved, wire.PublicationProcessDisability:
			if st != fsm.Checked && st != fsm.Running {
				n.log.Debug("process publication from an unchecked peer ignored", "kind", msg.KindName(), "peer", from)
				return
			}
		}
		if from == n.local.Identifier {
			return // our own changes are applied when they happen
		}
		n.applyPublication(from, kind, msg)
	}
}

// validOrigin is Supvisors' receiver-side check of an origin: the names
// designate exactly one known instance, which is not ISOLATED, whose
// configured port is the origin's, and (once identified) whose addresses
// include the origin's. It returns the instance, or why it was refused
// (with the instance when the reason is reasonIsolated).
// reasonIsolated is validOrigin's reason for a sender we isolated.
const reasonIsolated = "instance isolated"

func (n *Node) validOrigin(o wire.Origin) (string, string) {
	var found []string
	for _, id := range n.order {
		rec := n.peers[id]
		for _, name := range []string{o.Identifier, o.NickIdentifier} {
			if (id == name || rec.inst.Nick == name || slices.Contains(rec.network.Stereotypes, name)) &&
				!slices.Contains(found, id) {
				found = append(found, id)
			}
		}
	}
	if len(found) != 1 {
		return "", fmt.Sprintf("names %s/%s designate %d instances", o.Identifier, o.NickIdentifier, len(found))
	}
	id := found[0]
	rec := n.peers[id]
	if st, _ := n.machine.InstanceState(id); st == fsm.Isolated {
		return id, reasonIsolated
	}
	if rec.inst.HTTPPort != o.HTTPPort {
		return "", fmt.Sprintf("port %d is not the configured %d", o.HTTPPort, rec.inst.HTTPPort)
	}
	if rec.accepted != nil && !slices.Contains(rec.accepted, o.IPAddress) {
		return "", fmt.Sprintf("address %s is not among %s", o.IPAddress, strings.Join(rec.accepted, ", "))
	}
	return id, ""
}

// processStates maps Supervisor's state names to their codes.
var processStates = func() map[string]int {
	m := map[string]int{}
	for _, s := range []process.State{process.Stopped, process.Starting, process.Running, process.Backoff,
		process.Stopping, process.Exited, process.Fatal, process.Unknown} {
		m[s.String()] = int(s)
	}
	return m
}()

// onProcessState applies a local process state change to the model and
// publishes it to the active peers (PROCESS publication), the same body
// for both.
func (n *Node) onProcessState(e events.ProcessState) {
	code, ok := processStates[e.State]
	if !ok {
		return
	}
	ev := wire.ProcessEvent{
		Identifier: n.local.Identifier, NickIdentifier: n.local.Nick,
		Name: e.ProcessName, Group: e.GroupName, State: code,
		Now: float64(time.Now().UnixNano()) / 1e9, NowMonotonic: now(),
		Expected: true,
	}
	switch code {
	case int(process.Running), int(process.Stopping):
		ev.PID = e.PID
	case int(process.Exited):
		ev.Expected = e.Expected
	}
	if info, err := n.opts.Engine.ProcessInfo(e.GroupName + ":" + e.ProcessName); err == nil {
		ev.Spawnerr = info.SpawnErr
	}
	if args, err := n.opts.Engine.ExtraArgs(e.GroupName + ":" + e.ProcessName); err == nil {
		ev.ExtraArgs = args
	}
	// The flag as the last PROCESS_ENABLED / PROCESS_DISABLED set it: the
	// engine publishes those in order with the state changes.
	if rec, ok := n.model.Record(n.local.Identifier, e.GroupName+":"+e.ProcessName); ok {
		ev.Disabled = rec.Disabled
	}
	_, applied := n.model.ProcessEvent(n.local.Identifier, ev, now())
	n.publish(n.activePeers(), wire.PublicationProcess, ev)
	if applied {
		n.processApplied(e.GroupName+":"+e.ProcessName, n.local.Identifier, false)
	}
}

// activePeers are the peers that every publication but TICK goes to:
// those in an active state (CHECKING, CHECKED, RUNNING, FAILED).
func (n *Node) activePeers() []string {
	var to []string
	for _, id := range n.order {
		if st, _ := n.machine.InstanceState(id); id != n.local.Identifier && st.Active() {
			to = append(to, id)
		}
	}
	return to
}
