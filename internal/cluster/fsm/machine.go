// Package fsm is the pure core of the Supvisors cluster layer: the state
// of every instance as seen locally (STOPPED ... ISOLATED), the global
// state machine (OFF ... FINAL), stability and Master election, exactly as
// Supvisors 0.19 decides them.
//
// The Machine does no I/O, reads no clock and starts no goroutine. Like
// raft's RawNode it is driven by Step(event) and hands back what to do
// through Ready(); a driver (package cluster/peer) feeds it ticks, peer
// messages and handshake results, and carries out the actions (handshakes,
// publications, isolation, commanders). Time is counted in local ticks.
//
// The driver's side of the contract:
//   - feed the local TICK as LocalTick, after a Workload giving the
//     commanders' state;
//   - carry out the actions returned by Ready in order;
//   - answer every CheckInstance with a HandshakeResult carrying its Gen
//     (or a TransportFailure when the peer cannot be reached), and every
//     StartDistribution, StopApplications or Conciliate with a Workload:
//     the machine waits for it before it goes on evaluating, as Supvisors
//     checks its Starter right after starting it;
//   - report TransportFailure only for calls to peers, never to itself.
//
// Supvisors evaluates its state machine on each TICK, on a STATE from the
// Master, on end_sync and on restart/shutdown; so does the Machine, which
// makes its decisions tick for tick those of a Python instance fed the
// same messages. The golden scripts in testdata/cluster show it.
package fsm

import (
	"fmt"
	"slices"
	"time"

	"github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/errdefs"
)

// Peer names one instance.
type Peer struct {
	Identifier string
	Nick       string
}

// Config is what the machine needs from the options.
type Config struct {
	// Local is the local identifier; it must be in Instances.
	Local string
	// Instances are all known instances in supvisors_list order.
	Instances []Peer
	// Declared are the instances of supvisors_list (STRICT); empty when the
	// list was empty.
	Declared []string
	// Core are the resolved core identifiers, in order.
	Core            []string
	Synchro         options.SynchroSet
	SynchroTimeout  time.Duration
	InactivityTicks int
	AutoFence       bool
	FailureStrategy options.FailureStrategy
	DiscoveryMode   bool
}

// ConfigFrom builds a Config from parsed options.
func ConfigFrom(o *options.Options) Config {
	c := Config{
		Local:           o.LocalInstance().Identifier,
		Core:            o.CoreResolved,
		Synchro:         o.SynchroOptions,
		SynchroTimeout:  time.Duration(o.SynchroTimeout) * time.Second,
		InactivityTicks: o.InactivityTicks,
		AutoFence:       o.AutoFence,
		FailureStrategy: o.FailureStrategy,
		DiscoveryMode:   o.DiscoveryMode(),
	}
	for _, in := range o.Instances {
		c.Instances = append(c.Instances, Peer{in.Identifier, in.Nick})
		if o.ListDeclared {
			c.Declared = append(c.Declared, in.Identifier)
		}
	}
	return c
}

// coreMinUptime is Supvisors' hard-coded minimum uptime of the CORE
// condition.
const coreMinUptime = options.SynchroTimeoutMin * time.Second

// none means "no transition asked" in the evaluation functions.
const none State = -1

// instance is one instance as seen locally.
type instance struct {
	Peer
	state InstanceState
	// remoteCounter is the last sequence_counter received from it;
	// rxCounter is the local counter when it was received (0 after a
	// stealth restart, which makes the instance inactive).
	remoteCounter int
	rxCounter     int
	// checkGen identifies the handshake of the current CHECKING.
	checkGen uint64
	// modes is its last published state and modes (reset when it becomes
	// STOPPED or ISOLATED).
	modes StateModes
}

