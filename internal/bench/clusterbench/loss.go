package clusterbench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// TickPeriod is the period of Supervisor's TICK_5, which paces the
// cluster: every instance fires it when the wall clock enters a new
// multiple of 5 s.
const TickPeriod = 5 * time.Second

// LossNamespec is the RESTART_PROCESS program of the loss benchmark.
const LossNamespec = "mobile:roamer"

// LossOptions configures RunLoss.
type LossOptions struct {
	// Daemon is the supvisord binary to measure.
	Daemon string
	// Instances in the cluster; 3 when zero.
	Instances int
	// Startsecs of the program; 1 when zero.
	Startsecs int
	// InactivityTicks is the option of every instance; the default (2)
	// when zero.
	InactivityTicks int
	// KillMaster kills the Master, which hosts the program; otherwise the
	// program runs on a Slave, which is killed.
	KillMaster bool
	// Reps is how many losses are measured on the same cluster (the killed
	// instance is restarted in between); 3 when zero.
	Reps int
	// Dir receives the configurations and logs; a temporary directory,
	// removed afterwards, when empty.
	Dir string
	// PhaseTimeout bounds each wait; 3 minutes when zero.
	PhaseTimeout time.Duration
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
}

// LossRun is one measured loss.
type LossRun struct {
	// Killed and NewHost are the nick names of the instance killed and of
	// the one that runs the program afterwards.
	Killed, NewHost string
	// WasMaster tells whether the killed instance was the Master.
	WasMaster bool
	// Offset is how far into its 5-second tick slice the kill came.
	Offset time.Duration
	// Elapsed is the time from the SIGKILL until a survivor shows the
	// program RUNNING on another instance.
	Elapsed time.Duration
	// Ticks is how many ticks a survivor sent meanwhile.
	Ticks int
	Err   string
}

// LossReport is the outcome of RunLoss.
type LossReport struct {
	Daemon          string
	Instances       int
	Startsecs       int
	InactivityTicks int
	Runs            []LossRun
}

