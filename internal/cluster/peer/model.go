package peer

import (
	"context"
	"errors"

	"github.com/supvisors-go/supvisors/internal/cluster/fsm"
	"github.com/supvisors-go/supvisors/internal/cluster/model"
	"github.com/supvisors-go/supvisors/internal/cluster/wire"
	"github.com/supvisors-go/supvisors/internal/events"
)

// This file feeds the merged model of applications and processes, which
// the Run goroutine owns like the state machine, and serves its getters.
//
// The getters run on the Run goroutine (through do) instead of reading a
// published copy: a copy of the whole model after every process event
// would cost in proportion to the cluster's processes on every change,
// read or not, while a getter costs in proportion to its answer, which
// must be built anyway. Each getter is a short loop over in-memory
// records, and the driver never blocks on I/O, so a reader waits at most
// for the event being handled.

// loadProcesses stores the process list of an instance being checked
// (ALL_INFO), ours included.
func (n *Node) loadProcesses(id string, procs wire.ProcessInfoList) {
	n.model.LoadProcesses(id, procs, now())
}

// localProcesses is the process list of the local instance, as a peer
// reads it with get_all_local_process_info.
func (n *Node) localProcesses() wire.ProcessInfoList {
	if n.opts.LocalProcesses == nil {
		return nil
	}
	list, err := n.opts.LocalProcesses()
	if err != nil {
		n.log.Error("cannot list the local processes", "error", err)
		return nil
	}
	return list
}

// applyPublication applies a peer's process publication to the model.
// The caller has checked the sender's state (spec: PROCESS, PROCESS_REMOVED
// and PROCESS_DISABILITY from CHECKED or RUNNING senders only).
func (n *Node) applyPublication(from string, kind wire.PublicationKind, msg wire.Message) {
	switch kind {
	case wire.PublicationProcess:
		if ev, ok := msg.Body.(wire.ProcessEvent); ok {
			if _, applied := n.model.ProcessEvent(from, ev, now()); applied {
				n.processApplied(ev.Group+":"+ev.Name, from, ev.Forced)
			}
		}
	case wire.PublicationProcessAdded:
		if info, ok := msg.Body.(wire.LocalProcessInfo); ok {
			n.model.LoadProcesses(from, wire.ProcessInfoList{info}, now())
		}
	case wire.PublicationProcessRemoved:
		if r, ok := msg.Body.(wire.ProcessRemoved); ok {
			n.model.RemoveProcess(from, r)
		}
	case wire.PublicationProcessDisability:
		if info, ok := msg.Body.(wire.LocalProcessInfo); ok {
			n.model.SetDisabled(from, info)
		}
	}
	// Statistics are not kept yet.
}

// onProcessGroup follows a group added to or removed from the local
// supervisord (reread / update): the model learns it at once and the
// active peers through PROCESS_ADDED (one per process) or PROCESS_REMOVED
// (name "*", the whole group), as Supvisors' listener does.
func (n *Node) onProcessGroup(e events.ProcessGroup) {
	to := n.activePeers()
	if !e.Added {
		removed := wire.ProcessRemoved{Name: "*", Group: e.GroupName}
		n.model.RemoveProcess(n.local.Identifier, removed)
		n.publish(to, wire.PublicationProcessRemoved, removed)
		return
	}
	var added wire.ProcessInfoList
	for _, info := range n.localProcesses() {
		if info.Group == e.GroupName {
			added = append(added, info)
		}
	}
	if len(added) == 0 {
		return
	}
	n.model.LoadProcesses(n.local.Identifier, added, now())
	n.checkAutorestart(added)
	// The disabilities file lists every program: a new group may bring
	// new ones. Written off the driver's goroutine, as any I/O.
	if n.opts.PersistDisabilities != nil {
		n.localCall("disabilities file", func(context.Context) error { return n.opts.PersistDisabilities() })
	}
	for _, info := range added {
		n.publish(to, wire.PublicationProcessAdded, info)
	}
}

