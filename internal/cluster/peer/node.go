// Package peer is the driver of the Supvisors cluster layer: it owns the
// state machine of package fsm in one goroutine, feeds it the engine's
// TICK_5 events and what the peers publish (received as
// REMOTE_COMMUNICATION events on the bus), carries out its actions
// (handshakes, TICK / STATE / PROCESS publications, isolation, restart
// and shutdown), and publishes after every step an immutable
// view.Snapshot that the supvisors.* API reads.
//
// The same goroutine owns the merged model of applications and processes
// (package model): it loads each instance's process list at its check
// (ours included), applies the peers' process publications and our own
// PROCESS_STATE events, the ticks and the losses, and answers the model
// getters of the supvisors.* API there (see model.go for why).
//
// It also owns the Starter and Stopper (package commander) built on that
// model: it feeds them the real process events, checks their time-outs
// before every local tick, hands them the state machine's requests
// (distribution, stop of every application, conciliation, lost and
// aborted jobs), and carries out their actions: supvisors.start_args and
// supervisor.stopProcess to the chosen instances (the local engine
// directly), forced states applied and published, and the ends of the
// supvisors.* requests made with wait (see commander.go and control.go).
//
// It carries out the per-program requests of the API on the local
// supervisord (enable, disable, update_numprocs: see programs.go) and
// follows the processes the engine adds, removes, enables and disables:
// the model learns each change first, then the peers (PROCESS_ADDED,
// PROCESS_REMOVED, PROCESS_DISABILITY). It forces Supervisor's
// autorestart off for the local processes whose running failure strategy
// acts on the whole application.
//
// Each peer has its own bounded queue and goroutine performing its
// XML-RPC calls in order, so that a dead or slow peer never delays the
// others; a full queue drops its oldest publications.
//
// The local instance is checked directly, without calling our own HTTP
// port: its handshake cannot fail and needs no network. Notifications are
// therefore never looped back through sendRemoteCommEvent, and event
// listeners subscribed to REMOTE_COMMUNICATION see only the publications
// of the peers.
package peer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/supvisors-go/supvisors/internal/cluster/commander"
	"github.com/supvisors-go/supvisors/internal/cluster/fsm"
	"github.com/supvisors-go/supvisors/internal/cluster/model"
	"github.com/supvisors-go/supvisors/internal/cluster/mono"
	"github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/cluster/view"
	"github.com/supvisors-go/supvisors/internal/cluster/wire"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/events"
	"github.com/supvisors-go/supvisors/internal/logs"
	"github.com/supvisors-go/supvisors/internal/supervisor"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// Engine is what the driver needs of the local supervisor.
type Engine interface {
	// Restart and Shutdown end the local supervisord (leaving RESTARTING /
	// SHUTTING_DOWN).
	Restart()
	Shutdown()
	// ProcessInfo gives the details of a PROCESS publication.
	ProcessInfo(namespec string) (supervisor.ProcessInfo, error)
	// StartProcessArgs and StopProcess carry out the commander's requests
	// aimed at the local instance (supvisors.start_args and
	// supervisor.stopProcess, without wait).
	StartProcessArgs(ctx context.Context, namespec, extraArgs string, wait bool) error
	StopProcess(ctx context.Context, namespec string, wait bool) error
	// ExtraArgs gives the extra arguments of a local process, for its
	// PROCESS publications.
	ExtraArgs(namespec string) (string, error)
}

