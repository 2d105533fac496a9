package clusterbench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// AppName is the managed application the start benchmark starts.
const AppName = "bench"

// AppProgram is one program of the benchmark application.
type AppProgram struct {
	Name      string
	Sequence  int // start_sequence in the rules, 1 and up
	Startsecs int
}

// AppPlan is the benchmark application: its programs and their sequences.
type AppPlan struct {
	Programs []AppProgram
}

// NewAppPlan spreads programs over sequences of (nearly) equal size, in
// order. In the odd sequences every other program has startsecs=2, the
// rest 1, so that the bound depends on the largest startsecs of each
// sequence and not on their sum or their mean.
func NewAppPlan(programs, sequences int) AppPlan {
	sequences = max(1, min(sequences, programs))
	var plan AppPlan
	for i := range programs {
		seq := i*sequences/programs + 1
		startsecs := 1
		if seq%2 == 1 && i%2 == 1 {
			startsecs = 2
		}
		plan.Programs = append(plan.Programs, AppProgram{Name: fmt.Sprintf("p%02d", i+1), Sequence: seq, Startsecs: startsecs})
	}
	return plan
}

// Sequences is the number of distinct start sequences.
func (p AppPlan) Sequences() int {
	seen := map[int]bool{}
	for _, prog := range p.Programs {
		seen[prog.Sequence] = true
	}
	return len(seen)
}

// Bound is the least time a start of the application can take: each
// sequence starts when every process of the previous one is RUNNING, and
// a process is RUNNING startsecs after its spawn, so the sequences add up
// their largest startsecs.
func (p AppPlan) Bound() time.Duration {
	largest := map[int]int{}
	for _, prog := range p.Programs {
		largest[prog.Sequence] = max(largest[prog.Sequence], prog.Startsecs)
	}
	total := 0
	for _, s := range largest {
		total += s
	}
	return time.Duration(total) * time.Second
}

// Rules is the rules file: a managed application with start_sequence 0
// (started on request only, not in DISTRIBUTION), placed by strategy.
func (p AppPlan) Rules(strategy string) string {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<root>\n")
	fmt.Fprintf(&b, "  <application name=%q>\n    <starting_strategy>%s</starting_strategy>\n    <programs>\n", AppName, strategy)
	for _, prog := range p.Programs {
		fmt.Fprintf(&b, "      <program name=%q>\n        <start_sequence>%d</start_sequence>\n        <expected_loading>1</expected_loading>\n      </program>\n",
			prog.Name, prog.Sequence)
	}
	b.WriteString("    </programs>\n  </application>\n</root>\n")
	return b.String()
}

// SupervisorPrograms is the supervisord section of every instance: the
// group and its programs, none started automatically.
func (p AppPlan) SupervisorPrograms() string {
	var b strings.Builder
	names := make([]string, len(p.Programs))
	for i, prog := range p.Programs {
		names[i] = prog.Name
	}
	fmt.Fprintf(&b, "\n[group:%s]\nprograms=%s\n", AppName, strings.Join(names, ","))
	for _, prog := range p.Programs {
		fmt.Fprintf(&b, "\n[program:%s]\ncommand=sleep 86400\nautostart=false\nstartsecs=%d\nstopwaitsecs=5\n", prog.Name, prog.Startsecs)
	}
	return b.String()
}

// AppOptions configures RunAppStart.
type AppOptions struct {
	// Daemon is the supvisord binary to measure.
	Daemon string
	// Programs, Sequences and Instances: 50, 5 and 3 when zero.
	Programs, Sequences, Instances int
	// Strategy is the application's starting strategy; LESS_LOADED when
	// empty.
	Strategy string
	// Reps is how many starts are measured on the same cluster (the
	// application is stopped between two); 3 when zero.
	Reps int
	// Dir receives the configurations and logs; a temporary directory,
	// removed afterwards, when empty.
	Dir string
	// PhaseTimeout bounds each wait; 3 minutes when zero.
	PhaseTimeout time.Duration
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
}

