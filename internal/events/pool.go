package events

import "sync/atomic"

// SerialCounter hands out Supervisor's global event serials: 0, 1, 2...
// An event gets its serial when the first pool accepts it. Supervisor
// keeps this counter for the life of the daemon process, across restarts
// (SIGHUP): share one counter between successive engines to do the same.
// It is safe for concurrent use.
type SerialCounter struct{ next atomic.Uint64 }

// Next returns a new serial.
func (c *SerialCounter) Next() uint64 { return c.next.Add(1) - 1 }

// Queued is an event waiting in (or taken from) a pool buffer, with its
// global serial and its serial in that pool. Both stay the same when the
// event is put back after a rejection.
type Queued struct {
	Event      Event
	Serial     uint64
	PoolSerial uint64
}

// PoolBuffer is the event buffer of one listener pool, with Supervisor's
// rules: at most Size events; when full, accepting one more discards the
// oldest. It is not safe for concurrent use; the engine guards it.
type PoolBuffer struct {
	Name string // the pool name, for the envelope and the log
	Size int    // buffer_size (at least 1)

	nextSerial uint64
	items      []Queued
}

// NewPoolBuffer returns an empty buffer for pool name.
func NewPoolBuffer(name string, size int) *PoolBuffer {
	return &PoolBuffer{Name: name, Size: max(size, 1)}
}

// NextPoolSerial returns the next serial of this pool (0 first).
func (b *PoolBuffer) NextPoolSerial() uint64 {
	n := b.nextSerial
	b.nextSerial++
	return n
}

// Len returns how many events wait.
func (b *PoolBuffer) Len() int { return len(b.items) }

// Push queues q at the tail (head=false) or, for an event put back, at the
// head. When the buffer is full it first discards the oldest event and
// returns it (ok=true) so that the caller logs Supervisor's overflow error.
// Supervisor discards the oldest even when q goes to the head.
func (b *PoolBuffer) Push(q Queued, head bool) (discarded Queued, ok bool) {
	if len(b.items) >= b.Size && len(b.items) > 0 {
		discarded, ok = b.items[0], true
		b.items[0] = Queued{}
		b.items = b.items[1:]
	}
	if head {
		b.items = append([]Queued{q}, b.items...)
	} else {
		b.items = append(b.items, q)
	}
	return discarded, ok
}

// Pop takes the oldest event.
func (b *PoolBuffer) Pop() (Queued, bool) {
	if len(b.items) == 0 {
		return Queued{}, false
	}
	q := b.items[0]
	b.items[0] = Queued{}
	b.items = b.items[1:]
	return q, true
}

// Items returns a copy of the waiting events, oldest first.
func (b *PoolBuffer) Items() []Queued { return append([]Queued(nil), b.items...) }
