// Package daemon owns the supvisord process itself: the command line of
// supervisord 4.2.5 (options, usage, version, error texts and exit codes),
// the start sequence (privileges, resource limits, main log, engine, HTTP
// servers, daemonizing, pidfile), the signals (TERM/INT/QUIT shutdown, HUP
// in-place restart, USR2 log reopening) and the cleanup at exit.
//
// Run is the whole program; cmd/supvisord only calls it.
//
// Daemonizing: Go cannot fork, so the foreground process re-executes its
// own binary with a marker in the environment and a pipe on fd 3. The child
// does setsid, umask and chdir, runs with /dev/null as stdio and reports
// through the pipe: either its error text (the parent prints it and exits
// with the child's status, 2) or that it is ready, listening with its
// pidfile written (the parent exits 0). Supervisor's parent exits before
// the child has even opened its servers; ours exits only once the daemon
// can be used, which scripts can rely on.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/logs"
	"github.com/supvisors-go/supvisors/internal/supervisor/rpcapi"
)

// Version is what `supvisord -v` prints: the Supervisor release this daemon
// is compatible with (the value getSupervisorVersion returns too).
const Version = rpcapi.SupervisorVersion

// Exit statuses, as supervisord uses them.
const (
	exitOK    = 0
	exitUsage = 2
)

// Run runs supvisord with args (args[0] is the program name as invoked)
// and returns the process exit status. stdout receives the help, the
// version and, in the foreground, the echo of the main log; stderr the
// error messages.
func Run(args []string, stdout, stderr io.Writer) int {
	progname := "supvisord"
	if len(args) > 0 {
		progname, args = args[0], args[1:]
	}
	child := takeDaemonChild()
	if child != nil {
		// Our stdio is /dev/null: errors go to the waiting parent.
		stderr = child
		defer child.close()
	}
	r := &runner{progname: progname, args: args, stdout: stdout, stderr: stderr, child: child}
	return r.run()
}

// runner carries one invocation of the daemon across restarts.
type runner struct {
	progname string
	args     []string // without the program name
	stdout   io.Writer
	stderr   io.Writer
	child    *daemonChild // nil unless we are the daemonized re-execution
	cl       *commandLine
	startDir string             // the working directory at start ("" if unknown)
	lastLog  logs.MainLogConfig // the main log of the last run
	signals  chan os.Signal
}

// usage prints an error the way Supervisor's usage() does and returns its
// exit status.
func (r *runner) usage(err error) int {
	fmt.Fprintf(r.stderr, "Error: %s\nFor help, use %s -h\n", err, r.progname)
	return exitUsage
}

func (r *runner) run() int {
	cl, err := parseCommandLine(r.args)
	if err != nil {
		return r.usage(err)
	}
	if cl.help {
		writeUsage(r.stdout, r.progname)
		return exitOK
	}
	if cl.version {
		fmt.Fprintln(r.stdout, Version)
		return exitOK
	}
	r.cl = cl
	r.startDir, _ = os.Getwd()

	for first := true; ; first = false {
		cfg, err := r.loadConfig()
		if err != nil {
			if !first {
				r.logRestartFailure(err)
			}
			return r.usage(err)
		}
		if first && !cfg.Supervisord.Nodaemon && r.child == nil {
			// The parent keeps the default signal dispositions: Ctrl-C
			// while it waits for the daemon just ends the wait.
			return r.daemonize()
		}
		if first {
			// Signals are caught from now on and handled by the main
			// loop; one that arrives while we start or restart waits.
			r.signals = make(chan os.Signal, 16)
			// As supervisord (Python ignores both at start-up): a closed
			// stdout makes a write fail with EPIPE instead of killing the
			// daemon mid-shutdown, and the children inherit both ignored.
			signal.Ignore(syscall.SIGPIPE, syscall.SIGXFSZ)
			signal.Notify(r.signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT,
				syscall.SIGHUP, syscall.SIGUSR2, syscall.SIGCHLD)
			defer signal.Stop(r.signals)
		}
		restart, err := r.runOnce(cfg, first)
		if err != nil {
			return r.usage(err)
		}
		if !restart {
			return exitOK
		}
	}
}

// logRestartFailure records in the last run's main log why a restart could
// not read the configuration: a daemonized process has no stderr, and
// Supervisor would die silently there.
func (r *runner) logRestartFailure(err error) {
	mainLog, openErr := logs.OpenMainLog(r.lastLog)
	if openErr != nil {
		return
	}
	slog.New(mainLog.Handler()).Log(context.Background(), logs.LevelCritical,
		"cannot restart, exiting: "+err.Error())
	mainLog.Close()
}

