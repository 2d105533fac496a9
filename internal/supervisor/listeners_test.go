package supervisor

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/events"
	"github.com/supvisors-go/supvisors/internal/events/eventstest"
)

// poolOf wraps listener processes into an [eventlistener:x] pool.
func poolOf(name string, subscribed []string, bufferSize int, procs ...*config.Process) *config.Group {
	g := groupOf(name, -1, procs...)
	g.Kind = config.EventListenerPool
	g.Events = subscribed
	g.BufferSize = bufferSize
	g.ResultHandler = config.DefaultResultHandler
	return g
}

// recorderProc is a childutils listener (testdata/listeners/recorder.py)
// appending what it receives to records.
func recorderProc(t *testing.T, name, records string, mods ...func(*config.Process)) *config.Process {
	script := filepath.Join(listenersDir(t), "recorder.py")
	return prog(name, "/usr/bin/python3 "+script+" "+records+" "+records+".crashed", mods...)
}

func readRecords(t *testing.T, path string) []listenerRecord {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []listenerRecord
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r listenerRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			continue // a line being written
		}
		out = append(out, r)
	}
	return out
}

// waitRecords polls the records until done says they are complete.
func (h *harness) waitRecords(path string, what string, done func([]listenerRecord) bool) []listenerRecord {
	h.t.Helper()
	for {
		recs := readRecords(h.t, path)
		if done(recs) {
			return recs
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-h.ctx.Done():
			h.t.Fatalf("listener records never showed %s; records: %+v\nlog:\n%s", what, recs, strings.Join(h.log.all(), "\n"))
		}
	}
}

func countRemote(recs []listenerRecord, typ string) (n int) {
	for _, r := range recs {
		if r.Eventname == "REMOTE_COMMUNICATION" && strings.HasPrefix(r.Payload, "type:"+typ+"\n") {
			n++
		}
	}
	return n
}

