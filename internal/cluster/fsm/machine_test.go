package fsm

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/errdefs"
)

func testConfig() Config {
	return Config{
		Local:     "A",
		Instances: []Peer{{"A", "a"}, {"B", "b"}, {"C", "c"}},
		Declared:  []string{"A", "B", "C"},
		Synchro:   options.SynchroSet(0).With(options.SyncStrict).With(options.SyncTimeout),
		// The harness and the driver pass real durations; here ticks are 5 s.
		SynchroTimeout:  15 * time.Second,
		InactivityTicks: 2,
	}
}

func mustStep(t *testing.T, m *Machine, ev Event) []Action {
	t.Helper()
	if err := m.Step(ev); err != nil {
		t.Fatalf("%T: %v", ev, err)
	}
	return m.Ready()
}

func find[T Action](actions []Action) (T, bool) {
	for _, a := range actions {
		if x, ok := a.(T); ok {
			return x, true
		}
	}
	var zero T
	return zero, false
}

func TestTransitionTable(t *testing.T) {
	for _, tt := range []struct {
		from, to State
		ok       bool
	}{
		{Off, Synchronization, true}, {Off, Election, false}, {Conciliation, Election, false},
		{Election, Restarting, false}, {Operation, Conciliation, true}, {Restarting, Final, true},
		{Final, Off, false}, {Distribution, Operation, true}, {Synchronization, Distribution, false},
	} {
		if Legal(tt.from, tt.to) != tt.ok {
			t.Errorf("%s -> %s: want legal=%t", tt.from, tt.to, tt.ok)
		}
	}
	if !LegalInstance(Failed, Isolated) || LegalInstance(Isolated, Stopped) || LegalInstance(Running, Stopped) {
		t.Error("instance table")
	}
}

func TestNewErrors(t *testing.T) {
	cfg := testConfig()
	cfg.Local = "Z"
	if _, err := New(cfg); err == nil {
		t.Error("unknown local accepted")
	}
	cfg = testConfig()
	cfg.Instances = append(cfg.Instances, Peer{"A", "x"})
	if _, err := New(cfg); err == nil {
		t.Error("duplicate accepted")
	}
}

