package bench

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// Metric is one row of the report.
type Metric struct {
	Key            string // stable identifier, used in JSON output
	Label          string // what the row measures
	Unit           string
	HigherIsBetter bool
}

// Measurement maps metric keys to the values of one run. A metric a run
// did not measure (a zero-length idle period, say) is simply absent.
type Measurement map[string]float64

// Scenario is one benchmark: a run against a daemon binary, and optionally
// a baseline measured without any daemon.
type Scenario struct {
	Name     string
	Metrics  []Metric
	Run      func(ctx context.Context, env *Env, binary string) (Measurement, error)
	Baseline func(ctx context.Context, env *Env) (Measurement, error)
}

// Env is what a scenario run gets: the options and a fresh work directory.
type Env struct {
	Opts *Options
	Dir  string
}

const mib = 1 << 20

// sizeLabel writes a byte count the short way: 1GiB, 64MiB, 1500B.
func sizeLabel(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n >= mib && n%mib == 0:
		return fmt.Sprintf("%dMiB", n/mib)
	default:
		return fmt.Sprintf("%dB", n)
	}
}

// Scenarios returns every scenario, in the order the report shows them,
// with the sizes of o in their labels.
func Scenarios(o *Options) []Scenario {
	n, m, k := o.Programs, o.RPCPrograms, o.RPCClients
	return []Scenario{
		{
			Name: "startup0",
			Metrics: []Metric{
				{Key: "startup0.seconds", Label: fmt.Sprintf("start-up, %d programs, startsecs=0 -> all RUNNING (baseline: bare Go fork/exec of %d sleep)", n, n), Unit: "s"},
				{Key: "rss.mib", Label: fmt.Sprintf("daemon RSS with %d running programs", n), Unit: "MiB"},
				{Key: "rss.anon.mib", Label: "of which anonymous (RssAnon: heap, stacks; not the executable's pages)", Unit: "MiB"},
				{Key: "idle.cpu", Label: fmt.Sprintf("daemon CPU over %s idle with %d running programs", o.IdleDuration, n), Unit: "CPU s"},
				{Key: "stopall.seconds", Label: fmt.Sprintf("stopAllProcesses(wait=True), %d programs (baseline: bare Go loop, SIGTERM to %d sleep then reap them)", n, n), Unit: "s"},
				{Key: "startup0.floor.seconds", Label: fmt.Sprintf("the same %d programs with their daemon-side work: %d AUTO log files created, then each spawned with 3 pipes (baseline only)", n, 2*n), Unit: "s"},
			},
			Run:      runStartup0,
			Baseline: baselineForkExec,
		},
		{
			Name: "startup1",
			Metrics: []Metric{
				{Key: "startup1.seconds", Label: fmt.Sprintf("start-up, %d programs, startsecs=1 -> all RUNNING", n), Unit: "s"},
				{Key: "shutdown.seconds", Label: fmt.Sprintf("supervisor.shutdown with %d running programs -> daemon gone", n), Unit: "s"},
				{Key: "shutdown.left", Label: "children left alive after shutdown", Unit: "processes"},
			},
			Run: runStartup1,
		},
		{
			Name: "rpc",
			Metrics: []Metric{
				{Key: "gapi.tcp.rate", Label: fmt.Sprintf("getAllProcessInfo, %d programs, %d clients, TCP", m, k), Unit: "calls/s", HigherIsBetter: true},
				{Key: "gapi.tcp.p50", Label: "getAllProcessInfo, TCP, p50", Unit: "ms"},
				{Key: "gapi.tcp.p99", Label: "getAllProcessInfo, TCP, p99", Unit: "ms"},
				{Key: "gapi.unix.rate", Label: fmt.Sprintf("getAllProcessInfo, %d programs, %d clients, unix socket", m, k), Unit: "calls/s", HigherIsBetter: true},
				{Key: "gapi.unix.p50", Label: "getAllProcessInfo, unix socket, p50", Unit: "ms"},
				{Key: "gapi.unix.p99", Label: "getAllProcessInfo, unix socket, p99", Unit: "ms"},
				{Key: "getstate.rate", Label: "getState, 1 client, TCP", Unit: "calls/s", HigherIsBetter: true},
				{Key: "getstate.p50", Label: "getState, 1 client, TCP, p50", Unit: "ms"},
			},
			Run: runRPC,
		},
		{
			Name: "capture",
			Metrics: []Metric{
				{Key: "capture.rate", Label: fmt.Sprintf("stdout capture of %s in %d-byte writes, rotation %s x %d (baseline: straight into a file)", sizeLabel(o.CaptureBytes), o.CaptureChunk, o.CaptureMaxBytes, o.CaptureBackups), Unit: "MiB/s", HigherIsBetter: true},
				{Key: "capture.cpu", Label: "daemon CPU for the whole capture", Unit: "CPU s"},
				{Key: "capture.cat.rate", Label: "the same producer relayed by `cat > file` (baseline only)", Unit: "MiB/s", HigherIsBetter: true},
			},
			Run:      runCapture,
			Baseline: baselineCapture,
		},
		{
			Name: "churn",
			Metrics: []Metric{
				{Key: "churn.rate", Label: "restart churn, program exits at once, autorestart, startsecs=0", Unit: "restarts/s", HigherIsBetter: true},
			},
			Run: runChurn,
		},
	}
}