// Options configures a Node.
type Options struct {
	// Options is the parsed [rpcinterface:supvisors] section.
	Options *options.Options
	Engine  Engine
	// Bus is the engine's event bus: TICK_5, PROCESS_STATE_* and
	// REMOTE_COMMUNICATION come from there.
	Bus *events.Bus
	// Username and Password are those of the first [inet_http_server],
	// used for every call to a peer.
	Username, Password string
	Logger             *slog.Logger
	// Host describes the local machine; nil discovers it.
	Host *Host
	// Rules resolve the '@' and '#' of program identifiers for the
	// commander; nil leaves such processes without an instance.
	Rules commander.Rules
	// Model is the merged view of applications and processes, fed by the
	// driver and read by the supvisors.* getters; the Run goroutine owns
	// it (the commanders may read it from there). nil gives a model
	// without rules files: every application unmanaged.
	Model *model.Model
	// LocalProcesses lists the local processes as get_all_local_process_info
	// gives them: the local instance's ALL_INFO at its own check. nil
	// gives none.
	LocalProcesses func() (wire.ProcessInfoList, error)
	// LocalProcess gives one local record as get_local_process_info does
	// (PROCESS_ADDED and PROCESS_DISABILITY carry it); nil looks it up in
	// LocalProcesses.
	LocalProcess func(namespec string) (wire.LocalProcessInfo, error)
	// Programs carries out enable, disable and update_numprocs on the
	// local supervisord; nil makes them answer FAILED.
	Programs Programs
	// PersistDisabilities writes the disabilities file after an enable or
	// a disable; nil when there is no file.
	PersistDisabilities func() error
	// ForceAutorestartOff turns Supervisor's autorestart off for one
	// local process (STOP_APPLICATION and RESTART_APPLICATION handle its
	// exits at application level); nil leaves autorestart as configured.
	ForceAutorestartOff func(namespec string) error
	// CallTimeout bounds each call to a peer; zero means 10 s.
	CallTimeout time.Duration
	// QueueSize bounds each peer's queue; zero means 256.
	QueueSize int

	// dial replaces the XML-RPC client in tests.
	dial func(url string) caller
}

// defaultCallTimeout is longer than any answer of a healthy peer and
// shorter than the inactivity time-out (two or three ticks), so a hung
// peer is found FAILED by its calls at about the time its silence would
// tell.
const defaultCallTimeout = 10 * time.Second

// Node is the cluster driver of one instance.
type Node struct {
	opts   Options
	o      *options.Options
	log    *slog.Logger
	local  options.Instance
	origin wire.Origin
	strat  wire.Strategies
	model  *model.Model

	snap     atomic.Pointer[view.Snapshot]
	requests chan request
	results  chan any
	running  atomic.Bool
	// subscribed is closed once Run listens to the bus.
	subscribed chan struct{}
	stopped    chan struct{}

	// Everything below is owned by the Run goroutine.
	machine *fsm.Machine
	order   []string
	peers   map[string]*record
	links   map[string]*link
	linkCtx context.Context
	linkWG  sync.WaitGroup
	pending []fsm.Event
	start   time.Time
	ticks   int // local ticks seen; the next counter
	tick    localTick
	// loggedMaster is the Master last reported in the log.
	loggedMaster string
	// cmd is the Starter and Stopper, on the model (see commander.go).
	cmd *commander.Commander
	// lost are the processes that the last invalidated instances ran and
	// that now run nowhere, for the LostJobs that follows.
	lost []string
	// waiting are the requests made with wait, by ticket.
	waiting waiters
	// conditions are the requests made with wait that the model answers
	// (see programs.go).
	conditions []*condition
}

// record is what the driver keeps about one instance, beyond the machine.
type record struct {
	inst    options.Instance
	network wire.NetworkInfo
	// accepted are the origin addresses its publications may carry; nil
	// until identified (then only the port is checked).
	accepted []string
	hostIPs  []string
	modes    *wire.StateModes
	times    times
	// farewell follows its ticks while it is ISOLATED.
	farewell farewell
}

// times are the tick counters and clocks of get_instance_info.
type times struct {
	remoteCounter int64
	remoteTime    int64
	remoteMtime   float64
	localCounter  int64
	localTime     int64
	localMtime    float64
}

// request is a Controller call carried out on the Run goroutine.
type request struct {
	fn    func() error
	reply chan error
}