func TestSelfCheckAndStaleHandshake(t *testing.T) {
	m, err := New(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	acts := mustStep(t, m, LocalTick{Counter: 0, Elapsed: 2 * time.Second})
	check, ok := find[CheckInstance](acts)
	if !ok || check.Peer != "A" {
		t.Fatalf("no self-check in %v", acts)
	}
	// A result with another generation is ignored.
	mustStep(t, m, HandshakeResult{Peer: "A", Gen: check.Gen + 1, Auth: Authorized})
	if s, _ := m.InstanceState("A"); s != Checking {
		t.Fatalf("stale handshake applied: %s", s)
	}
	mustStep(t, m, HandshakeResult{Peer: "A", Gen: check.Gen, Auth: Authorized})
	acts = mustStep(t, m, LocalTick{Counter: 1, Elapsed: 7 * time.Second})
	if m.State() != Synchronization {
		t.Fatalf("state %s, actions %v", m.State(), acts)
	}
	// Remote ticks are now considered: B is checked.
	acts = mustStep(t, m, RemoteTick{From: "B", Counter: 4})
	if c, ok := find[CheckInstance](acts); !ok || c.Peer != "B" {
		t.Fatalf("B not checked: %v", acts)
	}
	// An inconsistent peer is isolated, and then ignored.
	acts = mustStep(t, m, HandshakeResult{Peer: "B", Gen: m.inst["B"].checkGen, Auth: Inconsistent})
	if _, ok := find[Isolate](acts); !ok {
		t.Fatalf("B not isolated: %v", acts)
	}
	acts = mustStep(t, m, RemoteTick{From: "B", Counter: 5})
	if len(acts) != 0 {
		t.Fatalf("isolated B still heard: %v", acts)
	}
	// The TICK is not sent to the isolated B.
	acts = mustStep(t, m, LocalTick{Counter: 2, Elapsed: 12 * time.Second})
	if tick, _ := find[SendTick](acts); strings.Join(tick.To, ",") != "C" {
		t.Fatalf("tick sent to %v", tick.To)
	}
}

func TestInactivityAndStealthRestart(t *testing.T) {
	m, _ := New(testConfig())
	counter := 0
	tick := func() []Action {
		acts := mustStep(t, m, LocalTick{Counter: counter, Elapsed: time.Duration(counter)*5*time.Second + time.Second})
		counter++
		return acts
	}
	acts := tick()
	c, _ := find[CheckInstance](acts)
	mustStep(t, m, HandshakeResult{Peer: "A", Gen: c.Gen, Auth: Authorized})
	tick()
	acts = mustStep(t, m, RemoteTick{From: "B", Counter: 10})
	c, _ = find[CheckInstance](acts)
	mustStep(t, m, HandshakeResult{Peer: "B", Gen: c.Gen, Auth: Authorized})
	tick() // B RUNNING, last heard at counter 1
	mustStep(t, m, RemoteTick{From: "B", Counter: 11})
	tick()
	tick()
	if s, _ := m.InstanceState("B"); s != Running {
		t.Fatalf("B %s after 2 silent ticks", s)
	}
	tick() // 3 ticks without news: FAILED, invalidated at once
	if s, _ := m.InstanceState("B"); s != Stopped {
		t.Fatalf("B %s after 3 silent ticks", s)
	}
	// Stealth restart: B restarts with a lower counter while checked.
	acts = mustStep(t, m, RemoteTick{From: "B", Counter: 12})
	c, _ = find[CheckInstance](acts)
	mustStep(t, m, HandshakeResult{Peer: "B", Gen: c.Gen, Auth: Authorized})
	tick()
	mustStep(t, m, RemoteTick{From: "B", Counter: 0})
	acts = tick()
	if lost, ok := find[InstancesLost](acts); !ok || lost.Identifiers[0] != "B" {
		t.Fatalf("stealth restart not detected: %v", acts)
	}
}

func TestRequestErrors(t *testing.T) {
	m, _ := New(testConfig())
	if err := m.Step(RemoteTick{From: "Z"}); !errdefs.Is(err, errdefs.BadName) {
		t.Errorf("unknown peer: %v", err)
	}
	if err := m.Step(EndSync{}); !errdefs.Is(err, errdefs.BadSupvisorsState) {
		t.Errorf("end_sync in OFF: %v", err)
	}
	if err := m.Step(RestartRequest{}); !errdefs.Is(err, errdefs.BadSupvisorsState) {
		t.Errorf("restart without Master: %v", err)
	}
	if !errors.Is(ErrIllegalTransition, errdefs.New(errdefs.BadSupvisorsState, "")) {
		t.Error("ErrIllegalTransition kind")
	}
}

// TestAnchorOperationOnSeventhTick checks the figure measured on a real
// 3-instance Supvisors 0.19 cluster: OPERATION on the 7th tick.
func TestAnchorOperationOnSeventhTick(t *testing.T) {
	c := &cluster{nodes: map[string]*node{}, ids: map[string]string{}}
	for _, cmd := range []string{"add-instances A B C", "jobs A distribution=1", "round 6"} {
		if err := c.run(cmd); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range c.names {
		if s := c.nodes[name].m.State(); s == Operation {
			t.Fatalf("%s in OPERATION before the 7th tick", name)
		}
	}
	if err := c.run("round 1"); err != nil {
		t.Fatal(err)
	}
	for _, name := range c.names {
		n := c.nodes[name]
		if n.m.State() != Operation || c.short(n.m.Master()) != "A" {
			t.Errorf("%s: %s master %s after the 7th tick", name, n.m.State(), n.m.Master())
		}
	}
}

func TestDiscovered(t *testing.T) {
	cfg := testConfig()
	cfg.Synchro = options.SynchroSet(0).With(options.SyncList)
	m, _ := New(cfg)
	mustStep(t, m, Discovered{Peer: Peer{"D", "d"}})
	mustStep(t, m, Discovered{Peer: Peer{"D", "d"}})
	if err := m.Step(Discovered{Peer: Peer{"E", "d"}}); !errdefs.Is(err, errdefs.BadName) {
		t.Errorf("nick clash: %v", err)
	}
	if s, ok := m.InstanceState("D"); !ok || s != Stopped {
		t.Fatalf("D %s %t", s, ok)
	}
	acts := mustStep(t, m, LocalTick{Counter: 0})
	if tick, _ := find[SendTick](acts); strings.Join(tick.To, ",") != "B,C,D" {
		t.Errorf("tick to %v", tick.To)
	}
	if len(m.Modes().InstanceStates) != 4 {
		t.Errorf("modes %v", m.Modes())
	}
}