// startDaemon starts binary on a configuration in env.Dir and waits until it
// answers; the caller must Close the daemon.
func startDaemon(ctx context.Context, env *Env, binary string, cfg DaemonConfig) (*Daemon, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cfg.Dir, cfg.Port, cfg.MinFDs = env.Dir, port, env.Opts.MinFDs
	return StartDaemon(binary, cfg, env.Opts.logger())
}

func runStartup0(ctx context.Context, env *Env, binary string) (Measurement, error) {
	n := env.Opts.Programs
	d, err := startDaemon(ctx, env, binary, DaemonConfig{Programs: sleepers(n, 0)})
	if err != nil {
		return nil, err
	}
	defer d.Close()
	m := Measurement{}
	allRunning, err := d.WaitAllRunning(ctx, n)
	if err != nil {
		return nil, err
	}
	m["startup0.seconds"] = allRunning.Sub(d.Started()).Seconds()

	// Let the daemon settle (log flushes, a last loop pass) before the
	// idle window, in which the harness sends nothing at all.
	if err := sleepCtx(ctx, time.Second); err != nil {
		return nil, err
	}
	if idle := env.Opts.IdleDuration; idle > 0 {
		cpu0, err := d.CPUSeconds()
		if err != nil {
			return nil, err
		}
		if err := sleepCtx(ctx, idle); err != nil {
			return nil, err
		}
		cpu1, err := d.CPUSeconds()
		if err != nil {
			return nil, err
		}
		m["idle.cpu"] = cpu1 - cpu0
	}
	rss, err := d.RSSBytes()
	if err != nil {
		return nil, err
	}
	m["rss.mib"] = float64(rss) / mib
	anon, err := d.AnonRSSBytes()
	if err != nil {
		return nil, err
	}
	m["rss.anon.mib"] = float64(anon) / mib

	t0 := time.Now()
	res, err := d.Call(ctx, "supervisor.stopAllProcesses", true)
	if err != nil {
		return nil, err
	}
	m["stopall.seconds"] = time.Since(t0).Seconds()
	if list, ok := res.([]any); !ok || len(list) != n {
		return nil, fmt.Errorf("bench: stopAllProcesses answered %d results, want %d", lenOf(res), n)
	}
	if _, err := d.Shutdown(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

func lenOf(v any) int {
	if list, ok := v.([]any); ok {
		return len(list)
	}
	return -1
}

// baselineForkExec is the physical limit of start-up: a bare Go loop that
// starts N sleep processes, each in its own process group as a supervisor
// does, with no pipes and no bookkeeping.
func baselineForkExec(ctx context.Context, env *Env) (Measurement, error) {
	n := env.Opts.Programs
	cmds := make([]*exec.Cmd, 0, n)
	defer func() {
		for _, c := range cmds {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
	}()
	t0 := time.Now()
	for range n {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c := exec.Command("/bin/sleep", "3600")
		c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := c.Start(); err != nil {
			return nil, err
		}
		cmds = append(cmds, c)
	}
	m := Measurement{"startup0.seconds": time.Since(t0).Seconds()}
	start, stop, err := forkExecFloor(ctx, env)
	if err != nil {
		return nil, err
	}
	m["startup0.floor.seconds"] = start.Seconds()
	m["stopall.seconds"] = stop.Seconds()
	return m, nil
}

// forkExecFloor times what any supervisor must do for the start-up
// scenario besides keeping books: create the stdout and stderr AUTO log
// files of every program in one directory (O_CREAT|O_EXCL, as mkstemp),
// then fork/exec each program with pipes on its fds 0, 1 and 2, keeping the
// parent's ends open as a supervisor does. On some file systems the file
// creation costs as much as the forks. Then it times the floor of a
// stop-all: SIGTERM to each child, then reaping them all.
func forkExecFloor(ctx context.Context, env *Env) (start, stop time.Duration, err error) {
	n := env.Opts.Programs
	dir := filepath.Join(env.Dir, "floor")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return 0, 0, err
	}
	var kept []*os.File
	cmds := make([]*exec.Cmd, 0, n)
	defer func() {
		for _, c := range cmds {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
		for _, f := range kept {
			_ = f.Close()
		}
	}()
	t0 := time.Now()
	for i := range 2 * n {
		f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("p%d-%d---bench-floor.log", i/2, i%2)),
			os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return 0, 0, err
		}
		if err := f.Close(); err != nil {
			return 0, 0, err
		}
	}
	for range n {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		c := exec.Command("/bin/sleep", "3600")
		c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		var ends [3][2]*os.File // [fd][read end, write end]
		for i := range ends {
			r, w, err := os.Pipe()
			if err != nil {
				return 0, 0, err
			}
			ends[i] = [2]*os.File{r, w}
		}
		c.Stdin, c.Stdout, c.Stderr = ends[0][0], ends[1][1], ends[2][1]
		err := c.Start()
		// The child's ends are closed, the parent keeps its own (stdin's
		// write end, the read ends of stdout and stderr), as a supervisor
		// does.
		for _, f := range []*os.File{ends[0][0], ends[1][1], ends[2][1]} {
			_ = f.Close()
		}
		kept = append(kept, ends[0][1], ends[1][0], ends[2][0])
		if err != nil {
			return 0, 0, err
		}
		cmds = append(cmds, c)
	}
	start = time.Since(t0)
	t1 := time.Now()
	for _, c := range cmds {
		if err := c.Process.Signal(syscall.SIGTERM); err != nil {
			return 0, 0, err
		}
	}
	for _, c := range cmds {
		_ = c.Wait() // killed by SIGTERM: an error, as expected
	}
	stop = time.Since(t1)
	cmds = nil
	return start, stop, nil
}

func runStartup1(ctx context.Context, env *Env, binary string) (Measurement, error) {
	n := env.Opts.Programs
	d, err := startDaemon(ctx, env, binary, DaemonConfig{Programs: sleepers(n, 1)})
	if err != nil {
		return nil, err
	}
	defer d.Close()
	allRunning, err := d.WaitAllRunning(ctx, n)
	if err != nil {
		return nil, err
	}
	m := Measurement{"startup1.seconds": allRunning.Sub(d.Started()).Seconds()}
	took, err := d.Shutdown(ctx)
	if err != nil {
		return nil, err
	}
	m["shutdown.seconds"] = took.Seconds()
	m["shutdown.left"] = float64(d.Close())
	return m, nil
}

func runRPC(ctx context.Context, env *Env, binary string) (Measurement, error) {
	o := env.Opts
	d, err := startDaemon(ctx, env, binary, DaemonConfig{Programs: sleepers(o.RPCPrograms, 0), Unix: true})
	if err != nil {
		return nil, err
	}
	defer d.Close()
	if _, err := d.WaitAll(ctx, stateRunning, o.RPCPrograms); err != nil {
		return nil, err
	}
	m := Measurement{}
	checkAll := func(res any) error {
		if n := lenOf(res); n != o.RPCPrograms {
			return fmt.Errorf("bench: getAllProcessInfo answered %d processes, want %d", n, o.RPCPrograms)
		}
		return nil
	}
	for _, transport := range []string{"tcp", "unix"} {
		unix := transport == "unix"
		res, err := Load(ctx, LoadSpec{
			NewClient: func() (*xmlrpc.Client, error) { return d.NewClient(unix) },
			Clients:   o.RPCClients,
			Duration:  o.RPCDuration,
			Method:    "supervisor.getAllProcessInfo",
			Check:     checkAll,
		})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", transport, err)
		}
		m["gapi."+transport+".rate"] = res.CallsPerSecond
		m["gapi."+transport+".p50"] = res.P50.Seconds() * 1000
		m["gapi."+transport+".p99"] = res.P99.Seconds() * 1000
	}
	res, err := Load(ctx, LoadSpec{
		NewClient: func() (*xmlrpc.Client, error) { return d.NewClient(false) },
		Clients:   1,
		Duration:  o.StateDuration,
		Method:    "supervisor.getState",
	})
	if err != nil {
		return nil, err
	}
	m["getstate.rate"] = res.CallsPerSecond
	m["getstate.p50"] = res.P50.Seconds() * 1000
	if _, err := d.Shutdown(ctx); err != nil {
		return nil, err
	}
	return m, nil
}

