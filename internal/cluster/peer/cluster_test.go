package peer

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/cluster/fsm"
	"github.com/supvisors-go/supvisors/internal/cluster/model"
	"github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/cluster/view"
	"github.com/supvisors-go/supvisors/internal/cluster/wire"
	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/events"
	"github.com/supvisors-go/supvisors/internal/leakcheck"
	"github.com/supvisors-go/supvisors/internal/supervisor"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// fakeEngine records the requests of the driver. Its processes start
// and stop at once: a start publishes STARTING then RUNNING on the bus,
// a stop STOPPING then STOPPED, as the real engine would in order.
type fakeEngine struct {
	mu                  sync.Mutex
	restarts, shutdowns int
	name                string
	bus                 *events.Bus
	running             map[string]bool
	extra               map[string]string
	// journal, when set, records every start and stop in the cluster, in
	// the order they happened.
	journal *journal
}

// journal is the order of the requests that reached the engines.
type journal struct {
	mu      sync.Mutex
	entries []string
}

func (j *journal) add(e string) {
	j.mu.Lock()
	j.entries = append(j.entries, e)
	j.mu.Unlock()
}

func (j *journal) all() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.entries)
}

func (e *fakeEngine) StartProcessArgs(_ context.Context, namespec, extraArgs string, _ bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.running[namespec] {
		return errdefs.New(errdefs.AlreadyStarted, namespec)
	}
	if e.running == nil {
		e.running = map[string]bool{}
	}
	e.running[namespec] = true
	if e.extra == nil {
		e.extra = map[string]string{}
	}
	e.extra[namespec] = extraArgs
	if e.journal != nil {
		e.journal.add("start " + namespec + " on " + e.name + strings.TrimRight(" "+extraArgs, " "))
	}
	group, name, _ := strings.Cut(namespec, ":")
	e.bus.Publish(events.ProcessState{State: "STARTING", FromState: "STOPPED", ProcessName: name, GroupName: group})
	e.bus.Publish(events.ProcessState{State: "RUNNING", FromState: "STARTING", ProcessName: name, GroupName: group, PID: 1000})
	return nil
}

func (e *fakeEngine) ExtraArgs(namespec string) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.extra[namespec], nil
}

func (e *fakeEngine) StopProcess(_ context.Context, namespec string, _ bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.running[namespec] {
		return errdefs.New(errdefs.NotRunning, namespec)
	}
	delete(e.running, namespec)
	if e.journal != nil {
		e.journal.add("stop " + namespec + " on " + e.name)
	}
	group, name, _ := strings.Cut(namespec, ":")
	e.bus.Publish(events.ProcessState{State: "STOPPING", FromState: "RUNNING", ProcessName: name, GroupName: group, PID: 1000})
	e.bus.Publish(events.ProcessState{State: "STOPPED", FromState: "STOPPING", ProcessName: name, GroupName: group, PID: 1000})
	return nil
}

func (e *fakeEngine) Restart() { e.mu.Lock(); e.restarts++; e.mu.Unlock() }
func (e *fakeEngine) Shutdown() {
	e.mu.Lock()
	e.shutdowns++
	e.mu.Unlock()
}
func (e *fakeEngine) ProcessInfo(name string) (supervisor.ProcessInfo, error) {
	return supervisor.ProcessInfo{}, errdefs.New(errdefs.BadName, name)
}
func (e *fakeEngine) counts() (int, int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.restarts, e.shutdowns
}

// localProcs are the processes of a test instance named name: "g<name>:p"
// RUNNING, and "shared:s" STOPPED, which every instance defines.
func localProcs(name string) wire.ProcessInfoList {
	return wire.ProcessInfoList{
		{Name: "p", Group: "g" + name, State: 20, StateName: "RUNNING", Start: 1795468400, Now: 1795468495,
			PID: 4242, Description: "pid 4242, uptime 0:01:35", Expected: true, StartMonotonic: 100,
			NowMonotonic: 195, StartSecs: 1, StopWaitSecs: 10, ProgramName: "p", HasStdout: true},
		{Name: "s", Group: "shared", State: 0, StateName: "STOPPED", Description: "Not started", Expected: true,
			NowMonotonic: 195, StartSecs: 1, StopWaitSecs: 10, ProgramName: "s"},
	}
}