// loadConfig finds and loads the configuration with the command-line
// overrides, and checks the user option as Supervisor does at parse time.
func (r *runner) loadConfig() (*config.Config, error) {
	cfg, err := loadConfigFile(r.progname, r.cl, r.startDir)
	if err != nil {
		return nil, err
	}
	if cfg.Supervisord.User != "" {
		if _, err := resolveUser(cfg.Supervisord.User); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// startupMessages are the lines logged once the main log exists, grouped by
// level in Supervisor's order: criticals, then warnings, then infos.
type startupMessages struct {
	crit, warn, info []string
}

func (m *startupMessages) add(level, text string) {
	switch level {
	case "CRIT", "CRITICAL", "ERRO", "ERROR":
		m.crit = append(m.crit, text)
	case "WARN", "WARNING":
		m.warn = append(m.warn, text)
	default:
		m.info = append(m.info, text)
	}
}

func (m *startupMessages) flush(log *slog.Logger) {
	ctx := context.Background()
	for _, t := range m.crit {
		log.Log(ctx, logs.LevelCritical, t)
	}
	for _, t := range m.warn {
		log.Warn(t)
	}
	for _, t := range m.info {
		log.Info(t)
	}
}

const rootWarning = "Supervisor is running as root.  Privileges were not dropped because no user is specified in " +
	"the config file.  If you intend to run as root, you can set user=root in the config file to avoid this message."

// runOnce runs the daemon from the privilege change to the end of the main
// loop. It reports whether a restart was requested, or a usage error that
// ends the daemon with status 2.
func (r *runner) runOnce(cfg *config.Config, first bool) (restart bool, err error) {
	sv := &cfg.Supervisord
	// Supervisor's order within each level: the parse messages, then the
	// privilege change, then the resource limits.
	var msgs startupMessages
	for _, m := range cfg.Messages {
		msgs.add(m.Level, m.Text)
	}
	if sv.User == "" {
		if os.Getuid() == 0 {
			msgs.add("CRIT", rootWarning)
		}
	} else {
		uid, err := resolveUser(sv.User)
		if err != nil {
			return false, err
		}
		if err := dropPrivileges(uid); err != nil {
			return false, err
		}
		msgs.add("INFO", fmt.Sprintf("Set uid to user %d succeeded", uid))
	}
	if first {
		infos, err := raiseRlimits(sv.Minfds, sv.Minprocs)
		if err != nil {
			return false, err
		}
		for _, t := range infos {
			msgs.add("INFO", t)
		}
	}

	var echo io.Writer
	if sv.Nodaemon && !sv.Silent && r.child == nil {
		echo = r.stdout
	}
	r.lastLog = logs.MainLogConfig{
		Logfile:  sv.Logfile,
		MaxBytes: sv.LogfileMaxbytes,
		Backups:  sv.LogfileBackups,
		Level:    logs.SlogLevel(sv.Loglevel),
		Echo:     echo,
	}
	mainLog, err := logs.OpenMainLog(r.lastLog)
	if err != nil {
		return false, usagef("could not open the log file %s: %v", sv.Logfile, err)
	}
	defer mainLog.Close()
	log := slog.New(mainLog.Handler())
	msgs.flush(log)

	inst, err := newInstance(cfg, log, mainLog, r)
	if err != nil {
		return false, err
	}
	defer inst.close()

	if r.child != nil && first {
		r.child.detach(sv, log)
	}
	pidfileWritten := writePidfile(sv.Pidfile, log)
	if pidfileWritten {
		defer os.Remove(sv.Pidfile)
	}
	if r.child != nil {
		r.child.ready()
	}
	return r.loop(inst, mainLog, log)
}

// loop runs the engine and handles the signals until it ends.
func (r *runner) loop(inst *instance, mainLog *logs.MainLog, log *slog.Logger) (restart bool, err error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- inst.engine.Run(ctx) }()
	for {
		select {
		case sig := <-r.signals:
			r.handleSignal(sig.(syscall.Signal), inst, mainLog, log)
		case err := <-done:
			switch {
			case err == nil:
				return false, nil
			case errors.Is(err, errRestart):
				r.dropRestartRequests()
				return true, nil
			default:
				log.Log(context.Background(), logs.LevelCritical, "supervisord stopped on an error", "error", err)
				return false, usagef("%v", err)
			}
		}
	}
}

// dropRestartRequests forgets the SIGHUPs (and SIGCHLDs) that arrived
// during the restart that just ended: they asked for that restart, and
// supervisord handles a pending signal only once. Other signals stay queued
// for the next run.
func (r *runner) dropRestartRequests() {
	var keep []os.Signal
	for {
		select {
		case sig := <-r.signals:
			if sig != syscall.SIGHUP && sig != syscall.SIGCHLD {
				keep = append(keep, sig)
			}
		default:
			for _, sig := range keep {
				select {
				case r.signals <- sig:
				default: // full: dropped, as signal.Notify itself would
				}
			}
			return
		}
	}
}

func (r *runner) handleSignal(sig syscall.Signal, inst *instance, mainLog *logs.MainLog, log *slog.Logger) {
	name := signalName(sig)
	switch sig {
	case syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT:
		log.Warn(fmt.Sprintf("received %s indicating exit request", name))
		inst.engine.Shutdown()
	case syscall.SIGHUP:
		if inst.engine.State().Code == stateShutdown {
			log.Warn(fmt.Sprintf("ignored %s indicating restart request (shutdown in progress)", name))
			return
		}
		log.Warn(fmt.Sprintf("received %s indicating restart request", name))
		inst.engine.Restart()
	case syscall.SIGUSR2:
		log.Info(fmt.Sprintf("received %s indicating log reopen request", name))
		log.Info("supervisord logreopen")
		if err := mainLog.Reopen(); err != nil {
			log.Warn("could not reopen the main log", "error", err)
		}
		inst.engine.ReopenLogs()
	case syscall.SIGCHLD:
		log.Debug(fmt.Sprintf("received %s indicating a child quit", name))
	default:
		log.Log(context.Background(), logs.LevelBlather, fmt.Sprintf("received %s indicating nothing", name))
	}
}

// signalName is Supervisor's signame(): "SIGTERM".
func signalName(sig syscall.Signal) string {
	return "SIG" + config.SignalName(sig)
}

// writePidfile writes "<pid>\n" and logs the start, or logs a critical
// message and goes on, as supervisord does. It reports whether the file
// was written (and so must be removed at exit).
func writePidfile(path string, log *slog.Logger) bool {
	pid := os.Getpid()
	if err := os.WriteFile(path, fmt.Appendf(nil, "%d\n", pid), 0o666); err != nil {
		log.Log(context.Background(), logs.LevelCritical, "could not write pidfile "+path)
		return false
	}
	log.Info(fmt.Sprintf("supervisord started with pid %d", pid))
	return true
}
