package peer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/supvisors-go/supvisors/internal/cluster/fsm"
	"github.com/supvisors-go/supvisors/internal/cluster/wire"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

func TestOutboxDropsOldestPublication(t *testing.T) {
	pub := func(n int) item { return item{kind: itemPublication, what: fmt.Sprint(n)} }
	box := newOutbox(3)
	if box.push(item{kind: itemHandshake, what: "h"}) || box.push(pub(1)) || box.push(pub(2)) {
		t.Fatal("no drop expected below the limit")
	}
	if !box.push(pub(3)) {
		t.Error("the first drop starts a burst")
	}
	if box.push(pub(4)) {
		t.Error("the second drop of a burst is not reported again")
	}
	var got []string
	for {
		it, ok, burst := box.pop()
		if !ok {
			if burst != 2 {
				t.Errorf("burst ended with %d drops, want 2", burst)
			}
			break
		}
		got = append(got, it.what)
	}
	if want := []string{"h", "3", "4"}; !slices.Equal(got, want) {
		t.Errorf("queue %v, want %v (handshake kept, oldest publications dropped)", got, want)
	}
	if box.Dropped() != 2 {
		t.Errorf("dropped %d", box.Dropped())
	}
	if _, _, burst := box.pop(); burst != 0 {
		t.Error("a burst is reported once")
	}
}

func TestOutboxFullOfRequestsGrows(t *testing.T) {
	box := newOutbox(1)
	box.push(item{kind: itemRequest})
	if box.push(item{kind: itemRequest}) {
		t.Error("requests are never dropped")
	}
	if len(box.items) != 2 {
		t.Errorf("%d items", len(box.items))
	}
}

// scriptCaller answers calls from a table and records them. A method
// missing from the table blocks until the call's context ends.
type scriptCaller struct {
	mu      sync.Mutex
	answers map[string]func(params []any) (any, error)
	calls   []string
	closed  bool
}

func (c *scriptCaller) Call(ctx context.Context, method string, params ...any) (any, error) {
	c.mu.Lock()
	c.calls = append(c.calls, method)
	answer, ok := c.answers[method]
	c.mu.Unlock()
	if !ok {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return answer(params)
}

func (c *scriptCaller) Close() { c.mu.Lock(); c.closed = true; c.mu.Unlock() }

func (c *scriptCaller) called() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.calls)
}

func value(v any) func([]any) (any, error) { return func([]any) (any, error) { return v, nil } }
func fault(code int) func([]any) (any, error) {
	return func([]any) (any, error) { return nil, &xmlrpc.Fault{Code: errdefs.Code(code), String: "BAD_NAME: x"} }
}
func broken() func([]any) (any, error) {
	return func([]any) (any, error) { return nil, errors.New("connection refused") }
}

var ourStrategies = wire.Strategies{Starting: "CONFIG", Conciliation: "USER", SupvisorsFailure: "CONTINUE"}

func mustXMLRPC[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// handshakeAnswers are the answers of a healthy peer that sees us with
// statecode seen.
func handshakeAnswers(seen int) map[string]func([]any) (any, error) {
	info := wire.NetworkInfo{Identifier: "h:2", NickIdentifier: "B", HostID: "h", HTTPPort: 2, Stereotypes: []string{}}
	modes := wire.StateModes{Identifier: "h:2", NickIdentifier: "B", FSMStateCode: 4, FSMStateName: "OPERATION",
		InstanceStates: []wire.InstanceState{{Identifier: "h:2", State: "RUNNING"}}}
	return map[string]func([]any) (any, error){
		"supvisors.get_network_info":           value(mustXMLRPC(info.XMLRPC())),
		"supvisors.get_instance_info":          value(mustXMLRPC(wire.InstanceInfoList{{Identifier: "h:1", StateCode: seen}}.XMLRPC())),
		"supvisors.get_strategies":             value(mustXMLRPC(ourStrategies.XMLRPC())),
		"supvisors.get_instance_state_modes":   value(mustXMLRPC(wire.StateModesListXMLRPC([]wire.StateModes{modes}))),
		"supvisors.get_all_local_process_info": value([]any{}),
	}
}

func TestHandshakeDecisions(t *testing.T) {
	other := wire.Strategies{AutoFencing: true, Starting: "CONFIG", Conciliation: "USER", SupvisorsFailure: "CONTINUE"}
	tests := []struct {
		name   string
		change func(map[string]func([]any) (any, error))
		seen   int
		auth   fsm.Authorization
		calls  int
		failed bool
	}{
		{name: "authorized", auth: fsm.Authorized, calls: 5},
		{name: "peer does not know us", change: func(m map[string]func([]any) (any, error)) {
			m["supvisors.get_instance_info"] = fault(10)
		}, auth: fsm.AuthUnknown, calls: 2},
		{name: "peer isolated us", seen: 5, auth: fsm.NotAuthorized, calls: 2},
		{name: "invalid state code", seen: 9, auth: fsm.NotAuthorized, calls: 2},
		{name: "strategies differ", change: func(m map[string]func([]any) (any, error)) {
			m["supvisors.get_strategies"] = value(mustXMLRPC(other.XMLRPC()))
		}, auth: fsm.Inconsistent, calls: 3},
		{name: "no get_strategies", change: func(m map[string]func([]any) (any, error)) {
			m["supvisors.get_strategies"] = fault(1)
		}, auth: fsm.Inconsistent, calls: 3},
		{name: "network info fault goes on", change: func(m map[string]func([]any) (any, error)) {
			m["supvisors.get_network_info"] = fault(30)
		}, auth: fsm.Authorized, calls: 5},
		{name: "process list fault", change: func(m map[string]func([]any) (any, error)) {
			m["supvisors.get_all_local_process_info"] = fault(30)
		}, auth: fsm.AuthUnknown, calls: 5},
		{name: "transport error", change: func(m map[string]func([]any) (any, error)) {
			m["supvisors.get_strategies"] = broken()
		}, failed: true, calls: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answers := handshakeAnswers(tt.seen)
			if tt.change != nil {
				tt.change(answers)
			}
			c := &scriptCaller{answers: answers}
			l := &link{peer: "h:2", local: "h:1", strat: ourStrategies, client: c, log: slog.New(slog.DiscardHandler)}
			out := l.handshake(context.Background(), 7)
			if got := len(c.called()); got != tt.calls {
				t.Errorf("%d calls %v, want %d", got, c.called(), tt.calls)
			}
			if tt.failed {
				if _, ok := out.(callFailed); !ok {
					t.Fatalf("got %T, want callFailed", out)
				}
				return
			}
			done, ok := out.(handshakeDone)
			if !ok {
				t.Fatalf("got %T", out)
			}
			if done.auth != tt.auth || done.gen != 7 || done.peer != "h:2" {
				t.Errorf("got %s gen %d peer %s, want %s", done.auth, done.gen, done.peer, tt.auth)
			}
			if tt.auth == fsm.Authorized && (done.modes == nil || done.modes.FSMStateName != "OPERATION") {
				t.Errorf("modes %+v", done.modes)
			}
		})
	}
}

