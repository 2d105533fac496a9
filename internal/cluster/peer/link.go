package peer

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/supvisors-go/supvisors/internal/cluster/fsm"
	"github.com/supvisors-go/supvisors/internal/cluster/wire"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// caller is the part of xmlrpc.Client a link uses; tests give a fake.
type caller interface {
	Call(ctx context.Context, method string, params ...any) (any, error)
	Close()
}

// itemKind tells what a queued item is.
type itemKind int

const (
	// itemPublication is a sendRemoteCommEvent call; only these are
	// dropped when the queue is full.
	itemPublication itemKind = iota
	// itemHandshake is a CHECK_INSTANCE: the five getters.
	itemHandshake
	// itemRequest is one plain call whose answer is only logged
	// (supvisors.restart / shutdown forwarded to the Master).
	itemRequest
)

// item is one unit of work for a peer, done in queue order.
type item struct {
	kind   itemKind
	what   string // for logs: the publication kind or the method
	method string
	params []any
	gen    uint64 // itemHandshake: the CheckInstance generation
}

// defaultQueueSize bounds each peer's queue. A peer that does not answer
// receives a TICK every 5 s and little else, so this is minutes of
// traffic before anything is dropped.
const defaultQueueSize = 256

// outbox is the bounded FIFO of one peer. When full, the oldest queued
// publication makes room; handshakes and requests are never dropped (there
// is at most one handshake per CHECKING, and requests come from users).
type outbox struct {
	mu      sync.Mutex
	items   []item
	limit   int
	dropped uint64 // total publications dropped
	burst   uint64 // dropped since the queue was last empty
	wake    chan struct{}
	// closed refuses new items: the link is retiring (see link.retire).
	closed bool
}

func newOutbox(limit int) *outbox {
	if limit <= 0 {
		limit = defaultQueueSize
	}
	return &outbox{limit: limit, wake: make(chan struct{}, 1)}
}

// push queues it. It reports whether this push started a burst of drops,
// so that the caller logs once per burst.
func (o *outbox) push(it item) (burstStarted bool) {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return false
	}
	if len(o.items) >= o.limit {
		for i := range o.items {
			if o.items[i].kind == itemPublication {
				o.items = append(o.items[:i], o.items[i+1:]...)
				o.dropped++
				o.burst++
				burstStarted = o.burst == 1
				break
			}
		}
	}
	o.items = append(o.items, it)
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
	return burstStarted
}

// close refuses every later push and wakes the reader, which ends once it
// has taken what is left.
func (o *outbox) close() {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// drained reports a closed outbox with nothing left to take.
func (o *outbox) drained() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.closed && len(o.items) == 0
}

// pop takes the oldest item. When the queue becomes empty after a burst of
// drops, it returns how many were dropped in that burst.
func (o *outbox) pop() (it item, ok bool, burstEnded uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.items) == 0 {
		if o.burst > 0 {
			burstEnded, o.burst = o.burst, 0
		}
		return item{}, false, burstEnded
	}
	it = o.items[0]
	o.items[0] = item{}
	o.items = o.items[1:]
	return it, true, 0
}

// Dropped returns the total number of publications dropped.
func (o *outbox) Dropped() uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.dropped
}

// handshakeDone is the outcome of a CHECK_INSTANCE, sent to the node's
// goroutine: what fsm.HandshakeResult needs, plus what the node records.
type handshakeDone struct {
	peer string
	gen  uint64
	auth fsm.Authorization
	// network is the IDENTIFICATION: nil when get_network_info faulted.
	network *wire.NetworkInfo
	// accepted are the addresses from which this peer's publications are
	// accepted (names and IPs resolved here from its NICs).
	accepted []string
	modes    *wire.StateModes
	procs    wire.ProcessInfoList
}

// callFailed reports a call to the peer that failed at transport level.
type callFailed struct {
	peer string
	what string
	err  error
}

