package clusterbench

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/leakcheck"
)

var daemonFlag = flag.String("daemon", "", "supvisord binary to run (default: $SUPVISORS_TEST_DAEMON, else built from ./cmd/supvisord)")

// testDaemon is the binary the end-to-end test runs; TestMain sets it.
var testDaemon string

func TestMain(m *testing.M) {
	flag.Parse()
	testDaemon = *daemonFlag
	if testDaemon == "" {
		testDaemon = os.Getenv("SUPVISORS_TEST_DAEMON")
	}
	if testDaemon == "" {
		bin, err := BuildCommand("../../..", "./cmd/supvisord", filepath.Join(os.TempDir(), "supvisors-clusterbench"), "supvisord")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		testDaemon = bin
	}
	leakcheck.Main(m)
}

// TestRunThreeInstances runs the whole benchmark once for 3 instances: the
// cluster reaches OPERATION, idles, loses its Master and elects another.
func TestRunThreeInstances(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	logger := slog.New(slog.NewTextHandler(testWriter{t}, nil))
	// The bound only keeps a broken daemon from hanging the run; the
	// figures themselves are not judged.
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	report, err := Run(ctx, Options{
		Daemon:       testDaemon,
		Sizes:        []int{3},
		Dir:          dir,
		IdleWindow:   2 * time.Second,
		PhaseTimeout: 90 * time.Second,
		Logger:       logger,
	})
	t.Logf("report:\n%s", report)
	if err != nil {
		for _, nick := range []string{"A", "B", "C"} {
			tailFile(t, filepath.Join(dir, "n3", nick, "daemon.out"))
		}
		t.Fatal(err)
	}
	if len(report.Results) != 1 {
		t.Fatalf("got %d results, want 1", len(report.Results))
	}
	r := report.Results[0]
	if r.ToOperation <= 0 || r.Failover <= 0 {
		t.Errorf("missing durations: %+v", r)
	}
	if r.OldMaster == "" || r.NewMaster == "" || r.OldMaster == r.NewMaster {
		t.Errorf("Masters before and after the failover: %q, %q", r.OldMaster, r.NewMaster)
	}
	if r.OperationTicks <= 0 {
		t.Errorf("no tick counter observed: %+v", r)
	}
	if len(r.IdleCPUPercent) != 3 || len(r.RSSBytes) != 3 {
		t.Errorf("want 3 CPU and RSS figures: %+v", r)
	}
	for _, rss := range r.RSSBytes {
		if rss <= 0 {
			t.Errorf("RSS not measured: %v", r.RSSBytes)
		}
	}
	if !strings.Contains(report.Markdown(), "| 3 | ") {
		t.Errorf("the table has no row for 3 instances:\n%s", report.Markdown())
	}
}