// A listener that dies while processing an event gets it again once
// respawned: nothing is lost, and the serial is the same.
func TestListenerCrashRequeuesEvent(t *testing.T) {
	requireDebianSupervisor(t, false)
	records := filepath.Join(t.TempDir(), "records.jsonl")
	cfg := cfgOf(t, poolOf("crashy", []string{"REMOTE_COMMUNICATION"}, 10,
		recorderProc(t, "crashy", records, func(p *config.Process) { p.Autostart = true; p.Startsecs = 1 })))
	h := start(t, cfg)
	h.waitState("crashy", "RUNNING")
	h.s.SendRemoteCommEvent("before", "1")
	h.s.Notify(events.ProcessChange{Change: "ENABLED", ProcessName: "x", GroupName: "y"}) // not subscribed
	h.s.SendRemoteCommEvent("crashonce", "2")
	h.s.SendRemoteCommEvent("after", "3")
	recs := h.waitRecords(records, "the event after the crash", func(r []listenerRecord) bool { return countRemote(r, "after") == 1 })
	var got []string
	for _, r := range recs {
		got = append(got, r.Serial+" "+strings.SplitN(r.Payload, "\n", 2)[0]+" "+r.Result)
	}
	want := []string{"0 type:before OK", "1 type:crashonce CRASH", "1 type:crashonce OK", "2 type:after OK"}
	// Serials are global to the process: compare them relative to the first.
	base, _ := strconv.Atoi(recs[0].Serial)
	for i := range got {
		f := strings.SplitN(got[i], " ", 2)
		n, _ := strconv.Atoi(f[0])
		got[i] = strconv.Itoa(n-base) + " " + f[1]
	}
	if !slices.Equal(got, want) {
		t.Fatalf("deliveries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	h.log.wait(t, "exited: crashy (exit status 1; not expected)")
}

// A slow listener with a small buffer: the oldest events are discarded
// and logged, every other event is delivered once, in order, and process
// starts are not held up meanwhile.
func TestSlowListenerOverflowDiscardsOldest(t *testing.T) {
	requireDebianSupervisor(t, false)
	records := filepath.Join(t.TempDir(), "records.jsonl")
	slow := recorderProc(t, "slow", records, func(p *config.Process) {
		p.Autostart = true
		p.Environment = []config.EnvVar{{Key: "RECORDER_SLEEP", Value: "0.3"}}
	})
	cfg := cfgOf(t, poolOf("slow", []string{"REMOTE_COMMUNICATION"}, 2, slow), groupOf("sleeper", 999, prog("sleeper", "sleep 1000")))
	h := start(t, cfg)
	h.waitState("slow", "RUNNING")
	const sent = 8
	for i := range sent {
		h.s.SendRemoteCommEvent("burst", strconv.Itoa(i))
	}
	// The listener is busy: starting a program does not wait for it.
	if err := h.s.StartProcess(h.ctx, "sleeper", true); err != nil {
		t.Fatalf("StartProcess while the listener is busy: %v", err)
	}
	h.waitState("sleeper", "RUNNING")

	discarded := map[string]bool{}
	re := regexp.MustCompile(`ERRO pool slow event buffer overflowed, discarding event (\d+)`)
	recs := h.waitRecords(records, "every kept event", func(r []listenerRecord) bool {
		for _, l := range h.log.all() {
			if m := re.FindStringSubmatch(l); m != nil {
				discarded[m[1]] = true
			}
		}
		return len(r)+len(discarded) == sent
	})
	if len(discarded) == 0 {
		t.Fatalf("no overflow with buffer_size=2 and %d events", sent)
	}
	if st := h.s.ListenerPoolStats(); len(st) != 1 || st[0].Name != "slow" || st[0].Size != 2 || st[0].Discarded != uint64(len(discarded)) {
		t.Errorf("pool stats %+v, want %d discarded", st, len(discarded))
	}
	last := -1
	for _, r := range recs {
		n, _ := strconv.Atoi(r.Serial)
		if discarded[r.Serial] || n <= last {
			t.Fatalf("event %s delivered out of order or after being discarded; records %+v", r.Serial, recs)
		}
		last = n
	}
	// Nothing more arrives: the discarded events are really gone.
	if got := countRemote(readRecords(t, records), "burst"); got != sent-len(discarded) {
		t.Fatalf("%d delivered, want %d", got, sent-len(discarded))
	}
}

// numprocs listeners share one queue: each event goes to one of them, and
// a FAIL sends it back to the head of the shared buffer.
func TestPoolOfListenersSharesQueue(t *testing.T) {
	requireDebianSupervisor(t, false)
	records := filepath.Join(t.TempDir(), "records.jsonl")
	var procs []*config.Process
	for i := range 2 {
		procs = append(procs, recorderProc(t, fmt.Sprintf("multi_%d", i), records, func(p *config.Process) {
			p.Autostart = true
			p.Environment = []config.EnvVar{{Key: "RECORDER_SLEEP", Value: "0.2"}}
		}))
	}
	cfg := cfgOf(t, poolOf("multi", []string{"REMOTE_COMMUNICATION"}, 10, procs...))
	h := start(t, cfg)
	h.waitState("multi:multi_0", "RUNNING")
	h.waitState("multi:multi_1", "RUNNING")
	const sent = 6
	for i := range sent {
		typ := "share"
		if i == 2 {
			typ = "failonce"
		}
		h.s.SendRemoteCommEvent(typ, strconv.Itoa(i))
	}
	recs := h.waitRecords(records, "every event acknowledged", func(r []listenerRecord) bool {
		ok := 0
		for _, x := range r {
			if x.Result == "OK" {
				ok++
			}
		}
		return ok == sent
	})
	by := map[string]int{}
	serials := map[string]int{}
	for _, r := range recs {
		by[r.Listener]++
		if r.Result == "OK" {
			serials[r.Serial]++
		}
		if r.Pool != "multi" || r.Server != "enginetest" || r.Ver != "3.0" {
			t.Errorf("header of %+v", r)
		}
	}
	if by["multi_0"] == 0 || by["multi_1"] == 0 {
		t.Errorf("one listener got everything: %v", by)
	}
	for s, n := range serials {
		if n != 1 {
			t.Errorf("event %s acknowledged %d times", s, n)
		}
	}
	// Each recorder fails a failonce event once: one or two FAILs,
	// depending on which listener gets it back.
	if fails := len(recs) - sent; len(serials) != sent || fails < 1 || fails > 2 {
		t.Errorf("%d events acknowledged in %d deliveries, want %d with 1 or 2 more for FAIL", len(serials), len(recs), sent)
	}
}

// Protocol violations: output before READY makes the listener UNKNOWN for
// good; a bad result line too, and its event goes back to the buffer.
func TestListenerProtocolViolations(t *testing.T) {
	chatty := prog("chatty", `sh -c 'printf "HELLO THERE\n"; exec sleep 1000'`, func(p *config.Process) { p.Autostart = true })
	badres := prog("badres", `sh -c 'printf "READY\n"; read header; printf "RESULT x\n"; exec sleep 1000'`, func(p *config.Process) { p.Autostart = true })
	cfg := cfgOf(t,
		poolOf("chatty", []string{"TICK_5"}, 10, chatty),
		poolOf("badres", []string{"REMOTE_COMMUNICATION"}, 10, badres))
	h := start(t, cfg)
	h.log.wait(t, "WARN chatty: has entered the UNKNOWN state and will no longer receive events, this usually indicates the process violated the eventlistener protocol")
	h.waitState("badres", "RUNNING")
	h.log.wait(t, "DEBG badres: ACKNOWLEDGED -> READY")
	// The main-log copy of a listener's stdout shows the bytes' repr.
	h.log.wait(t, "DEBG 'badres' stdout output:\nb'READY\\n'")
	h.s.SendRemoteCommEvent("x", "y")
	h.log.wait(t, "WARN badres: bad result line: 'RESULT x'")
	h.log.wait(t, "WARN badres: has entered the UNKNOWN state")
	for {
		h.s.evMu.Lock()
		n := h.s.groups["badres"].pool.buf.Len()
		h.s.evMu.Unlock()
		if n == 1 {
			break
		}
		select {
		case <-time.After(10 * time.Millisecond):
		case <-h.ctx.Done():
			t.Fatalf("rejected event not back in the buffer (len %d)", n)
		}
	}
}

// The bus sees the same events, in the same order, as the pools.
func TestBusAndPoolsShareOneOrder(t *testing.T) {
	listener := prog("quiet", `sh -c 'exec sleep 1000'`, func(p *config.Process) { p.Autostart = true })
	cfg := cfgOf(t, poolOf("quiet", []string{"EVENT", "PROCESS_STATE"}, 100, listener))
	h := start(t, cfg)
	w := eventstest.Watch(t, h.bus)
	h.s.SendRemoteCommEvent("a", "1")
	h.s.SignalProcess("quiet", 15) // ends it: state events
	w.WaitSequence(h.ctx, t,
		eventstest.Name("REMOTE_COMMUNICATION", "type:a"),
		eventstest.Name("PROCESS_STATE_EXITED", "processname:quiet"))
	h.s.evMu.Lock()
	items := h.s.groups["quiet"].pool.buf.Items()
	h.s.evMu.Unlock()
	var inPool []string
	last := map[uint64]bool{}
	for _, q := range items {
		// PROCESS_STATE events come twice (EVENT and PROCESS_STATE both
		// match), with one serial: keep the first copy.
		if last[q.Serial] {
			if !strings.HasPrefix(q.Event.Name(), "PROCESS_STATE") {
				t.Errorf("%s queued twice", q.Event.Name())
			}
			continue
		}
		last[q.Serial] = true
		inPool = append(inPool, q.Event.Name())
	}
	var onBus []string
	for _, ev := range w.Seen() {
		onBus = append(onBus, ev.Name())
	}
	// The watcher started just before REMOTE_COMMUNICATION and stopped
	// reading at EXITED; the pool went on queueing.
	i := slices.Index(inPool, "REMOTE_COMMUNICATION")
	if i < 0 || len(inPool) < i+len(onBus) || !slices.Equal(inPool[i:i+len(onBus)], onBus) {
		t.Fatalf("pool order %v, bus order %v", inPool, onBus)
	}
}

// A listener that takes an event and never answers holds up nothing: the
// other programs start and stop, more events queue, and the shutdown
// stops it after a short grace.
func TestStuckListenerHoldsNothingUp(t *testing.T) {
	stuck := prog("stuck", `sh -c 'printf "READY\n"; exec sleep 1000'`, func(p *config.Process) { p.Autostart = true })
	cfg := cfgOf(t, poolOf("stuck", []string{"REMOTE_COMMUNICATION", "PROCESS_STATE"}, 3, stuck),
		groupOf("worker", 999, prog("worker", "sleep 1000")))
	h := start(t, cfg)
	h.log.wait(t, "DEBG stuck: ACKNOWLEDGED -> READY")
	h.s.SendRemoteCommEvent("first", "")
	h.log.wait(t, "DEBG stuck: READY -> BUSY")
	for range 3 {
		if err := h.s.StartProcess(h.ctx, "worker", true); err != nil {
			t.Fatalf("StartProcess: %v", err)
		}
		if err := h.s.StopProcess(h.ctx, "worker", true); err != nil {
			t.Fatalf("StopProcess: %v", err)
		}
	}
	h.log.wait(t, "ERRO pool stuck event buffer overflowed, discarding event")
	if err := h.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	h.log.wait(t, "stopped: stuck (terminated by SIGTERM)")
}
