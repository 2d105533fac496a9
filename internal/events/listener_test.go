package events

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// describeActs renders actions compactly for table tests.
func describeActs(acts []ListenerAction) string {
	var parts []string
	for _, a := range acts {
		switch a.Kind {
		case ActStateChange:
			parts = append(parts, a.From.String()+"->"+a.To.String())
		case ActResult:
			parts = append(parts, fmt.Sprintf("result(%q,%v)", a.Result, a.Accepted))
		case ActBadResultLine:
			parts = append(parts, fmt.Sprintf("bad(%q)", a.Line))
		}
	}
	return strings.Join(parts, " ")
}

func TestListenerProtocol(t *testing.T) {
	// Each step is either "!" (an event is dispatched) or a chunk of
	// stdout; want lists the actions of every step, in order.
	cases := []struct {
		name  string
		steps []string
		want  []string
		state ListenerState
	}{
		{"ready", []string{"READY\n"}, []string{"ACKNOWLEDGED->READY"}, ListenerReady},
		{"ready split", []string{"REA", "DY\n"}, []string{"", "ACKNOWLEDGED->READY"}, ListenerReady},
		{"garbage first", []string{"HELLO!\n"}, []string{"ACKNOWLEDGED->UNKNOWN"}, ListenerUnknown},
		{"short garbage waits", []string{"HI\n"}, []string{""}, ListenerAcknowledged},
		{"spurious while ready", []string{"READY\nxx"}, []string{"ACKNOWLEDGED->READY READY->UNKNOWN"}, ListenerUnknown},
		{"unknown is final", []string{"HELLO!\n", "READY\n"}, []string{"ACKNOWLEDGED->UNKNOWN", ""}, ListenerUnknown},
		{"ok in one write", []string{"READY\n", "!", "RESULT 2\nOKREADY\n"},
			[]string{"ACKNOWLEDGED->READY", "READY->BUSY", `result("OK",true) BUSY->ACKNOWLEDGED ACKNOWLEDGED->READY`}, ListenerReady},
		{"fail", []string{"READY\n", "!", "RESULT 4\nFAIL"},
			[]string{"ACKNOWLEDGED->READY", "READY->BUSY", `result("FAIL",false) BUSY->ACKNOWLEDGED`}, ListenerAcknowledged},
		{"result in pieces", []string{"READY\n", "!", "RESULT", " 2\n", "O", "K"},
			[]string{"ACKNOWLEDGED->READY", "READY->BUSY", "", "", "", `result("OK",true) BUSY->ACKNOWLEDGED`}, ListenerAcknowledged},
		// Supervisor looks at the result only on a later pass with data.
		{"empty result waits for data", []string{"READY\n", "!", "RESULT 0\n", "READY\n"},
			[]string{"ACKNOWLEDGED->READY", "READY->BUSY", "", `result("",false) BUSY->ACKNOWLEDGED ACKNOWLEDGED->READY`}, ListenerReady},
		{"literal not checked", []string{"READY\n", "!", "XXXXXX 2\nOK"},
			[]string{"ACKNOWLEDGED->READY", "READY->BUSY", `result("OK",true) BUSY->ACKNOWLEDGED`}, ListenerAcknowledged},
		{"bad length", []string{"READY\n", "!", "RESULT x\nOK"},
			[]string{"ACKNOWLEDGED->READY", "READY->BUSY", `bad("RESULT x") BUSY->UNKNOWN`}, ListenerUnknown},
		{"bad undecodable", []string{"READY\n", "!", "RESULT \xff\n"},
			[]string{"ACKNOWLEDGED->READY", "READY->BUSY", `bad("Undecodable: b'RESULT \\xff'") BUSY->UNKNOWN`}, ListenerUnknown},
		{"padded length", []string{"READY\n", "!", "RESULT  2 \nOK"},
			[]string{"ACKNOWLEDGED->READY", "READY->BUSY", `result("OK",true) BUSY->ACKNOWLEDGED`}, ListenerAcknowledged},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := NewListener()
			for i, step := range c.steps {
				var got string
				if step == "!" {
					got = describeActs([]ListenerAction{l.Dispatched()})
				} else {
					got = describeActs(l.Feed([]byte(step)))
				}
				if got != c.want[i] {
					t.Errorf("step %d (%q): got %q, want %q", i, step, got, c.want[i])
				}
			}
			if l.State() != c.state {
				t.Errorf("final state %s, want %s", l.State(), c.state)
			}
		})
	}
}

func TestEnvelopeCountsCharacters(t *testing.T) {
	ev := RemoteCommunication{Type: "t", Data: "é✓"}
	got := string(Envelope("srv", 7, "pool", 3, ev))
	want := "ver:3.0 server:srv serial:7 pool:pool poolserial:3 eventname:REMOTE_COMMUNICATION len:9\ntype:t\né✓"
	if got != want {
		t.Fatalf("envelope:\n got %q\nwant %q", got, want)
	}
	// Undecodable output is counted on its text form.
	ev2 := ProcessLog{Channel: "stdout", ProcessName: "p", GroupName: "g", PID: 1, Data: []byte{0xff}}
	env := string(Envelope("s", 0, "p", 0, ev2))
	if !strings.Contains(env, fmt.Sprintf("len:%d\n", len(ev2.Payload()))) {
		t.Fatalf("envelope %q", env)
	}
}

