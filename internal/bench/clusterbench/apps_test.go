package clusterbench

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAppPlanSequencesAndBound(t *testing.T) {
	t.Parallel()
	plan := NewAppPlan(50, 5)
	if len(plan.Programs) != 50 || plan.Sequences() != 5 {
		t.Fatalf("%d programs in %d sequences; want 50 in 5", len(plan.Programs), plan.Sequences())
	}
	perSequence := map[int]int{}
	for _, p := range plan.Programs {
		perSequence[p.Sequence]++
		if p.Startsecs < 1 || p.Startsecs > 2 {
			t.Errorf("%s has startsecs %d", p.Name, p.Startsecs)
		}
	}
	for seq := 1; seq <= 5; seq++ {
		if perSequence[seq] != 10 {
			t.Errorf("sequence %d has %d programs, want 10", seq, perSequence[seq])
		}
	}
	// Sequences 1, 3 and 5 hold a startsecs=2 program, 2 and 4 only 1s.
	if got := plan.Bound(); got != 8*time.Second {
		t.Errorf("Bound = %s, want 8s", got)
	}
	if got := NewAppPlan(3, 10).Sequences(); got != 3 {
		t.Errorf("3 programs in %d sequences, want at most one sequence per program", got)
	}
}

func TestAppPlanFiles(t *testing.T) {
	t.Parallel()
	plan := NewAppPlan(4, 2)
	rules := plan.Rules("CONFIG")
	for _, want := range []string{
		`<application name="bench">`, "<starting_strategy>CONFIG</starting_strategy>",
		"<program name=\"p01\">\n        <start_sequence>1</start_sequence>",
		"<program name=\"p04\">\n        <start_sequence>2</start_sequence>",
	} {
		if !strings.Contains(rules, want) {
			t.Errorf("rules lack %q:\n%s", want, rules)
		}
	}
	if strings.Contains(rules, "<application name=\"bench\">\n    <start_sequence>") {
		t.Errorf("the application must not start in DISTRIBUTION:\n%s", rules)
	}
	conf := plan.SupervisorPrograms()
	for _, want := range []string{"[group:bench]\nprograms=p01,p02,p03,p04\n", "[program:p02]\ncommand=sleep 86400\nautostart=false\nstartsecs=2\n",
		"[program:p03]\ncommand=sleep 86400\nautostart=false\nstartsecs=1\n"} {
		if !strings.Contains(conf, want) {
			t.Errorf("programs lack %q:\n%s", want, conf)
		}
	}
}

func TestAppReportMarkdown(t *testing.T) {
	t.Parallel()
	r := AppReport{Daemon: "d", Instances: 3, Strategy: "LESS_LOADED", Plan: NewAppPlan(50, 5), Runs: []AppRun{
		{Returned: 8100 * time.Millisecond, AllRunning: 8200 * time.Millisecond, Placement: map[string]int{"B": 17, "A": 17, "C": 16}},
		{Returned: time.Second, Err: "start_application: boom"},
	}}
	got := r.Markdown()
	for _, want := range []string{"Lower bound (sum over the sequences of their largest startsecs): 8 s",
		"| 1 | 8.1 | 8.2 | +0.2 | A 17, B 17, C 16 |  |", "| 2 | 1.0 | - | - | - | start_application: boom |"} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
}

func TestLossBounds(t *testing.T) {
	t.Parallel()
	if got := LossBound(2, 1, false); got != 11*time.Second {
		t.Errorf("LossBound(2, 1, Slave) = %s, want 11s", got)
	}
	if got := LossBound(3, 2, true); got != 27*time.Second {
		t.Errorf("LossBound(3, 2, Master) = %s, want 27s", got)
	}
	slave := LossRun{Offset: 1500 * time.Millisecond}
	if got := slave.Predicted(1); got != 9500*time.Millisecond {
		t.Errorf("prediction for a Slave killed 1.5 s into its slice = %s, want 9.5s", got)
	}
	master := LossRun{Offset: 4 * time.Second, WasMaster: true}
	if got := master.Predicted(1); got != 17*time.Second {
		t.Errorf("prediction for the Master killed 4 s into its slice = %s, want 17s", got)
	}
}

func TestKillOffsets(t *testing.T) {
	t.Parallel()
	want := []time.Duration{833333333, 2500 * time.Millisecond, 4166666666}
	for i, w := range want {
		if got := KillOffset(i, 3); got != w {
			t.Errorf("KillOffset(%d, 3) = %s, want %s", i, got, w)
		}
	}
	base := time.Unix(1000, 0) // a multiple of 5 s
	for _, c := range []struct{ now, offset, want time.Duration }{
		{0, time.Second, time.Second},
		{2 * time.Second, time.Second, 4 * time.Second},
		{time.Second, time.Second, 0},
	} {
		if got := untilOffset(base.Add(c.now), c.offset); got != c.want {
			t.Errorf("untilOffset(%s into the slice, %s) = %s, want %s", c.now, c.offset, got, c.want)
		}
	}
}