// checkAutorestart forces Supervisor's autorestart off for the local
// processes whose running failure strategy is STOP_APPLICATION or
// RESTART_APPLICATION, as Supvisors does when its model first loads
// their rules: the cluster restarts or stops the whole application, and
// Supervisor restarting the process alone would fight it. The engine
// logs a warning for each process it changes.
func (n *Node) checkAutorestart(infos wire.ProcessInfoList) {
	if n.opts.ForceAutorestartOff == nil {
		return
	}
	var namespecs []string
	for _, info := range infos {
		ns := info.Group + ":" + info.Name
		if p, ok := n.model.Process(ns); ok &&
			(p.Rules.RunningFailureStrategy == "STOP_APPLICATION" || p.Rules.RunningFailureStrategy == "RESTART_APPLICATION") {
			namespecs = append(namespecs, ns)
		}
	}
	if len(namespecs) == 0 {
		return
	}
	n.localCall("autorestart", func(context.Context) error {
		var errs []error
		for _, ns := range namespecs {
			if err := n.opts.ForceAutorestartOff(ns); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	})
}

// instancesLost marks the processes of invalidated instances as lost.
func (n *Node) instancesLost(ids []string) {
	for _, id := range ids {
		n.lost = append(n.lost, n.model.InstanceLost(id, now()).Lost...)
	}
}

// instanceLoad is the loading and process_failure of get_instance_info:
// the failure counts only while the instance is RUNNING.
func (n *Node) instanceLoad(id string, st fsm.InstanceState) (int, bool) {
	return n.model.Loading(id), st == fsm.Running && n.model.HasCrashedProcess(id)
}

// query runs fn on the Run goroutine with the model and the monotonic
// time of the request, and returns its answer.
func query[T any](ctx context.Context, n *Node, fn func(m *model.Model, now float64) (T, error)) (T, error) {
	type answer struct {
		v   T
		err error
	}
	ch := make(chan answer, 1)
	err := n.do(ctx, func() error {
		v, err := fn(n.model, now())
		ch <- answer{v, err}
		return nil
	})
	if err != nil {
		var zero T
		return zero, err
	}
	a := <-ch
	return a.v, a.err
}

// AllApplicationsInfo is supvisors.get_all_applications_info, without
// the state gate (the API's).
func (n *Node) AllApplicationsInfo(ctx context.Context) (model.ApplicationInfoList, error) {
	return query(ctx, n, func(m *model.Model, now float64) (model.ApplicationInfoList, error) {
		return m.AllApplicationsInfo(now), nil
	})
}

// ApplicationInfo is supvisors.get_application_info.
func (n *Node) ApplicationInfo(ctx context.Context, name string) (model.ApplicationInfo, error) {
	return query(ctx, n, func(m *model.Model, now float64) (model.ApplicationInfo, error) {
		return m.ApplicationInfo(name, now)
	})
}

// ApplicationRules is supvisors.get_application_rules.
func (n *Node) ApplicationRules(ctx context.Context, name string) (model.ApplicationRulesInfo, error) {
	return query(ctx, n, func(m *model.Model, _ float64) (model.ApplicationRulesInfo, error) {
		return m.ApplicationRules(name)
	})
}

// AllProcessInfo is supvisors.get_all_process_info.
func (n *Node) AllProcessInfo(ctx context.Context) (model.ProcessInfoList, error) {
	return query(ctx, n, func(m *model.Model, now float64) (model.ProcessInfoList, error) {
		return m.AllProcessInfo(now), nil
	})
}

// ProcessInfo is supvisors.get_process_info.
func (n *Node) ProcessInfo(ctx context.Context, namespec string) (model.ProcessInfoList, error) {
	return query(ctx, n, func(m *model.Model, now float64) (model.ProcessInfoList, error) {
		return m.ProcessInfo(namespec, now)
	})
}

// ProcessRules is supvisors.get_process_rules.
func (n *Node) ProcessRules(ctx context.Context, namespec string) (model.ProcessRulesList, error) {
	return query(ctx, n, func(m *model.Model, _ float64) (model.ProcessRulesList, error) {
		return m.ProcessRules(namespec)
	})
}

// Conflicts is supvisors.get_conflicts.
func (n *Node) Conflicts(ctx context.Context) (model.ProcessInfoList, error) {
	return query(ctx, n, func(m *model.Model, now float64) (model.ProcessInfoList, error) {
		return m.Conflicts(now), nil
	})
}

// AllInnerProcessInfo is supvisors.get_all_inner_process_info for the
// instances that the identifier parameter designates (resolved by the
// caller).
func (n *Node) AllInnerProcessInfo(ctx context.Context, identifiers []string) (model.InnerProcessInfoList, error) {
	return query(ctx, n, func(m *model.Model, _ float64) (model.InnerProcessInfoList, error) {
		return m.AllInnerProcessInfo(identifiers), nil
	})
}

// InnerProcessInfo is supvisors.get_inner_process_info: requested is the
// identifier parameter as given, identifiers the instances it designates.
func (n *Node) InnerProcessInfo(ctx context.Context, requested string, identifiers []string,
	namespec string) (model.InnerProcessInfoList, error) {
	return query(ctx, n, func(m *model.Model, _ float64) (model.InnerProcessInfoList, error) {
		return m.InnerProcessInfo(requested, identifiers, namespec)
	})
}
