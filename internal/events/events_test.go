package events

import (
	"sync"
	"testing"
)

func TestPayloads(t *testing.T) {
	for _, tc := range []struct {
		ev            Event
		name, payload string
	}{
		{ProcessState{State: "STARTING", ProcessName: "p", GroupName: "g", FromState: "STOPPED", Tries: 0}, "PROCESS_STATE_STARTING", "processname:p groupname:g from_state:STOPPED tries:0"},
		{ProcessState{State: "RUNNING", ProcessName: "p", GroupName: "g", FromState: "STARTING", PID: 12}, "PROCESS_STATE_RUNNING", "processname:p groupname:g from_state:STARTING pid:12"},
		{ProcessState{State: "BACKOFF", ProcessName: "p", GroupName: "g", FromState: "STARTING", Tries: 1}, "PROCESS_STATE_BACKOFF", "processname:p groupname:g from_state:STARTING tries:1"},
		{ProcessState{State: "STOPPING", ProcessName: "p", GroupName: "g", FromState: "RUNNING", PID: 12}, "PROCESS_STATE_STOPPING", "processname:p groupname:g from_state:RUNNING pid:12"},
		{ProcessState{State: "EXITED", ProcessName: "p", GroupName: "g", FromState: "RUNNING", Expected: true, PID: 12}, "PROCESS_STATE_EXITED", "processname:p groupname:g from_state:RUNNING expected:1 pid:12"},
		{ProcessState{State: "STOPPED", ProcessName: "p", GroupName: "g", FromState: "BACKOFF"}, "PROCESS_STATE_STOPPED", "processname:p groupname:g from_state:BACKOFF pid:0"},
		{ProcessState{State: "FATAL", ProcessName: "p", GroupName: "g", FromState: "BACKOFF", Tries: 9}, "PROCESS_STATE_FATAL", "processname:p groupname:g from_state:BACKOFF"},
		{ProcessState{State: "UNKNOWN", ProcessName: "p", GroupName: "", FromState: "STOPPING"}, "PROCESS_STATE_UNKNOWN", "processname:p groupname: from_state:STOPPING"},
		{ProcessGroup{Added: true, GroupName: "g"}, "PROCESS_GROUP_ADDED", "groupname:g\n"},
		{ProcessGroup{GroupName: "g"}, "PROCESS_GROUP_REMOVED", "groupname:g\n"},
		{SupervisorState{Running: true}, "SUPERVISOR_STATE_CHANGE_RUNNING", ""},
		{SupervisorState{}, "SUPERVISOR_STATE_CHANGE_STOPPING", ""},
		{RemoteCommunication{Type: "t", Data: "d\nx"}, "REMOTE_COMMUNICATION", "type:t\nd\nx"},
		{ProcessLog{Channel: "stdout", ProcessName: "p", GroupName: "g", PID: 3, Data: []byte("hi\n")}, "PROCESS_LOG_STDOUT", "processname:p groupname:g pid:3 channel:stdout\nhi\n"},
		{ProcessLog{Channel: "stderr", ProcessName: "p", GroupName: "g", PID: 3, Data: []byte{0xff, 'a', '\''}}, "PROCESS_LOG_STDERR", "processname:p groupname:g pid:3 channel:stderr\nUndecodable: b\"\\xffa'\""},
		{ProcessCommunication{Channel: "stdout", ProcessName: "p", GroupName: "g", PID: 3, Data: []byte("x")}, "PROCESS_COMMUNICATION_STDOUT", "processname:p groupname:g pid:3\nx"},
		{Tick{Period: 60, When: 1800000000}, "TICK_60", "when:1800000000"},
	} {
		if tc.ev.Name() != tc.name || tc.ev.Payload() != tc.payload {
			t.Errorf("%T: %s %q, want %s %q", tc.ev, tc.ev.Name(), tc.ev.Payload(), tc.name, tc.payload)
		}
	}
}

func TestBusOrderAndOverflow(t *testing.T) {
	b := NewBus()
	fast := b.Subscribe(1000)
	slow := b.Subscribe(2)
	for i := range 100 {
		b.Publish(Tick{Period: 5, When: int64(i)})
	}
	for i := range 100 {
		ev := <-fast.Events()
		if ev.(Tick).When != int64(i) {
			t.Fatalf("event %d out of order: %v", i, ev)
		}
	}
	if slow.Dropped() != 98 || fast.Dropped() != 0 {
		t.Errorf("dropped slow=%d fast=%d", slow.Dropped(), fast.Dropped())
	}
	if (<-slow.Events()).(Tick).When != 0 || (<-slow.Events()).(Tick).When != 1 {
		t.Error("the slow subscriber did not keep the first events")
	}
	slow.Close()
	slow.Close()
	if _, ok := <-slow.Events(); ok {
		t.Error("closed subscription still delivers")
	}
	b.Publish(Tick{Period: 5}) // no panic on a closed subscriber
	var nilBus *Bus
	nilBus.Publish(Tick{})
}

func TestBusConcurrentPublishersSameOrderForAll(t *testing.T) {
	b := NewBus()
	a, c := b.Subscribe(10000), b.Subscribe(10000)
	var wg sync.WaitGroup
	for p := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				b.Publish(Tick{Period: p, When: int64(i)})
			}
		}()
	}
	wg.Wait()
	for range 2000 {
		x, y := <-a.Events(), <-c.Events()
		if x != y {
			t.Fatalf("subscribers disagree: %v vs %v", x, y)
		}
	}
}