// Machine is the cluster state machine of one instance.
type Machine struct {
	cfg   Config
	order []string
	inst  map[string]*instance
	local *instance

	state     State
	master    string
	degraded  bool
	starting  bool
	stopping  bool
	conflicts bool
	// awaitingJobs is set after StartDistribution, Conciliate (on entry)
	// and StopApplications: the rest of the evaluation waits for Workload.
	awaitingJobs bool
	// statesDirty marks instance_states changes, published with the next
	// tick as Supvisors does.
	statesDirty bool

	counter int
	elapsed time.Duration
	offAt   time.Duration
	gen     uint64
	actions []Action
}

// New returns a machine in state OFF with every instance STOPPED.
func New(cfg Config) (*Machine, error) {
	m := &Machine{cfg: cfg, inst: map[string]*instance{}}
	if cfg.InactivityTicks <= 0 {
		m.cfg.InactivityTicks = options.InactivityTicksDefault
	}
	for _, p := range cfg.Instances {
		if _, dup := m.inst[p.Identifier]; dup {
			return nil, fmt.Errorf("fsm: instance %s declared twice", p.Identifier)
		}
		m.inst[p.Identifier] = &instance{Peer: p}
		m.order = append(m.order, p.Identifier)
	}
	m.local = m.inst[cfg.Local]
	if m.local == nil {
		return nil, fmt.Errorf("fsm: local instance %q is not among the instances", cfg.Local)
	}
	if cfg.Synchro == 0 {
		return nil, fmt.Errorf("fsm: no synchronization option")
	}
	if cfg.Synchro.Has(options.SyncTimeout) && cfg.FailureStrategy != options.FailureContinue {
		// Ending SYNCHRONIZATION by TIMEOUT and going back to it on a
		// failure would bounce for ever; Supvisors forbids the mix.
		return nil, fmt.Errorf("fsm: supvisors_failure_strategy %s cannot be used with synchro_options TIMEOUT", cfg.FailureStrategy)
	}
	return m, nil
}

// State returns the global state.
func (m *Machine) State() State { return m.state }

// Master returns the Master identifier, "" when none.
func (m *Machine) Master() string { return m.master }

// IsMaster reports whether the local instance is the Master.
func (m *Machine) IsMaster() bool { return m.master == m.cfg.Local }

// InstanceState returns the state of id in the local view.
func (m *Machine) InstanceState(id string) (InstanceState, bool) {
	in, ok := m.inst[id]
	if !ok {
		return 0, false
	}
	return in.state, true
}

// Modes returns the local state and modes, as published.
func (m *Machine) Modes() StateModes {
	s := StateModes{
		Identifier: m.cfg.Local, Nick: m.local.Nick, State: m.state, DegradedMode: m.degraded,
		DiscoveryMode: m.cfg.DiscoveryMode, Master: m.master, StartingJobs: m.starting, StoppingJobs: m.stopping,
		InstanceStates: map[string]InstanceState{},
	}
	for _, id := range m.order {
		s.InstanceStates[id] = m.inst[id].state
	}
	return s
}

// HasReady reports whether actions are waiting.
func (m *Machine) HasReady() bool { return len(m.actions) > 0 }

// Ready returns the actions produced since the last call, in order, and
// forgets them. The driver must carry them out in that order.
func (m *Machine) Ready() []Action {
	a := m.actions
	m.actions = nil
	return a
}

func (m *Machine) emit(a Action) { m.actions = append(m.actions, a) }

// ErrIllegalTransition is wrapped by the error of a request whose
// transition the table forbids.
var ErrIllegalTransition = errdefs.New(errdefs.BadSupvisorsState, "illegal transition")

