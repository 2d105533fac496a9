package clusterbench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// DefaultSizes are the cluster sizes Run measures when Options.Sizes is empty.
var DefaultSizes = []int{3, 10, 25, 50}

// ReferenceOperationTicks is the tick sequence counter Python Supvisors
// 0.19 (Debian's supervisord 4.2.5 with the plugin) had reached when this
// benchmark saw its 3-instance cluster in OPERATION, after 29.5 s. The
// protocol moves on ticks (handshakes, activation, end of synchronization,
// election, distribution), so the counter, not the seconds, is the figure
// to compare.
const ReferenceOperationTicks = 5

// Options configures Run.
type Options struct {
	// Daemon is the supvisord binary to measure.
	Daemon string
	// Sizes are the cluster sizes to measure, in order; DefaultSizes when
	// empty.
	Sizes []int
	// Dir receives one directory per size (configurations and logs); a
	// temporary directory, removed afterwards, when empty.
	Dir string
	// IdleWindow is how long CPU use is measured while the cluster idles in
	// OPERATION; 10 s when zero.
	IdleWindow time.Duration
	// PhaseTimeout bounds each wait (OPERATION, new Master); when zero,
	// 3 minutes plus 2 s per instance.
	PhaseTimeout time.Duration
	// SupvisorsOptions are extra [rpcinterface:supvisors] options.
	SupvisorsOptions map[string]string
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
}

// Result holds the figures of one cluster size.
type Result struct {
	Size int
	// ToOperation is the time from launching the first instance to every
	// instance being in OPERATION with the same Master and every instance
	// RUNNING in every view.
	ToOperation time.Duration
	// OperationTicks is the highest tick sequence counter an instance had
	// sent when OPERATION was observed everywhere.
	OperationTicks int
	// Failover is the time from the SIGKILL of the Master to every
	// surviving instance naming the same new Master.
	Failover time.Duration
	// FailoverTicks is how many ticks the new Master sent meanwhile.
	FailoverTicks int
	// OldMaster and NewMaster are the Master identifiers around the failover.
	OldMaster, NewMaster string
	// IdleCPUPercent and RSSBytes are per daemon, measured in OPERATION
	// before the failover (CPU% of one core over Options.IdleWindow).
	IdleCPUPercent []float64
	RSSBytes       []int64
	// Err says why the measurement of this size stopped early.
	Err string
}

// Report is the outcome of Run.
type Report struct {
	Daemon     string
	IdleWindow time.Duration
	Results    []Result
}

