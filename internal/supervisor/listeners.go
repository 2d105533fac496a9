package supervisor

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/events"
	"github.com/supvisors-go/supvisors/internal/logs"
	"github.com/supvisors-go/supvisors/internal/process"
	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// Event listener pools, as Supervisor's EventListenerPool: every event a
// pool subscribes to is accepted into its buffer in the same critical
// section (evMu) as the bus publication, from whatever goroutine publishes
// it; the loop dispatches the buffer to READY listeners on every pass, and
// runs each listener's protocol core on what the listener writes to
// stdout. Writes to a listener's stdin happen on a goroutine of their own,
// so a listener that stops reading can never hold up the loop.

// globalSerials is the default event serial counter: package-level, like
// Supervisor's, so that the serials of an engine created for a restart
// carry on from the previous one.
var globalSerials events.SerialCounter

// pool is the event side of an active [eventlistener:x] group.
type pool struct {
	g          *group
	subscribed []string
	buf        *events.PoolBuffer // guarded by Supervisor.evMu
	discarded  uint64             // overflow count, guarded by Supervisor.evMu
}

// listenerChunk is one read from a listener's stdout, for the loop.
type listenerChunk struct {
	p    *proc
	gen  int
	data []byte
}

// newPool registers the pool of an event listener group; its buffer takes
// the events published from now on (Supervisor subscribes the pool before
// announcing the group, so a pool sees its own PROCESS_GROUP_ADDED).
func (s *Supervisor) newPool(g *group) {
	gc := g.cfg
	if gc.ResultHandler != "" && gc.ResultHandler != config.DefaultResultHandler {
		s.log.Warn(fmt.Sprintf("%s: result_handler %s is not supported, the default handler is used", gc.Name, gc.ResultHandler))
	}
	pl := &pool{g: g, subscribed: gc.Events, buf: events.NewPoolBuffer(gc.Name, gc.BufferSize)}
	g.pool = pl
	s.evMu.Lock()
	s.pools = append(s.pools, pl)
	s.evMu.Unlock()
}

// dropPool unsubscribes the pool of a group being removed.
func (s *Supervisor) dropPool(g *group) {
	if g.pool == nil {
		return
	}
	s.evMu.Lock()
	for i, pl := range s.pools {
		if pl == g.pool {
			s.pools = append(s.pools[:i], s.pools[i+1:]...)
			break
		}
	}
	s.evMu.Unlock()
}

// publish sends ev to the bus and to every pool that subscribes to it, in
// one total order; it never blocks on a subscriber. Any goroutine may call
// it.
func (s *Supervisor) publish(ev events.Event) {
	s.evMu.Lock()
	s.bus.Publish(ev)
	accepted := false
	var serial uint64
	for _, pl := range s.pools {
		n := events.Subscriptions(pl.subscribed, ev.Name())
		if n == 0 {
			continue
		}
		if !accepted {
			serial = s.serials.Next()
			accepted = true
		}
		q := events.Queued{Event: ev, Serial: serial, PoolSerial: pl.buf.NextPoolSerial()}
		s.acceptLocked(pl, q, false, false)
		// One callback per matching events= name in Supervisor: the
		// second and later ones queue the same event again.
		for range n - 1 {
			s.acceptLocked(pl, q, false, true)
		}
	}
	s.evMu.Unlock()
	if accepted {
		s.poke()
	}
}

// acceptLocked queues q in pl, with Supervisor's overflow and rebuffer
// logs. evMu is held.
func (s *Supervisor) acceptLocked(pl *pool, q events.Queued, head, again bool) {
	if again {
		s.log.Debug(fmt.Sprintf("rebuffering event %d for pool %s (buf size=%d, max=%d)", q.Serial, pl.buf.Name, pl.buf.Len(), pl.buf.Size))
	}
	if old, ok := pl.buf.Push(q, head); ok {
		pl.discarded++
		s.log.Error(fmt.Sprintf("pool %s event buffer overflowed, discarding event %d", pl.buf.Name, old.Serial))
	}
}

// rebuffer puts an event a listener did not process back at the head of
// its pool.
func (s *Supervisor) rebuffer(p *proc, q *events.Queued) {
	pl := p.group.pool
	if pl == nil || q == nil {
		return
	}
	s.evMu.Lock()
	s.acceptLocked(pl, *q, true, true)
	s.evMu.Unlock()
	s.poke()
}