// Step applies one event. An error means the event was refused (unknown
// instance, request not possible in this state); the machine is then
// unchanged, apart from actions already produced.
func (m *Machine) Step(ev Event) error {
	switch ev := ev.(type) {
	case LocalTick:
		m.onLocalTick(ev)
	case RemoteTick:
		in, err := m.peer(ev.From)
		if err != nil {
			return err
		}
		m.onRemoteTick(in, ev.Counter)
	case HandshakeResult:
		in, err := m.peer(ev.Peer)
		if err != nil {
			return err
		}
		m.onHandshake(in, ev)
	case PeerState:
		in, err := m.peer(ev.From)
		if err != nil {
			return err
		}
		m.onPeerState(in, ev.State)
	case TransportFailure:
		in, err := m.peer(ev.Peer)
		if err != nil {
			return err
		}
		if in != m.local && in.state.Active() {
			m.setInstance(in, Failed)
		}
	case EndSync:
		return m.onEndSync(ev.Master)
	case RestartRequest:
		return m.onEndRequest(Restarting)
	case ShutdownRequest:
		return m.onEndRequest(ShuttingDown)
	case Workload:
		m.onWorkload(ev)
	case Discovered:
		return m.onDiscovered(ev.Peer)
	default:
		return fmt.Errorf("fsm: unknown event %T", ev)
	}
	return nil
}

func (m *Machine) peer(id string) (*instance, error) {
	in, ok := m.inst[id]
	if !ok {
		return nil, errdefs.Newf(errdefs.BadName, "unknown Supvisors instance %s", id)
	}
	return in, nil
}

// onLocalTick follows Supvisors' order: refresh the local instance (and
// start its self-check), mark inactive instances FAILED, send the
// deferred STATE, evaluate, then publish the TICK.
func (m *Machine) onLocalTick(ev LocalTick) {
	m.counter, m.elapsed = ev.Counter, ev.Elapsed
	m.local.remoteCounter, m.local.rxCounter = ev.Counter, ev.Counter
	if m.local.state == Stopped {
		m.startCheck(m.local)
	}
	for _, id := range m.order {
		in := m.inst[id]
		if in.state.Active() && in.state != Failed && m.counter-in.rxCounter > m.cfg.InactivityTicks {
			m.setInstance(in, Failed)
		}
	}
	if m.statesDirty {
		m.statesDirty = false
		m.publish()
	}
	m.evaluate()
	var to []string
	for _, id := range m.order {
		if id != m.cfg.Local && m.inst[id].state != Isolated {
			to = append(to, id)
		}
	}
	m.emit(SendTick{To: to})
}

func (m *Machine) onRemoteTick(in *instance, counter int) {
	if in == m.local || in.state == Isolated {
		return // the origin check drops ISOLATED senders
	}
	if m.local.state != Checked && m.local.state != Running {
		return // remote ticks wait until the local instance is checked
	}
	if counter < in.remoteCounter {
		// Stealth restart: forget when we last heard from it, so that it
		// is found inactive at the next local tick.
		in.rxCounter = 0
	} else {
		in.rxCounter = m.counter
	}
	in.remoteCounter = counter
	if in.state == Stopped {
		m.startCheck(in)
	}
}

func (m *Machine) startCheck(in *instance) {
	m.setInstance(in, Checking)
	m.gen++
	in.checkGen = m.gen
	m.emit(CheckInstance{Peer: in.Identifier, Gen: in.checkGen})
}

func (m *Machine) onHandshake(in *instance, ev HandshakeResult) {
	if ev.PeerState != nil && in.state != Isolated {
		m.onPeerState(in, *ev.PeerState)
	}
	if in.state != Checking || ev.Gen != in.checkGen {
		return // stale: the instance left CHECKING since
	}
	switch ev.Auth {
	case Authorized:
		m.setInstance(in, Checked)
	case AuthUnknown:
		m.setInstance(in, Stopped)
	default: // NOT_AUTHORIZED, INCONSISTENT, or an unknown code
		m.invalidate(in, true)
	}
}

func (m *Machine) onPeerState(in *instance, s StateModes) {
	if in == m.local || in.state == Isolated {
		return
	}
	in.modes = s.clone()
	if in.Identifier == m.master {
		m.evaluate()
	}
}

