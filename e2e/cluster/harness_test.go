package cluster

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/bench/clusterbench"
	"github.com/supvisors-go/supvisors/internal/leakcheck"
)

var daemonFlag = flag.String("daemon", "", "supvisord binary under test (default: $SUPVISORS_TEST_DAEMON, else built from ./cmd/supvisord)")

// Bounds on waits. They only keep a broken daemon from hanging the run:
// Python Supvisors needs about 33 s to reach OPERATION and one or two
// 5-second ticks to react to a loss, and no test judges speed.
const (
	operationDeadline = 2 * time.Minute
	reactionDeadline  = 90 * time.Second
	stopGrace         = 30 * time.Second
)

// testDaemon is the binary under test and testCtl our supvisorsctl, built
// from the tree; TestMain sets them.
var testDaemon, testCtl string

func TestMain(m *testing.M) {
	flag.Parse()
	// The scenarios mostly wait for 5-second ticks: run them all at once
	// unless -parallel says otherwise (its default is the CPU count).
	parallelSet := false
	flag.Visit(func(f *flag.Flag) { parallelSet = parallelSet || f.Name == "test.parallel" })
	if !parallelSet {
		_ = flag.Set("test.parallel", "8")
	}
	testDaemon = *daemonFlag
	if testDaemon == "" {
		testDaemon = os.Getenv("SUPVISORS_TEST_DAEMON")
	}
	if testDaemon == "" {
		bin, err := clusterbench.BuildCommand("../..", "./cmd/supvisord", filepath.Join(os.TempDir(), "supvisors-e2e-cluster"), "supvisord")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		testDaemon = bin
	}
	ctl, err := clusterbench.BuildCommand("../..", "./cmd/supvisorsctl", filepath.Join(os.TempDir(), "supvisors-e2e-cluster"), "supvisorsctl")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testCtl = ctl
	removeStaleNamespaces()
	leakcheck.Main(m)
}

// startCluster launches size instances on 127.0.0.1 (nick names A, B, C,
// ...); configure may change the description before the launch. Every
// process is stopped when the test ends, and the test fails if one had to
// be killed or outlived its daemon.
func startCluster(t *testing.T, size int, configure func(*clusterbench.Cluster)) *clusterbench.Cluster {
	t.Helper()
	c, err := clusterbench.LocalCluster(testDaemon, t.TempDir(), size)
	if err != nil {
		t.Fatal(err)
	}
	if configure != nil {
		configure(c)
	}
	launch(t, c)
	return c
}

// launch starts a described cluster and registers its cleanup.
func launch(t *testing.T, c *clusterbench.Cluster) {
	t.Helper()
	w := &testLog{t: t}
	c.Logger = slog.New(slog.NewTextHandler(w, nil))
	t.Cleanup(w.close) // runs last: after the stop below
	t.Cleanup(func() {
		if t.Failed() {
			for _, n := range c.Nodes {
				dumpTail(t, n.OutputPath())
			}
		}
		if err := c.Stop(stopGrace); err != nil {
			t.Errorf("stopping the cluster: %v", err)
		}
		if left := clusterbench.Leftovers(c.Marker); len(left) > 0 {
			t.Errorf("processes outlived the cluster: %v", left)
		}
	})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls the API of nodes until cond holds for their views, and
// fails the test with the last views otherwise.
func waitFor(t *testing.T, deadline time.Duration, nodes []*clusterbench.Node, what string, cond func(clusterbench.Views) bool) clusterbench.Views {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	views, err := clusterbench.WaitFor(ctx, nodes, what, cond)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s:%s", what, views)
	return views
}

// waitOperation waits until every one of nodes is in OPERATION, agrees on
// the Master and sees every instance of want RUNNING.
func waitOperation(t *testing.T, nodes, want []*clusterbench.Node) clusterbench.Views {
	t.Helper()
	return waitFor(t, operationDeadline, nodes, "OPERATION with one Master", clusterbench.InOperation(clusterbench.Identifiers(want)))
}

// stateTrace records, view by view, the successive states one instance is
// given, with repeated states folded: ["RUNNING", "FAILED", "STOPPED"].
type stateTrace map[string][]string

func (tr stateTrace) record(views clusterbench.Views, target string) {
	for nick, v := range views {
		s := v.InstanceStates[target]
		if seq := tr[nick]; len(seq) == 0 || seq[len(seq)-1] != s {
			tr[nick] = append(seq, s)
		}
	}
}

// watchInstance polls the views of nodes quickly (a FAILED state may last
// a single tick) until cond holds, and returns how each view saw target.
func watchInstance(t *testing.T, nodes []*clusterbench.Node, target, what string, cond func(clusterbench.Views) bool) (clusterbench.Views, stateTrace) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), reactionDeadline)
	defer cancel()
	trace := stateTrace{}
	ticker := time.NewTicker(50 * time.Millisecond)
	defer ticker.Stop()
	for {
		views, errs := clusterbench.Observe(ctx, nodes)
		trace.record(views, target)
		if len(errs) == 0 && cond(views) {
			t.Logf("%s:%s\n  states of %s seen: %v", what, views, target, trace)
			return views, trace
		}
		select {
		case <-ctx.Done():
			t.Fatalf("gave up waiting for %s; last views:%s\nerrors: %v\nstates of %s seen: %v", what, views, errs, target, trace)
		case <-ticker.C:
		}
	}
}