// producerCommand is the command line of the capture producer.
func producerCommand(o *Options, report string) string {
	return fmt.Sprintf("%s %s produce -bytes %d -chunk %d -report %s",
		o.Helper, HelperArg, o.CaptureBytes, o.CaptureChunk, report)
}

func runCapture(ctx context.Context, env *Env, binary string) (Measurement, error) {
	o := env.Opts
	report := filepath.Join(env.Dir, "produce.json")
	logfile := filepath.Join(env.Dir, "capture.log")
	prog := Program{
		Name:           "capture",
		Command:        producerCommand(o, report),
		Autostart:      false,
		Autorestart:    "false",
		StartSecs:      0,
		StdoutLogfile:  logfile,
		StdoutMaxBytes: o.CaptureMaxBytes,
		StdoutBackups:  o.CaptureBackups,
	}
	d, err := startDaemon(ctx, env, binary, DaemonConfig{Programs: []Program{prog}})
	if err != nil {
		return nil, err
	}
	defer d.Close()
	if err := d.WaitReady(ctx); err != nil {
		return nil, err
	}
	cpu0, err := d.CPUSeconds()
	if err != nil {
		return nil, err
	}
	if _, err := d.Call(ctx, "supervisor.startProcess", "capture", false); err != nil {
		return nil, err
	}
	// Poll the file system, not the daemon, so the harness adds no work
	// to the daemon while it captures.
	res, err := waitReport(ctx, report, d)
	if err != nil {
		return nil, err
	}
	if res.Bytes != o.CaptureBytes || res.Seconds <= 0 {
		return nil, fmt.Errorf("bench: producer reported %d bytes in %v s, want %d bytes", res.Bytes, res.Seconds, o.CaptureBytes)
	}
	if err := d.WaitProcess(ctx, "capture", stateExited); err != nil {
		return nil, err
	}
	cpu1, err := d.CPUSeconds()
	if err != nil {
		return nil, err
	}
	if kept := filesSize(logfile + "*"); kept == 0 {
		return nil, fmt.Errorf("bench: nothing captured in %s or its backups", logfile)
	}
	if _, err := d.Shutdown(ctx); err != nil {
		return nil, err
	}
	return Measurement{
		"capture.rate": float64(res.Bytes) / mib / res.Seconds,
		"capture.cpu":  cpu1 - cpu0,
	}, nil
}

