package supervisor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/events"
	"github.com/supvisors-go/supvisors/internal/process"
)

// benchPrograms is the size of the benchmark harness's start-up scenario:
// one group per program, as its generated configuration has.
const benchPrograms = 500

// sleepersConfig is n single-program groups running `sleep 3600`, logging
// to AUTO files as the harness's configuration does.
func sleepersConfig(tb testing.TB, n int) *config.Config {
	groups := make([]*config.Group, n)
	for i := range groups {
		name := fmt.Sprintf("sleep%03d", i)
		groups[i] = groupOf(name, 999, prog(name, "sleep 3600"))
	}
	return &config.Config{
		Supervisord: config.Supervisord{Childlogdir: tb.TempDir(), Identifier: "bench", Umask: 0o022},
		Groups:      groups,
	}
}

// benchEngine runs an engine over cfg for a benchmark, quiet, with a bus
// (the daemon always has one) and no subscriber.
func benchEngine(b *testing.B, cfg *config.Config, spawner process.Spawner) *Supervisor {
	b.Helper()
	s, err := New(Options{
		Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Bus: events.NewBus(),
		Environ: os.Environ(), Spawner: spawner,
	})
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()
	b.Cleanup(func() {
		s.Shutdown()
		if err := <-done; err != nil {
			b.Errorf("Run: %v", err)
		}
	})
	return s
}

// checkResults fails unless every one of n results is a success.
func checkResults(b *testing.B, what string, res []Result, err error, n int) {
	b.Helper()
	if err != nil {
		b.Fatalf("%s: %v", what, err)
	}
	if len(res) != n {
		b.Fatalf("%s: %d results, want %d", what, len(res), n)
	}
	for _, r := range res {
		if r.Status != errdefs.Success {
			b.Fatalf("%s: %+v", what, r)
		}
	}
}

// benchStopAll measures stopAllProcesses(wait=True) over 500 running
// programs; the start before each round is not counted.
func benchStopAll(b *testing.B, spawner process.Spawner) {
	s := benchEngine(b, sleepersConfig(b, benchPrograms), spawner)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		res, err := s.StartAllProcesses(ctx, true)
		checkResults(b, "StartAllProcesses", res, err, benchPrograms)
		b.StartTimer()
		res, err = s.StopAllProcesses(ctx, true)
		checkResults(b, "StopAllProcesses", res, err, benchPrograms)
	}
}

// BenchmarkStopAll500 stops 500 real `sleep` children.
func BenchmarkStopAll500(b *testing.B) { benchStopAll(b, nil) }

// BenchmarkStopAll500Fake isolates the engine's own cost: the children
// are in-memory fakes that die at once when signalled.
func BenchmarkStopAll500Fake(b *testing.B) { benchStopAll(b, &process.FakeSpawner{}) }

// benchStartAll measures startAllProcesses(wait=True) over 500 stopped
// programs (startsecs=0); the stop before each round is not counted.
func benchStartAll(b *testing.B, spawner process.Spawner) {
	s := benchEngine(b, sleepersConfig(b, benchPrograms), spawner)
	ctx := context.Background()
	for b.Loop() {
		res, err := s.StartAllProcesses(ctx, true)
		checkResults(b, "StartAllProcesses", res, err, benchPrograms)
		b.StopTimer()
		res, err = s.StopAllProcesses(ctx, true)
		checkResults(b, "StopAllProcesses", res, err, benchPrograms)
		b.StartTimer()
	}
}

// BenchmarkStartAll500 starts 500 real `sleep` children.
func BenchmarkStartAll500(b *testing.B) { benchStartAll(b, nil) }

// BenchmarkStartAll500Fake is the engine's own cost of starting 500.
func BenchmarkStartAll500Fake(b *testing.B) { benchStartAll(b, &process.FakeSpawner{}) }

// BenchmarkAllProcessInfo500 reads getAllProcessInfo of 500 programs.
func BenchmarkAllProcessInfo500(b *testing.B) {
	s := benchEngine(b, sleepersConfig(b, benchPrograms), &process.FakeSpawner{})
	for b.Loop() {
		infos, err := s.AllProcessInfo()
		if err != nil || len(infos) != benchPrograms {
			b.Fatalf("AllProcessInfo: %d, %v", len(infos), err)
		}
	}
}

// TestOrdersFollowGroupChanges checks that the orders the engine keeps
// between group changes (priority order of operations, name order of the
// snapshot) are recomputed when a group is added or removed.
func TestOrdersFollowGroupChanges(t *testing.T) {
	mk := func(name string, prio int) *config.Group {
		p := prog(name, "/bin/sh")
		p.Stdout.Logfile, p.Stderr.Logfile = "", ""
		return groupOf(name, prio, p)
	}
	cfg := &config.Config{Supervisord: config.Supervisord{Nocleanup: true, Identifier: "orders"}, Groups: []*config.Group{mk("b", 2), mk("a", 1)}}
	next := &config.Config{Supervisord: cfg.Supervisord, Groups: []*config.Group{cfg.Groups[0], cfg.Groups[1], mk("c", 0)}}
	s, err := New(Options{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Bus: events.NewBus(),
		Environ: os.Environ(), Spawner: &process.FakeSpawner{}, Reread: func() (*config.Config, error) { return next, nil }})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()
	defer func() {
		s.Shutdown()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	ctx := context.Background()
	infoNames := func() string {
		infos, err := s.AllProcessInfo()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, i := range infos {
			names = append(names, i.Name)
		}
		return strings.Join(names, ",")
	}
	resultNames := func(res []Result, err error) string {
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range res {
			names = append(names, r.Name)
		}
		return strings.Join(names, ",")
	}
	if got := infoNames(); got != "a,b" {
		t.Errorf("info order %s, want a,b", got)
	}
	if _, _, _, err := s.ReloadConfig(); err != nil {
		t.Fatal(err)
	}
	if err := s.AddProcessGroup("c"); err != nil {
		t.Fatal(err)
	}
	if got := infoNames(); got != "a,b,c" {
		t.Errorf("info order after adding c: %s, want a,b,c", got)
	}
	if got := resultNames(s.StartAllProcesses(ctx, false)); got != "c,a,b" {
		t.Errorf("start order after adding c: %s, want c,a,b", got)
	}
	if got := resultNames(s.StopProcessGroup(ctx, "a", true)); got != "a" {
		t.Errorf("stop a: %s", got)
	}
	if err := s.RemoveProcessGroup("a"); err != nil {
		t.Fatal(err)
	}
	if got := infoNames(); got != "b,c" {
		t.Errorf("info order after removing a: %s, want b,c", got)
	}
	if got := resultNames(s.StopAllProcesses(ctx, false)); got != "c,b" {
		t.Errorf("stop order after removing a: %s, want c,b", got)
	}
}