// allSee holds when every view gives target the state.
func allSee(target, state string) func(clusterbench.Views) bool {
	return func(views clusterbench.Views) bool {
		for _, v := range views {
			if v.InstanceStates[target] != state {
				return false
			}
		}
		return len(views) > 0
	}
}

// checkFailedThenStopped checks that each view went RUNNING, possibly
// FAILED, then STOPPED; with requireFailed, at least one view must have
// shown FAILED. An instance killed outright is FAILED for a tick (the
// publication to it fails at once, and the next tick invalidates it); one
// that falls silent is found by the inactivity check of a tick, which
// invalidates it on that same tick, so the API may never show FAILED.
func checkFailedThenStopped(t *testing.T, trace stateTrace, target string, requireFailed bool) {
	t.Helper()
	sawFailed := false
	for nick, seq := range trace {
		got := strings.Join(seq, " ")
		switch got {
		case "RUNNING FAILED STOPPED", "FAILED STOPPED":
			sawFailed = true
		case "RUNNING STOPPED", "STOPPED":
		default:
			t.Errorf("%s saw %s go through %s; want RUNNING, FAILED, STOPPED", nick, target, got)
		}
	}
	if requireFailed && !sawFailed {
		t.Errorf("no view showed %s FAILED before STOPPED: %v", target, trace)
	}
}

// testLog sends the launcher's log lines to the test log, and drops them
// once the test has ended.
type testLog struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (w *testLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testLog) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.done = true
}

func dumpTail(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Logf("%s: %v", path, err)
		return
	}
	const keep = 6000
	if len(data) > keep {
		data = data[len(data)-keep:]
	}
	t.Logf("tail of %s:\n%s", path, data)
}

// grepLines returns the lines of a file that contain one of words.
func grepLines(t *testing.T, path string, words ...string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	for line := range strings.SplitSeq(string(data), "\n") {
		for _, w := range words {
			if strings.Contains(line, w) {
				b.WriteString("  " + line + "\n")
				break
			}
		}
	}
	return b.String()
}

// mustCall makes one XML-RPC call and fails the test on error.
func mustCall(t *testing.T, n *clusterbench.Node, method string, params ...any) any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, err := n.Call(ctx, method, params...)
	if err != nil {
		t.Fatalf("%s on %s: %v", method, n.Nick, err)
	}
	return v
}

func describe(n *clusterbench.Node) string { return fmt.Sprintf("%s (%s)", n.Nick, n.Identifier()) }

// checkLoggedFailedThenStopped checks in n's log that it saw the instance
// nick go FAILED, then STOPPED, for the last time.
func checkLoggedFailedThenStopped(t *testing.T, n *clusterbench.Node, nick string) {
	t.Helper()
	failed := "Supvisors instance " + nick + " is FAILED"
	stopped := "Supvisors instance " + nick + " is STOPPED"
	lines := strings.Split(grepLines(t, n.OutputPath(), failed, stopped), "\n")
	last := ""
	sawFailed := false
	for _, l := range lines {
		switch {
		case strings.Contains(l, failed):
			sawFailed, last = true, "FAILED"
		case strings.Contains(l, stopped) && last == "FAILED":
			last = "STOPPED"
		}
	}
	if !sawFailed || last != "STOPPED" {
		t.Errorf("%s's log does not show %s FAILED then STOPPED:\n%s", describe(n), nick, strings.Join(lines, "\n"))
	}
}