// testNode is one instance: a node, its bus, and an HTTP server on
// 127.0.0.1 serving what peers call (the handshake getters and
// sendRemoteCommEvent), from the node's own view.
type testNode struct {
	name   string
	node   *Node
	bus    *events.Bus
	engine *fakeEngine
	// procs are the engine's processes, as get_all_local_process_info
	// lists them; procsMu guards them (fakePrograms changes them).
	procsMu sync.Mutex
	procs   wire.ProcessInfoList
	srv     *http.Server
	ln      net.Listener
	cancel  context.CancelFunc
	done    chan struct{}
	when    int64
	// programs is the node's fakePrograms when the setup asks for one.
	programs *fakePrograms
}

// handshakeGetters serves what a peer calls, as the supvisors.* API
// will: enough for the handshake and the publications.
func handshakeGetters(d *xmlrpc.Dispatcher, node *Node, bus *events.Bus, engine *fakeEngine, procs func() wire.ProcessInfoList) {
	one := func(params []any) (*view.Instance, error) {
		id, err := xmlrpc.Args(params).String(0)
		if err != nil {
			return nil, err
		}
		in, ok := node.Snapshot().Lookup(id)
		if !ok {
			return nil, errdefs.Newf(errdefs.BadName, "unknown Supvisors identifier=%s", id)
		}
		return in, nil
	}
	d.Register(xmlrpc.Method{Name: "supvisors.get_network_info", Handler: func(_ context.Context, p []any) (any, error) {
		in, err := one(p)
		if err != nil {
			return nil, err
		}
		return in.Network.XMLRPC()
	}})
	d.Register(xmlrpc.Method{Name: "supvisors.get_instance_info", Handler: func(_ context.Context, p []any) (any, error) {
		in, err := one(p)
		if err != nil {
			return nil, err
		}
		return wire.InstanceInfoList{in.Info}.XMLRPC()
	}})
	d.Register(xmlrpc.Method{Name: "supvisors.get_strategies", Handler: func(context.Context, []any) (any, error) {
		return node.Snapshot().Strategies.XMLRPC()
	}})
	d.Register(xmlrpc.Method{Name: "supvisors.get_instance_state_modes", Handler: func(_ context.Context, p []any) (any, error) {
		in, err := one(p)
		if err != nil {
			return nil, err
		}
		return wire.StateModesListXMLRPC([]wire.StateModes{in.Modes})
	}})
	d.Register(xmlrpc.Method{Name: "supvisors.get_all_local_process_info", Handler: func(context.Context, []any) (any, error) {
		return procs().XMLRPC()
	}})
	d.Register(xmlrpc.Method{Name: "supvisors.start_args", Handler: func(ctx context.Context, p []any) (any, error) {
		namespec, err := xmlrpc.Args(p).String(0)
		if err != nil {
			return nil, err
		}
		extra, err := xmlrpc.Args(p).String(1)
		if err != nil {
			return nil, err
		}
		return true, engine.StartProcessArgs(ctx, namespec, extra, false)
	}})
	d.Register(xmlrpc.Method{Name: "supervisor.stopProcess", Handler: func(ctx context.Context, p []any) (any, error) {
		namespec, err := xmlrpc.Args(p).String(0)
		if err != nil {
			return nil, err
		}
		return true, engine.StopProcess(ctx, namespec, false)
	}})
	d.Register(xmlrpc.Method{Name: "supvisors.restart", Handler: func(ctx context.Context, _ []any) (any, error) {
		return true, node.Restart(ctx)
	}})
	d.Register(xmlrpc.Method{Name: "supvisors.shutdown", Handler: func(ctx context.Context, _ []any) (any, error) {
		return true, node.Shutdown(ctx)
	}})
	d.Register(xmlrpc.Method{Name: "supervisor.sendRemoteCommEvent", Handler: func(_ context.Context, p []any) (any, error) {
		typ, err := xmlrpc.Args(p).String(0)
		if err != nil {
			return nil, err
		}
		data, err := xmlrpc.Args(p).String(1)
		if err != nil {
			return nil, err
		}
		bus.Publish(events.RemoteCommunication{Type: typ, Data: data})
		return true, nil
	}})
}

