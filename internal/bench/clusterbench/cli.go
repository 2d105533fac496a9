package clusterbench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
)

// IsCommand reports whether args (os.Args) ask for one of the cluster
// benchmarks Main runs: -cluster-app or -cluster-loss.
func IsCommand(args []string) bool {
	for _, a := range args[1:] {
		name := strings.TrimLeft(a, "-")
		name, _, _ = strings.Cut(name, "=")
		if strings.HasPrefix(a, "-") && (name == "cluster-app" || name == "cluster-loss") {
			return true
		}
	}
	return false
}

// Main runs the application-start benchmark (-cluster-app N) and the
// instance-loss benchmark (-cluster-loss slave,master) on one daemon, prints
// the Markdown tables on stdout and returns the exit status (0, 1 when a
// run failed, 2 on a usage error).
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(filepath.Base(args[0]), flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s -a DAEMON [-cluster-app N] [-cluster-loss slave,master] [flags]\n\n"+
			"Measures a cluster of supvisord instances on 127.0.0.1: the start of a managed application of N\n"+
			"programs in several start sequences, and the time a RESTART_PROCESS program takes to run again\n"+
			"elsewhere when its instance is killed.\n\n", fs.Name())
		fs.PrintDefaults()
	}
	daemon := fs.String("a", "./bin/supvisord", "the supvisord binary to measure")
	programs := fs.Int("cluster-app", 0, "measure the start of an application of this many programs (0: skip)")
	sequences := fs.Int("app-sequences", 5, "start sequences of the application")
	instances := fs.Int("app-instances", 3, "instances the application is spread over")
	strategy := fs.String("app-strategy", "LESS_LOADED", "starting strategy of the application")
	losses := fs.String("cluster-loss", "", "measure the loss of the program's instance: slave, master or slave,master")
	startsecs := fs.Int("loss-startsecs", 1, "startsecs of the RESTART_PROCESS program")
	inactivity := fs.Int("loss-inactivity-ticks", 0, "inactivity_ticks of every instance (0: the default)")
	reps := fs.Int("reps", 3, "measurements per benchmark")
	workdir := fs.String("workdir", "", "directory for configurations and logs (default: a temporary one, removed)")
	mdOut := fs.String("o", "", "also write the Markdown tables to this file")
	verbose := fs.Bool("v", false, "log progress on stderr")
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
	var cases []bool
	if *losses != "" {
		for _, c := range strings.Split(*losses, ",") {
			switch strings.TrimSpace(c) {
			case "slave":
				cases = append(cases, false)
			case "master":
				cases = append(cases, true)
			default:
				fmt.Fprintf(stderr, "%s: -cluster-loss: %q is neither slave nor master\n", fs.Name(), c)
				return 2
			}
		}
	}
	if *programs < 0 || (*programs == 0 && len(cases) == 0) {
		fmt.Fprintf(stderr, "%s: give -cluster-app N (N > 0) or -cluster-loss\n", fs.Name())
		return 2
	}
	bin, err := ResolveExecutable(*daemon, "daemon", "build it with `make build`, or pass -a")
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
		return 2
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var out strings.Builder
	fmt.Fprintf(&out, "Command: `%s`\n\n", strings.Join(args, " "))
	var errs []error
	sub := func(name string) string {
		if *workdir == "" {
			return ""
		}
		return filepath.Join(*workdir, name)
	}
	if *programs > 0 {
		report, err := RunAppStart(ctx, AppOptions{Daemon: bin, Programs: *programs, Sequences: *sequences,
			Instances: *instances, Strategy: *strategy, Reps: *reps, Dir: sub("app"), Logger: logger})
		out.WriteString(report.Markdown() + "\n")
		errs = append(errs, err)
	}
	for _, master := range cases {
		name := "slave"
		if master {
			name = "master"
		}
		report, err := RunLoss(ctx, LossOptions{Daemon: bin, Startsecs: *startsecs, InactivityTicks: *inactivity,
			KillMaster: master, Reps: *reps, Dir: sub("loss-" + name), Logger: logger})
		out.WriteString(report.Markdown() + "\n")
		errs = append(errs, err)
	}
	fmt.Fprint(stdout, out.String())
	status := 0
	if *mdOut != "" {
		if err := os.WriteFile(*mdOut, []byte(out.String()), 0o644); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
			status = 1
		}
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
		status = 1
	}
	return status
}

// ResolveExecutable makes a daemon path absolute (each daemon runs in a
// directory of its own), looking a bare name up in PATH, and checks that
// it is an executable file. role names the binary in errors and hint says
// how to get it.
func ResolveExecutable(path, role, hint string) (string, error) {
	if !strings.Contains(path, "/") {
		found, err := exec.LookPath(path)
		if err != nil {
			return "", err
		}
		path = found
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w (%s)", role, path, err, hint)
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return "", fmt.Errorf("%s %s is not an executable file", role, abs)
	}
	return abs, nil
}
