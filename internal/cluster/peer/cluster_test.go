package peer

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/cluster/fsm"
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

// fakeEngine records the requests of the driver.
type fakeEngine struct {
	mu                  sync.Mutex
	restarts, shutdowns int
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

// recordingModel keeps what the driver hands to the model.
type recordingModel struct {
	mu    sync.Mutex
	loads []string
	pubs  []wire.Message
	lost  []string
}

func (m *recordingModel) LoadProcesses(peer string, _ wire.ProcessInfoList) {
	m.mu.Lock()
	m.loads = append(m.loads, peer)
	m.mu.Unlock()
}

func (m *recordingModel) Publication(_ string, msg wire.Message) {
	m.mu.Lock()
	m.pubs = append(m.pubs, msg)
	m.mu.Unlock()
}

func (m *recordingModel) InstancesLost(ids []string) {
	m.mu.Lock()
	m.lost = append(m.lost, ids...)
	m.mu.Unlock()
}

func (m *recordingModel) publications() []wire.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.pubs)
}

// testNode is one instance: a node, its bus, and an HTTP server on
// 127.0.0.1 serving what peers call (the handshake getters and
// sendRemoteCommEvent), from the node's own view.
type testNode struct {
	name   string
	node   *Node
	bus    *events.Bus
	engine *fakeEngine
	model  *recordingModel
	srv    *http.Server
	ln     net.Listener
	cancel context.CancelFunc
	done   chan struct{}
	when   int64
}

// handshakeGetters serves what a peer calls, as the supvisors.* API
// will: enough for the handshake and the publications.
func handshakeGetters(d *xmlrpc.Dispatcher, node *Node, bus *events.Bus) {
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
		return []any{}, nil
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
		tn := &testNode{name: name, bus: events.NewBus(), engine: &fakeEngine{}, model: &recordingModel{}, ln: lns[i],
			when: 1795468495}
		tn.node, err = New(Options{Options: o, Engine: tn.engine, Bus: tn.bus, Logger: testLogger(t, name),
			Host: &host, CallTimeout: 5 * time.Second, Model: tn.model})
		if err != nil {
			t.Fatal(err)
		}
		d := xmlrpc.NewDispatcher()
		handshakeGetters(d, tn.node, tn.bus)
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

	// The Master goes away: the others notice, elect B and go back to
	// OPERATION.
	a.stop()
	until(t, nodes, 12, "OPERATION with Master B", inOperationWithMaster(identifierOf(b)))
	for _, tn := range []*testNode{b, c} {
		tn.model.mu.Lock()
		if !slices.Equal(tn.model.lost, []string{identifierOf(a)}) {
			t.Errorf("%s model lost %v", tn.name, tn.model.lost)
		}
		tn.model.mu.Unlock()
		in, _ := tn.node.Snapshot().Lookup(identifierOf(a))
		if in.Info.StateName != "STOPPED" {
			t.Errorf("%s sees A %s", tn.name, in.Info.StateName)
		}
	}
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
	a.bus.Publish(events.ProcessState{State: "EXITED", ProcessName: "worker", GroupName: "demo", FromState: "RUNNING",
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
			p.Identifier != identifierOf(a) || p.Name != "worker" || p.Group != "demo" || p.State != 100 ||
			p.Expected || p.PID != 0 || p.Forced || p.NowMonotonic == 0 {
			t.Errorf("PROCESS %+v from %+v", p, msg.Origin)
		}
		break
	}
	// B's driver hands it to the model; B loaded A's processes when it
	// checked A.
	deadline := time.Now().Add(10 * time.Second)
	for len(b.model.publications()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if pubs := b.model.publications(); len(pubs) != 1 || pubs[0].Code != int(wire.PublicationProcess) {
		t.Errorf("model got %v", pubs)
	}
	b.model.mu.Lock()
	defer b.model.mu.Unlock()
	if !slices.Equal(b.model.loads, []string{identifierOf(a)}) {
		t.Errorf("model loaded %v", b.model.loads)
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
