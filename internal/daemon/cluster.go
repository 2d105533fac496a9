package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/supvisors-go/supvisors/internal/cluster/api"
	"github.com/supvisors-go/supvisors/internal/cluster/commander"
	"github.com/supvisors-go/supvisors/internal/cluster/disabilities"
	"github.com/supvisors-go/supvisors/internal/cluster/model"
	supvisorsoptions "github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/cluster/peer"
	"github.com/supvisors-go/supvisors/internal/cluster/rules"
	"github.com/supvisors-go/supvisors/internal/cluster/wire"
	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/events"
	"github.com/supvisors-go/supvisors/internal/supervisor"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// clusterNode is the Supvisors layer of one instance: the driver, run for
// the lifetime of the instance (a restart makes a new one).
type clusterNode struct {
	node   *peer.Node
	cancel context.CancelFunc
	done   chan struct{}
}

// clusterSetup is what the Supvisors layer reads before the engine
// exists: its options, the rules files and the model built on them, and
// the program flags of the disabilities file, which the engine needs
// before it autostarts anything.
type clusterSetup struct {
	opts  *supvisorsoptions.Options
	host  peer.Host
	model *model.Model
	rules commander.Rules
	// disabilities is nil without disabilities_file.
	disabilities *disabilities.File
	// disabled are the file's flags for the programs of the
	// configuration.
	disabled map[string]bool
}

// prepareCluster reads [rpcinterface:supvisors] when the configuration
// has one, the rules files and the disabilities file. It returns nil when
// the section is absent. A configuration or rules error fails the
// start-up with its message; warnings are logged. A disabilities file
// that cannot be read is logged, and every program starts enabled.
// startDir resolves a relative disabilities_file, as the other relative
// paths of the daemon.
func prepareCluster(cfg *config.Config, log *slog.Logger, startDir string) (*clusterSetup, error) {
	sec, ok := supvisorsoptions.Find(cfg)
	if !ok {
		return nil, nil
	}
	host := peer.DiscoverHost()
	env := supvisorsoptions.EnvironmentFrom(cfg)
	env.Hostname = host.Hostname
	env.LocalNames = host.Names()
	env.Home, _ = os.UserHomeDir()
	opts, warnings, err := supvisorsoptions.Parse(sec, env)
	if err != nil {
		return nil, usagef("%s", err)
	}
	for _, w := range warnings {
		log.Warn(w.String())
	}
	merged, rs, err := loadModel(opts, cfg.Here, log)
	if err != nil {
		return nil, usagef("%s", err)
	}
	setup := &clusterSetup{opts: opts, host: host, model: merged, rules: rs, disabled: map[string]bool{}}
	path := opts.DisabilitiesFile
	if path == "" {
		log.Warn("Supvisors: no disabilities_file: program disabilities last until the daemon stops")
		return setup, nil
	}
	if !filepath.IsAbs(path) && startDir != "" {
		path = filepath.Join(startDir, path)
	}
	file, err := disabilities.Open(path)
	if err != nil {
		log.Error("Supvisors: the disabilities file cannot be read: every program starts enabled, and the file is rewritten",
			"error", err.Error())
	}
	setup.disabilities = file
	flags := file.Flags()
	for _, g := range cfg.Groups {
		for _, p := range g.Processes {
			if flags[p.ProgramName] {
				setup.disabled[p.ProgramName] = true
			}
		}
	}
	return setup, nil
}

