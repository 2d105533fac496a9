package daemon

import (
	"context"
	"log/slog"
	"os"

	supvisorsoptions "github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/cluster/peer"
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

// newCluster reads [rpcinterface:supvisors] when the configuration has
// one, creates the driver and registers the supvisors.* methods. It
// returns nil when the section is absent. A configuration error fails the
// start-up with its message; warnings are logged. setLevel, when not nil,
// backs supvisors.change_log_level.
func newCluster(cfg *config.Config, engine *supervisor.Supervisor, bus *events.Bus,
	dispatcher *xmlrpc.Dispatcher, log *slog.Logger, setLevel func(config.Level)) (*clusterNode, error) {
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
	var user, pass string
	for _, s := range cfg.HTTPServers {
		if s.Kind == config.InetHTTPServer {
			user, pass = s.Username, s.Password
			break
		}
	}
	node, err := peer.New(peer.Options{
		Options: opts, Engine: engine, Bus: bus,
		Username: user, Password: pass,
		Logger: log, Host: &host,
	})
	if err != nil {
		return nil, usagef("%s", err)
	}
	registerSupvisorsAPI(dispatcher, node, engine, log, setLevel)
	return &clusterNode{node: node}, nil
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