// Run measures each cluster size in turn. A size that fails is recorded
// with its error and the next one is still measured; the returned error
// joins the failures.
func Run(ctx context.Context, opts Options) (Report, error) {
	if opts.Daemon == "" {
		return Report{}, errors.New("clusterbench: Options.Daemon is required")
	}
	if len(opts.Sizes) == 0 {
		opts.Sizes = DefaultSizes
	}
	if opts.IdleWindow <= 0 {
		opts.IdleWindow = 10 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	dir := opts.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "clusterbench-")
		if err != nil {
			return Report{}, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	report := Report{Daemon: opts.Daemon, IdleWindow: opts.IdleWindow}
	var errs []error
	for _, size := range opts.Sizes {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		r, err := runSize(ctx, opts, filepath.Join(dir, fmt.Sprintf("n%d", size)), size)
		if err != nil {
			r.Err = err.Error()
			errs = append(errs, fmt.Errorf("size %d: %w", size, err))
		}
		report.Results = append(report.Results, r)
	}
	return report, errors.Join(errs...)
}

func runSize(ctx context.Context, opts Options, dir string, size int) (result Result, err error) {
	result.Size = size
	log := opts.Logger.With("size", size)
	timeout := opts.PhaseTimeout
	if timeout <= 0 {
		timeout = 3*time.Minute + time.Duration(size)*2*time.Second
	}
	c, err := LocalCluster(opts.Daemon, dir, size)
	if err != nil {
		return result, err
	}
	c.Options, c.Logger = opts.SupvisorsOptions, log
	defer func() {
		if stopErr := c.Stop(30 * time.Second); stopErr != nil && err == nil {
			err = stopErr
		}
	}()

	launched := time.Now()
	if err := c.Start(); err != nil {
		return result, err
	}
	all := Identifiers(c.Nodes)
	phase, cancel := context.WithTimeout(ctx, timeout)
	views, err := WaitFor(phase, c.Nodes, "OPERATION on every instance", InOperation(all))
	cancel()
	if err != nil {
		return result, err
	}
	result.ToOperation = time.Since(launched)
	result.OperationTicks = maxOwnTicks(ctx, c.Nodes)
	log.Info("cluster in OPERATION", "seconds", result.ToOperation.Seconds(), "ticks", result.OperationTicks)

	result.IdleCPUPercent, result.RSSBytes, err = measureIdle(ctx, c.Nodes, opts.IdleWindow)
	if err != nil {
		return result, err
	}

	result.OldMaster = views.Master()
	master := c.Node(result.OldMaster)
	if master == nil {
		return result, fmt.Errorf("the Master %q is not an instance of the cluster", result.OldMaster)
	}
	survivors := Except(c.Nodes, master.Nick)
	before := ownTicks(ctx, survivors)
	killed := time.Now()
	master.Kill()
	phase, cancel = context.WithTimeout(ctx, timeout)
	views, err = WaitFor(phase, survivors, "a new Master agreed by every survivor", func(v Views) bool {
		m := v.Master()
		return m != "" && m != result.OldMaster
	})
	cancel()
	if err != nil {
		return result, err
	}
	result.Failover = time.Since(killed)
	result.NewMaster = views.Master()
	after := ownTicks(ctx, survivors)
	if newMaster := c.Node(result.NewMaster); newMaster != nil {
		result.FailoverTicks = after[newMaster.Nick] - before[newMaster.Nick]
	}
	log.Info("new Master agreed", "seconds", result.Failover.Seconds(), "master", result.NewMaster)
	return result, nil
}

// ownTicks maps each node's nick to the tick counter it reports for
// itself; nodes that do not answer are left out.
func ownTicks(ctx context.Context, nodes []*Node) map[string]int {
	ticks := map[string]int{}
	for _, n := range nodes {
		infos, err := n.InstancesInfo(ctx)
		if err != nil {
			continue
		}
		for _, info := range infos {
			if info.Identifier == n.Identifier() {
				ticks[n.Nick] = info.LocalSequenceCounter
			}
		}
	}
	return ticks
}

func maxOwnTicks(ctx context.Context, nodes []*Node) int {
	highest := 0
	for _, t := range ownTicks(ctx, nodes) {
		highest = max(highest, t)
	}
	return highest
}

// measureIdle samples every daemon's CPU time at both ends of window and
// its RSS at the end.
func measureIdle(ctx context.Context, nodes []*Node, window time.Duration) ([]float64, []int64, error) {
	first := make([]procSample, len(nodes))
	for i, n := range nodes {
		s, err := readProc(n.PID())
		if err != nil {
			return nil, nil, fmt.Errorf("reading /proc of %s: %w", n.Nick, err)
		}
		first[i] = s
	}
	start := time.Now()
	select {
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	case <-time.After(window):
	}
	elapsed := time.Since(start).Seconds()
	cpu := make([]float64, len(nodes))
	rss := make([]int64, len(nodes))
	for i, n := range nodes {
		s, err := readProc(n.PID())
		if err != nil {
			return nil, nil, fmt.Errorf("reading /proc of %s: %w", n.Nick, err)
		}
		cpu[i] = (s.cpuSeconds - first[i].cpuSeconds) / elapsed * 100
		rss[i] = s.rssBytes
	}
	return cpu, rss, nil
}

// Markdown renders the report as a table with one row per size.
func (r Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Cluster of N `%s` instances on 127.0.0.1 (default options). Ticks are the sequence counters the instances sent; "+
		"Python Supvisors 0.19 was in OPERATION at tick %d (3 instances). Idle CPU is %% of one core over %s in OPERATION.\n\n",
		r.Daemon, ReferenceOperationTicks, r.IdleWindow)
	b.WriteString("| N | launch -> OPERATION (s) | ticks | kill Master -> new Master (s) | ticks | idle CPU % mean / max | RSS MiB mean / max | note |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, res := range r.Results {
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %s | %s |\n", res.Size,
			seconds(res.ToOperation), count(res.OperationTicks), seconds(res.Failover), count(res.FailoverTicks),
			meanMax(res.IdleCPUPercent, "%.2f"), meanMax(mib(res.RSSBytes), "%.1f"), strings.ReplaceAll(res.Err, "\n", " "))
	}
	return b.String()
}

// String is the Markdown table.
func (r Report) String() string { return r.Markdown() }

func seconds(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", d.Seconds())
}

func count(n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

func mib(sizes []int64) []float64 {
	out := make([]float64, len(sizes))
	for i, s := range sizes {
		out[i] = float64(s) / (1 << 20)
	}
	return out
}

func meanMax(values []float64, format string) string {
	if len(values) == 0 {
		return "-"
	}
	sum := 0.0
	for _, v := range values {
		sum += v
	}
	return fmt.Sprintf(format+" / "+format, sum/float64(len(values)), slices.Max(values))
}