func (m *Machine) onEndSync(master string) error {
	if m.state != Synchronization {
		return errdefs.Newf(errdefs.BadSupvisorsState, "end_sync: Supvisors in state %s", m.state)
	}
	if m.master != "" {
		return errdefs.New(errdefs.BadSupvisorsState, "end_sync: Supvisors synchronization ending")
	}
	if master == "" {
		m.selectMaster()
	} else {
		in, err := m.peer(master)
		if err != nil {
			return err
		}
		if in.state != Running {
			return errdefs.Newf(errdefs.NotRunning, "end_sync: Supvisors instance=%s is not RUNNING (%s)", master, in.state)
		}
		m.setMaster(master)
	}
	m.evaluate()
	return nil
}

func (m *Machine) onEndRequest(target State) error {
	if !m.IsMaster() {
		if m.master == "" {
			return errdefs.New(errdefs.BadSupvisorsState, "no Master instance to perform the request")
		}
		if target == Restarting {
			m.emit(ForwardRestart{Master: m.master})
		} else {
			m.emit(ForwardShutdown{Master: m.master})
		}
		return nil
	}
	if !Legal(m.state, target) {
		return fmt.Errorf("%w: cannot go from %s to %s", ErrIllegalTransition, m.state, target)
	}
	m.transition(target)
	return nil
}

func (m *Machine) onDiscovered(p Peer) error {
	if _, known := m.inst[p.Identifier]; known {
		return nil // every announcement of a known instance ends here
	}
	for _, id := range m.order {
		if m.inst[id].Nick == p.Nick {
			return errdefs.Newf(errdefs.BadName, "discovered instance %s: nick %s already used by %s", p.Identifier, p.Nick, id)
		}
	}
	m.inst[p.Identifier] = &instance{Peer: p}
	m.order = append(m.order, p.Identifier)
	return nil
}

func (m *Machine) onWorkload(w Workload) {
	m.conflicts = w.Conflicts
	if w.Starting != m.starting || w.Stopping != m.stopping {
		m.starting, m.stopping = w.Starting, w.Stopping
		m.publish()
	}
	if m.awaitingJobs {
		m.awaitingJobs = false
		m.transition(m.next())
	}
}

// evaluate is Supvisors' FiniteStateMachine.next.
func (m *Machine) evaluate() {
	if m.awaitingJobs {
		return
	}
	m.transition(m.next())
}

// transition moves to target and keeps evaluating while the new state asks
// for another one, as Supvisors' set_state does.
func (m *Machine) transition(target State) {
	visited := []State{m.state}
	for target != none && target != m.state {
		if slices.Contains(visited, target) {
			// The rules bounce between states (Supvisors would loop for
			// ever): stay, and let the next evaluation decide again.
			m.emit(TransitionRefused{From: m.state, To: target})
			return
		}
		visited = append(visited, target)
		if !Legal(m.state, target) {
			m.emit(TransitionRefused{From: m.state, To: target})
			return
		}
		m.exit()
		from := m.state
		m.state = target
		m.emit(StateChanged{From: from, To: target})
		m.publish()
		m.enter()
		if m.awaitingJobs {
			return
		}
		target = m.next()
	}
}

func (m *Machine) enter() {
	switch m.state {
	case Off:
		m.offAt = m.elapsed
	case Synchronization, Election:
		m.abortJobs()
	case Distribution:
		if m.IsMaster() {
			m.starting, m.awaitingJobs = true, true
			m.emit(StartDistribution{})
		}
	case Conciliation:
		if m.IsMaster() {
			m.awaitingJobs = true
			m.emit(Conciliate{})
		}
	case Restarting, ShuttingDown:
		m.abortJobs()
		if m.IsMaster() {
			m.stopping, m.awaitingJobs = true, true
			m.emit(StopApplications{})
		}
	}
}

func (m *Machine) exit() {
	switch m.state {
	case Restarting:
		m.emit(RestartLocal{})
	case ShuttingDown:
		m.emit(ShutdownLocal{})
	}
}