// link is the outgoing side of one peer: its queue and the goroutine that
// performs its calls in order, so that a slow or dead peer only delays
// itself.
type link struct {
	peer    string
	local   string          // our identifier, for get_instance_info
	strat   wire.Strategies // ours, compared with the peer's
	hostIPs []string        // the addresses its supvisors_list host resolves to here
	client  caller
	box     *outbox
	log     *slog.Logger
	report  func(ctx context.Context, v any)
	cancel  context.CancelFunc
	done    chan struct{}
}

// push queues it, logging the start of a burst of drops.
func (l *link) push(it item) {
	if l.box.push(it) {
		l.log.Warn("peer queue full: dropping the oldest publications", "peer", l.peer)
	}
}

// stop ends the goroutine; the queued items are forgotten.
func (l *link) stop() {
	l.cancel()
	<-l.done
}

// retire ends the link once the publications already queued are sent,
// without waiting for it. An isolated peer gets nothing new, but what was
// queued before the decision still goes out in order, as from Supvisors'
// FIFO proxy thread: in particular the TICK that lets the peer check us
// in turn, find itself isolated and isolate us (without it, a peer that
// missed our first tick would never hear of us). Handshakes still queued
// are dropped: their answer would be ignored.
func (l *link) retire() { l.box.close() }

func (l *link) run(ctx context.Context) {
	defer close(l.done)
	defer l.client.Close()
	for {
		it, ok, burst := l.box.pop()
		if burst > 0 {
			l.log.Warn("peer queue drained", "peer", l.peer, "dropped", burst)
		}
		if !ok {
			if l.box.drained() {
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-l.box.wake:
				continue
			}
		}
		if ctx.Err() != nil {
			return
		}
		switch it.kind {
		case itemHandshake:
			if l.retiring() {
				continue
			}
			l.report(ctx, l.handshake(ctx, it.gen))
		default:
			_, err := l.client.Call(ctx, it.method, it.params...)
			switch {
			case err == nil:
			case !transport(err):
				l.log.Warn("peer answered with a fault", "peer", l.peer, "call", it.what, "fault", err.Error())
			case ctx.Err() != nil:
				return
			default:
				l.report(ctx, callFailed{peer: l.peer, what: it.what, err: err})
			}
		}
	}
}

// retiring reports whether retire was called.
func (l *link) retiring() bool {
	l.box.mu.Lock()
	defer l.box.mu.Unlock()
	return l.box.closed
}

// transport reports whether err is a transport error (anything but an
// XML-RPC fault: refused, reset, time-out, HTTP status, bad answer).
func transport(err error) bool {
	var fault *xmlrpc.Fault
	return err != nil && !errors.As(err, &fault)
}