// AppRun is one measured start of the application.
type AppRun struct {
	// Returned is the time start_application(strategy, app, True) took to
	// answer: the Starter has run every sequence and the application is
	// RUNNING.
	Returned time.Duration
	// AllRunning is the time from the call until the Master's
	// get_all_process_info showed every process of the application
	// RUNNING.
	AllRunning time.Duration
	// Placement counts the processes per instance nick.
	Placement map[string]int
	Err       string
}

// AppReport is the outcome of RunAppStart.
type AppReport struct {
	Daemon    string
	Instances int
	Strategy  string
	Plan      AppPlan
	Runs      []AppRun
}

func (o *AppOptions) defaults() {
	if o.Programs <= 0 {
		o.Programs = 50
	}
	if o.Sequences <= 0 {
		o.Sequences = 5
	}
	if o.Instances <= 0 {
		o.Instances = 3
	}
	if o.Strategy == "" {
		o.Strategy = "LESS_LOADED"
	}
	if o.Reps <= 0 {
		o.Reps = 3
	}
	if o.PhaseTimeout <= 0 {
		o.PhaseTimeout = 3 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// RunAppStart launches a cluster whose instances all declare the
// benchmark application, waits for OPERATION, then starts the application
// through the Master Reps times, stopping it in between.
func RunAppStart(ctx context.Context, opts AppOptions) (report AppReport, err error) {
	if opts.Daemon == "" {
		return report, errors.New("clusterbench: AppOptions.Daemon is required")
	}
	opts.defaults()
	plan := NewAppPlan(opts.Programs, opts.Sequences)
	report = AppReport{Daemon: opts.Daemon, Instances: opts.Instances, Strategy: opts.Strategy, Plan: plan}
	dir, cleanup, err := workDir(opts.Dir, "clusterbench-app-")
	if err != nil {
		return report, err
	}
	defer cleanup()
	rules := filepath.Join(dir, "rules.xml")
	if err := os.WriteFile(rules, []byte(plan.Rules(opts.Strategy)), 0o644); err != nil {
		return report, err
	}
	c, err := LocalCluster(opts.Daemon, dir, opts.Instances)
	if err != nil {
		return report, err
	}
	c.Options = map[string]string{"rules_files": rules}
	c.Programs, c.Logger = plan.SupervisorPrograms(), opts.Logger
	defer func() {
		if stopErr := c.Stop(30 * time.Second); stopErr != nil && err == nil {
			err = stopErr
		}
	}()
	if err := c.Start(); err != nil {
		return report, err
	}
	phase, cancel := context.WithTimeout(ctx, opts.PhaseTimeout)
	views, err := WaitFor(phase, c.Nodes, "OPERATION on every instance", InOperation(Identifiers(c.Nodes)))
	cancel()
	if err != nil {
		return report, err
	}
	master := c.Node(views.Master())
	if master == nil {
		return report, fmt.Errorf("clusterbench: the Master %q is not an instance of the cluster", views.Master())
	}
	opts.Logger.Info("cluster in OPERATION", "master", master.Nick, "bound", plan.Bound())
	var errs []error
	for rep := range opts.Reps {
		run, err := startOnce(ctx, c, master, opts, len(plan.Programs))
		if err != nil {
			run.Err = err.Error()
			errs = append(errs, fmt.Errorf("start %d: %w", rep+1, err))
		}
		report.Runs = append(report.Runs, run)
		opts.Logger.Info("application started", "rep", rep+1, "seconds", run.Returned.Seconds(),
			"all_running", run.AllRunning.Seconds(), "placement", run.Placement, "err", run.Err)
		if err != nil {
			break
		}
		if err := stopApplication(ctx, c, master, opts.PhaseTimeout); err != nil {
			errs = append(errs, fmt.Errorf("stop after start %d: %w", rep+1, err))
			break
		}
	}
	return report, errors.Join(errs...)
}

// startOnce measures one start_application call with wait, then checks
// on the Master that every process is RUNNING.
func startOnce(ctx context.Context, c *Cluster, master *Node, opts AppOptions, programs int) (AppRun, error) {
	var run AppRun
	phase, cancel := context.WithTimeout(ctx, opts.PhaseTimeout)
	defer cancel()
	started := time.Now()
	v, err := master.LongCall(phase, "supvisors.start_application", opts.Strategy, AppName, true)
	run.Returned = time.Since(started)
	if err != nil {
		return run, fmt.Errorf("start_application: %w", err)
	}
	if ok, _ := v.(bool); !ok {
		return run, fmt.Errorf("start_application answered %v", v)
	}
	for {
		infos, err := master.AllProcessInfo(phase)
		if err == nil {
			if placement, ok := allRunning(c, infos, programs); ok {
				run.AllRunning, run.Placement = time.Since(started), placement
				return run, nil
			}
		}
		select {
		case <-phase.Done():
			return run, fmt.Errorf("not every process of %s is RUNNING: %v", AppName, phase.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// allRunning checks that the programs of the application run once each,
// and counts them per instance nick.
func allRunning(c *Cluster, infos []ProcessInfo, programs int) (map[string]int, bool) {
	placement := map[string]int{}
	count := 0
	for _, p := range infos {
		if p.Application != AppName {
			continue
		}
		if p.StateName != "RUNNING" || len(p.Identifiers) != 1 {
			return nil, false
		}
		nick := p.Identifiers[0]
		if n := c.Node(nick); n != nil {
			nick = n.Nick
		}
		placement[nick]++
		count++
	}
	return placement, count == programs
}

// stopApplication stops the application with wait and waits until the
// Master sees every process stopped.
func stopApplication(ctx context.Context, c *Cluster, master *Node, timeout time.Duration) error {
	phase, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if _, err := master.LongCall(phase, "supvisors.stop_application", AppName, true); err != nil {
		return fmt.Errorf("stop_application: %w", err)
	}
	_, err := WaitFor(phase, []*Node{master}, AppName+" STOPPED", func(Views) bool {
		info, err := master.ApplicationInfo(phase, AppName)
		return err == nil && info.StateName == "STOPPED"
	})
	return err
}

// LongCall invokes a method that may block for long (a control method
// with wait) on a connection of its own, bounded by ctx only.
func (n *Node) LongCall(ctx context.Context, method string, params ...any) (any, error) {
	addr := n.ObserveAddr
	if addr == "" {
		addr = n.Identifier()
	}
	client, err := xmlrpc.NewClient("http://"+addr+"/RPC2", xmlrpc.ClientOptions{})
	if err != nil {
		return nil, err
	}
	defer client.Close()
	return client.Call(ctx, method, params...)
}

// workDir returns dir, or a new temporary directory and the function that
// removes it.
func workDir(dir, pattern string) (string, func(), error) {
	if dir != "" {
		return dir, func() {}, os.MkdirAll(dir, 0o755)
	}
	tmp, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", nil, err
	}
	return tmp, func() { os.RemoveAll(tmp) }, nil
}

func errNotOne(namespec string, n int) error {
	return fmt.Errorf("clusterbench: %d answers for %s, want 1", n, namespec)
}

// Markdown renders the report: one row per start.
func (r AppReport) Markdown() string {
	var b strings.Builder
	bound := r.Plan.Bound()
	fmt.Fprintf(&b, "Application of %d programs in %d start sequences over %d `%s` instances, strategy %s. "+
		"Lower bound (sum over the sequences of their largest startsecs): %.0f s; target: bound + 5 s (one tick).\n\n",
		len(r.Plan.Programs), r.Plan.Sequences(), r.Instances, r.Daemon, r.Strategy, bound.Seconds())
	b.WriteString("| start | start_application(wait) (s) | all RUNNING on the Master (s) | over the bound (s) | processes per instance | note |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for i, run := range r.Runs {
		over := "-"
		if run.AllRunning > 0 {
			over = fmt.Sprintf("%+.1f", (max(run.Returned, run.AllRunning) - bound).Seconds())
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s |\n", i+1, seconds(run.Returned), seconds(run.AllRunning), over,
			placement(run.Placement), strings.ReplaceAll(run.Err, "\n", " "))
	}
	return b.String()
}

func placement(counts map[string]int) string {
	if len(counts) == 0 {
		return "-"
	}
	parts := []string{}
	for _, nick := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%s %d", nick, counts[nick]))
	}
	return strings.Join(parts, ", ")
}