// dispatchable tells whether p may be sent an event now.
func dispatchable(p *proc) bool {
	return p.m.State() == process.Running && p.listener != nil &&
		p.listener.State() == events.ListenerReady && p.stdin != nil
}

// dispatchPool is Supervisor's EventListenerPool.transition/dispatch: when
// a listener is ready, hand it the oldest events, one per ready listener,
// until none is left ready.
func (s *Supervisor) dispatchPool(pl *pool) {
	capable := false
	for _, p := range pl.g.procs {
		if dispatchable(p) {
			capable = true
			break
		}
	}
	if !capable {
		return
	}
	s.evMu.Lock()
	defer s.evMu.Unlock()
	for {
		q, ok := pl.buf.Pop()
		if !ok {
			return
		}
		if !s.sendEvent(pl, q) {
			s.acceptLocked(pl, q, true, true)
			return
		}
	}
}

// sendEvent gives q to the first ready listener of the pool, in the
// pool's process order.
func (s *Supervisor) sendEvent(pl *pool, q events.Queued) bool {
	for _, p := range pl.g.procs {
		if !dispatchable(p) {
			continue
		}
		env := events.Envelope(s.identifier, q.Serial, pl.buf.Name, q.PoolSerial, q.Event)
		s.writeListener(p, q.Serial, env)
		s.listenerStateChanged(p, p.listener.Dispatched())
		p.inflight = &q
		s.log.Debug(fmt.Sprintf("event %d sent to listener %s", q.Serial, p.cfg.Name))
		return true
	}
	return false
}

// writeListener writes an envelope to p's stdin on its own goroutine. A
// listener that does not read blocks that goroutine only; it ends when the
// listener dies and its stdin is closed. The listener is BUSY meanwhile, so
// at most one envelope per listener is ever being written.
func (s *Supervisor) writeListener(p *proc, serial uint64, env []byte) {
	stdin := p.stdin
	name := p.cfg.Name
	s.listenerWriters.Add(1)
	go func() {
		defer s.listenerWriters.Done()
		p.stdinMu.Lock()
		defer p.stdinMu.Unlock()
		if _, err := stdin.Write(env); err != nil {
			// The listener died: its exit puts the event back.
			s.log.Debug(fmt.Sprintf("epipe occurred while sending event %d to listener %s: %v", serial, name, err))
		}
	}()
}

// listenerStateChanged logs a listener state change as Supervisor does.
func (s *Supervisor) listenerStateChanged(p *proc, a events.ListenerAction) {
	s.log.Debug(fmt.Sprintf("%s: %s -> %s", p.cfg.Name, a.From, a.To))
	if a.To == events.ListenerUnknown {
		s.log.Warn(fmt.Sprintf("%s: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol", p.cfg.Name))
	}
}

// handleListenerOutput runs a listener's protocol core on a chunk of its
// stdout and carries out the result.
func (s *Supervisor) handleListenerOutput(c listenerChunk) {
	p := c.p
	if c.gen != p.gen || p.listener == nil {
		return
	}
	for _, a := range p.listener.Feed(c.data) {
		switch a.Kind {
		case events.ActStateChange:
			s.listenerStateChanged(p, a)
			if a.To == events.ListenerUnknown && p.inflight != nil {
				// Only after a bad result line: the event goes back.
				s.rebuffer(p, p.inflight)
				p.inflight = nil
			}
			if a.To == events.ListenerReady {
				p.inflight = nil
			}
		case events.ActBadResultLine:
			s.log.Warn(fmt.Sprintf("%s: bad result line: '%s'", p.cfg.Name, a.Line))
		case events.ActResult:
			q := p.inflight
			p.inflight = nil
			if a.Accepted {
				s.log.Debug(fmt.Sprintf("%s: event was processed", p.cfg.Name))
			} else {
				s.log.Warn(fmt.Sprintf("%s: event was rejected", p.cfg.Name))
				s.rebuffer(p, q)
			}
		}
	}
}

// listenerExited puts back the event a dead listener was processing.
func (s *Supervisor) listenerExited(p *proc) {
	if p.inflight != nil {
		s.rebuffer(p, p.inflight)
		p.inflight = nil
	}
}

