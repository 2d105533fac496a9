package commander

import (
	"github.com/supvisors-go/supvisors/internal/cluster/model"
	"github.com/supvisors-go/supvisors/internal/cluster/rules"
)

// Model is what the commanders read of the merged model. *model.Model
// implements it.
type Model interface {
	Process(namespec string) (model.ProcessView, bool)
	Record(identifier, namespec string) (model.InnerProcessInfo, bool)
	Application(name string) (model.ApplicationView, bool)
	Applications() []string
	ApplicationProcesses(name string) []model.ProcessView
	Loading(identifier string) int
}

// Cluster is what the commanders read of the instances, as the local
// instance sees them.
type Cluster interface {
	// Local is the local identifier (the LOCAL strategy's choice).
	Local() string
	// Known lists every known instance: supvisors_list order, then
	// discovery order.
	Known() []string
	// Filter resolves identifiers, nick names and stereotypes to
	// identifiers, in order and without duplicates; unknown names are
	// dropped.
	Filter(names []string) []string
	// Running reports whether an instance is RUNNING.
	Running(identifier string) bool
	// Node is the machine_id of an instance: instances sharing one form
	// a node, whose load is the sum of theirs.
	Node(identifier string) string
	// TickCounter is the sequence counter of the last TICK received from
	// an instance (ours for the local one).
	TickCounter(identifier string) int
	// ValidCount is the number of instances that are not ISOLATED.
	ValidCount() int
}

// Rules gives the rules of a program with its '@' and '#' lists, which
// the model does not keep. *rules.Rules implements it.
type Rules interface {
	Program(application, process string) rules.ProgramRules
}