// newCluster creates the driver on what prepareCluster read, writes the
// disabilities file with every program of the engine, and registers the
// supvisors.* methods. It returns nil when setup is nil. setLevel, when
// not nil, backs supvisors.change_log_level.
func newCluster(setup *clusterSetup, cfg *config.Config, engine *supervisor.Supervisor, bus *events.Bus,
	dispatcher *xmlrpc.Dispatcher, log *slog.Logger, setLevel func(config.Level)) (*clusterNode, error) {
	if setup == nil {
		return nil, nil
	}
	var user, pass string
	for _, s := range cfg.HTTPServers {
		if s.Kind == config.InetHTTPServer {
			user, pass = s.Username, s.Password
			break
		}
	}
	var persist func() error
	if file := setup.disabilities; file != nil {
		persist = func() error {
			return file.Save(func() (map[string]bool, error) { return engine.Disabilities(), nil })
		}
		if err := persist(); err != nil {
			log.Error("Supvisors: cannot write the disabilities file", "error", err.Error())
		}
	}
	host := setup.host
	node, err := peer.New(peer.Options{
		Options: setup.opts, Engine: engine, Bus: bus,
		Username: user, Password: pass,
		Logger: log, Host: &host,
		Model:               setup.model,
		Rules:               setup.rules,
		LocalProcesses:      func() (wire.ProcessInfoList, error) { return api.LocalProcesses(engine) },
		LocalProcess:        func(namespec string) (wire.LocalProcessInfo, error) { return api.LocalProcess(engine, namespec) },
		Programs:            engine,
		PersistDisabilities: persist,
		ForceAutorestartOff: engine.ForceProcessAutorestartOff,
	})
	if err != nil {
		return nil, usagef("%s", err)
	}
	registerSupvisorsAPI(dispatcher, node, engine, log, setLevel)
	return &clusterNode{node: node}, nil
}

// loadModel reads the rules files and returns the empty model that the
// driver fills. Supervisor has expanded the option once (%%(here)s is
// written there to reach us as %(here)s) and the options %(host_node_name)s;
// what is left is expanded as Supvisors does: %(here)s is the directory
// of the main configuration file, %(ENV_X)s the environment. Relative
// patterns are taken from the working directory, as Supvisors globs them.
// A file that does not validate fails the start-up with its file, line
// and element, where Supvisors would run with no rules at all.
func loadModel(opts *supvisorsoptions.Options, here string, log *slog.Logger) (*model.Model, commander.Rules, error) {
	patterns := make([]string, len(opts.RulesFiles))
	for i, p := range opts.RulesFiles {
		var err error
		if patterns[i], err = expandRulesPattern(p, here, os.Environ()); err != nil {
			return nil, nil, err
		}
	}
	rs, err := rules.Load(patterns, rules.Options{
		StartingStrategy: opts.StartingStrategy,
		Instances:        rules.OptionsInstances{Options: opts},
		Logger:           log,
	})
	if err != nil {
		return nil, nil, err
	}
	if rs == nil {
		return model.New(nil), nil, nil
	}
	if files := rs.Files(); len(files) > 0 {
		log.Info("Supvisors rules files loaded", "files", strings.Join(files, " "))
	}
	// The commander reads the '@' and '#' of the programs, which the
	// model does not keep.
	return model.New(model.FromRules(rs)), rs, nil
}

// expandRulesPattern applies %(here)s, %(ENV_X)s and %% to one pattern of
// rules_files. Another name, or another conversion than s, is an error
// (Supvisors would log it and run without rules).
func expandRulesPattern(p, here string, environ []string) (string, error) {
	vars := map[string]string{"here": here}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars["ENV_"+k] = v
		}
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '%' {
			b.WriteByte(p[i])
			continue
		}
		rest := p[i+1:]
		switch {
		case strings.HasPrefix(rest, "%"):
			b.WriteByte('%')
			i++
		case strings.HasPrefix(rest, "("):
			name, after, ok := strings.Cut(rest[1:], ")")
			if !ok || !strings.HasPrefix(after, "s") {
				return "", fmt.Errorf("rules_files: bad format in %q", p)
			}
			v, known := vars[name]
			if !known {
				return "", fmt.Errorf("rules_files: %q contains the name %q, which cannot be expanded", p, name)
			}
			b.WriteString(v)
			i += 1 + len(name) + 2
		default:
			return "", fmt.Errorf("rules_files: bad format in %q", p)
		}
	}
	return b.String(), nil
}

// start runs the driver in the background.
func (c *clusterNode) start() {
	if c == nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel, c.done = cancel, make(chan struct{})
	go func() {
		defer close(c.done)
		_ = c.node.Run(ctx)
	}()
}

// stop ends the driver and waits until its calls to peers are over. It
// runs before the HTTP servers close, as Supvisors stops its proxies when
// Supervisor starts stopping.
func (c *clusterNode) stop() {
	if c == nil || c.cancel == nil {
		return
	}
	c.cancel()
	<-c.done
}