// New checks the options and prepares a Node; Run starts it.
func New(opts Options) (*Node, error) {
	if opts.Options == nil || opts.Engine == nil || opts.Bus == nil {
		return nil, errors.New("peer: Options, Engine and Bus are required")
	}
	o := opts.Options
	machine, err := fsm.New(fsm.ConfigFrom(o))
	if err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = defaultCallTimeout
	}
	if opts.dial == nil {
		user, pass, timeout := opts.Username, opts.Password, opts.CallTimeout
		opts.dial = func(url string) caller {
			c, err := xmlrpc.NewClient(url, xmlrpc.ClientOptions{Username: user, Password: pass, Timeout: timeout,
				UserAgent: "supvisors-go"})
			if err != nil {
				return brokenCaller{err}
			}
			return c
		}
	}
	if opts.Model == nil {
		opts.Model = model.New(nil)
	}
	local := o.LocalInstance()
	if opts.Host == nil {
		h := DiscoverHost()
		opts.Host = &h
	}
	n := &Node{
		opts: opts, o: o, log: opts.Logger, local: local, model: opts.Model,
		strat:      wireStrategies(o.Strategies()),
		requests:   make(chan request),
		results:    make(chan any, 64),
		stopped:    make(chan struct{}),
		subscribed: make(chan struct{}),
		machine:    machine,
		peers:      map[string]*record{},
		links:      map[string]*link{},
		waiting:    waiters{},
	}
	n.cmd = commander.New(commander.Config{Model: n.model, Cluster: instances{n}, Rules: opts.Rules,
		Logger: opts.Logger.With("component", "commander")})
	n.origin = wire.Origin{Identifier: local.Identifier, NickIdentifier: local.Nick,
		IPAddress: resolveIPv4(local.Host), HTTPPort: local.HTTPPort}
	for _, in := range o.Instances {
		rec := &record{inst: in, network: wire.NetworkInfo{Identifier: in.Identifier, NickIdentifier: in.Nick,
			HostID: in.Host, HTTPPort: in.HTTPPort, Stereotypes: []string{}}}
		if in.Identifier == local.Identifier {
			rec.network.Stereotypes = slices.Clone(o.Stereotypes)
			if rec.network.Stereotypes == nil {
				rec.network.Stereotypes = []string{}
			}
			network := opts.Host.NetworkFor(local.Host)
			rec.network.Network = &network
		} else {
			rec.hostIPs = []string{resolveIPv4(in.Host)}
		}
		n.peers[in.Identifier] = rec
		n.order = append(n.order, in.Identifier)
	}
	n.publishSnapshot()
	return n, nil
}

// errStopped is returned to API callers when the node is not running.
var errStopped = errors.New("cluster driver not running")

// now reads the clock Supvisors exchanges (Python's time.monotonic()).
var now = mono.Now

// brokenCaller stands for a client that could not be built: every call
// fails at transport level.
type brokenCaller struct{ err error }

func (b brokenCaller) Call(context.Context, string, ...any) (any, error) { return nil, b.err }
func (brokenCaller) Close()                                              {}

func isLoopbackHost(host string) bool {
	return host == "localhost" || strings.HasPrefix(host, "localhost.") || strings.HasPrefix(host, "127.")
}

func wireStrategies(s options.Strategies) wire.Strategies {
	return wire.Strategies{AutoFencing: s.AutoFencing, Starting: s.Starting.String(),
		Conciliation: s.Conciliation.String(), SupvisorsFailure: s.Failure.String()}
}

// Run drives the cluster until ctx ends. Every goroutine it started is
// gone when it returns. A Node runs once.
func (n *Node) Run(ctx context.Context) error {
	if !n.running.CompareAndSwap(false, true) {
		return errors.New("peer: Run called twice")
	}
	defer close(n.stopped)
	sub := n.opts.Bus.SubscribeNamed("supvisors", 4096)
	defer sub.Close()
	close(n.subscribed)
	linkCtx, cancelLinks := context.WithCancel(ctx)
	n.linkCtx = linkCtx
	defer func() {
		cancelLinks()
		n.linkWG.Wait()
	}()
	n.start = time.Now()
	n.log.Info(fmt.Sprintf("Supvisors instance %s (%s) started, %d instances declared",
		n.local.Nick, n.local.Identifier, len(n.order)))
	if n.o.DiscoveryMode() {
		n.log.Warn("multicast_group is set but discovery is not supported: only the instances of supvisors_list are known")
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-sub.Events():
			if !ok {
				return nil
			}
			n.onBusEvent(ev)
		case r := <-n.results:
			n.onResult(r)
		case req := <-n.requests:
			req.reply <- req.fn()
		}
		n.checkConditions()
		n.publishSnapshot()
	}
}

// Snapshot returns the latest published view.
func (n *Node) Snapshot() *view.Snapshot { return n.snap.Load() }