// handshake performs CHECK_INSTANCE on the peer: the calls of
// wire.HandshakeMethods in order, with Supvisors' decision table.
func (l *link) handshake(ctx context.Context, gen uint64) any {
	out := handshakeDone{peer: l.peer, gen: gen}
	failed := func(what string, err error) any {
		l.log.Debug("handshake failed", "peer", l.peer, "call", what, "error", err)
		return callFailed{peer: l.peer, what: what, err: err}
	}
	// 1. who the peer is (IDENTIFICATION); a fault is logged and the
	// handshake goes on, as Supvisors does.
	v, err := l.client.Call(ctx, wire.HandshakeMethods[0], l.peer)
	switch {
	case transport(err):
		return failed(wire.HandshakeMethods[0], err)
	case err != nil:
		l.log.Error("handshake: peer did not give its network info", "peer", l.peer, "fault", err.Error())
	default:
		if info, err := wire.NetworkInfoFromXMLRPC(v); err != nil {
			l.log.Error("handshake: bad network info", "peer", l.peer, "error", err)
		} else {
			out.network = &info
			out.accepted = acceptedAddresses(ctx, info, l.hostIPs)
		}
	}
	// 2. how the peer sees us, then 3. whether our strategies agree.
	v, err = l.client.Call(ctx, wire.HandshakeMethods[1], l.local)
	if transport(err) {
		return failed(wire.HandshakeMethods[1], err)
	}
	out.auth = fsm.Authorized
	if err != nil {
		l.log.Debug("handshake: peer does not know us yet", "peer", l.peer, "fault", err.Error())
		out.auth = fsm.AuthUnknown
		return out
	}
	infos, err := wire.InstanceInfoListFromXMLRPC(v)
	if err != nil || len(infos) == 0 {
		l.log.Error("handshake: bad instance info", "peer", l.peer, "error", err)
		out.auth = fsm.AuthUnknown
		return out
	}
	if code := infos[0].StateCode; code < int(fsm.Stopped) || code >= int(fsm.Isolated) {
		out.auth = fsm.NotAuthorized
		return out
	}
	v, err = l.client.Call(ctx, wire.HandshakeMethods[2])
	if transport(err) {
		return failed(wire.HandshakeMethods[2], err)
	}
	if err != nil {
		out.auth = fsm.Inconsistent
		return out
	}
	if s, err := wire.StrategiesFromXMLRPC(v); err != nil || s != l.strat {
		l.log.Error("handshake: strategies differ", "peer", l.peer, "theirs", v)
		out.auth = fsm.Inconsistent
		return out
	}
	// 4. its state and modes, 5. its processes.
	v, err = l.client.Call(ctx, wire.HandshakeMethods[3], l.peer)
	if transport(err) {
		return failed(wire.HandshakeMethods[3], err)
	}
	if err == nil {
		if list, err := wire.StateModesListFromXMLRPC(v); err == nil && len(list) == 1 {
			out.modes = &list[0]
		} else {
			l.log.Error("handshake: bad state modes", "peer", l.peer, "error", err)
		}
	}
	v, err = l.client.Call(ctx, wire.HandshakeMethods[4])
	if transport(err) {
		return failed(wire.HandshakeMethods[4], err)
	}
	if err != nil {
		// ALL_INFO null sends the peer back to STOPPED, retried later.
		out.auth = fsm.AuthUnknown
		return out
	}
	procs, err := wire.ProcessInfoListFromXMLRPC(v)
	if err != nil {
		l.log.Error("handshake: bad process list", "peer", l.peer, "error", err)
		out.auth = fsm.AuthUnknown
		return out
	}
	out.procs = procs
	return out
}

// acceptedAddresses are the names and IPv4 addresses a peer's
// publications may come from: what its NICs say, what our own reverse
// lookup of its NIC addresses gives, and the addresses of its
// supvisors_list host (so that an instance declared on a loopback
// address is accepted from there).
func acceptedAddresses(ctx context.Context, info wire.NetworkInfo, hostIPs []string) []string {
	var out []string
	add := func(s string) {
		if s != "" {
			out = append(out, s)
		}
	}
	for _, s := range hostIPs {
		add(s)
	}
	if info.Network == nil {
		return out
	}
	for _, a := range info.Network.Addresses {
		if a.NicInfo == nil {
			continue
		}
		add(a.NicInfo.IPv4Address)
		if ctx.Err() != nil {
			continue
		}
		name, aliases, ips := hostByAddr(a.NicInfo.IPv4Address)
		add(name)
		for _, s := range aliases {
			add(s)
		}
		for _, s := range ips {
			add(s)
		}
	}
	return out
}

// newLink starts the goroutine of one peer; wg, when not nil, counts it.
func newLink(ctx context.Context, l *link, wg *sync.WaitGroup) *link {
	ctx, l.cancel = context.WithCancel(ctx)
	l.done = make(chan struct{})
	if l.box == nil {
		l.box = newOutbox(defaultQueueSize)
	}
	if wg != nil {
		wg.Add(1)
	}
	go func() {
		if wg != nil {
			defer wg.Done()
		}
		l.run(ctx)
	}()
	return l
}