func TestMarkdownMarksMissingFigures(t *testing.T) {
	t.Parallel()
	r := Report{Daemon: "d", IdleWindow: time.Second, Results: []Result{
		{Size: 3, ToOperation: 31500 * time.Millisecond, OperationTicks: 7, Failover: 6 * time.Second, FailoverTicks: 2,
			IdleCPUPercent: []float64{0.5, 1.5}, RSSBytes: []int64{10 << 20, 20 << 20}},
		{Size: 10, Err: "gave up\nwaiting"},
	}}
	got := r.Markdown()
	for _, want := range []string{
		"| 3 | 31.5 | 7 | 6.0 | 2 | 1.00 / 1.50 | 15.0 / 20.0 |  |",
		"| 10 | - | - | - | - | - | - | gave up waiting |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
}

func TestParseProc(t *testing.T) {
	t.Parallel()
	stat := []byte("1234 (odd) name)) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 12345 1000 200 18446744073709551615\n")
	cpu, err := parseStatCPU(stat)
	if err != nil || cpu != 3 {
		t.Errorf("parseStatCPU = %v, %v; want 3 s", cpu, err)
	}
	if ppid, err := parseStatPPID(stat); err != nil || ppid != 1 {
		t.Errorf("parseStatPPID = %v, %v; want 1", ppid, err)
	}
	if _, err := parseStatCPU([]byte("garbage")); err == nil {
		t.Error("parseStatCPU accepted a line without a command name")
	}
	rss, err := parseStatusRSS([]byte("Name:\tx\nVmRSS:\t    2048 kB\nThreads: 3\n"))
	if err != nil || rss != 2048*1024 {
		t.Errorf("parseStatusRSS = %v, %v; want 2 MiB", rss, err)
	}
	if _, err := parseStatusRSS([]byte("Name:\tx\n")); err == nil {
		t.Error("parseStatusRSS accepted a status without VmRSS")
	}
}

func TestReadProcOfItself(t *testing.T) {
	t.Parallel()
	s, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.rssBytes <= 0 || s.cpuSeconds < 0 {
		t.Errorf("readProc(self) = %+v", s)
	}
}

// TestLeftoversFindsMarkedOrphans starts a shell that leaves a sleeping
// child behind, and checks that the marker finds both and Stop kills them.
func TestLeftoversFindsMarkedOrphans(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := filepath.Join(dir, "fake-daemon")
	// A stand-in daemon: it forks a sleeper that outlives it, then sleeps.
	// The sleeper carries the variables supervisord gives its programs.
	if err := os.WriteFile(script, []byte("#!/bin/sh\nSUPERVISOR_GROUP_NAME=g SUPERVISOR_PROCESS_NAME=p sleep 300 &\nexec sleep 300\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	c := &Cluster{Daemon: script, Dir: dir, Nodes: []*Node{{Nick: "A", Host: "127.0.0.1", Port: 1}}}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(Leftovers(c.Marker)) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	got := Leftovers(c.Marker)
	if len(got) != 2 {
		t.Fatalf("found %v, want the fake daemon and its sleeper", got)
	}
	for _, p := range got {
		switch {
		case p.Nick != "A":
			t.Errorf("%+v: want nick A", p)
		case p.PID == c.Nodes[0].PID() && p.Program != "":
			t.Errorf("the daemon %+v has a program name", p)
		case p.PID != c.Nodes[0].PID() && (p.Program != "g:p" || p.PPID != c.Nodes[0].PID()):
			t.Errorf("the sleeper %+v: want program g:p, child of %d", p, c.Nodes[0].PID())
		}
	}
	c.Nodes[0].Kill()
	if got := Leftovers(c.Marker); len(got) != 0 {
		t.Errorf("after Kill, still alive: %v", got)
	}
	if err := c.Stop(time.Second); err != nil {
		t.Errorf("Stop after Kill: %v", err)
	}
}

func TestConfigDeclaresEveryInstance(t *testing.T) {
	t.Parallel()
	c := &Cluster{Daemon: "/bin/true", Dir: t.TempDir(), Options: map[string]string{"inactivity_ticks": "3"}, Nodes: []*Node{
		{Nick: "A", Host: "127.0.0.1", Port: 61001},
		{Nick: "B", Host: "127.0.0.1", Port: 61002, Options: map[string]string{"starting_strategy": "LESS_LOADED"}},
	}}
	if err := c.Prepare(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(c.Nodes[1].ConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	conf := string(data)
	for _, want := range []string{
		"identifier=B\n",
		"port=127.0.0.1:61002\n",
		"supvisors_list = <A>127.0.0.1:61001,<B>127.0.0.1:61002\n",
		"inactivity_ticks = 3\n",
		"starting_strategy = LESS_LOADED\n",
		"[program:sleeper]",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("config of B lacks %q:\n%s", want, conf)
		}
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func tailFile(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Logf("%s: %v", path, err)
		return
	}
	if len(data) > 4000 {
		data = data[len(data)-4000:]
	}
	t.Logf("tail of %s:\n%s", path, data)
}