// do runs fn on the Run goroutine and returns its error. Before Run
// starts, nothing would take the request: it fails at once rather than
// waiting for the caller's deadline.
func (n *Node) do(ctx context.Context, fn func() error) error {
	if !n.running.Load() {
		return errdefs.New(errdefs.Failed, errStopped.Error())
	}
	req := request{fn: fn, reply: make(chan error, 1)}
	select {
	case n.requests <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-n.stopped:
		return errdefs.New(errdefs.Failed, errStopped.Error())
	}
	select {
	case err := <-req.reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// checkState is Supvisors' state guard of the API.
func (n *Node) checkState(allowed ...fsm.State) error {
	if s := n.machine.State(); !slices.Contains(allowed, s) {
		names := make([]string, len(allowed))
		for i, a := range allowed {
			names[i] = "'" + a.String() + "'"
		}
		return errdefs.Newf(errdefs.BadSupvisorsState, "invalid Supvisors state=%s - state expected in [%s]",
			s, joinComma(names))
	}
	return nil
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

// EndSync is supvisors.end_sync.
func (n *Node) EndSync(ctx context.Context, master string) error {
	return n.do(ctx, func() error {
		if err := n.checkState(fsm.Synchronization); err != nil {
			return err
		}
		if n.machine.Master() != "" {
			return errdefs.New(errdefs.BadSupvisorsState, "Supvisors synchronization ending")
		}
		if !n.o.SynchroOptions.Has(options.SyncUser) {
			return errdefs.New(errdefs.NotApplicable, "USER expected in synchro_options")
		}
		if master != "" {
			ids := n.Snapshot().Resolve(master)
			switch len(ids) {
			case 0:
				return errdefs.Newf(errdefs.BadName, "unknown Supvisors identifier=%s", master)
			case 1:
			default:
				names := make([]string, len(ids))
				for i, in := range ids {
					names[i] = "'" + in.Identifier() + "'"
				}
				return errdefs.Newf(errdefs.IncorrectParameters, "multiple identifiers=[%s] found for Supvisors master=%s",
					joinComma(names), master)
			}
			master = ids[0].Identifier()
			if st, _ := n.machine.InstanceState(master); st != fsm.Running {
				return errdefs.Newf(errdefs.NotRunning, "Supvisors instance=%s is not RUNNING (%s)", master, st)
			}
		}
		return n.step(fsm.EndSync{Master: master})
	})
}

// Restart is supvisors.restart.
func (n *Node) Restart(ctx context.Context) error {
	return n.do(ctx, func() error { return n.endRequest(fsm.RestartRequest{}) })
}

// Shutdown is supvisors.shutdown.
func (n *Node) Shutdown(ctx context.Context) error {
	return n.do(ctx, func() error { return n.endRequest(fsm.ShutdownRequest{}) })
}

func (n *Node) endRequest(ev fsm.Event) error {
	if err := n.checkState(fsm.Distribution, fsm.Operation, fsm.Conciliation, fsm.Restarting, fsm.ShuttingDown); err != nil {
		return err
	}
	if n.machine.Master() == "" {
		return errdefs.New(errdefs.Failed, "no Master instance to perform the Supvisors restart request")
	}
	return n.step(ev)
}

// step feeds one event to the machine and carries out what follows.
func (n *Node) step(ev fsm.Event) error {
	err := n.machine.Step(ev)
	n.drain()
	return err
}

// drain carries out the machine's actions in order, then the events those
// actions produced at once (the local handshake, the commanders' answers).
func (n *Node) drain() {
	n.commanderActions()
	for {
		for _, a := range n.machine.Ready() {
			n.carryOut(a)
		}
		if len(n.pending) == 0 {
			n.logMaster()
			return
		}
		ev := n.pending[0]
		n.pending = n.pending[1:]
		if err := n.machine.Step(ev); err != nil {
			n.log.Error("cluster event refused", "event", fmt.Sprintf("%T", ev), "error", err)
		}
		n.commanderActions()
	}
}

// workload is the commanders' report, with the conflicts of the model.
func (n *Node) workload() fsm.Workload {
	return fsm.Workload{Starting: n.cmd.Starting(), Stopping: n.cmd.Stopping(), Conflicts: n.model.Conflicting()}
}

func (n *Node) carryOut(a fsm.Action) {
	switch a := a.(type) {
	case fsm.CheckInstance:
		if a.Peer == n.local.Identifier {
			// Our own handshake: we know our answers, and our processes.
			local := n.localProcesses()
			n.loadProcesses(a.Peer, local)
			n.checkAutorestart(local)
			n.pending = append(n.pending, fsm.HandshakeResult{Peer: a.Peer, Gen: a.Gen, Auth: fsm.Authorized})
			return
		}
		n.enqueue(a.Peer, item{kind: itemHandshake, what: "CHECK_INSTANCE", gen: a.Gen})
	case fsm.SendTick:
		n.publish(a.To, wire.PublicationTick, n.tickBody())
	case fsm.PublishState:
		n.publish(a.To, wire.PublicationState, n.wireModes(a.State))
	case fsm.InstanceChanged:
		n.onInstanceChanged(a)
	case fsm.Isolate:
		if l := n.links[a.Peer]; l != nil {
			if rec := n.peers[a.Peer]; rec != nil {
				rec.farewell = farewell{link: l, counter: rec.times.remoteCounter}
			}
			delete(n.links, a.Peer)
			// One last TICK after the decision. Instances tick at the
			// same wall-clock instant, so the peer may have dropped our
			// first TICK (it was not checked itself yet); without another
			// one it would never check us, and so never learn that we
			// isolated it. With it, it checks us, finds itself isolated
			// (get_instance_info) and isolates us in turn.
			n.sayFarewell(l)
		}
	case fsm.InstancesLost:
		for _, id := range a.Identifiers {
			n.log.Warn(fmt.Sprintf("Supvisors instance %s lost", n.nick(id)))
		}
		n.instancesLost(a.Identifiers)
	case fsm.LostJobs:
		lost := n.cmd.InstancesLost(a.Identifiers, n.lost, now())
		n.lost = nil
		if a.Redistribute && len(lost) > 0 {
			n.cmd.Redistribute(lost, now())
		}
		n.commanderActions()
	case fsm.AbortJobs:
		n.cmd.Abort(now())
		n.commanderActions()
	case fsm.StateChanged:
		n.log.Info(fmt.Sprintf("Supvisors state %s -> %s", a.From, a.To))
	case fsm.TransitionRefused:
		n.log.Log(context.Background(), logs.LevelCritical,
			fmt.Sprintf("Supvisors state %s cannot go to %s", a.From, a.To))
	case fsm.StartDistribution:
		n.cmd.StartDistribution(now())
		n.commanderActions()
		n.pending = append(n.pending, n.workload())
	case fsm.StopApplications:
		n.cmd.StopApplications(now())
		n.commanderActions()
		n.pending = append(n.pending, n.workload())
	case fsm.Conciliate:
		n.cmd.Conciliate(n.o.Strategies().Conciliation, nil, now())
		n.commanderActions()
		n.pending = append(n.pending, n.workload())
	case fsm.RestartLocal:
		n.log.Warn("Supvisors restarts the local supervisord")
		n.opts.Engine.Restart()
	case fsm.ShutdownLocal:
		n.log.Warn("Supvisors shuts the local supervisord down")
		n.opts.Engine.Shutdown()
	case fsm.ForwardRestart:
		n.enqueue(a.Master, item{kind: itemRequest, what: "RESTART_ALL", method: wire.RequestRestartAll.RequestMethod()})
	case fsm.ForwardShutdown:
		n.enqueue(a.Master, item{kind: itemRequest, what: "SHUTDOWN_ALL", method: wire.RequestShutdownAll.RequestMethod()})
	default:
		n.log.Error("unknown cluster action", "action", a.String())
	}
}

func (n *Node) nick(id string) string {
	if rec := n.peers[id]; rec != nil {
		return rec.inst.Nick
	}
	return id
}

// logMaster reports a change of Master once the machine has settled.
func (n *Node) logMaster() {
	m := n.machine.Master()
	if m == n.loggedMaster {
		return
	}
	n.loggedMaster = m
	if m == "" {
		n.log.Info("Supvisors has no Master")
		return
	}
	n.log.Info(fmt.Sprintf("Supvisors Master is %s (%s)", n.nick(m), m))
}

func (n *Node) onInstanceChanged(a fsm.InstanceChanged) {
	rec := n.peers[a.Identifier]
	if rec == nil {
		return
	}
	if (a.To == fsm.Stopped || a.To == fsm.Isolated) && a.Identifier != n.local.Identifier {
		rec.modes = nil
	}
	msg := fmt.Sprintf("Supvisors instance %s is %s", rec.inst.Nick, a.To)
	switch a.To {
	case fsm.Failed, fsm.Isolated:
		n.log.Warn(msg, "was", a.From.String())
	default:
		n.log.Info(msg, "was", a.From.String())
	}
}

// link returns the link of peer, starting it on first use; nil for the
// local instance, an unknown or an isolated peer, or when Run has ended.
func (n *Node) link(peer string) *link {
	if l := n.links[peer]; l != nil {
		return l
	}
	rec := n.peers[peer]
	if rec == nil || peer == n.local.Identifier || n.linkCtx == nil || n.linkCtx.Err() != nil {
		return nil
	}
	if st, _ := n.machine.InstanceState(peer); st == fsm.Isolated {
		return nil // no traffic with an isolated peer, but farewells
	}
	l := n.newLink(peer, rec)
	if l != nil {
		n.links[peer] = l
	}
	return l
}

// newLink starts a link to peer, not registered; nil when Run has ended.
func (n *Node) newLink(peer string, rec *record) *link {
	if n.linkCtx == nil || n.linkCtx.Err() != nil {
		return nil
	}
	url := "http://" + rec.inst.Host + ":" + strconv.Itoa(rec.inst.HTTPPort)
	l := &link{
		peer: peer, local: n.local.Identifier, strat: n.strat, hostIPs: rec.hostIPs,
		client: n.opts.dial(url), box: newOutbox(n.opts.QueueSize),
		log: n.log, report: n.report,
	}
	newLink(n.linkCtx, l, &n.linkWG)
	return l
}

// sayFarewell queues one last TICK on the link of an isolated peer and
// retires the link.
func (n *Node) sayFarewell(l *link) {
	if params, err := wire.NewPublication(n.origin, wire.PublicationTick, n.tickBody()).Params(); err == nil {
		l.push(item{kind: itemPublication, what: wire.PublicationTick.String(), method: wire.RemoteCommMethod, params: params})
	}
	l.retire()
}

// farewell is what we last told an isolated peer.
type farewell struct {
	// link carries the last farewell TICK (at first the retiring link of
	// the isolation, with what was queued before it); nil when none.
	link *link
	// counter is the peer's tick counter when it was sent.
	counter int64
}

// isolatedTick handles a TICK from a peer we isolated. We send it nothing,
// so a peer that was cut off when we isolated it, or that restarted since,
// would never check us and never learn that it is isolated: it would keep
// seeing us as merely lost, and the split would be one-sided. Such a peer
// checks us on a TICK from us once it sees us STOPPED, so it gets one
// farewell TICK now and then: at once after it restarted (its counter went
// back), otherwise only after it has heard nothing from us for longer than
// its inactivity time-out, so that a peer still seeing us RUNNING has lost
// us by the next one. It then checks us, reads ISOLATED in our
// get_instance_info and isolates us in turn, as Supvisors intends. A
// farewell waits for the previous link to drain, so the peer never gets
// our ticks out of order.
func (n *Node) isolatedTick(peer string, counter int64) {
	rec := n.peers[peer]
	if rec == nil {
		return
	}
	f := &rec.farewell
	if f.link != nil {
		select {
		case <-f.link.done:
		default:
			return // the last one is still on its way
		}
		gap := int64(n.o.InactivityTicks) + 2
		if counter >= f.counter && counter < f.counter+gap {
			return
		}
	}
	if l := n.newLink(peer, rec); l != nil {
		n.log.Debug("TICK sent to an isolated Supvisors instance, so that it learns it", "peer", peer)
		n.sayFarewell(l)
		*f = farewell{link: l, counter: counter}
	}
}

// report hands a link's outcome to the Run goroutine.
func (n *Node) report(ctx context.Context, v any) {
	select {
	case n.results <- v:
	case <-ctx.Done():
	}
}

func (n *Node) enqueue(peer string, it item) {
	if l := n.link(peer); l != nil {
		l.push(it)
	}
}

// publish encodes one publication once and queues it for each peer.
func (n *Node) publish(to []string, kind wire.PublicationKind, body any) {
	if len(to) == 0 {
		return
	}
	params, err := wire.NewPublication(n.origin, kind, body).Params()
	if err != nil {
		n.log.Error("cannot encode a publication", "kind", kind.String(), "error", err)
		return
	}
	for _, id := range to {
		n.enqueue(id, item{kind: itemPublication, what: kind.String(), method: wire.RemoteCommMethod, params: params})
	}
}

// onResult handles what a link reports.
func (n *Node) onResult(v any) {
	switch r := v.(type) {
	case handshakeDone:
		rec := n.peers[r.peer]
		if rec == nil {
			return
		}
		st, _ := n.machine.InstanceState(r.peer)
		if r.network != nil && st == fsm.Checking {
			// IDENTIFICATION: kept only for the current CHECKING.
			rec.network = *r.network
			rec.accepted = r.accepted
		}
		if r.modes != nil && st != fsm.Isolated {
			rec.modes = r.modes
		}
		if r.auth == fsm.Authorized && st == fsm.Checking {
			// ALL_INFO: loaded only while the peer is being checked.
			n.loadProcesses(r.peer, r.procs)
		}
		var modes *fsm.StateModes
		if r.modes != nil {
			m := fsmModes(*r.modes)
			modes = &m
		}
		n.log.Debug("handshake done", "peer", r.peer, "authorization", r.auth.String())
		if err := n.step(fsm.HandshakeResult{Peer: r.peer, Gen: r.gen, Auth: r.auth, PeerState: modes}); err != nil {
			n.log.Error("handshake result refused", "peer", r.peer, "error", err)
		}
	case callFailed:
		st, _ := n.machine.InstanceState(r.peer)
		if !st.Active() || st == fsm.Failed {
			// Ticks to a stopped peer fail until it starts; a failed one
			// is already known lost.
			n.log.Debug("call to a peer failed", "peer", r.peer, "call", r.what, "error", r.err)
			return
		}
		n.log.Warn(fmt.Sprintf("Supvisors instance %s cannot be reached", n.nick(r.peer)), "call", r.what, "error", r.err.Error())
		if err := n.step(fsm.TransportFailure{Peer: r.peer}); err != nil {
			n.log.Error("transport failure refused", "peer", r.peer, "error", err)
		}
	}
}

// onBusEvent dispatches the engine's events.
func (n *Node) onBusEvent(ev events.Event) {
	switch e := ev.(type) {
	case events.Tick:
		if e.Period == 5 {
			n.onLocalTick(e.When)
		}
	case events.RemoteCommunication:
		n.onRemoteCommunication(e)
	case events.ProcessState:
		n.onProcessState(e)
	case events.ProcessGroup:
		n.onProcessGroup(e)
	case events.ProcessChange:
		n.onProcessChange(e)
	}
}

// localTick are the values of the current local tick.
type localTick struct {
	counter int
	when    int64
	mtime   float64
}

func (n *Node) onLocalTick(when int64) {
	counter := n.ticks
	n.ticks++
	mtime := now()
	rec := n.peers[n.local.Identifier]
	rec.times = times{remoteCounter: int64(counter), remoteTime: when, remoteMtime: mtime,
		localCounter: int64(counter), localTime: when, localMtime: mtime}
	n.tick = localTick{counter: counter, when: when, mtime: mtime}
	n.model.Tick(n.local.Identifier, when, mtime)
	n.expireConditions()
	// The time-outs are judged before the machine evaluates, as
	// Supvisors checks its commanders before its state machine.
	n.cmd.Check(mtime)
	n.drain()
	if err := n.step(n.workload()); err != nil {
		n.log.Error("workload refused", "error", err)
	}
	if err := n.step(fsm.LocalTick{Counter: counter, Elapsed: time.Since(n.start)}); err != nil {
		n.log.Error("tick refused", "error", err)
	}
}

func (n *Node) tickBody() wire.Tick {
	return wire.Tick{When: n.tick.when, WhenMonotonic: n.tick.mtime, SequenceCounter: int64(n.tick.counter)}
}
