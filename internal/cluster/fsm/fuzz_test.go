package fsm

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/errdefs"
)

// checkActions verifies that a batch of actions only reports legal
// transitions that chain from the machine's previous states.
func checkActions(t *testing.T, m *Machine, states map[string]InstanceState, global *State, acts []Action) {
	t.Helper()
	for _, a := range acts {
		switch a := a.(type) {
		case StateChanged:
			if a.From != *global || !Legal(a.From, a.To) {
				t.Fatalf("illegal transition %s -> %s (was %s)", a.From, a.To, *global)
			}
			*global = a.To
		case InstanceChanged:
			if states[a.Identifier] != a.From || !LegalInstance(a.From, a.To) {
				t.Fatalf("illegal instance transition %s %s -> %s (was %s)", a.Identifier, a.From, a.To, states[a.Identifier])
			}
			if a.Identifier == m.cfg.Local && a.To == Isolated {
				t.Fatal("the local instance was isolated")
			}
			states[a.Identifier] = a.To
		}
	}
	if *global != m.State() {
		t.Fatalf("state %s but actions say %s", m.State(), *global)
	}
}

// FuzzMachine feeds random event sequences to one machine: it must never
// panic, never take an illegal transition, and refuse events only with a
// typed error.
func FuzzMachine(f *testing.F) {
	f.Add([]byte{0, 1, 0, 0, 2, 1, 0, 3, 0, 0, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 9, 9, 9, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := testConfig()
		if len(data) > 0 {
			cfg.Synchro = options.SynchroSet(data[0]%31 + 1)
			cfg.AutoFence = data[0]&0x20 != 0
			cfg.FailureStrategy = options.FailureStrategy(data[0] % 3)
			if cfg.Synchro.Has(options.SyncTimeout) {
				cfg.FailureStrategy = options.FailureContinue // as options enforces
			}
			cfg.Core = []string{"B"}
		}
		m, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{"A", "B", "C"}
		states := map[string]InstanceState{}
		global := Off
		counter, gen := 0, uint64(0)
		next := func(i *int) byte {
			*i++
			if *i < len(data) {
				return data[*i]
			}
			return 0
		}
		for i := 0; i < len(data); {
			op := next(&i)
			var ev Event
			switch op % 10 {
			case 0:
				ev = LocalTick{Counter: counter, Elapsed: time.Duration(counter) * 5 * time.Second}
				counter++
			case 1:
				ev = RemoteTick{From: ids[int(next(&i))%len(ids)], Counter: int(next(&i))}
			case 2:
				ev = HandshakeResult{Peer: ids[int(next(&i))%len(ids)], Gen: gen - uint64(next(&i)%2), Auth: Authorization(next(&i) % 5)}
			case 3:
				b := next(&i)
				s := StateModes{State: State(b % 9), Master: []string{"", "A", "B", "C", "Z"}[b%5], InstanceStates: map[string]InstanceState{}}
				for _, id := range ids {
					s.InstanceStates[id] = InstanceState(next(&i) % 6)
				}
				ev = PeerState{From: ids[next(&i)%3], State: s}
			case 4:
				ev = TransportFailure{Peer: ids[int(next(&i))%len(ids)]}
			case 5:
				ev = EndSync{Master: []string{"", "A", "B", "Z"}[next(&i)%4]}
			case 6:
				ev = RestartRequest{}
			case 7:
				ev = ShutdownRequest{}
			case 8:
				ev = Discovered{Peer: Peer{[]string{"D", "E", "A"}[next(&i)%3], []string{"d", "e", "a"}[next(&i)%3]}}
				if d, ok := ev.(Discovered); ok && !slices.Contains(ids, d.Peer.Identifier) && m.Step(ev) == nil {
					ids = append(ids, d.Peer.Identifier)
				}
				checkActions(t, m, states, &global, m.Ready())
				continue
			case 9:
				b := next(&i)
				ev = Workload{Starting: b&1 != 0, Stopping: b&2 != 0, Conflicts: b&4 != 0}
			}
			err := m.Step(ev)
			if err != nil {
				if _, ok := errdefs.CodeOf(err); !ok && !errors.Is(err, ErrIllegalTransition) {
					t.Fatalf("untyped error for %#v: %v", ev, err)
				}
			}
			acts := m.Ready()
			for _, a := range acts {
				if c, ok := a.(CheckInstance); ok {
					gen = c.Gen
				}
			}
			checkActions(t, m, states, &global, acts)
		}
	})
}

// FuzzCluster runs random scripts on a 3-node simulated cluster: kills,
// restarts, partitions and requests must never break a machine.
func FuzzCluster(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 5, 0, 6, 7, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 200 {
			data = data[:200]
		}
		c := &cluster{nodes: map[string]*node{}, ids: map[string]string{}}
		opts := []string{"", " auto_fence=true", " synchro_options=USER", " synchro_options=STRICT supvisors_failure_strategy=RESYNC", " synchro_options=LIST,CORE core_identifiers=B"}
		if err := c.run("add-instances A B C" + opts[int(len(data))%len(opts)]); err != nil {
			t.Fatal(err)
		}
		names := []string{"A", "B", "C"}
		for i, b := range data {
			name := names[int(b>>4)%3]
			var cmd string
			switch b % 12 {
			case 0, 1, 2, 3:
				cmd = "round 1"
			case 4:
				cmd = "kill " + name
			case 5:
				cmd = "restart " + name
			case 6:
				cmd = fmt.Sprintf("partition %s | %s", name, names[(int(b>>4)+1)%3])
			case 7:
				cmd = "heal"
			case 8:
				if c.nodes[name].alive {
					cmd = "end-sync " + name
				}
			case 9:
				if c.nodes[name].alive {
					cmd = "restart-request " + name
				}
			case 10:
				if c.nodes[name].alive {
					cmd = "shutdown-request " + name
				}
			case 11:
				cmd = fmt.Sprintf("jobs %s distribution=%d stop=%d conflicts=%t", name, i%3, i%2, i%4 == 0)
			}
			if cmd == "" {
				continue
			}
			if err := c.run(cmd); err != nil {
				t.Fatalf("%s: %v", cmd, err)
			}
			c.deliver()
			for _, n := range c.nodes {
				if n.alive {
					if s, _ := n.m.InstanceState(n.m.cfg.Local); s == Isolated {
						t.Fatalf("%s isolated itself", n.name)
					}
				}
			}
		}
	})
}
