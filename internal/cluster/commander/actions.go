package commander

import (
	"fmt"
	"strings"

	"github.com/supvisors-go/supvisors/internal/cluster/model"
)

// Action is an output of the Commander, for the driver to carry out in
// order. Actions are plain data.
type Action interface {
	isAction()
	fmt.Stringer
}

// StartProcess asks the driver to send supvisors.start_args(Namespec,
// ExtraArgs, False) to Target (the local engine when Target is the local
// instance).
type StartProcess struct {
	Target    string
	Namespec  string
	ExtraArgs string
}

// StopProcess asks the driver to send supervisor.stopProcess(Namespec,
// False) to Target.
type StopProcess struct {
	Target   string
	Namespec string
}

// ForceState asks the driver to force the state of a process: apply it
// to the model (model.ForceState) and publish it to every instance as a
// forced PROCESS event. Identifier is the instance concerned, "" when no
// instance could be found; Decided is the monotonic time of the last
// event the commander saw for it, the reference that lets a newer real
// event win over the forced state.
type ForceState struct {
	Namespec   string
	Identifier string
	State      int
	Reason     string
	Decided    float64
}

// JobsChanged reports new values of the starting_jobs and stopping_jobs
// flags: the driver publishes the local state and modes again, and
// reports them to the state machine as its Workload.
type JobsChanged struct {
	Starting bool
	Stopping bool
}

// Assigned reports that a '@' or '#' of a program was resolved: the
// process may now start on Identifiers (empty for a '@' process left
// without an instance). The driver may show them in get_process_rules.
type Assigned struct {
	Namespec    string
	Identifiers []string
}

// Finished ends a request made with wait: Result is its answer (true, or
// the namespec for start_any_process) when Err is nil.
type Finished struct {
	Ticket Ticket
	Result any
	Err    error
}

// SupvisorsRestart and SupvisorsShutdown report that a process whose
// running failure strategy is RESTART or SHUTDOWN crashed: the driver
// steps the state machine with fsm.RestartRequest or fsm.ShutdownRequest
// (the Master then enters RESTARTING or SHUTTING_DOWN, which aborts the
// jobs and stops every application).
type SupvisorsRestart struct{ Namespec string }

// SupvisorsShutdown: see SupvisorsRestart.
type SupvisorsShutdown struct{ Namespec string }

func (StartProcess) isAction()      {}
func (StopProcess) isAction()       {}
func (ForceState) isAction()        {}
func (JobsChanged) isAction()       {}
func (Assigned) isAction()          {}
func (Finished) isAction()          {}
func (SupvisorsRestart) isAction()  {}
func (SupvisorsShutdown) isAction() {}

func (a StartProcess) String() string {
	return fmt.Sprintf("start %s on %s args=%q", a.Namespec, a.Target, a.ExtraArgs)
}
func (a StopProcess) String() string { return fmt.Sprintf("stop %s on %s", a.Namespec, a.Target) }
func (a ForceState) String() string {
	return fmt.Sprintf("force %s %s on %q reason=%q", a.Namespec, model.ProcessStateName(a.State), a.Identifier, a.Reason)
}
func (a JobsChanged) String() string {
	return fmt.Sprintf("jobs starting=%t stopping=%t", a.Starting, a.Stopping)
}
func (a Assigned) String() string {
	return fmt.Sprintf("assign %s -> [%s]", a.Namespec, strings.Join(a.Identifiers, " "))
}
func (a Finished) String() string {
	if a.Err != nil {
		return fmt.Sprintf("finished #%d error=%q", a.Ticket, a.Err.Error())
	}
	return fmt.Sprintf("finished #%d result=%v", a.Ticket, a.Result)
}
func (a SupvisorsRestart) String() string  { return "supvisors restart (crash of " + a.Namespec + ")" }
func (a SupvisorsShutdown) String() string { return "supvisors shutdown (crash of " + a.Namespec + ")" }