func (m *Machine) abortJobs() {
	m.emit(AbortJobs{})
	if m.starting || m.stopping {
		m.starting, m.stopping = false, false
		m.publish()
	}
}

// next is the per-state evaluation (Supvisors' state next()).
func (m *Machine) next() State {
	lost := m.invalidateFailed()
	switch m.state {
	case Distribution:
		// New instances wait for OPERATION, not to disturb the starts.
	case Operation, Conciliation:
		if m.activateChecked() {
			return Election
		}
	default:
		m.activateChecked()
	}
	if s := m.checkConsistence(lost); s != none {
		return s
	}
	switch m.state {
	case Synchronization:
		return m.nextSynchronization()
	case Election:
		return m.nextElection()
	case Distribution, Operation, Conciliation, Restarting, ShuttingDown:
		return m.nextMasterSlave(lost)
	}
	return none
}

func (m *Machine) checkConsistence(lost []string) State {
	switch m.state {
	case Off:
		if m.local.state == Running {
			return Synchronization
		}
		return none
	case Final:
		return none
	}
	if m.local.state != Running {
		return m.ending(Off)
	}
	if m.state == Synchronization {
		return none
	}
	if s := m.checkFailureStrategy(lost); s != none {
		return m.ending(s)
	}
	if m.state != Election && !m.checkMaster() {
		return m.ending(Election)
	}
	return none
}

// ending maps any consistency failure to FINAL in the ending states.
func (m *Machine) ending(s State) State {
	if m.state == Restarting || m.state == ShuttingDown {
		return Final
	}
	return s
}

// checkFailureStrategy applies supvisors_failure_strategy after
// SYNCHRONIZATION; the first enabled option in USER, CORE, STRICT, LIST
// order decides.
func (m *Machine) checkFailureStrategy(lost []string) State {
	stable := m.stableSet()
	var verdicts []*bool
	b := func(v bool) *bool { return &v }
	user, core, strict, list := (*bool)(nil), (*bool)(nil), (*bool)(nil), (*bool)(nil)
	if m.cfg.Synchro.Has(options.SyncUser) {
		user = b(len(lost) > 0)
	}
	if m.cfg.Synchro.Has(options.SyncCore) {
		core = b(!m.coreRunning(stable))
	}
	if m.cfg.Synchro.Has(options.SyncStrict) {
		strict = b(!m.declaredRunning(stable))
	}
	if m.cfg.Synchro.Has(options.SyncList) {
		list = b(len(stable) != len(m.order))
	}
	m.setDegraded((strict != nil && *strict) || (list != nil && *list) || (core != nil && *core))
	verdicts = append(verdicts, user, core, strict, list)
	for _, v := range verdicts {
		if v == nil {
			continue
		}
		if !*v {
			return none
		}
		switch m.cfg.FailureStrategy {
		case options.FailureResync:
			return Synchronization
		case options.FailureShutdown:
			return ShuttingDown
		}
		return none
	}
	return none
}

func (m *Machine) nextSynchronization() State {
	stable := m.stableSet()
	uptime := m.elapsed - m.offAt
	ended, degraded := false, false
	if m.cfg.Synchro.Has(options.SyncStrict) {
		ok := m.declaredRunning(stable)
		ended, degraded = ended || ok, degraded || !ok
	}
	if m.cfg.Synchro.Has(options.SyncList) {
		ok := len(stable) == len(m.order)
		ended, degraded = ended || ok, degraded || !ok
	}
	if m.cfg.Synchro.Has(options.SyncTimeout) && uptime >= m.cfg.SynchroTimeout {
		ended = true
	}
	if m.cfg.Synchro.Has(options.SyncCore) {
		ok := m.coreRunning(stable) && uptime >= coreMinUptime
		ended, degraded = ended || ok, degraded || !ok
	}
	if m.cfg.Synchro.Has(options.SyncUser) {
		m.acceptMaster()
		if m.master != "" && m.inst[m.master].state == Running {
			ended = true
		}
	}
	m.setDegraded(degraded)
	if ended {
		return Election
	}
	return none
}