// filesSize is the total size of the files matching pattern.
func filesSize(pattern string) int64 {
	names, _ := filepath.Glob(pattern)
	var total int64
	for _, name := range names {
		if st, err := os.Stat(name); err == nil {
			total += st.Size()
		}
	}
	return total
}

// waitReport waits for the producer's report file, giving up early if the
// daemon dies.
func waitReport(ctx context.Context, path string, d *Daemon) (ProduceResult, error) {
	for {
		res, err := readReport(path)
		if err == nil {
			return res, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return ProduceResult{}, err
		}
		if d != nil {
			if dead := d.exited(); dead != nil {
				return ProduceResult{}, dead
			}
		}
		if err := sleepCtx(ctx, pollPause); err != nil {
			return ProduceResult{}, fmt.Errorf("bench: waiting for producer report %s: %w", path, err)
		}
	}
}

// baselineCapture runs the same producer into a file directly, and through
// a plain `cat > file` pipe relay.
func baselineCapture(ctx context.Context, env *Env) (Measurement, error) {
	o := env.Opts
	m := Measurement{}
	direct := filepath.Join(env.Dir, "direct.json")
	cmd := exec.CommandContext(ctx, o.Helper, HelperArg, "produce",
		"-bytes", fmt.Sprint(o.CaptureBytes), "-chunk", fmt.Sprint(o.CaptureChunk),
		"-report", direct, "-out", filepath.Join(env.Dir, "direct.out"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("bench: direct producer: %w: %s", err, out)
	}
	res, err := readReport(direct)
	if err != nil {
		return nil, err
	}
	if res.Seconds <= 0 {
		return nil, fmt.Errorf("bench: direct producer reported %v s", res.Seconds)
	}
	m["capture.rate"] = float64(res.Bytes) / mib / res.Seconds

	relayed := filepath.Join(env.Dir, "cat.json")
	script := fmt.Sprintf("%s %s produce -bytes %d -chunk %d -report %s | cat > %s",
		shellQuote(o.Helper), HelperArg, o.CaptureBytes, o.CaptureChunk,
		shellQuote(relayed), shellQuote(filepath.Join(env.Dir, "cat.out")))
	cmd = exec.CommandContext(ctx, "/bin/sh", "-c", script)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("bench: relayed producer: %w: %s", err, out)
	}
	if res, err = readReport(relayed); err != nil {
		return nil, err
	}
	if res.Seconds <= 0 {
		return nil, fmt.Errorf("bench: relayed producer reported %v s", res.Seconds)
	}
	m["capture.cat.rate"] = float64(res.Bytes) / mib / res.Seconds
	return m, nil
}