// rpcHandler is a bare XML-RPC endpoint over a dispatcher.
func rpcHandler(d *xmlrpc.Dispatcher) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method, params, err := xmlrpc.DecodeCall(r.Body, 1<<20)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		var body []byte
		if v, err := d.Call(r.Context(), method, params); err != nil {
			body = xmlrpc.AppendFault(nil, xmlrpc.FaultOf(err))
		} else if body, err = xmlrpc.AppendResponse(nil, v); err != nil {
			body = xmlrpc.AppendFault(nil, xmlrpc.FaultOf(err))
		}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write(body)
	})
}

func testLogger(t *testing.T, name string) *slog.Logger {
	if os.Getenv("PEER_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("node", name)
}

// newCluster starts one node per name, all on 127.0.0.1, declared in one
// supvisors_list. extra are more options of the section.
func newCluster(t *testing.T, names []string, extra ...string) []*testNode {
	t.Helper()
	return newClusterWith(t, names, func(string) []string { return extra })
}

// newClusterWith is newCluster with options that depend on the node.
func newClusterWith(t *testing.T, names []string, extra func(name string) []string) []*testNode {
	t.Helper()
	return newClusterSetup(t, names, clusterSetup{extra: extra})
}

// clusterSetup is what may differ from one test cluster to another.
type clusterSetup struct {
	// extra are more options of the section for a node.
	extra func(name string) []string
	// procs replaces localProcs.
	procs func(name string) wire.ProcessInfoList
	// rules, when not nil, are the rules of every node's model.
	rules model.Rules
	// journal, when set, records the starts and stops of every engine.
	journal *journal
	// programs gives every node a fakePrograms (see programs_test.go).
	programs bool
	// forced, when set, records the autorestarts forced off.
	forced *journal
}

func newClusterSetup(t *testing.T, names []string, setup clusterSetup) []*testNode {
	t.Helper()
	extra := setup.extra
	if extra == nil {
		extra = func(string) []string { return nil }
	}
	procs := setup.procs
	if procs == nil {
		procs = localProcs
	}
	var lns []net.Listener
	var items []string
	for _, name := range names {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		items = append(items, fmt.Sprintf("<%s>127.0.0.1:%d", name, ln.Addr().(*net.TCPAddr).Port))
	}
	host := Host{Hostname: "testhost", Network: wire.NetworkAddress{MachineID: "02:00:00:00:00:01", FQDN: "testhost"},
		Loopback: []wire.NicAddress{{Nic: "lo", HostName: "localhost", Aliases: []string{}, IPv4Addresses: []string{"127.0.0.1"},
			NicInfo: &wire.NicInfo{NicName: "lo", IPv4Address: "127.0.0.1", Netmask: "255.0.0.0"}}}}
	var nodes []*testNode
	for i, name := range names {
		kv := append([]string{"supvisors_list", strings.Join(items, ",")}, extra(name)...)
		sec := config.RawSection{Name: options.SectionName}
		for j := 0; j+1 < len(kv); j += 2 {
			sec.Options = append(sec.Options, config.Option{Key: kv[j], Value: kv[j+1]})
		}
		o, _, err := options.Parse(sec, options.Environment{SupervisordIdentifier: name,
			HTTPHost: "127.0.0.1", HTTPPort: lns[i].Addr().(*net.TCPAddr).Port, Hostname: "testhost"})
		if err != nil {
			t.Fatal(err)
		}
		bus := events.NewBus()
		tn := &testNode{name: name, bus: bus, engine: &fakeEngine{name: name, bus: bus, journal: setup.journal,
			running: map[string]bool{}}, procs: procs(name), ln: lns[i], when: 1795468495}
		for _, p := range tn.procs {
			if p.State == 20 {
				tn.engine.running[p.Group+":"+p.Name] = true
			}
		}
		nodeOpts := Options{Options: o, Engine: tn.engine, Bus: tn.bus, Logger: testLogger(t, name),
			Host: &host, CallTimeout: 5 * time.Second, Model: model.New(setup.rules),
			LocalProcesses: func() (wire.ProcessInfoList, error) { return tn.localList(), nil }}
		if forced := setup.forced; forced != nil {
			nodeOpts.ForceAutorestartOff = func(namespec string) error {
				forced.add("autorestart " + namespec + " on " + name)
				return nil
			}
		}
		if setup.programs {
			tn.programs = &fakePrograms{tn: tn}
			nodeOpts.Programs = tn.programs
			nodeOpts.PersistDisabilities = tn.programs.persist
		}
		tn.node, err = New(nodeOpts)
		if err != nil {
			t.Fatal(err)
		}
		d := xmlrpc.NewDispatcher()
		handshakeGetters(d, tn.node, tn.bus, tn.engine, tn.localList)
		tn.srv = &http.Server{Handler: rpcHandler(d), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = tn.srv.Serve(tn.ln) }()
		ctx, cancel := context.WithCancel(context.Background())
		tn.cancel, tn.done = cancel, make(chan struct{})
		go func() {
			defer close(tn.done)
			_ = tn.node.Run(ctx)
		}()
		<-tn.node.subscribed
		nodes = append(nodes, tn)
	}
	t.Cleanup(func() {
		for _, tn := range nodes {
			tn.stop()
		}
	})
	return nodes
}

// localList is a copy of the engine's processes.
func (tn *testNode) localList() wire.ProcessInfoList {
	tn.procsMu.Lock()
	defer tn.procsMu.Unlock()
	return slices.Clone(tn.procs)
}

// stop ends the node, then its server, as the daemon does.
func (tn *testNode) stop() {
	if tn.cancel == nil {
		return
	}
	tn.cancel()
	<-tn.done
	_ = tn.srv.Close()
	tn.cancel = nil
}

func (tn *testNode) running() bool { return tn.cancel != nil }

// tick feeds one TICK_5 to every running node.
func tickAll(nodes []*testNode) {
	for _, tn := range nodes {
		if tn.running() {
			tn.when += 5
			tn.bus.Publish(events.Tick{Period: 5, When: tn.when})
		}
	}
}

// settled reports whether every running node has handled its last tick
// and heard the last tick of every peer it sees active, and no handshake
// is in progress.
func settled(nodes []*testNode) bool {
	for _, tn := range nodes {
		if !tn.running() {
			continue
		}
		s := tn.node.Snapshot()
		self, _ := s.Lookup(s.Local)
		want := (tn.when - 1795468495) / 5
		if self.Info.LocalSequenceCounter != want-1 {
			return false
		}
		for _, in := range s.Instances {
			st := fsm.InstanceState(in.Info.StateCode)
			if st == fsm.Checking {
				return false
			}
			if in.Info.Identifier == s.Local || !st.Active() || st == fsm.Failed {
				continue
			}
			if in.Info.RemoteSequenceCounter != want-1 {
				return false
			}
		}
	}
	return true
}

// round ticks every running node and waits, within a bound that only a
// broken driver reaches, until the messages of that tick are handled.
func round(t *testing.T, nodes []*testNode) {
	t.Helper()
	tickAll(nodes)
	deadline := time.Now().Add(10 * time.Second)
	for !settled(nodes) {
		if time.Now().After(deadline) {
			// A dead peer never settles; the caller checks the outcome.
			for _, tn := range nodes {
				if tn.running() {
					s := tn.node.Snapshot()
					for _, in := range s.Instances {
						t.Logf("%s when %d: %s %s rc=%d lc=%d", tn.name, tn.when, in.Info.NickIdentifier, in.Info.StateName, in.Info.RemoteSequenceCounter, in.Info.LocalSequenceCounter)
					}
				}
			}
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// until runs rounds until cond holds for every running node, or fails
// after max rounds.
func until(t *testing.T, nodes []*testNode, max int, what string, cond func(*view.Snapshot) bool) {
	t.Helper()
	for i := 0; i < max; i++ {
		round(t, nodes)
		ok := true
		for _, tn := range nodes {
			if tn.running() && !cond(tn.node.Snapshot()) {
				ok = false
			}
		}
		if ok {
			return
		}
	}
	for _, tn := range nodes {
		if tn.running() {
			s := tn.node.Snapshot()
			t.Logf("%s: state %s master %q instances %v", tn.name, s.Self.FSMStateName, s.Self.MasterIdentifier, s.Self.InstanceStates)
		}
	}
	t.Fatalf("no %s after %d ticks", what, max)
}

// inOperationWithMaster holds when the node, and every instance it sees
// RUNNING, is in OPERATION with that Master.
func inOperationWithMaster(master string) func(*view.Snapshot) bool {
	return func(s *view.Snapshot) bool {
		for _, in := range s.Instances {
			if in.Info.StateCode == int(fsm.Running) &&
				(in.Modes.FSMStateCode != int(fsm.Operation) || in.Modes.MasterIdentifier != master) {
				return false
			}
		}
		return s.Self.FSMStateCode == int(fsm.Operation) && s.Self.MasterIdentifier == master
	}
}

func identifierOf(tn *testNode) string { return tn.node.Snapshot().Local }

func TestThreeNodesReachOperationAndReelect(t *testing.T) {
	nodes := newCluster(t, []string{"A", "B", "C"})
	a, b, c := nodes[0], nodes[1], nodes[2]
	until(t, nodes, 12, "OPERATION with Master A", inOperationWithMaster(identifierOf(a)))

	// Every node sees all three RUNNING, with its peers' network info and
	// state.
	for _, tn := range nodes {
		s := tn.node.Snapshot()
		for _, in := range s.Instances {
			if in.Info.StateName != "RUNNING" {
				t.Errorf("%s sees %s %s", tn.name, in.Info.NickIdentifier, in.Info.StateName)
			}
			if in.Network.Network == nil || in.Network.Network.MachineID != "02:00:00:00:00:01" {
				t.Errorf("%s has no network info for %s", tn.name, in.Info.NickIdentifier)
			}
			if in.Modes.FSMStateName != "OPERATION" {
				t.Errorf("%s sees %s in %s", tn.name, in.Info.NickIdentifier, in.Modes.FSMStateName)
			}
		}
	}

	// Every node's model holds the processes of all three, each running
	// where its instance reported it; the shared program runs nowhere.
	ida, idb, idc := identifierOf(a), identifierOf(b), identifierOf(c)
	want := map[string]string{"gA:p": "RUNNING [" + ida + "]", "gB:p": "RUNNING [" + idb + "]",
		"gC:p": "RUNNING [" + idc + "]", "shared:s": "STOPPED []"}
	for _, tn := range nodes {
		if got := processSummary(t, tn); !maps.Equal(got, want) {
			t.Errorf("%s get_all_process_info %v, want %v", tn.name, got, want)
		}
		inner, err := tn.node.AllInnerProcessInfo(context.Background(), []string{idb})
		if err != nil || len(inner) != 2 || inner[0].Group != "gB" || inner[1].Group != "shared" {
			t.Errorf("%s inner records of B: %+v, %v", tn.name, inner, err)
		}
		in, _ := tn.node.Snapshot().Lookup(ida)
		if in.Info.ProcessFailure || in.Info.Loading != 0 {
			t.Errorf("%s: A loading %d failure %t", tn.name, in.Info.Loading, in.Info.ProcessFailure)
		}
	}

	// The Master goes away: the others notice, elect B and go back to
	// OPERATION. What A ran is lost: FATAL, running nowhere.
	a.stop()
	until(t, nodes, 12, "OPERATION with Master B", inOperationWithMaster(idb))
	want["gA:p"] = "FATAL []"
	for _, tn := range []*testNode{b, c} {
		if got := processSummary(t, tn); !maps.Equal(got, want) {
			t.Errorf("%s get_all_process_info after A's loss %v, want %v", tn.name, got, want)
		}
		inner, err := tn.node.InnerProcessInfo(context.Background(), "A", []string{ida}, "gA:p")
		if err != nil || len(inner) != 1 || inner[0].Spawnerr != "Supervisor "+ida+" lost" || inner[0].Expected {
			t.Errorf("%s inner record of gA:p on A: %+v, %v", tn.name, inner, err)
		}
		in, _ := tn.node.Snapshot().Lookup(ida)
		if in.Info.StateName != "STOPPED" {
			t.Errorf("%s sees A %s", tn.name, in.Info.StateName)
		}
		// A crashed process counts against an instance only while it runs.
		if in.Info.ProcessFailure {
			t.Errorf("%s: process_failure of the stopped A", tn.name)
		}
	}
}

// processSummary is "STATE [identifiers]" by namespec, as the node's
// get_all_process_info gives them.
func processSummary(t *testing.T, tn *testNode) map[string]string {
	t.Helper()
	list, err := tn.node.AllProcessInfo(context.Background())
	if err != nil {
		t.Fatalf("%s get_all_process_info: %v", tn.name, err)
	}
	out := map[string]string{}
	for _, p := range list {
		out[p.ApplicationName+":"+p.ProcessName] = fmt.Sprintf("%s %v", p.StateName, p.Identifiers)
	}
	return out
}

func TestSlaveForwardsShutdownToMaster(t *testing.T) {
	nodes := newCluster(t, []string{"A", "B"})
	until(t, nodes, 12, "OPERATION with Master A", inOperationWithMaster(identifierOf(nodes[0])))
	ctx := context.Background()
	if err := nodes[1].node.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// The Master enters SHUTTING_DOWN, then FINAL, which shuts the local
	// supervisord down; the Slave follows.
	until(t, nodes, 6, "shutdown of both", func(*view.Snapshot) bool {
		_, sa := nodes[0].engine.counts()
		_, sb := nodes[1].engine.counts()
		return sa == 1 && sb == 1
	})
}

func TestControllerErrors(t *testing.T) {
	nodes := newCluster(t, []string{"A"}, "synchro_options", "USER")
	n := nodes[0].node
	ctx := context.Background()
	err := n.Restart(ctx)
	if got := fmt.Sprint(err); got != "BAD_SUPVISORS_STATE: invalid Supvisors state=OFF - state expected in "+
		"['DISTRIBUTION', 'OPERATION', 'CONCILIATION', 'RESTARTING', 'SHUTTING_DOWN']" {
		t.Errorf("restart in OFF: %s", got)
	}
	if err := n.EndSync(ctx, ""); !errdefs.Is(err, errdefs.BadSupvisorsState) {
		t.Errorf("end_sync in OFF: %v", err)
	}
	until(t, nodes, 4, "SYNCHRONIZATION", func(s *view.Snapshot) bool {
		return s.Self.FSMStateCode == int(fsm.Synchronization)
	})
	if err := n.EndSync(ctx, "Z"); fmt.Sprint(err) != "BAD_NAME: unknown Supvisors identifier=Z" {
		t.Errorf("end_sync Z: %v", err)
	}
	if err := n.EndSync(ctx, "A"); err != nil {
		t.Fatalf("end_sync A: %v", err)
	}
	until(t, nodes, 4, "OPERATION", inOperationWithMaster(identifierOf(nodes[0])))
	if err := n.EndSync(ctx, ""); !errdefs.Is(err, errdefs.BadSupvisorsState) {
		t.Errorf("end_sync in OPERATION: %v", err)
	}
}

func TestProcessStatePublishedToActivePeers(t *testing.T) {
	nodes := newCluster(t, []string{"A", "B"})
	a, b := nodes[0], nodes[1]
	until(t, nodes, 12, "OPERATION with Master A", inOperationWithMaster(identifierOf(a)))
	sub := b.bus.Subscribe(64)
	defer sub.Close()
	a.bus.Publish(events.ProcessState{State: "EXITED", ProcessName: "p", GroupName: "gA", FromState: "RUNNING",
		Expected: false, PID: 1234})
	for ev := range sub.Events() {
		rc, ok := ev.(events.RemoteCommunication)
		if !ok {
			continue
		}
		msg, err := wire.Decode(rc.Type, rc.Data)
		if err != nil {
			t.Fatal(err)
		}
		if kind, _ := msg.Publication(); kind != wire.PublicationProcess {
			continue
		}
		p := msg.Body.(wire.ProcessEvent)
		if msg.Origin.Identifier != identifierOf(a) || msg.Origin.NickIdentifier != "A" || msg.Origin.IPAddress != "127.0.0.1" ||
			p.Identifier != identifierOf(a) || p.Name != "p" || p.Group != "gA" || p.State != 100 ||
			p.Expected || p.PID != 0 || p.Forced || p.NowMonotonic == 0 {
			t.Errorf("PROCESS %+v from %+v", p, msg.Origin)
		}
		break
	}
	// Both models apply it: A's as a local change, B's as A's PROCESS
	// publication (B loaded A's processes when it checked A).
	want := "EXITED []"
	for _, tn := range []*testNode{a, b} {
		deadline := time.Now().Add(10 * time.Second)
		for processSummary(t, tn)["gA:p"] != want && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if got := processSummary(t, tn)["gA:p"]; got != want {
			t.Errorf("%s sees gA:p %s, want %s", tn.name, got, want)
		}
	}
	// An unexpected exit is a crash: the instance reports a process
	// failure while it runs.
	for _, tn := range []*testNode{a, b} {
		if in, _ := tn.node.Snapshot().Lookup(identifierOf(a)); !in.Info.ProcessFailure {
			t.Errorf("%s: no process_failure for A", tn.name)
		}
	}
}

func TestInconsistentStrategiesIsolate(t *testing.T) {
	// B applies another conciliation strategy than A.
	pair := newClusterWith(t, []string{"A", "B"}, func(name string) []string {
		if name == "B" {
			return []string{"conciliation_strategy", "SENICIDE"}
		}
		return nil
	})
	until(t, pair, 6, "mutual isolation", func(s *view.Snapshot) bool {
		for _, in := range s.Instances {
			if in.Info.Identifier != s.Local && in.Info.StateName != "ISOLATED" {
				return false
			}
		}
		return true
	})
	// No traffic with an isolated peer: its link is gone for good.
	for _, tn := range pair {
		done := make(chan int, 1)
		_ = tn.node.do(context.Background(), func() error { done <- len(tn.node.links); return nil })
		if n := <-done; n != 0 {
			t.Errorf("%s keeps %d links", tn.name, n)
		}
	}
}

func TestSlaveForwardsRestartToMaster(t *testing.T) {
	nodes := newCluster(t, []string{"A", "B"})
	until(t, nodes, 12, "OPERATION with Master A", inOperationWithMaster(identifierOf(nodes[0])))
	if err := nodes[1].node.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	until(t, nodes, 6, "restart of both", func(*view.Snapshot) bool {
		ra, _ := nodes[0].engine.counts()
		rb, _ := nodes[1].engine.counts()
		return ra == 1 && rb == 1
	})
}

// TestRunEndsWhileAPeerHangs: a peer that accepts connections and never
// answers holds a call in flight; stopping the node still ends every
// goroutine at once.
func TestRunEndsWhileAPeerHangs(t *testing.T) {
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hang.Close()
	var conns []net.Conn
	var mu sync.Mutex
	accepted := make(chan struct{}, 1)
	go func() {
		for {
			c, err := hang.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			select {
			case accepted <- struct{}{}:
			default:
			}
		}
	}()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}()
	sec := config.RawSection{Name: options.SectionName, Options: []config.Option{{Key: "supvisors_list",
		Value: fmt.Sprintf("<A>127.0.0.1:61001,<H>127.0.0.1:%d", hang.Addr().(*net.TCPAddr).Port)}}}
	o, _, err := options.Parse(sec, options.Environment{SupervisordIdentifier: "A", HTTPPort: 61001})
	if err != nil {
		t.Fatal(err)
	}
	bus := events.NewBus()
	n, err := New(Options{Options: o, Engine: &fakeEngine{}, Bus: bus, Host: &stubHost, Logger: testLogger(t, "A")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	<-n.subscribed
	bus.Publish(events.Tick{Period: 5, When: 1795468500})
	<-accepted // the TICK to H is in flight, and will never be answered
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// injectPublication delivers to tn a publication of from, as its
// sendRemoteCommEvent would.
func injectPublication(t *testing.T, tn, from *testNode, kind wire.PublicationKind, body any) {
	t.Helper()
	params, err := wire.NewPublication(from.node.origin, kind, body).Params()
	if err != nil {
		t.Fatal(err)
	}
	tn.bus.Publish(events.RemoteCommunication{Type: params[0].(string), Data: params[1].(string)})
}

// waitModel polls what a node's model says until cond holds; the bound
// is for a broken driver only.
func waitModel(t *testing.T, tn *testNode, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %s", tn.name, what)
		}
	}
}

// A peer's PROCESS_ADDED, PROCESS_DISABILITY and PROCESS_REMOVED change
// the model: a new process, its disabled flag, then its removal.
func TestProcessListPublicationsReachTheModel(t *testing.T) {
	nodes := newCluster(t, []string{"A", "B"})
	a, b := nodes[0], nodes[1]
	until(t, nodes, 12, "OPERATION with Master A", inOperationWithMaster(identifierOf(a)))
	added := wire.LocalProcessInfo{Name: "q", Group: "gA", State: 0, StateName: "STOPPED", Description: "Not started",
		Expected: true, NowMonotonic: 300, StartSecs: 1, StopWaitSecs: 10, ProgramName: "q"}
	injectPublication(t, b, a, wire.PublicationProcessAdded, added)
	waitModel(t, b, "gA:q", func() bool { return processSummary(t, b)["gA:q"] == "STOPPED []" })

	added.Disabled = true
	injectPublication(t, b, a, wire.PublicationProcessDisability, added)
	waitModel(t, b, "disabled gA:q", func() bool {
		inner, err := b.node.InnerProcessInfo(context.Background(), "A", []string{identifierOf(a)}, "gA:q")
		return err == nil && len(inner) == 1 && inner[0].Disabled
	})

	injectPublication(t, b, a, wire.PublicationProcessRemoved, wire.ProcessRemoved{Name: "q", Group: "gA"})
	waitModel(t, b, "removal of gA:q", func() bool {
		_, present := processSummary(t, b)["gA:q"]
		return !present
	})
	if got := processSummary(t, b)["gA:p"]; got != "RUNNING ["+identifierOf(a)+"]" {
		t.Errorf("gA:p is %s after the removal of gA:q", got)
	}
}

// managedRules manage the applications named, with default rules.
type managedRules []string

func (r managedRules) Application(name string) model.ApplicationRules {
	a := model.DefaultApplicationRules()
	a.Managed = slices.Contains(r, name)
	return a
}

func (r managedRules) Program(app, _ string) model.ProgramRules {
	return model.DefaultProgramRules(r.Application(app))
}

// A managed process running on two instances is a conflict: the Master
// goes to CONCILIATION (the USER strategy leaves it there), and every
// node lists it in get_conflicts. An unmanaged one running twice is not.
func TestConflictLeadsToConciliation(t *testing.T) {
	nodes := newClusterSetup(t, []string{"A", "B"}, clusterSetup{
		rules: managedRules{"shared"},
		procs: func(name string) wire.ProcessInfoList {
			list := localProcs(name)
			list[1].State, list[1].StateName, list[1].PID = 20, "RUNNING", 4343
			list[0].Group = "free" // unmanaged, running on both
			return list
		}})
	a := nodes[0]
	until(t, nodes, 12, "CONCILIATION with Master A", func(s *view.Snapshot) bool {
		return s.Self.FSMStateName == "CONCILIATION" && s.Self.MasterIdentifier == identifierOf(a)
	})
	for _, tn := range nodes {
		conflicts, err := tn.node.Conflicts(context.Background())
		if err != nil || len(conflicts) != 1 || conflicts[0].ApplicationName != "shared" || len(conflicts[0].Identifiers) != 2 {
			t.Errorf("%s conflicts %+v, %v", tn.name, conflicts, err)
		}
		info, err := tn.node.ApplicationInfo(context.Background(), "shared")
		if err != nil || !info.Managed || info.State != model.AppRunning {
			t.Errorf("%s application shared %+v, %v", tn.name, info, err)
		}
	}
}

// A group added to or removed from the local supervisord reaches the
// local model at once and the peers' models through PROCESS_ADDED and
// PROCESS_REMOVED.
func TestLocalGroupChangesReachEveryModel(t *testing.T) {
	nodes := newCluster(t, []string{"A", "B"})
	a := nodes[0]
	until(t, nodes, 12, "OPERATION with Master A", inOperationWithMaster(identifierOf(a)))
	// The engine has the group before it tells the bus.
	a.procsMu.Lock()
	a.procs = append(slices.Clone(a.procs), wire.LocalProcessInfo{Name: "x", Group: "extra", State: 0,
		StateName: "STOPPED", Description: "Not started", Expected: true, NowMonotonic: 300, StartSecs: 1,
		StopWaitSecs: 10, ProgramName: "x"})
	a.procsMu.Unlock()
	a.bus.Publish(events.ProcessGroup{Added: true, GroupName: "extra"})
	for _, tn := range nodes {
		waitModel(t, tn, "extra:x", func() bool { return processSummary(t, tn)["extra:x"] == "STOPPED []" })
	}
	a.bus.Publish(events.ProcessGroup{GroupName: "extra"})
	for _, tn := range nodes {
		waitModel(t, tn, "removal of extra:x", func() bool {
			_, present := processSummary(t, tn)["extra:x"]
			return !present
		})
		if _, err := tn.node.ApplicationInfo(context.Background(), "extra"); !errdefs.Is(err, errdefs.BadName) {
			t.Errorf("%s: application extra after its removal: %v", tn.name, err)
		}
	}
}