func (m *Machine) nextElection() State {
	if len(m.stableSet()) == 0 {
		return none // waiting for the context to stabilize
	}
	if m.checkMaster() {
		if m.IsMaster() {
			return Distribution
		}
		if ms, ok := m.masterState(); ok && ms == Distribution {
			return Distribution
		}
	}
	m.selectMaster()
	return none
}

func (m *Machine) nextMasterSlave(lost []string) State {
	working := m.state.Working()
	if len(lost) > 0 {
		redistribute := m.IsMaster() && (m.state == Distribution || m.state == Operation)
		m.emit(LostJobs{Identifiers: lost, Redistribute: redistribute})
	}
	if !m.IsMaster() {
		ms, ok := m.masterState()
		if working {
			if !ok {
				return none
			}
			return ms
		}
		if ok && ms == m.state {
			return m.state
		}
		return Final
	}
	switch m.state {
	case Distribution:
		if m.starting {
			return none
		}
		return Operation
	case Operation:
		if m.starting || m.stopping {
			return none
		}
		if m.conflicts {
			return Conciliation
		}
	case Conciliation:
		if m.starting || m.stopping {
			return none
		}
		if !m.conflicts {
			return Operation
		}
		m.emit(Conciliate{})
	case Restarting, ShuttingDown:
		if m.stopping {
			return none
		}
		return Final
	}
	return none
}

// setInstance changes an instance's state, keeping the Master and the
// deferred publication in step as Supvisors does.
func (m *Machine) setInstance(in *instance, to InstanceState) {
	if in.state == to {
		return
	}
	if !LegalInstance(in.state, to) {
		// Every caller checks the state first; reaching this is a bug.
		panic(fmt.Sprintf("fsm: instance %s: illegal transition %s -> %s", in.Identifier, in.state, to))
	}
	from := in.state
	in.state = to
	m.emit(InstanceChanged{Identifier: in.Identifier, From: from, To: to})
	if (to == Stopped || to == Isolated) && in != m.local {
		in.modes = StateModes{}
	}
	if to == Isolated {
		m.emit(Isolate{Peer: in.Identifier})
	}
	if to != Running && in.Identifier == m.master {
		m.setMaster("")
	} else {
		m.statesDirty = true
	}
}

// invalidate ends a FAILED (or refused CHECKING) instance: STOPPED, or
// ISOLATED when fenced or when auto_fence applies (Master in a working
// state). The local instance is never isolated.
func (m *Machine) invalidate(in *instance, fence bool) {
	ms, ok := m.masterState()
	switch {
	case in == m.local:
		m.setInstance(in, Stopped)
	case fence || (m.cfg.AutoFence && ok && ms.Working()):
		m.setInstance(in, Isolated)
	default:
		m.setInstance(in, Stopped)
	}
}

func (m *Machine) invalidateFailed() []string {
	var lost []string
	for _, id := range m.order {
		if in := m.inst[id]; in.state == Failed {
			m.invalidate(in, false)
			lost = append(lost, id)
		}
	}
	if len(lost) > 0 {
		m.emit(InstancesLost{Identifiers: lost})
	}
	return lost
}

func (m *Machine) activateChecked() bool {
	activated := false
	for _, id := range m.order {
		if in := m.inst[id]; in.state == Checked {
			m.setInstance(in, Running)
			activated = true
		}
	}
	return activated
}

func (m *Machine) setMaster(id string) {
	if m.master != id {
		m.master = id
		m.publish()
	}
}

func (m *Machine) setDegraded(d bool) {
	if m.degraded != d {
		m.degraded = d
		m.publish()
	}
}

