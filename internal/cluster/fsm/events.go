package fsm

import "time"

// Event is an input of the machine. Events are plain data.
type Event interface{ isEvent() }

// LocalTick is the local Supervisor TICK (every 5 s). Counter is the
// sequence_counter carried by the TICK publication (0 for the first one);
// Elapsed is the time since the machine was created, measured by the
// driver, and only used for the TIMEOUT and CORE uptime conditions.
// The driver reports its Workload before each LocalTick.
type LocalTick struct {
	Counter int
	Elapsed time.Duration
}

// RemoteTick is a TICK publication received from a peer.
type RemoteTick struct {
	From    string
	Counter int
}

// HandshakeResult is the end of a CheckInstance: the authorization and,
// when the peer answered get_instance_state_modes, its state and modes.
// Gen must be the Gen of the CheckInstance action, so that a late answer
// from an older handshake is ignored.
type HandshakeResult struct {
	Peer      string
	Gen       uint64
	Auth      Authorization
	PeerState *StateModes
}

// PeerState is a STATE publication received from a peer.
type PeerState struct {
	From  string
	State StateModes
}

// TransportFailure reports that a call to an active peer failed at
// transport level (refused, reset, time-out): INSTANCE_FAILURE.
type TransportFailure struct{ Peer string }

// EndSync is supvisors.end_sync: Master "" runs the election among the
// running instances, otherwise it names the Master.
type EndSync struct{ Master string }

// RestartRequest is supvisors.restart (also the running failure strategy
// RESTART): the Master enters RESTARTING, a Slave forwards to the Master.
type RestartRequest struct{}

// ShutdownRequest is supvisors.shutdown, likewise.
type ShutdownRequest struct{}

// Workload is the commanders' report: whether the Starter or the Stopper
// has jobs in progress, and whether managed processes run on several
// instances. The driver sends it after carrying out StartDistribution,
// Conciliate or StopApplications (the machine waits for it before going
// on) and before each LocalTick.
type Workload struct {
	Starting  bool
	Stopping  bool
	Conflicts bool
}

// Discovered is a DISCOVERY notification (multicast_group set): an
// instance announced itself. An unknown one is added STOPPED, unless its
// identifier or nick clashes with a known instance (then Step fails).
type Discovered struct{ Peer Peer }

func (Discovered) isEvent()       {}
func (LocalTick) isEvent()        {}
func (RemoteTick) isEvent()       {}
func (HandshakeResult) isEvent()  {}
func (PeerState) isEvent()        {}
func (TransportFailure) isEvent() {}
func (EndSync) isEvent()          {}
func (RestartRequest) isEvent()   {}
func (ShutdownRequest) isEvent()  {}
func (Workload) isEvent()         {}