// TestSlowPeerDelaysOnlyItself runs two links: one peer never answers,
// the other gets every publication, in order.
func TestSlowPeerDelaysOnlyItself(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var reports []any
		report := func(_ context.Context, v any) { mu.Lock(); reports = append(reports, v); mu.Unlock() }
		var params []any
		fast := &scriptCaller{answers: map[string]func([]any) (any, error){
			wire.RemoteCommMethod: func(p []any) (any, error) { params = append(params, p[0]); return true, nil },
		}}
		slow := &scriptCaller{answers: map[string]func([]any) (any, error){}}
		ctx, cancel := context.WithCancel(context.Background())
		lf := newLink(ctx, &link{peer: "fast", client: fast, log: slog.New(slog.DiscardHandler), report: report}, nil)
		ls := newLink(ctx, &link{peer: "slow", client: slow, log: slog.New(slog.DiscardHandler), report: report}, nil)
		for i := range 5 {
			it := item{kind: itemPublication, method: wire.RemoteCommMethod, params: []any{i}}
			ls.push(it)
			lf.push(it)
		}
		synctest.Wait()
		if !slices.Equal(params, []any{0, 1, 2, 3, 4}) {
			t.Errorf("fast peer got %v", params)
		}
		if got := len(slow.called()); got != 1 {
			t.Errorf("slow peer got %d calls, want 1 in flight", got)
		}
		cancel()
		lf.stop()
		ls.stop()
		if len(reports) != 0 {
			t.Errorf("reports %v: a cancelled call is no failure", reports)
		}
		if !fast.closed || !slow.closed {
			t.Error("clients not closed")
		}
	})
}

func TestTransportErrorsAreReportedFaultsAreNot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var reports []any
		c := &scriptCaller{answers: map[string]func([]any) (any, error){
			"supvisors.restart":   fault(101),
			wire.RemoteCommMethod: broken(),
		}}
		l := newLink(context.Background(), &link{peer: "p", client: c, log: slog.New(slog.DiscardHandler),
			report: func(_ context.Context, v any) { reports = append(reports, v) }}, nil)
		l.push(item{kind: itemRequest, what: "RESTART_ALL", method: "supvisors.restart"})
		l.push(item{kind: itemPublication, what: "TICK", method: wire.RemoteCommMethod})
		synctest.Wait()
		l.stop()
		if len(reports) != 1 {
			t.Fatalf("reports %v", reports)
		}
		if f, ok := reports[0].(callFailed); !ok || f.peer != "p" || f.what != "TICK" {
			t.Errorf("report %+v", reports[0])
		}
	})
}

func TestRetireSendsWhatIsQueuedThenEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		gate := make(chan struct{})
		c := &scriptCaller{answers: map[string]func([]any) (any, error){
			"supvisors.get_network_info": func([]any) (any, error) { <-gate; return nil, errors.New("refused") },
			wire.RemoteCommMethod:        value(true),
		}}
		l := newLink(context.Background(), &link{peer: "p", client: c, log: slog.New(slog.DiscardHandler),
			report: func(context.Context, any) {}}, nil)
		// A handshake in flight, then a TICK and another handshake queued
		// behind it when the peer gets isolated.
		l.push(item{kind: itemHandshake, gen: 1})
		synctest.Wait()
		l.push(item{kind: itemPublication, what: "TICK", method: wire.RemoteCommMethod})
		l.push(item{kind: itemHandshake, gen: 2})
		l.retire()
		l.push(item{kind: itemPublication, what: "STATE", method: wire.RemoteCommMethod})
		close(gate)
		<-l.done
		want := []string{"supvisors.get_network_info", wire.RemoteCommMethod}
		if got := c.called(); !slices.Equal(got, want) {
			t.Errorf("calls %v, want %v: the queued TICK goes out, the queued handshake and later pushes do not", got, want)
		}
		if !c.closed {
			t.Error("client not closed")
		}
	})
}