// pumpListener reads a listener's stdout: each chunk goes to its log
// channel (file and debug copy) and to the loop for the protocol. It ends
// at end of file, or early when the loop is gone.
func (s *Supervisor) pumpListener(r io.ReadCloser, p *proc, gen int, pumps *sync.WaitGroup) {
	if r == nil {
		return
	}
	ch := p.stdout
	pumps.Add(1)
	s.pumpWG.Add(1)
	go func() {
		defer s.pumpWG.Done()
		defer pumps.Done()
		defer r.Close()
		buf := make([]byte, 128<<10)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				data := append([]byte(nil), buf[:n]...)
				if ch != nil {
					ch.Write(data)
				}
				select {
				case s.listenerOut <- listenerChunk{p: p, gen: gen, data: data}:
				case <-s.loopDone:
					return
				}
			}
			if err != nil {
				if ch != nil {
					ch.Flush()
				}
				return
			}
		}
	}()
}

// listenerDebug is the main-log copy of a listener's stdout at debug level:
// Supervisor shows the bytes' repr there, not the text.
func (s *Supervisor) listenerDebug(name string) func([]byte) {
	if !s.log.Enabled(context.Background(), logs.LevelDebug) {
		return nil
	}
	return func(data []byte) {
		s.log.Debug(pyfmt.Repr(name) + " stdout output:\n" + events.BytesRepr(data))
	}
}

// Notify publishes an event that does not come from the engine's own state
// changes (Supvisors' PROCESS_ADDED, PROCESS_REMOVED, PROCESS_ENABLED,
// PROCESS_DISABLED, emitted by the cluster layer) to the bus and to the
// listener pools, in the same total order as the engine's events.
func (s *Supervisor) Notify(ev events.Event) { s.publish(ev) }

// PoolStats describes the buffer of one event listener pool, for /metrics
// and diagnostics.
type PoolStats struct {
	Name      string
	Buffered  int    // events waiting for a READY listener
	Size      int    // buffer_size
	Discarded uint64 // events dropped by overflow since the pool was created
}

// ListenerPoolStats returns the state of every active listener pool, in
// creation order.
func (s *Supervisor) ListenerPoolStats() []PoolStats {
	s.evMu.Lock()
	defer s.evMu.Unlock()
	out := make([]PoolStats, 0, len(s.pools))
	for _, pl := range s.pools {
		out = append(out, PoolStats{Name: pl.buf.Name, Buffered: pl.buf.Len(), Size: pl.buf.Size, Discarded: pl.discarded})
	}
	return out
}

// The ordered stop lets the listeners of a pool finish the events they are
// processing before stopping them, for as long as the pool's stopwaitsecs.
//
// Supervisor's shutdown retires one group per main-loop pass, each pass
// waiting up to a second for I/O, so listeners (priority -1, stopped last)
// in practice get SUPERVISOR_STATE_CHANGE_STOPPING and the last events
// before their SIGTERM. Our loop retires every finished group in one pass;
// the grace gives listeners the same chance even on a loaded machine, and a
// stuck listener holds the shutdown no longer than stopping it would if it
// ignored its SIGTERM.
func poolStopGrace(g *group) time.Duration {
	grace := time.Second
	for _, p := range g.procs {
		if d := time.Duration(p.cfg.Stopwaitsecs) * time.Second; d > grace {
			grace = d
		}
	}
	return grace
}

// holdPoolStop tells whether the ordered stop should wait before stopping
// g: g is a pool with a listener processing an event (the step dispatched
// waiting events to ready listeners just before), and the grace has not
// run out.
func (s *Supervisor) holdPoolStop(g *group, now time.Time) bool {
	if g.pool == nil {
		return false
	}
	busy := false
	for _, p := range g.procs {
		if p.m.State() == process.Running && p.listener != nil && p.listener.State() == events.ListenerBusy {
			busy = true
			break
		}
	}
	if !busy {
		s.poolStopHold = time.Time{}
		return false
	}
	if s.poolStopHold.IsZero() {
		s.poolStopHold = now.Add(poolStopGrace(g))
	}
	if now.Before(s.poolStopHold) {
		return true
	}
	s.poolStopHold = time.Time{}
	return false
}