func TestLossReportMarkdown(t *testing.T) {
	t.Parallel()
	r := LossReport{Daemon: "d", Instances: 3, Startsecs: 1, InactivityTicks: 2, Runs: []LossRun{
		{Killed: "B", NewHost: "C", Offset: 2500 * time.Millisecond, Elapsed: 8600 * time.Millisecond, Ticks: 2},
		{Killed: "C", Offset: time.Second, Elapsed: time.Minute, Err: "gave up"},
	}}
	got := r.Markdown()
	for _, want := range []string{"SIGKILL of a Slave", "Lower bound for a silent instance: 11 s", "+ 1 tick(s) + startsecs",
		"| 1 | B | 2.5 | 8.6 | 8.5 | +0.1 | -2.4 | 2 | C |  |", "| 2 | C | 1.0 | 60.0 | - | - | - | - |  | gave up |"} {
		if !strings.Contains(got, want) {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
}

func TestIsCommand(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want bool
	}{
		{[]string{"b", "-cluster-app", "50"}, true},
		{[]string{"b", "--cluster-loss=slave"}, true},
		{[]string{"b", "-cluster", "3,10"}, false},
		{[]string{"b", "-o", "cluster-app"}, false},
	} {
		if got := IsCommand(c.args); got != c.want {
			t.Errorf("IsCommand(%q) = %v, want %v", c.args, got, c.want)
		}
	}
}

func TestMainUsageErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"b", "-a", "/bin/sh"}, "give -cluster-app N"},
		{[]string{"b", "-a", "/bin/sh", "-cluster-loss", "both"}, `"both" is neither slave nor master`},
		{[]string{"b", "-a", "/nonexistent/supvisord", "-cluster-app", "5"}, "no such file"},
		{[]string{"b", "-cluster-app", "5", "extra"}, "unexpected arguments"},
	} {
		var stdout, stderr strings.Builder
		if got := Main(c.args, &stdout, &stderr); got != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("Main(%q) = %d, stderr %q; want 2 and %q", c.args, got, stderr.String(), c.want)
		}
	}
}

// TestRunAppStartSmall starts a small application in 3 sequences over 3
// instances once: every process runs, spread over the instances.
func TestRunAppStartSmall(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	report, err := RunAppStart(ctx, AppOptions{Daemon: testDaemon, Programs: 6, Sequences: 3, Reps: 1, Dir: dir,
		PhaseTimeout: 2 * time.Minute, Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	t.Logf("report:\n%s", report.Markdown())
	if err != nil {
		for _, nick := range []string{"A", "B", "C"} {
			tailFile(t, filepath.Join(dir, nick, "daemon.out"))
		}
		t.Fatal(err)
	}
	run := report.Runs[0]
	total := 0
	for _, n := range run.Placement {
		total += n
	}
	if total != 6 || len(run.Placement) != 3 {
		t.Errorf("placement %v; want 6 processes over 3 instances (LESS_LOADED)", run.Placement)
	}
	// Each sequence waits for the previous one to be RUNNING, so the
	// start cannot beat the bound; that it stays near it is the
	// benchmark's business, not this test's.
	if run.Returned < report.Plan.Bound() {
		t.Errorf("the start took %s, less than the bound %s: the sequences did not wait for each other", run.Returned, report.Plan.Bound())
	}
}

// TestRunLossOfSlave kills the Slave that runs the RESTART_PROCESS
// program once: the program runs again on the other candidate.
func TestRunLossOfSlave(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	report, err := RunLoss(ctx, LossOptions{Daemon: testDaemon, Reps: 1, Dir: dir, PhaseTimeout: 2 * time.Minute,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	t.Logf("report:\n%s", report.Markdown())
	if err != nil {
		for _, nick := range []string{"A", "B", "C"} {
			tailFile(t, filepath.Join(dir, nick, "daemon.out"))
		}
		t.Fatal(err)
	}
	run := report.Runs[0]
	if run.Killed != "B" || run.NewHost != "C" || run.WasMaster {
		t.Errorf("killed %s (Master %v), program moved to %s; want B, a Slave, then C", run.Killed, run.WasMaster, run.NewHost)
	}
	if run.Elapsed <= 0 {
		t.Errorf("no duration measured: %+v", run)
	}
}
