package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"
)

// Options are the sizes, durations and targets of a benchmark run.
type Options struct {
	A, B      string   // daemon binaries (absolute paths)
	Reps      int      // runs per target and scenario, alternating A B A B ...
	Scenarios []string // names to run; empty runs all

	Programs        int           // start-up, RSS, idle and stop-all fleet size
	RPCPrograms     int           // programs behind getAllProcessInfo
	RPCClients      int           // concurrent getAllProcessInfo clients
	RPCDuration     time.Duration // per getAllProcessInfo load (TCP, then unix)
	StateDuration   time.Duration // getState load
	CaptureBytes    int64
	CaptureChunk    int
	CaptureMaxBytes string // stdout_logfile_maxbytes, in Supervisor's notation
	CaptureBackups  int
	IdleDuration    time.Duration // zero skips the idle measurement
	ChurnDuration   time.Duration
	MinFDs          int           // minfds in the generated configuration
	RunTimeout      time.Duration // bound on each single run
	WorkDir         string        // parent of the per-run directories; "" for the system's
	KeepFailed      bool          // keep the directory of a failed run for inspection

	// Helper is the executable that serves the helper programs (see
	// RunHelper): normally the harness itself.
	Helper string
	Logger *slog.Logger
}

// DefaultOptions are the sizes of the full benchmark set (issue 6). On 2
// cores it takes about 12 minutes with our daemon as A, and about 18 with
// supervisord 4.2.5 as both A and B (it needs 30-45 s to start 500 programs).
func DefaultOptions() Options {
	return Options{
		Reps:            3,
		Programs:        500,
		RPCPrograms:     100,
		RPCClients:      8,
		RPCDuration:     5 * time.Second,
		StateDuration:   3 * time.Second,
		CaptureBytes:    1 << 30,
		CaptureChunk:    64 << 10,
		CaptureMaxBytes: "50MB",
		CaptureBackups:  2,
		IdleDuration:    30 * time.Second,
		ChurnDuration:   10 * time.Second,
		MinFDs:          16384,
		RunTimeout:      5 * time.Minute,
	}
}

