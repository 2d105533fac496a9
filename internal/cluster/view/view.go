// Package view is the read side of the cluster layer. The driver (package
// cluster/peer) owns the cluster state in one goroutine and, after every
// change, publishes an immutable Snapshot; the supvisors.* API, the web
// pages and the REST routes read the latest one without waiting on the
// driver. Requests that change the cluster go through Controller, whose
// methods are carried out by the driver's goroutine.
package view

import (
	"context"
	"slices"

	"github.com/supvisors-go/supvisors/internal/cluster/wire"
)

// Snapshot is the cluster as the local instance sees it at one moment.
// A Snapshot is never modified once published: readers may keep it.
type Snapshot struct {
	// Local is the local identifier.
	Local string
	// Self is the local state and modes, as get_supvisors_state reports
	// them (StartingJobs and StoppingJobs there are the lists below).
	Self wire.StateModes
	// StartingJobs and StoppingJobs are the identifiers of the instances
	// whose Starter / Stopper is busy, in identifier order.
	StartingJobs []string
	StoppingJobs []string
	// Instances are every known instance, sorted by identifier.
	Instances []Instance
	// Strategies is what get_strategies answers (and the handshake
	// compares).
	Strategies wire.Strategies
	// Core are the resolved core identifiers, in configuration order.
	Core []string
}

// Instance is one instance of the cluster as seen locally.
type Instance struct {
	// Info is the get_instance_info item for it.
	Info wire.InstanceInfo
	// Modes is its last known state and modes (its STATE publication,
	// or ours for the local instance): the get_instance_state_modes item.
	Modes wire.StateModes
	// Network is what get_network_info answers for it.
	Network wire.NetworkInfo
}

// Identifier returns the instance identifier (host:port).
func (i *Instance) Identifier() string { return i.Info.Identifier }

// Resolve returns the instances that name designates, as Supvisors
// resolves an identifier parameter: an identifier, a nick name, or a
// stereotype (which may designate several instances). The result is in
// identifier order; empty when nothing matches.
func (s *Snapshot) Resolve(name string) []*Instance {
	var out []*Instance
	for i := range s.Instances {
		in := &s.Instances[i]
		if in.Info.Identifier == name || in.Info.NickIdentifier == name ||
			slices.Contains(in.Network.Stereotypes, name) {
			out = append(out, in)
		}
	}
	return out
}

// Lookup returns the instance with this exact identifier.
func (s *Snapshot) Lookup(identifier string) (*Instance, bool) {
	for i := range s.Instances {
		if s.Instances[i].Info.Identifier == identifier {
			return &s.Instances[i], true
		}
	}
	return nil, false
}

// Controller is the cluster as the supvisors.* API drives it. Every method
// is safe for concurrent use. Errors are errdefs kinds carrying
// Supvisors' fault code and text (BAD_SUPVISORS_STATE, BAD_NAME, ...).
type Controller interface {
	// Snapshot returns the latest published snapshot (never nil).
	Snapshot() *Snapshot
	// EndSync is supvisors.end_sync: master "" runs the election at once,
	// otherwise master (identifier or nick) becomes the Master.
	EndSync(ctx context.Context, master string) error
	// Restart and Shutdown are supvisors.restart and supvisors.shutdown:
	// on the Master the whole cluster goes to RESTARTING / SHUTTING_DOWN;
	// a Slave forwards the request to the Master.
	Restart(ctx context.Context) error
	Shutdown(ctx context.Context) error
}