func (o *LossOptions) defaults() {
	if o.Instances <= 0 {
		o.Instances = 3
	}
	if o.Startsecs <= 0 {
		o.Startsecs = 1
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

// lossRules makes mobile:roamer a managed program that DISTRIBUTION
// starts on the first running instance of identifiers (CONFIG), and that
// is restarted elsewhere when its instance is lost (RESTART_PROCESS).
func lossRules(identifiers []string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<root>
  <application name="mobile">
    <start_sequence>1</start_sequence>
    <starting_strategy>CONFIG</starting_strategy>
    <running_failure_strategy>RESTART_PROCESS</running_failure_strategy>
    <programs>
      <program name="roamer">
        <identifiers>` + strings.Join(identifiers, ",") + `</identifiers>
        <start_sequence>1</start_sequence>
        <expected_loading>10</expected_loading>
      </program>
    </programs>
  </application>
</root>
`
}

func lossPrograms(startsecs int) string {
	return fmt.Sprintf("\n[group:mobile]\nprograms=roamer\n\n[program:roamer]\ncommand=sleep 86400\nautostart=false\nstartsecs=%d\n", startsecs)
}

// ElectionTicks is what the loss of the Master adds to that of a Slave:
// the survivors elect a new Master on the tick after the invalidation
// (once their new views of the instances are published and equal), and it
// enters DISTRIBUTION, where it starts the lost program, on the next one.
const ElectionTicks = 2

// LossBound is the least time from the SIGKILL of an instance that falls
// silent to its RESTART_PROCESS program RUNNING elsewhere. The peer is
// declared FAILED, and invalidated, on the first tick at which more than
// inactivityTicks ticks have passed since the last one it sent, which is
// inactivityTicks ticks after the kill at the earliest. The Master then
// acts on that tick (a lost Slave), or ElectionTicks later (a lost Master,
// once another is elected), and the program needs startsecs to be RUNNING.
func LossBound(inactivityTicks, startsecs int, master bool) time.Duration {
	ticks := inactivityTicks
	if master {
		ticks += ElectionTicks
	}
	return time.Duration(ticks)*TickPeriod + time.Duration(startsecs)*time.Second
}

// refusedTicks is how many ticks after the first tick following the kill
// the program is started when the dead instance's port refuses
// connections, as on one host: the TICK sent to it fails at once, which
// makes it FAILED on that first tick; the next tick invalidates it and the
// Master acts (a Slave), or ElectionTicks later (the Master).
func refusedTicks(master bool) int {
	if master {
		return 1 + ElectionTicks
	}
	return 1
}

// Predicted is the exact time the protocol needs for this run when the
// dead instance refuses connections: the wait for the first tick after the
// kill, refusedTicks more ticks, then startsecs.
func (r LossRun) Predicted(startsecs int) time.Duration {
	return TickPeriod - r.Offset + time.Duration(refusedTicks(r.WasMaster))*TickPeriod + time.Duration(startsecs)*time.Second
}

// RunLoss launches a cluster where the Master starts mobile:roamer in
// DISTRIBUTION, then Reps times: kills the instance that runs it, measures
// how long the program takes to run elsewhere, and restarts the killed
// instance with the same configuration.
//
// The program's identifiers keep it where the case needs it. To lose a
// Slave, they are every instance but A (the Master, the lowest nick
// name): the program starts on B, moves to C when B dies, back to B when
// C dies. To lose the Master, they are A and B: the program starts on A,
// the Master; when A dies, B becomes the Master and starts it; A comes
// back as a Slave and, when B dies, becomes the Master again and starts
// it.
func RunLoss(ctx context.Context, opts LossOptions) (report LossReport, err error) {
	if opts.Daemon == "" {
		return report, errors.New("clusterbench: LossOptions.Daemon is required")
	}
	opts.defaults()
	if opts.Instances < 3 {
		return report, errors.New("clusterbench: the loss benchmark needs at least 3 instances")
	}
	report = LossReport{Daemon: opts.Daemon, Instances: opts.Instances, Startsecs: opts.Startsecs, InactivityTicks: opts.InactivityTicks}
	if report.InactivityTicks == 0 {
		report.InactivityTicks = 2
	}
	dir, cleanup, err := workDir(opts.Dir, "clusterbench-loss-")
	if err != nil {
		return report, err
	}
	defer cleanup()
	c, err := LocalCluster(opts.Daemon, dir, opts.Instances)
	if err != nil {
		return report, err
	}
	hosts := []string{"A", "B"}
	if !opts.KillMaster {
		hosts = []string{"B", "C"}
	}
	rules := filepath.Join(dir, "rules.xml")
	if err := os.WriteFile(rules, []byte(lossRules(hosts)), 0o644); err != nil {
		return report, err
	}
	c.Options = map[string]string{"rules_files": rules}
	if opts.InactivityTicks > 0 {
		c.Options["inactivity_ticks"] = fmt.Sprint(opts.InactivityTicks)
	}
	c.Programs, c.Logger = lossPrograms(opts.Startsecs), opts.Logger
	defer func() {
		if stopErr := c.Stop(30 * time.Second); stopErr != nil && err == nil {
			err = stopErr
		}
	}()
	if err := c.Start(); err != nil {
		return report, err
	}
	var errs []error
	for rep := range opts.Reps {
		run, err := loseOnce(ctx, c, opts, KillOffset(rep, opts.Reps))
		if err != nil {
			run.Err = err.Error()
			errs = append(errs, fmt.Errorf("loss %d: %w", rep+1, err))
		}
		report.Runs = append(report.Runs, run)
		opts.Logger.Info("program running again", "rep", rep+1, "killed", run.Killed, "master", run.WasMaster,
			"new_host", run.NewHost, "seconds", run.Elapsed.Seconds(), "offset", run.Offset.Seconds(), "ticks", run.Ticks, "err", run.Err)
		if err != nil {
			break
		}
	}
	return report, errors.Join(errs...)
}

// loseOnce waits for the whole cluster in OPERATION with the program
// running, kills its host and measures until it runs elsewhere; then
// restarts the killed instance.
func loseOnce(ctx context.Context, c *Cluster, opts LossOptions, offset time.Duration) (LossRun, error) {
	var run LossRun
	phase, cancel := context.WithTimeout(ctx, opts.PhaseTimeout)
	defer cancel()
	views, err := WaitFor(phase, c.Nodes, "OPERATION on every instance", InOperation(Identifiers(c.Nodes)))
	if err != nil {
		return run, err
	}
	host, err := waitHost(phase, c, c.Nodes, "")
	if err != nil {
		return run, err
	}
	run.Killed, run.WasMaster = host.Nick, host.Identifier() == views.Master()
	if run.WasMaster != opts.KillMaster {
		return run, fmt.Errorf("%s runs on %s, and the Master is %s", LossNamespec, host.Nick, views.Master())
	}
	survivors := Except(c.Nodes, host.Nick)
	witness := survivors[0]
	before := ownTicks(phase, []*Node{witness})[witness.Nick]

	// The waits above end just after a tick; the kill is placed at the
	// chosen point of a tick slice, so that the runs cover the slice.
	select {
	case <-phase.Done():
		return run, phase.Err()
	case <-time.After(untilOffset(time.Now(), offset)):
	}
	killed := time.Now()
	host.Kill()
	run.Offset = killed.Sub(killed.Truncate(TickPeriod))
	newHost, err := waitHost(phase, c, survivors, host.Identifier())
	run.Elapsed = time.Since(killed)
	if err != nil {
		return run, err
	}
	run.NewHost = newHost.Nick
	run.Ticks = ownTicks(phase, []*Node{witness})[witness.Nick] - before
	if err := host.Start(); err != nil {
		return run, err
	}
	return run, nil
}

// KillOffset is where in its 5-second tick slice the rep-th of reps kills
// comes: the middles of reps equal parts of the slice.
func KillOffset(rep, reps int) time.Duration {
	return (time.Duration(2*rep+1) * TickPeriod) / time.Duration(2*reps)
}

// untilOffset is the wait from now to the next instant that lies offset
// into a tick slice.
func untilOffset(now time.Time, offset time.Duration) time.Duration {
	wait := now.Truncate(TickPeriod).Add(offset).Sub(now)
	if wait < 0 {
		wait += TickPeriod
	}
	return wait
}

// waitHost polls nodes (all at once, each 50 ms) until one shows the
// program RUNNING on exactly one instance other than gone, and returns
// that instance.
func waitHost(ctx context.Context, c *Cluster, nodes []*Node, gone string) (*Node, error) {
	type answer struct {
		info ProcessInfo
		err  error
	}
	var last []answer
	for {
		answers := make(chan answer, len(nodes))
		for _, n := range nodes {
			go func() {
				info, err := n.ProcessInfo(ctx, LossNamespec)
				answers <- answer{info, err}
			}()
		}
		last = last[:0]
		for range nodes {
			a := <-answers
			last = append(last, a)
			if a.err == nil && a.info.StateName == "RUNNING" && len(a.info.Identifiers) == 1 && a.info.Identifiers[0] != gone {
				if n := c.Node(a.info.Identifiers[0]); n != nil {
					return n, nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("clusterbench: gave up waiting for %s RUNNING elsewhere than %q: %v; last answers %+v", LossNamespec, gone, ctx.Err(), last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Markdown renders the report: one row per loss.
func (r LossReport) Markdown() string {
	var b strings.Builder
	master := len(r.Runs) > 0 && r.Runs[0].WasMaster
	what := "a Slave"
	if master {
		what = "the Master"
	}
	bound := LossBound(r.InactivityTicks, r.Startsecs, master)
	fmt.Fprintf(&b, "%d `%s` instances, inactivity_ticks=%d; SIGKILL of %s, which runs a RESTART_PROCESS program with startsecs=%d. "+
		"Lower bound for a silent instance: %.0f s; prediction for a refused connection: time to the next tick + %d tick(s) + startsecs; "+
		"target: within 5 s (one tick) of the bound.\n\n",
		r.Instances, r.Daemon, r.InactivityTicks, what, r.Startsecs, bound.Seconds(), refusedTicks(master))
	b.WriteString("| loss | killed | kill into its tick slice (s) | kill -> RUNNING elsewhere (s) | prediction (s) | measured - prediction (s) | measured - bound (s) | ticks | new host | note |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for i, run := range r.Runs {
		killed := run.Killed
		if run.WasMaster {
			killed += " (Master)"
		}
		predicted, overPrediction, overBound := "-", "-", "-"
		if run.Err == "" && run.Elapsed > 0 {
			p := run.Predicted(r.Startsecs)
			predicted = seconds(p)
			overPrediction = fmt.Sprintf("%+.1f", (run.Elapsed - p).Seconds())
			overBound = fmt.Sprintf("%+.1f", (run.Elapsed - bound).Seconds())
		}
		fmt.Fprintf(&b, "| %d | %s | %.1f | %s | %s | %s | %s | %s | %s | %s |\n", i+1, killed, run.Offset.Seconds(), seconds(run.Elapsed),
			predicted, overPrediction, overBound, count(run.Ticks), run.NewHost, strings.ReplaceAll(run.Err, "\n", " "))
	}
	return b.String()
}
