package fsm

import "fmt"

// State is the global Supvisors state (SupvisorsStates), same codes.
type State int

// The global states.
const (
	Off State = iota
	Synchronization
	Election
	Distribution
	Operation
	Conciliation
	Restarting
	ShuttingDown
	Final
)

var stateNames = []string{"OFF", "SYNCHRONIZATION", "ELECTION", "DISTRIBUTION", "OPERATION",
	"CONCILIATION", "RESTARTING", "SHUTTING_DOWN", "FINAL"}

func (s State) String() string { return name(stateNames, int(s)) }

// Working reports whether s is ELECTION, DISTRIBUTION, OPERATION or
// CONCILIATION (Supvisors' WORKING_STATES).
func (s State) Working() bool { return s >= Election && s <= Conciliation }

// legalTransitions is the one place that says which global transitions
// exist, copied from Supvisors 0.19 (note: CONCILIATION cannot go to
// ELECTION, and ELECTION cannot go to RESTARTING).
var legalTransitions = map[State][]State{
	Off:             {Synchronization},
	Synchronization: {Off, Election},
	Election:        {Off, Synchronization, Distribution, ShuttingDown},
	Distribution:    {Off, Election, Operation, Restarting, ShuttingDown},
	Operation:       {Off, Synchronization, Election, Conciliation, Restarting, ShuttingDown},
	Conciliation:    {Off, Synchronization, Operation, Restarting, ShuttingDown},
	Restarting:      {Final},
	ShuttingDown:    {Final},
	Final:           {},
}

// Legal reports whether the global transition from -> to exists.
func Legal(from, to State) bool {
	for _, s := range legalTransitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// InstanceState is the state of one instance as seen locally
// (SupvisorsInstanceStates), same codes.
type InstanceState int

// The instance states.
const (
	Stopped InstanceState = iota
	Checking
	Checked
	Running
	Failed
	Isolated
)

var instanceNames = []string{"STOPPED", "CHECKING", "CHECKED", "RUNNING", "FAILED", "ISOLATED"}

func (s InstanceState) String() string { return name(instanceNames, int(s)) }

// ParseInstanceState reads a state name as carried in instance_states.
func ParseInstanceState(s string) (InstanceState, bool) {
	for i, n := range instanceNames {
		if n == s {
			return InstanceState(i), true
		}
	}
	return 0, false
}

// Active reports CHECKING, CHECKED, RUNNING or FAILED: the states in which
// an instance gets publications and is watched for inactivity.
func (s InstanceState) Active() bool { return s >= Checking && s <= Failed }

// stableForElection are the states that do not prevent stability.
func (s InstanceState) stableForElection() bool {
	return s == Running || s == Stopped || s == Isolated
}

// legalInstanceTransitions lists the instance transitions.
var legalInstanceTransitions = map[InstanceState][]InstanceState{
	Stopped:  {Checking},
	Checking: {Stopped, Checked, Failed, Isolated},
	Checked:  {Running, Failed},
	Running:  {Failed},
	Failed:   {Stopped, Isolated},
	Isolated: {},
}

// LegalInstance reports whether the instance transition from -> to exists.
func LegalInstance(from, to InstanceState) bool {
	for _, s := range legalInstanceTransitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Authorization is the outcome of a handshake (AuthorizationTypes).
type Authorization int

// The handshake outcomes.
const (
	AuthUnknown Authorization = iota
	Authorized
	NotAuthorized
	Inconsistent
)

var authNames = []string{"UNKNOWN", "AUTHORIZED", "NOT_AUTHORIZED", "INCONSISTENT"}

func (a Authorization) String() string { return name(authNames, int(a)) }

func name(names []string, i int) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return fmt.Sprintf("UNKNOWN(%d)", i)
}

// StateModes is what an instance publishes about itself (the STATE
// publication and get_instance_state_modes), minus the times.
type StateModes struct {
	Identifier    string
	Nick          string
	State         State
	DegradedMode  bool
	DiscoveryMode bool
	// Master is "" when there is none.
	Master       string
	StartingJobs bool
	StoppingJobs bool
	// InstanceStates is the publisher's view of every instance.
	InstanceStates map[string]InstanceState
}

// clone returns a deep copy, so that published values never alias the
// machine's own maps.
func (s StateModes) clone() StateModes {
	c := s
	c.InstanceStates = make(map[string]InstanceState, len(s.InstanceStates))
	for k, v := range s.InstanceStates {
		c.InstanceStates[k] = v
	}
	return c
}