func (o *Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

// validate checks what would otherwise fail deep inside a run.
func (o *Options) validate() error {
	var errs []error
	if o.A == "" || o.B == "" {
		errs = append(errs, errors.New("both targets A and B are needed"))
	}
	if o.Reps < 1 {
		errs = append(errs, errors.New("reps must be at least 1"))
	}
	if o.Programs < 1 || o.RPCPrograms < 1 || o.RPCClients < 1 {
		errs = append(errs, errors.New("programs, rpc-programs and rpc-clients must be at least 1"))
	}
	if o.RPCDuration <= 0 || o.StateDuration <= 0 || o.ChurnDuration <= 0 || o.IdleDuration < 0 || o.RunTimeout <= 0 {
		errs = append(errs, errors.New("durations must be positive (idle may be zero)"))
	}
	if o.CaptureBytes < 1 || o.CaptureChunk < 1 || o.CaptureBackups < 0 {
		errs = append(errs, errors.New("capture sizes must be positive"))
	}
	if o.Helper == "" || strings.ContainsAny(o.Helper, " \t\n\"'%;") {
		errs = append(errs, fmt.Errorf("helper executable %q is empty or has characters a command line would split", o.Helper))
	}
	known := Scenarios(o)
	for _, name := range o.Scenarios {
		if !slices.ContainsFunc(known, func(s Scenario) bool { return s.Name == name }) {
			errs = append(errs, fmt.Errorf("unknown scenario %q", name))
		}
	}
	return errors.Join(errs...)
}

// Series is what one target measured for one metric over the repetitions.
type Series struct {
	Values []float64 `json:"values"`
	Errors []string  `json:"errors,omitempty"`
}

// Summary of the series.
func (s Series) Summary() Summary { return Summarize(s.Values) }

// Row is one metric measured on A, on B and, for some, without a daemon.
type Row struct {
	Scenario string `json:"scenario"`
	Metric
	A        Series `json:"a"`
	B        Series `json:"b"`
	Baseline Series `json:"baseline"`
}

// Ratio is median(A) / median(B).
func (r Row) Ratio() float64 { return Ratio(r.A.Summary().Median, r.B.Summary().Median) }

// Report is the outcome of a whole run.
type Report struct {
	A, B     string
	Reps     int
	Started  time.Time
	Elapsed  time.Duration
	Machine  Machine
	Versions map[string]string // binary -> what its --version printed
	// LoadStart and LoadEnd are the 1-minute load averages around the run.
	LoadStart, LoadEnd float64
	Rows               []Row
}

// Run runs the selected scenarios, alternating A and B within each, and
// returns every measurement. A failed run is recorded in the report and does
// not stop the others; a target that failed a scenario is not run again in
// that scenario, so a broken daemon costs one timeout, not Reps of them.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	log := opts.logger()
	report := &Report{A: opts.A, B: opts.B, Reps: opts.Reps, Started: time.Now(), Machine: DescribeMachine(), LoadStart: LoadAverage(),
		Versions: map[string]string{opts.A: binaryVersion(ctx, opts.A), opts.B: binaryVersion(ctx, opts.B)}}
	for _, sc := range Scenarios(&opts) {
		if len(opts.Scenarios) > 0 && !slices.Contains(opts.Scenarios, sc.Name) {
			continue
		}
		rows := make([]Row, len(sc.Metrics))
		for i, m := range sc.Metrics {
			rows[i] = Row{Scenario: sc.Name, Metric: m}
		}
		failed := map[string]bool{}
		for rep := range opts.Reps {
			for _, target := range []struct {
				name, binary string
				pick         func(*Row) *Series
			}{
				{"A", opts.A, func(r *Row) *Series { return &r.A }},
				{"B", opts.B, func(r *Row) *Series { return &r.B }},
			} {
				if failed[target.name] {
					continue
				}
				if err := ctx.Err(); err != nil {
					report.Elapsed = time.Since(report.Started)
					return report, err
				}
				log.Info("run", "scenario", sc.Name, "rep", rep+1, "target", target.name)
				m, err := runOnce(ctx, &opts, func(ctx context.Context, env *Env) (Measurement, error) {
					return sc.Run(ctx, env, target.binary)
				})
				record(rows, m, err, target.pick)
				if err != nil {
					failed[target.name] = true
					log.Error("run failed", "scenario", sc.Name, "target", target.name, "err", err)
				}
			}
			if sc.Baseline != nil && !failed["baseline"] {
				log.Info("run", "scenario", sc.Name, "rep", rep+1, "target", "baseline")
				m, err := runOnce(ctx, &opts, sc.Baseline)
				record(rows, m, err, func(r *Row) *Series { return &r.Baseline })
				if err != nil {
					failed["baseline"] = true
					log.Error("baseline failed", "scenario", sc.Name, "err", err)
				}
			}
		}
		report.Rows = append(report.Rows, rows...)
	}
	report.Elapsed = time.Since(report.Started)
	report.LoadEnd = LoadAverage()
	return report, ctx.Err()
}

// record adds one run's values, or its error, to the rows' series.
func record(rows []Row, m Measurement, err error, pick func(*Row) *Series) {
	for i := range rows {
		s := pick(&rows[i])
		if err != nil {
			s.Errors = append(s.Errors, err.Error())
			continue
		}
		if v, ok := m[rows[i].Key]; ok {
			s.Values = append(s.Values, v)
		}
	}
}

// runOnce runs fn in a fresh work directory under the run timeout, and
// removes the directory afterwards (unless the run failed and KeepFailed).
func runOnce(ctx context.Context, opts *Options, fn func(context.Context, *Env) (Measurement, error)) (Measurement, error) {
	dir, err := os.MkdirTemp(opts.WorkDir, "svb-")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.RunTimeout)
	defer cancel()
	m, err := fn(ctx, &Env{Opts: opts, Dir: dir})
	if err != nil && opts.KeepFailed {
		opts.logger().Warn("keeping the failed run's directory", "dir", dir)
		return nil, err
	}
	if rmErr := os.RemoveAll(dir); rmErr != nil {
		opts.logger().Warn("cannot remove work directory", "dir", dir, "err", rmErr)
	}
	return m, err
}
