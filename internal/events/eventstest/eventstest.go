// Package eventstest helps tests wait for events on an events.Bus.
package eventstest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/events"
)

// Watcher records what a bus publishes from its creation on.
type Watcher struct {
	sub  *events.Subscription
	seen []events.Event
}

// Watch subscribes to bus with a large queue; the subscription ends with
// the test.
func Watch(t testing.TB, bus *events.Bus) *Watcher {
	w := &Watcher{sub: bus.Subscribe(4096)}
	t.Cleanup(w.sub.Close)
	return w
}

// Match tells whether ev is the one expected. Name matches an event whose
// Name() is name (and, when contains is given, whose payload contains each
// of them).
type Match func(ev events.Event) bool

// Name builds a Match on the event name and payload fragments.
func Name(name string, contains ...string) Match {
	return func(ev events.Event) bool {
		if ev.Name() != name {
			return false
		}
		p := ev.Payload()
		for _, c := range contains {
			if !strings.Contains(p, c) {
				return false
			}
		}
		return true
	}
}

// WaitSequence waits until the events matching want have been seen in that
// order (other events may come in between), or fails the test when ctx
// ends (the test's deadline, or the caller's). It returns every event
// seen so far.
func (w *Watcher) WaitSequence(ctx context.Context, t testing.TB, want ...Match) []events.Event {
	t.Helper()
	if _, ok := ctx.Deadline(); !ok {
		if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
			if dl, ok := d.Deadline(); ok {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, dl.Add(-time.Second))
				defer cancel()
			}
		}
	}
	next := 0
	for _, ev := range w.seen {
		if next < len(want) && want[next](ev) {
			next++
		}
	}
	for next < len(want) {
		select {
		case ev, ok := <-w.sub.Events():
			if !ok {
				t.Fatalf("eventstest: subscription closed after %d of %d events", next, len(want))
			}
			w.seen = append(w.seen, ev)
			if want[next](ev) {
				next++
			}
		case <-ctx.Done():
			t.Fatalf("eventstest: got %d of %d expected events; seen: %s", next, len(want), Describe(w.seen))
		}
	}
	return w.seen
}

// Seen returns the events received so far by WaitSequence.
func (w *Watcher) Seen() []events.Event { return w.seen }

// Describe formats events one per line for failure messages.
func Describe(evs []events.Event) string {
	var b strings.Builder
	for _, ev := range evs {
		fmt.Fprintf(&b, "\n  %s %q", ev.Name(), ev.Payload())
	}
	return b.String()
}