// shellQuote quotes s for /bin/sh.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func runChurn(ctx context.Context, env *Env, binary string) (Measurement, error) {
	counter := filepath.Join(env.Dir, "churn.count")
	// Each run appends one byte, so the file size counts the spawns
	// whatever the daemon's polling or logging does.
	prog := Program{
		Name:          "churn",
		Command:       fmt.Sprintf(`/bin/sh -c "echo >> %s"`, counter),
		Autostart:     true,
		Autorestart:   "true",
		StartSecs:     0,
		StdoutLogfile: "NONE",
		StderrLogfile: "NONE",
	}
	d, err := startDaemon(ctx, env, binary, DaemonConfig{Programs: []Program{prog}})
	if err != nil {
		return nil, err
	}
	defer d.Close()
	if err := d.WaitReady(ctx); err != nil {
		return nil, err
	}
	size := func() int64 {
		st, err := os.Stat(counter)
		if err != nil {
			return 0
		}
		return st.Size()
	}
	// Start counting after the second spawn: the restart loop is running.
	for size() < 2 {
		if dead := d.exited(); dead != nil {
			return nil, dead
		}
		if err := sleepCtx(ctx, pollPause); err != nil {
			return nil, fmt.Errorf("bench: churn program never restarted: %w", err)
		}
	}
	n0, t0 := size(), time.Now()
	if err := sleepCtx(ctx, env.Opts.ChurnDuration); err != nil {
		return nil, err
	}
	n1, t1 := size(), time.Now()
	if _, err := d.Shutdown(ctx); err != nil {
		return nil, err
	}
	return Measurement{"churn.rate": float64(n1-n0) / t1.Sub(t0).Seconds()}, nil
}
