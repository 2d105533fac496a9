package daemon

import (
	"log/slog"

	"github.com/supvisors-go/supvisors/internal/cluster/api"
	"github.com/supvisors-go/supvisors/internal/cluster/peer"
	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/supervisor"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// registerSupvisorsAPI adds the supvisors.* methods served from the
// driver's view, its model and the engine.
func registerSupvisorsAPI(d *xmlrpc.Dispatcher, node *peer.Node, engine *supervisor.Supervisor, log *slog.Logger,
	setLevel func(config.Level)) {
	api.Register(d, node, engine, api.Options{Logger: log, SetLogLevel: setLevel, Model: node, Commands: node,
		Programs: node})
}
