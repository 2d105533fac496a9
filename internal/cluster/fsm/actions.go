package fsm

import (
	"fmt"
	"strings"
)

// Action is an output of the machine, for the driver to carry out in
// order. Actions are plain data.
type Action interface {
	isAction()
	fmt.Stringer
}

// CheckInstance asks the driver to run the handshake with Peer (which may
// be the local instance) and to answer with a HandshakeResult carrying Gen.
type CheckInstance struct {
	Peer string
	Gen  uint64
}

// SendTick asks the driver to publish the TICK to To (every known,
// non-isolated peer, whatever its state).
type SendTick struct{ To []string }

// PublishState asks the driver to publish State to To (the peers in an
// active state when the change happened) and on the event interface.
type PublishState struct {
	State StateModes
	To    []string
}

// InstanceChanged reports a change of an instance's state in the local
// view (for the instance event and the model).
type InstanceChanged struct {
	Identifier string
	From, To   InstanceState
}

// Isolate tells the driver to stop all traffic with Peer for good.
type Isolate struct{ Peer string }

// InstancesLost reports FAILED instances just invalidated: the model marks
// the processes they ran as lost (FATAL, "Supervisor <id> lost").
type InstancesLost struct{ Identifiers []string }

// LostJobs asks the commanders to drop the jobs pending on lost instances
// and, when Redistribute (the Master in DISTRIBUTION or OPERATION), to
// apply the running failure strategy of their lost processes.
type LostJobs struct {
	Identifiers  []string
	Redistribute bool
}

// StateChanged reports a global transition.
type StateChanged struct{ From, To State }

// TransitionRefused reports a transition that the rules asked for but
// the table forbids; the machine stayed where it was. Supvisors logs it
// as critical.
type TransitionRefused struct{ From, To State }

// AbortJobs asks the commanders to abort every job in progress.
type AbortJobs struct{}

// StartDistribution asks the Starter to start the applications that have a
// starting model (the Master entering DISTRIBUTION). Answer with Workload.
type StartDistribution struct{}

// Conciliate asks the Master to apply the conciliation strategy to the
// conflicts. Answer with Workload when the machine waits (on entry).
type Conciliate struct{}

// StopApplications asks the Stopper to stop every application (the Master
// entering RESTARTING or SHUTTING_DOWN). Answer with Workload.
type StopApplications struct{}

// RestartLocal and ShutdownLocal ask the local supervisord to restart or
// shut down (leaving RESTARTING or SHUTTING_DOWN).
type RestartLocal struct{}

// ShutdownLocal: see RestartLocal.
type ShutdownLocal struct{}

// ForwardRestart and ForwardShutdown ask the driver to send
// supvisors.restart / supvisors.shutdown to the Master.
type ForwardRestart struct{ Master string }

// ForwardShutdown: see ForwardRestart.
type ForwardShutdown struct{ Master string }

func (CheckInstance) isAction()     {}
func (SendTick) isAction()          {}
func (PublishState) isAction()      {}
func (InstanceChanged) isAction()   {}
func (Isolate) isAction()           {}
func (InstancesLost) isAction()     {}
func (LostJobs) isAction()          {}
func (StateChanged) isAction()      {}
func (TransitionRefused) isAction() {}
func (AbortJobs) isAction()         {}
func (StartDistribution) isAction() {}
func (Conciliate) isAction()        {}
func (StopApplications) isAction()  {}
func (RestartLocal) isAction()      {}
func (ShutdownLocal) isAction()     {}
func (ForwardRestart) isAction()    {}
func (ForwardShutdown) isAction()   {}

func (a CheckInstance) String() string { return fmt.Sprintf("check %s", a.Peer) }
func (a SendTick) String() string      { return "tick -> " + strings.Join(a.To, " ") }
func (a PublishState) String() string {
	return fmt.Sprintf("publish %s master=%q -> %s", a.State.State, a.State.Master, strings.Join(a.To, " "))
}
func (a InstanceChanged) String() string {
	return fmt.Sprintf("instance %s %s -> %s", a.Identifier, a.From, a.To)
}
func (a Isolate) String() string       { return "isolate " + a.Peer }
func (a InstancesLost) String() string { return "lost " + strings.Join(a.Identifiers, " ") }
func (a LostJobs) String() string {
	return fmt.Sprintf("lost-jobs %s redistribute=%t", strings.Join(a.Identifiers, " "), a.Redistribute)
}
func (a StateChanged) String() string      { return fmt.Sprintf("state %s -> %s", a.From, a.To) }
func (a TransitionRefused) String() string { return fmt.Sprintf("refused %s -> %s", a.From, a.To) }
func (AbortJobs) String() string           { return "abort-jobs" }
func (StartDistribution) String() string   { return "start-distribution" }
func (Conciliate) String() string          { return "conciliate" }
func (StopApplications) String() string    { return "stop-applications" }
func (RestartLocal) String() string        { return "restart-local" }
func (ShutdownLocal) String() string       { return "shutdown-local" }
func (a ForwardRestart) String() string    { return "forward-restart " + a.Master }
func (a ForwardShutdown) String() string   { return "forward-shutdown " + a.Master }
