package events

import (
	"log/slog"
	"sync"
	"sync/atomic"
)

// Bus fans events out to subscribers. The zero value is not usable; use
// NewBus. A nil *Bus accepts Publish and drops everything.
type Bus struct {
	log *slog.Logger // nil: overflows are counted, not logged

	mu      sync.Mutex
	subs    map[*Subscription]struct{}
	dropped atomic.Uint64 // every subscriber's drops, closed ones included
}

// BusOptions configure a bus.
type BusOptions struct {
	// Logger receives a warning when a subscriber starts losing events
	// (once per overflow burst, not once per event). nil: no logging.
	Logger *slog.Logger
}

// NewBus returns an empty bus that does not log.
func NewBus() *Bus { return NewBusWith(BusOptions{}) }

// NewBusWith returns an empty bus configured by opts.
func NewBusWith(opts BusOptions) *Bus {
	return &Bus{log: opts.Logger, subs: make(map[*Subscription]struct{})}
}

// Subscription is one subscriber's queue.
type Subscription struct {
	bus      *Bus
	name     string
	ch       chan Event
	dropped  atomic.Uint64
	closed   bool // guarded by bus.mu
	dropping bool // guarded by bus.mu: the last publication was dropped
}

// Subscribe returns an anonymous subscription whose queue holds up to
// buffer events (at least 1).
func (b *Bus) Subscribe(buffer int) *Subscription { return b.SubscribeNamed("", buffer) }

// SubscribeNamed is Subscribe with a name used in overflow warnings
// ("zmq publisher", "web ui").
func (b *Bus) SubscribeNamed(name string, buffer int) *Subscription {
	if buffer < 1 {
		buffer = 1
	}
	s := &Subscription{bus: b, name: name, ch: make(chan Event, buffer)}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Publish hands ev to every subscriber without blocking.
func (b *Bus) Publish(ev Event) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		select {
		case s.ch <- ev:
			s.dropping = false
		default:
			s.dropped.Add(1)
			b.dropped.Add(1)
			if !s.dropping && b.log != nil {
				b.log.Warn("event bus subscriber queue full, dropping events",
					"subscriber", s.name, "queue", cap(s.ch), "event", ev.Name(), "dropped_total", s.dropped.Load())
			}
			s.dropping = true
		}
	}
}

// Dropped counts the events lost by every subscriber so far (for
// /metrics).
func (b *Bus) Dropped() uint64 {
	if b == nil {
		return 0
	}
	return b.dropped.Load()
}

// Events is the subscriber's channel; it is closed by Close.
func (s *Subscription) Events() <-chan Event { return s.ch }

// Dropped counts the events lost because the queue was full.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Close unsubscribes and closes the channel; events still queued can be
// drained from it.
func (s *Subscription) Close() {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	delete(s.bus.subs, s)
	close(s.ch)
}
