package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/events"
	"github.com/supvisors-go/supvisors/internal/logs"
	"github.com/supvisors-go/supvisors/internal/pyfmt"
	"github.com/supvisors-go/supvisors/internal/server"
	"github.com/supvisors-go/supvisors/internal/supervisor"
	"github.com/supvisors-go/supvisors/internal/supervisor/rpcapi"
	"github.com/supvisors-go/supvisors/internal/web/statusui"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// errRestart is what the engine's Run returns when a restart was asked.
var errRestart = supervisor.ErrRestart

// stateShutdown is Supervisor's SHUTDOWN mood code.
const stateShutdown = -1

// loadConfigFile finds the configuration file (the -c value, else the
// default search) and loads it with the command-line overrides.
//
// Relative paths (the -c value, relative defaults such as logfile) resolve
// against the directory the daemon was started in, even after it moved to
// the directory option: a restart then finds the same files. (Supervisor
// resolves them again against its new working directory.)
func loadConfigFile(progname string, cl *commandLine, startDir string) (*config.Config, error) {
	path := ""
	if cl.configFile != nil {
		path = *cl.configFile
		if !filepath.IsAbs(path) && startDir != "" {
			path = filepath.Join(startDir, path)
		}
	} else {
		found, err := config.Find(progname)
		if err != nil {
			return nil, usagef("%s", err)
		}
		path = found
	}
	opts := cl.loadOptions()
	opts.Dir = startDir
	cfg, err := config.Load(path, opts)
	if err != nil {
		return nil, usagef("%s", err)
	}
	return cfg, nil
}

// instance is one run of the daemon between two restarts: the engine and
// the HTTP servers that expose it.
type instance struct {
	engine  *supervisor.Supervisor
	servers *server.Server
	cluster *clusterNode // nil without [rpcinterface:supvisors]
}

// serverURL is the SUPERVISOR_SERVER_URL handed to children, chosen as
// supervisord does: the first unix socket, else the first inet server
// (host "localhost" when it listens on every interface), else none.
func serverURL(cfg *config.Config) string {
	for _, s := range cfg.HTTPServers {
		if s.Kind == config.UnixHTTPServer {
			return "unix://" + s.File
		}
	}
	for _, s := range cfg.HTTPServers {
		if s.Kind == config.InetHTTPServer {
			host := s.Host
			if host == "" {
				host = "localhost"
			}
			return "http://" + host + ":" + strconv.Itoa(s.Port)
		}
	}
	return ""
}

// newInstance creates the engine (its groups and AUTO logs), registers the
// RPC interfaces and opens the HTTP servers.
func newInstance(cfg *config.Config, log *slog.Logger, mainLog *logs.MainLog, r *runner) (*instance, error) {
	// The Supvisors layer is read first: the programs disabled in its
	// disabilities file must never autostart.
	setup, err := prepareCluster(cfg, log, r.startDir)
	if err != nil {
		return nil, err
	}
	bus := events.NewBusWith(events.BusOptions{Logger: log})
	engineOpts := supervisor.Options{
		Config:    cfg,
		Logger:    log,
		Bus:       bus,
		Environ:   os.Environ(),
		ServerURL: serverURL(cfg),
		// reloadConfig reads the file again with the same command line.
		Reread:        func() (*config.Config, error) { return loadConfigFile(r.progname, r.cl, r.startDir) },
		DieWithDaemon: r.cl.dieWithDaemon,
		// update_numprocs expands the program again from the file, with
		// the command line that loaded it.
		ExpandProgram: func(program string, numprocs int) (map[string][]*config.Process, error) {
			opts := r.cl.loadOptions()
			opts.Dir = r.startDir
			return config.ExpandProgram(cfg.Path, opts, program, numprocs)
		},
	}
	if setup != nil {
		engineOpts.DisabledPrograms = setup.disabled
	}
	engine, err := supervisor.New(engineOpts)
	if err != nil {
		return nil, usagef("%s", err)
	}
	// Supervisor traces each XML-RPC call at TRACE, not DEBUG.
	dispatcher := xmlrpc.NewDispatcher(xmlrpc.WithLogger(slog.New(debugAsTrace{log.Handler()})))
	rpcapi.Register(dispatcher, engine, rpcapi.Options{MainLog: mainLog, Logger: log})
	// supvisors.change_log_level sets the main log's level: Supvisors
	// shares Supervisor's logger unless it has a log file of its own.
	setLevel := func(l config.Level) {
		if mainLog != nil {
			mainLog.SetLevel(logs.SlogLevel(l))
		}
	}
	cluster, err := newCluster(setup, cfg, engine, bus, dispatcher, log, setLevel)
	if err != nil {
		return nil, err
	}

	srv := server.New(server.Options{
		Servers: cfg.HTTPServers,
		RPC:     dispatcher,
		Logs:    logPaths{engine: engine, mainLog: mainLog},
		// Supervisor's status pages answer every other path (404 for
		// what they do not know), behind the same authentication.
		Fallback: statusui.New(engine, statusui.Options{Version: rpcapi.SupervisorVersion, Logger: log}),
		Logger:   log,
	})
	if err := srv.Start(); err != nil {
		return nil, usagef("%s", err)
	}
	for _, s := range cfg.HTTPServers {
		log.Info("RPC interface 'supervisor' initialized")
		if cluster != nil {
			log.Info("RPC interface 'supvisors' initialized")
		}
		if s.Username == "" {
			log.Log(context.Background(), logs.LevelCritical,
				fmt.Sprintf("Server %s running without any HTTP authentication checking", pyfmt.Repr(s.Section)))
		}
	}
	cluster.start()
	return &instance{engine: engine, servers: srv, cluster: cluster}, nil
}

// closeGrace bounds how long in-flight HTTP calls may take to answer when
// the servers close at exit or restart.
const closeGrace = 5 * time.Second

// close stops the cluster driver, then closes the HTTP servers (removing
// the unix socket files).
func (inst *instance) close() {
	inst.cluster.stop()
	ctx, cancel := context.WithTimeout(context.Background(), closeGrace)
	defer cancel()
	inst.servers.Close(ctx)
}

// logPaths gives the HTTP tail routes the log files to follow.
type logPaths struct {
	engine  *supervisor.Supervisor
	mainLog *logs.MainLog
}

func (p logPaths) ProcessLogPath(namespec, channel string) (string, error) {
	return p.engine.ProcessLogPath(namespec, channel)
}

// MainLogPath is "" when the main log goes to syslog: nothing to follow.
func (p logPaths) MainLogPath() string {
	if path := p.mainLog.Path(); path != logs.SyslogTarget {
		return path
	}
	return ""
}

// debugAsTrace logs DEBUG records at TRACE, for components whose debug
// output Supervisor writes at the trace level.
type debugAsTrace struct{ next slog.Handler }

func (h debugAsTrace) level(l slog.Level) slog.Level {
	if l == slog.LevelDebug {
		return logs.LevelTrace
	}
	return l
}

func (h debugAsTrace) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, h.level(l))
}

func (h debugAsTrace) Handle(ctx context.Context, r slog.Record) error {
	r.Level = h.level(r.Level)
	return h.next.Handle(ctx, r)
}

func (h debugAsTrace) WithAttrs(attrs []slog.Attr) slog.Handler {
	return debugAsTrace{h.next.WithAttrs(attrs)}
}

func (h debugAsTrace) WithGroup(name string) slog.Handler {
	return debugAsTrace{h.next.WithGroup(name)}
}
