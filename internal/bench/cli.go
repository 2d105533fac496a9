package bench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/supvisors-go/supvisors/internal/bench/clusterbench"
)

// defaultA is where `make build` puts our daemon.
const defaultA = "./bin/supvisord"

// defaultB finds Debian's supervisord on PATH, else where Debian puts it.
func defaultB() string {
	if p, err := exec.LookPath("supervisord"); err == nil {
		return p
	}
	return "/usr/bin/supervisord"
}

// Main is the whole supvisors-bench command: it parses args (os.Args),
// runs the benchmarks, prints the Markdown table on stdout and returns the
// exit status (0, 1 when a run failed, 2 on a usage error).
func Main(args []string, stdout, stderr io.Writer) int {
	if IsHelper(args) {
		return RunHelper(args, stderr)
	}
	opts := DefaultOptions()
	fs := flag.NewFlagSet(filepath.Base(args[0]), flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s [flags]\n\nRuns the same scenarios against two supervisord-compatible daemons through XML-RPC on\n127.0.0.1, alternating A and B, and prints median (min-max) per target and the ratio A:B.\n\n", fs.Name())
		fs.PrintDefaults()
	}
	fs.StringVar(&opts.A, "a", defaultA, "target A: daemon binary")
	fs.StringVar(&opts.B, "b", defaultB(), "target B: daemon binary")
	fs.IntVar(&opts.Reps, "reps", opts.Reps, "runs per target and scenario")
	scenarios := fs.String("scenarios", "", "comma-separated scenarios to run (default all: startup0,startup1,rpc,capture,churn)")
	fs.IntVar(&opts.Programs, "programs", opts.Programs, "programs for start-up, RSS, idle, stop-all and shutdown")
	fs.IntVar(&opts.RPCPrograms, "rpc-programs", opts.RPCPrograms, "programs behind getAllProcessInfo")
	fs.IntVar(&opts.RPCClients, "rpc-clients", opts.RPCClients, "concurrent getAllProcessInfo clients")
	fs.DurationVar(&opts.RPCDuration, "rpc-duration", opts.RPCDuration, "duration of each getAllProcessInfo load")
	fs.DurationVar(&opts.StateDuration, "state-duration", opts.StateDuration, "duration of the getState load")
	fs.Int64Var(&opts.CaptureBytes, "capture-bytes", opts.CaptureBytes, "bytes the capture producer writes")
	fs.IntVar(&opts.CaptureChunk, "capture-chunk", opts.CaptureChunk, "size of each write of the capture producer")
	fs.StringVar(&opts.CaptureMaxBytes, "capture-maxbytes", opts.CaptureMaxBytes, "stdout_logfile_maxbytes of the captured program")
	fs.IntVar(&opts.CaptureBackups, "capture-backups", opts.CaptureBackups, "stdout_logfile_backups of the captured program")
	fs.DurationVar(&opts.IdleDuration, "idle", opts.IdleDuration, "idle window with all programs running (0 skips it)")
	fs.DurationVar(&opts.ChurnDuration, "churn", opts.ChurnDuration, "restart churn window")
	fs.IntVar(&opts.MinFDs, "minfds", opts.MinFDs, "minfds in the generated configuration")
	fs.DurationVar(&opts.RunTimeout, "run-timeout", opts.RunTimeout, "bound on each single run")
	fs.StringVar(&opts.WorkDir, "workdir", "", "parent directory of the per-run directories (default: system temp)")
	fs.BoolVar(&opts.KeepFailed, "keep-failed", false, "keep the directory of a failed run")
	jsonOut := fs.String("json", "", "also write the full results (every value) as JSON to this file")
	mdOut := fs.String("o", "", "also write the Markdown table to this file")
	verbose := fs.Bool("v", false, "log each run on stderr")
	clusterSizes := fs.String("cluster", "", "run the cluster scenario instead: comma-separated cluster sizes (e.g. 3,10,25,50) of target A (-cluster-app N and -cluster-loss slave,master run the application start and failover benchmarks, with their own flags: -cluster-app 50 -h)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s: unexpected arguments %q\n", fs.Name(), fs.Args())
		return 2
	}
	if *scenarios != "" {
		opts.Scenarios = strings.Split(*scenarios, ",")
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	opts.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	var err error
	for _, target := range []*string{&opts.A, &opts.B} {
		if *target, err = resolveBinary(*target); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
			return 2
		}
	}
	if opts.Helper, err = os.Executable(); err != nil {
		fmt.Fprintf(stderr, "%s: cannot find my own executable: %v\n", fs.Name(), err)
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *clusterSizes != "" {
		return runCluster(ctx, opts, *clusterSizes, strings.Join(args, " "), stdout, stderr, *mdOut, fs.Name())
	}
	report, err := Run(ctx, opts)
	if report == nil {
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
		return 2
	}
	command := strings.Join(args, " ")
	if werr := writeOutputs(report, command, stdout, *mdOut, *jsonOut); werr != nil {
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), werr)
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: interrupted: %v\n", fs.Name(), err)
		return 1
	}
	if len(report.errors()) > 0 {
		return 1
	}
	return 0
}

// resolveBinary makes a target path absolute (daemons run in their own
// work directory) and checks that it is an executable file.
func resolveBinary(path string) (string, error) {
	return clusterbench.ResolveExecutable(path, "target", "build ours with `make build`, or pass -a/-b")
}

func writeOutputs(report *Report, command string, stdout io.Writer, mdPath, jsonPath string) error {
	if err := report.WriteMarkdown(stdout, command); err != nil {
		return err
	}
	if mdPath != "" {
		f, err := os.Create(mdPath)
		if err != nil {
			return err
		}
		if err := report.WriteMarkdown(f, command); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	if jsonPath != "" {
		data, err := json.MarshalIndent(report, "", "  ")
		if err != nil {
			return err
		}
		return os.WriteFile(jsonPath, append(data, '\n'), 0o644)
	}
	return nil
}

// runCluster runs the cluster scenario (package clusterbench) on target A:
// launch to OPERATION, failover, idle CPU and memory per cluster size.
func runCluster(ctx context.Context, opts Options, sizes, command string, stdout, stderr io.Writer, mdPath, name string) int {
	var list []int
	for _, f := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			fmt.Fprintf(stderr, "%s: -cluster: %q is not a cluster size\n", name, f)
			return 2
		}
		list = append(list, n)
	}
	report, err := clusterbench.Run(ctx, clusterbench.Options{Daemon: opts.A, Sizes: list, Dir: opts.WorkDir, Logger: opts.Logger})
	md := fmt.Sprintf("Command: `%s`\n\n%s", command, report.Markdown())
	fmt.Fprint(stdout, md)
	if mdPath != "" {
		if werr := os.WriteFile(mdPath, []byte(md), 0o644); werr != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, werr)
			return 1
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}
