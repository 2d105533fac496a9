package supervisor

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/events"
	"github.com/supvisors-go/supvisors/internal/process"
)

// fakeEngine runs an engine on a FakeSpawner inside a synctest bubble.
func fakeEngine(t *testing.T, fake *process.FakeSpawner, groups ...*config.Group) (*Supervisor, *recorder, func()) {
	for _, g := range groups {
		for _, p := range g.Processes {
			p.Command = "/bin/sh" // resolvable; the fake runs nothing
			p.Stdout.Logfile, p.Stderr.Logfile = "", ""
		}
	}
	cfg := &config.Config{Supervisord: config.Supervisord{Nocleanup: true, Identifier: "fake"}, Groups: groups}
	rec := newRecorder()
	s, err := New(Options{Config: cfg, Logger: slog.New(rec), Bus: events.NewBus(), Environ: os.Environ(), Spawner: fake})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()
	return s, rec, func() {
		s.Shutdown()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
}

func TestBackoffDelaysGrow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := &process.FakeSpawner{Behave: func(process.SpawnSpec) process.FakeBehaviour {
			return process.FakeBehaviour{ExitAfter: 500 * time.Millisecond, ExitStatus: process.ExitedWith(1)}
		}}
		start := time.Now()
		s, rec, stop := fakeEngine(t, fake, groupOf("flappy", 1, prog("flappy", "", autostart, func(p *config.Process) {
			p.Startsecs = 1
			p.Startretries = 3
		})))
		time.Sleep(time.Minute)
		synctest.Wait()
		info, _ := s.ProcessInfo("flappy")
		if info.StateName != "FATAL" {
			t.Fatalf("state %s, want FATAL", info.StateName)
		}
		// Spawn, exit after 0.5 s, wait 1 s, 2 s, 3 s between retries:
		// 4 spawns = startretries+1.
		want := []time.Duration{0, 1500 * time.Millisecond, 4 * time.Second, 7500 * time.Millisecond}
		kids := fake.Children()
		if len(kids) != len(want) {
			t.Fatalf("%d spawns, want %d", len(kids), len(want))
		}
		for i, c := range kids {
			if got := c.SpawnedAt.Sub(start).Round(time.Millisecond); got != want[i] {
				t.Errorf("spawn %d at %v, want %v", i, got, want[i])
			}
		}
		if rec.index("gave up: flappy entered FATAL state") < 0 {
			t.Error("no gave up line")
		}
		stop()
	})
}

func TestStopwaitsecsRepeatsSIGKILL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := &process.FakeSpawner{Behave: func(process.SpawnSpec) process.FakeBehaviour {
			return process.FakeBehaviour{Unkillable: true}
		}}
		s, _, stop := fakeEngine(t, fake, groupOf("stuck", 1, prog("stuck", "", autostart, func(p *config.Process) {
			p.Startsecs = 1
			p.Stopwaitsecs = 3
		})))
		time.Sleep(2 * time.Second)
		synctest.Wait()
		t0 := time.Now()
		if err := s.StopProcess(context.Background(), "stuck", false); err != nil {
			t.Fatal(err)
		}
		time.Sleep(7 * time.Second)
		synctest.Wait()
		kid := fake.Children()[0]
		sigs, times := kid.Signals(), kid.SignalTimes()
		want := []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL, syscall.SIGKILL}
		if len(sigs) != len(want) {
			t.Fatalf("signals %v, want %v", sigs, want)
		}
		for i := range want {
			if sigs[i] != want[i] || times[i].Sub(t0) != time.Duration(3*i)*time.Second {
				t.Errorf("signal %d: %v after %v, want %v after %ds", i, sigs[i], times[i].Sub(t0), want[i], 3*i)
			}
		}
		kid.Exit(process.KilledBy(syscall.SIGKILL))
		synctest.Wait()
		stop()
	})
}

func TestWaitDoesNotBlockTheLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := &process.FakeSpawner{}
		s, _, stop := fakeEngine(t, fake,
			groupOf("slow", 1, prog("slow", "", func(p *config.Process) { p.Startsecs = 10 })),
			groupOf("quick", 2, prog("quick", "")),
		)
		ctx, cancel := context.WithCancel(context.Background())
		waited := make(chan error, 1)
		go func() { waited <- s.StartProcess(ctx, "slow", true) }()
		synctest.Wait()
		// While a caller waits for "slow", others are served at once.
		if err := s.StartProcess(context.Background(), "quick", true); err != nil {
			t.Fatal(err)
		}
		if info, _ := s.ProcessInfo("slow"); info.StateName != "STARTING" {
			t.Errorf("slow is %s", info.StateName)
		}
		cancel()
		if err := <-waited; err != context.Canceled {
			t.Errorf("cancelled wait: %v", err)
		}
		// A second start while STARTING is ALREADY_STARTED; startsecs later
		// the process is RUNNING.
		go func() { waited <- s.StartProcess(context.Background(), "slow", true) }()
		time.Sleep(11 * time.Second)
		if err := <-waited; err == nil || err.Error() != "ALREADY_STARTED: slow" {
			t.Errorf("second start: %v", err)
		}
		if info, _ := s.ProcessInfo("slow"); info.StateName != "RUNNING" {
			t.Errorf("slow is %s after startsecs", info.StateName)
		}
		stop()
	})
}

func TestTicks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s, _, stop := fakeEngine(t, &process.FakeSpawner{})
		sub := s.bus.Subscribe(100)
		// The bubble's clock starts at midnight UTC 2000-01-01, a multiple
		// of every period: the first slice is the starting one, no tick.
		time.Sleep(61 * time.Second)
		synctest.Wait()
		var got []string
	loop:
		for {
			select {
			case ev := <-sub.Events():
				if strings.HasPrefix(ev.Name(), "TICK_") {
					got = append(got, ev.Name()+" "+ev.Payload())
				}
			default:
				break loop
			}
		}
		base := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
		var want []string
		for i := int64(1); i <= 12; i++ {
			want = append(want, fmt.Sprintf("TICK_5 when:%d", base+5*i))
			if i == 12 {
				want = append(want, fmt.Sprintf("TICK_60 when:%d", base+60))
			}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("ticks:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		sub.Close()
		stop()
	})
}

func TestShutdownGivesUpBackoffAndSignalErrorsAreUnknown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := &process.FakeSpawner{
			Fail: func(spec process.SpawnSpec) *process.SpawnError {
				if spec.Name == "failing" {
					return &process.SpawnError{Msg: "couldn't exec x: ENOENT"}
				}
				return nil
			},
			Behave: func(spec process.SpawnSpec) process.FakeBehaviour {
				return process.FakeBehaviour{SignalErr: syscall.EPERM}
			},
		}
		s, rec, stop := fakeEngine(t, fake,
			groupOf("failing", 1, prog("failing", "", autostart, func(p *config.Process) { p.Startretries = 100 })),
			groupOf("denied", 2, prog("denied", "", autostart)),
		)
		sub := s.bus.Subscribe(100)
		time.Sleep(2500 * time.Millisecond)
		synctest.Wait()
		if info, _ := s.ProcessInfo("failing"); info.StateName != "BACKOFF" || info.Description != "couldn't exec x: ENOENT" {
			t.Errorf("failing: %+v", info)
		}
		err := s.StopProcess(context.Background(), "denied", true)
		if err == nil || !strings.HasPrefix(err.Error(), "FAILED: unknown problem killing denied (1001):") {
			t.Errorf("stop with EPERM: %v", err)
		}
		if info, _ := s.ProcessInfo("denied"); info.StateName != "UNKNOWN" {
			t.Errorf("denied is %s, want UNKNOWN", info.StateName)
		}
		if rec.index("CRIT unknown problem signalling denied") < 0 {
			t.Error("no CRIT line for the signal error")
		}
		// The UNKNOWN child is still alive: let it die so that Run can wait
		// for it, then shut down: BACKOFF gives up (FATAL).
		fake.Children()[0].Exit(process.ExitedWith(0))
		stop()
		var fatal bool
		for len(sub.Events()) > 0 {
			ev := <-sub.Events()
			if ev.Name() == "PROCESS_STATE_FATAL" && strings.Contains(ev.Payload(), "processname:failing") {
				fatal = true
			}
		}
		if !fatal {
			t.Error("no FATAL for the BACKOFF process at shutdown")
		}
	})
}
