package peer

import (
	"slices"
	"strings"

	"github.com/supvisors-go/supvisors/internal/cluster/fsm"
	"github.com/supvisors-go/supvisors/internal/cluster/view"
	"github.com/supvisors-go/supvisors/internal/cluster/wire"
)

// wireModes gives a state and modes its published form, instance_states
// in supvisors_list order as Supvisors' dict keeps them.
func (n *Node) wireModes(s fsm.StateModes) wire.StateModes {
	w := wire.StateModes{
		Identifier: s.Identifier, NickIdentifier: s.Nick, NowMonotonic: now(),
		FSMStateCode: int(s.State), FSMStateName: s.State.String(),
		DegradedMode: s.DegradedMode, DiscoveryMode: s.DiscoveryMode,
		MasterIdentifier: s.Master, StartingJobs: s.StartingJobs, StoppingJobs: s.StoppingJobs,
	}
	for _, id := range n.order {
		if st, ok := s.InstanceStates[id]; ok {
			w.InstanceStates = append(w.InstanceStates, wire.InstanceState{Identifier: id, State: st.String()})
		}
	}
	return w
}

// fsmModes reads a received state and modes for the machine. Unknown
// state names are left out (Supvisors would fail on them).
func fsmModes(w wire.StateModes) fsm.StateModes {
	s := fsm.StateModes{
		Identifier: w.Identifier, Nick: w.NickIdentifier, State: fsm.State(w.FSMStateCode),
		DegradedMode: w.DegradedMode, DiscoveryMode: w.DiscoveryMode, Master: w.MasterIdentifier,
		StartingJobs: w.StartingJobs, StoppingJobs: w.StoppingJobs,
		InstanceStates: make(map[string]fsm.InstanceState, len(w.InstanceStates)),
	}
	for _, is := range w.InstanceStates {
		if st, ok := fsm.ParseInstanceState(is.State); ok {
			s.InstanceStates[is.Identifier] = st
		}
	}
	return s
}

// defaultModes is what get_instance_state_modes gives for an instance
// never heard from: OFF, no Master, no instance states.
func defaultModes(id, nick string) wire.StateModes {
	return wire.StateModes{Identifier: id, NickIdentifier: nick, FSMStateCode: int(fsm.Off),
		FSMStateName: fsm.Off.String(), InstanceStates: []wire.InstanceState{}}
}

// publishSnapshot builds and stores the view of the current state. It
// runs on the Run goroutine (or in New, before it starts).
func (n *Node) publishSnapshot() {
	self := n.wireModes(n.machine.Modes())
	snap := &view.Snapshot{
		Local:        n.local.Identifier,
		Self:         self,
		StartingJobs: []string{},
		StoppingJobs: []string{},
		Strategies:   n.strat,
		Core:         slices.Clone(n.o.CoreResolved),
	}
	for _, id := range n.order {
		rec := n.peers[id]
		st, _ := n.machine.InstanceState(id)
		loading, failure := n.instanceLoad(id, st)
		in := view.Instance{
			Info: wire.InstanceInfo{
				Identifier: id, NickIdentifier: rec.inst.Nick, NodeName: rec.inst.Host, Port: rec.inst.HTTPPort,
				StateCode: int(st), StateName: st.String(), Loading: loading, ProcessFailure: failure,
				RemoteSequenceCounter: rec.times.remoteCounter, RemoteTime: rec.times.remoteTime,
				RemoteMtime: rec.times.remoteMtime, LocalSequenceCounter: rec.times.localCounter,
				LocalTime: rec.times.localTime, LocalMtime: rec.times.localMtime,
			},
			Network: rec.network,
		}
		switch {
		case id == n.local.Identifier:
			in.Modes = self
		case rec.modes != nil:
			in.Modes = *rec.modes
		default:
			in.Modes = defaultModes(id, rec.inst.Nick)
		}
		if in.Modes.StartingJobs {
			snap.StartingJobs = append(snap.StartingJobs, id)
		}
		if in.Modes.StoppingJobs {
			snap.StoppingJobs = append(snap.StoppingJobs, id)
		}
		snap.Instances = append(snap.Instances, in)
	}
	slices.SortFunc(snap.Instances, func(a, b view.Instance) int {
		return strings.Compare(a.Info.Identifier, b.Info.Identifier)
	})
	slices.Sort(snap.StartingJobs)
	slices.Sort(snap.StoppingJobs)
	n.snap.Store(snap)
}
