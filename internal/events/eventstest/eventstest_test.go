package eventstest_test

import (
	"context"
	"testing"

	"github.com/supvisors-go/supvisors/internal/events"
	"github.com/supvisors-go/supvisors/internal/events/eventstest"
)

func TestWaitSequenceSkipsUnrelatedAndRemembers(t *testing.T) {
	bus := events.NewBus()
	w := eventstest.Watch(t, bus)
	bus.Publish(events.Tick{Period: 5, When: 5})
	bus.Publish(events.RemoteCommunication{Type: "a", Data: "1"})
	bus.Publish(events.Tick{Period: 5, When: 10})
	bus.Publish(events.RemoteCommunication{Type: "b", Data: "2"})
	seen := w.WaitSequence(context.Background(), t,
		eventstest.Name("REMOTE_COMMUNICATION", "type:a"),
		eventstest.Name("REMOTE_COMMUNICATION", "type:b"))
	if len(seen) != 4 {
		t.Fatalf("seen %d events: %s", len(seen), eventstest.Describe(seen))
	}
	// A later wait starts from what was already seen.
	w.WaitSequence(context.Background(), t, eventstest.Name("TICK_5", "when:10"))
	if len(w.Seen()) != 4 {
		t.Fatalf("second wait read more events: %s", eventstest.Describe(w.Seen()))
	}
}