func TestPoolBufferOverflowAndRebuffer(t *testing.T) {
	b := NewPoolBuffer("p", 2)
	push := func(serial uint64, head bool) (uint64, bool) {
		old, ok := b.Push(Queued{Event: Tick{Period: 5}, Serial: serial}, head)
		return old.Serial, ok
	}
	if _, ok := push(0, false); ok {
		t.Fatal("discarded from an empty buffer")
	}
	push(1, false)
	if old, ok := push(2, false); !ok || old != 0 {
		t.Fatalf("overflow discarded %d %v, want the oldest (0)", old, ok)
	}
	// A rejected event goes to the head; the oldest still goes first.
	if old, ok := push(9, true); !ok || old != 1 {
		t.Fatalf("head push discarded %d %v, want 1", old, ok)
	}
	var order []uint64
	for {
		q, ok := b.Pop()
		if !ok {
			break
		}
		order = append(order, q.Serial)
	}
	if fmt.Sprint(order) != "[9 2]" {
		t.Fatalf("order %v, want [9 2]", order)
	}
	if n := b.NextPoolSerial(); n != 0 {
		t.Fatalf("first pool serial %d", n)
	}
	if n := b.NextPoolSerial(); n != 1 {
		t.Fatalf("second pool serial %d", n)
	}
	var c SerialCounter
	if c.Next() != 0 || c.Next() != 1 {
		t.Fatal("serials must start at 0")
	}
}

func TestHierarchy(t *testing.T) {
	for _, c := range []struct {
		event, typ string
		want       bool
	}{
		{"PROCESS_STATE_RUNNING", "EVENT", true},
		{"PROCESS_STATE_RUNNING", "PROCESS_STATE", true},
		{"PROCESS_STATE_RUNNING", "PROCESS_STATE_RUNNING", true},
		{"PROCESS_STATE_RUNNING", "PROCESS_STATE_EXITED", false},
		{"PROCESS_STATE_RUNNING", "PROCESS", false},
		{"PROCESS_ADDED", "PROCESS", true},
		{"PROCESS_ADDED", "EVENT", true},
		{"TICK_60", "TICK", true},
		{"PROCESS_LOG_STDERR", "PROCESS_COMMUNICATION", false},
		{"PROCESS_GROUP_REMOVED", "PROCESS_GROUP", true},
		{"REMOTE_COMMUNICATION", "EVENT", true},
	} {
		if got := IsA(c.event, c.typ); got != c.want {
			t.Errorf("IsA(%s, %s) = %v", c.event, c.typ, got)
		}
	}
	if n := Subscriptions([]string{"EVENT", "PROCESS_STATE", "TICK"}, "PROCESS_STATE_FATAL"); n != 2 {
		t.Errorf("Subscriptions = %d, want 2 (Supervisor queues the event once per matching name)", n)
	}
	for _, name := range []string{"EVENT", "PROCESS", "PROCESS_DISABLED", "TICK_3600", "SUPERVISOR_STATE_CHANGE_STOPPING"} {
		if !KnownType(name) {
			t.Errorf("%s unknown", name)
		}
	}
	if KnownType("PROCESS_STATE_STARTING_OR_BACKOFF") || KnownType("NOPE") {
		t.Error("unexpected known type")
	}
	if !IsAbstract("PROCESS_LOG") || IsAbstract("PROCESS_LOG_STDOUT") {
		t.Error("abstract types")
	}
	ev := ProcessChange{Change: "DISABLED", ProcessName: "p", GroupName: "g"}
	if ev.Name() != "PROCESS_DISABLED" || ev.Payload() != "processname:p groupname:g " {
		t.Errorf("Supvisors event %s %q", ev.Name(), ev.Payload())
	}
}

func TestBusOverflowIsCountedAndLoggedOncePerBurst(t *testing.T) {
	var logged bytes.Buffer
	bus := NewBusWith(BusOptions{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	slow := bus.SubscribeNamed("slow", 1)
	defer slow.Close()
	for i := range 5 {
		bus.Publish(Tick{Period: 5, When: int64(i)})
	}
	if slow.Dropped() != 4 || bus.Dropped() != 4 {
		t.Fatalf("dropped %d/%d, want 4", slow.Dropped(), bus.Dropped())
	}
	<-slow.Events()
	bus.Publish(Tick{Period: 5, When: 9}) // delivered: the burst ends
	bus.Publish(Tick{Period: 5, When: 10})
	if n := strings.Count(logged.String(), "subscriber queue full"); n != 2 {
		t.Fatalf("%d warnings, want one per burst (2):\n%s", n, logged.String())
	}
	if !strings.Contains(logged.String(), "subscriber=slow") {
		t.Fatalf("warning does not name the subscriber:\n%s", logged.String())
	}
	var nilBus *Bus
	nilBus.Publish(Tick{})
	if nilBus.Dropped() != 0 {
		t.Fatal("nil bus")
	}
}