// publish sends the local state and modes to the active peers.
func (m *Machine) publish() {
	var to []string
	for _, id := range m.order {
		if id != m.cfg.Local && m.inst[id].state.Active() {
			to = append(to, id)
		}
	}
	m.emit(PublishState{State: m.Modes(), To: to})
}

// modesOf returns what id last published (the local modes for itself).
func (m *Machine) modesOf(id string) StateModes {
	if id == m.cfg.Local {
		return m.Modes()
	}
	return m.inst[id].modes
}

// masterState is the Master's published state; false when there is no
// Master. A Master that never published counts as OFF, as in Supvisors.
func (m *Machine) masterState() (State, bool) {
	if m.master == "" {
		return 0, false
	}
	return m.modesOf(m.master).State, true
}

func (m *Machine) running() []string {
	var ids []string
	for _, id := range m.order {
		if m.inst[id].state == Running {
			ids = append(ids, id)
		}
	}
	return ids
}

// stableSet is Supvisors' stable running set: every instance seen RUNNING
// must publish a view without transitional states, and all those views
// must agree on who is RUNNING. It is sorted, and empty when unstable.
func (m *Machine) stableSet() []string {
	var common []string
	first := true
	for _, id := range m.running() {
		view := m.modesOf(id).InstanceStates
		var set []string
		for peer, s := range view {
			if !s.stableForElection() {
				return nil
			}
			if s == Running {
				set = append(set, peer)
			}
		}
		slices.Sort(set)
		if first {
			common, first = set, false
		} else if !slices.Equal(common, set) {
			return nil
		}
	}
	return common
}

func contains(set []string, id string) bool { return slices.Contains(set, id) }

func (m *Machine) declaredRunning(stable []string) bool {
	if len(m.cfg.Declared) == 0 {
		return false
	}
	for _, id := range m.cfg.Declared {
		if !contains(stable, id) {
			return false
		}
	}
	return true
}

func (m *Machine) coreRunning(stable []string) bool {
	if len(m.cfg.Core) == 0 {
		return false
	}
	for _, id := range m.cfg.Core {
		if !contains(stable, id) {
			return false
		}
	}
	return true
}

// masters returns the Masters declared by the instances seen RUNNING.
func (m *Machine) masters() []string {
	var ms []string
	for _, id := range m.running() {
		master := m.modesOf(id).Master
		if !contains(ms, master) {
			ms = append(ms, master)
		}
	}
	return ms
}

// checkMaster: every RUNNING instance declares the same, non-empty Master.
func (m *Machine) checkMaster() bool {
	ms := m.masters()
	return len(ms) == 1 && ms[0] != ""
}

// selectMaster is Supvisors' election: Masters already declared first,
// else the running instances; core ones preferred; lowest nick wins.
func (m *Machine) selectMaster() {
	candidates := slices.DeleteFunc(m.masters(), func(s string) bool { return s == "" })
	if len(candidates) == 0 {
		candidates = m.running()
	}
	var core []string
	for _, id := range m.cfg.Core {
		if contains(candidates, id) {
			core = append(core, id)
		}
	}
	if len(core) > 0 {
		candidates = core
	}
	if best := m.lowestNick(candidates); best != "" {
		m.setMaster(best)
	}
}

// acceptMaster adopts a Master declared by a running instance (USER).
// Supvisors takes an arbitrary one; we take the lowest nick, so that all
// instances agree.
func (m *Machine) acceptMaster() {
	candidates := slices.DeleteFunc(m.masters(), func(s string) bool { return s == "" })
	if best := m.lowestNick(candidates); best != "" {
		m.setMaster(best)
	}
}

func (m *Machine) lowestNick(ids []string) string {
	best := ""
	for _, id := range ids {
		in, ok := m.inst[id]
		if !ok {
			continue // a peer may declare a Master we do not know
		}
		if best == "" || in.Nick < m.inst[best].Nick {
			best = id
		}
	}
	return best
}
