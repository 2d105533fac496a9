package peer

import (
	"context"
	"strings"
	"sync/atomic"

	"github.com/supvisors-go/supvisors/internal/cluster/model"
	"github.com/supvisors-go/supvisors/internal/cluster/wire"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/events"
	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// This file carries out the per-program requests of the supvisors.* API
// (enable, disable, update_numprocs) and follows their effects: the
// engine publishes PROCESS_ADDED, PROCESS_REMOVED, PROCESS_ENABLED and
// PROCESS_DISABLED on the bus; the driver applies each to the model
// first, then publishes it to the active peers, as Supvisors' listener
// does.
//
// The requests change the local supervisord only. The engine calls run on
// the caller's goroutine (the engine answers through its own loop, and
// the driver never waits for it); the gate is checked on the driver's
// goroutine first. A request made with wait parks the caller on a
// condition that the driver evaluates after every input, as Supvisors
// polls its deferred answers, until the model shows the result.

// Programs is what the driver needs of the local supervisord for the
// per-program requests. *supervisor.Supervisor implements it.
type Programs interface {
	// SetProgramDisabled sets or clears the disabled flag of every process
	// of a program and returns their namespecs; BAD_NAME for an unknown
	// program. It publishes PROCESS_DISABLED / PROCESS_ENABLED and stops
	// nothing.
	SetProgramDisabled(program string, disabled bool) ([]string, error)
	// Disabilities gives every program of the local supervisord with its
	// disabled flag.
	Disabilities() map[string]bool
	// UpdateNumprocs changes the numprocs of a program: it returns the
	// namespecs added and those made obsolete (removed now, or once
	// stopped). BAD_NAME, NOT_APPLICABLE.
	UpdateNumprocs(program string, numprocs int, lazy bool) (added, obsolete []string, err error)
}

// insertionTicks bounds, in local ticks, how long update_numprocs waits
// for the model to learn the processes it added. The engine publishes
// their PROCESS_ADDED before it answers and the driver reads the bus in
// order, so they normally arrive at once: only a lost event (a full bus
// queue) reaches the bound, and FAILED is then the answer, as Supvisors
// gives when its model lacks them.
const insertionTicks = 2

// condition is a supvisors.* call parked until the model shows what it
// waits for. check runs on the Run goroutine after every input; it
// reports done with the call's answer. A bounded condition gives up after
// ticks local ticks with the answer of expired.
type condition struct {
	check   func() (done bool, result any, err error)
	ticks   int // 0: no bound
	expired func() error
	reply   chan conditionResult
	// abandoned is set by a caller that stopped waiting.
	abandoned atomic.Bool
}

type conditionResult struct {
	result any
	err    error
}

// checkConditions evaluates the parked conditions, answering those that
// hold. It runs on the Run goroutine after every input.
func (n *Node) checkConditions() {
	if len(n.conditions) == 0 {
		return
	}
	kept := n.conditions[:0]
	for _, c := range n.conditions {
		if c.abandoned.Load() {
			continue
		}
		if done, result, err := c.check(); done {
			c.reply <- conditionResult{result, err} // buffered
			continue
		}
		kept = append(kept, c)
	}
	clear(n.conditions[len(kept):])
	n.conditions = kept
}

// expireConditions counts one local tick for the bounded conditions and
// answers those whose bound is reached.
func (n *Node) expireConditions() {
	kept := n.conditions[:0]
	for _, c := range n.conditions {
		if c.ticks > 0 {
			c.ticks--
			if c.ticks == 0 {
				c.reply <- conditionResult{nil, c.expired()}
				continue
			}
		}
		kept = append(kept, c)
	}
	clear(n.conditions[len(kept):])
	n.conditions = kept
}

// await parks the caller until c holds (or expires), the caller gives up,
// or the driver stops. c is evaluated once at once, on the Run goroutine.
func (n *Node) await(ctx context.Context, c *condition) (any, error) {
	c.reply = make(chan conditionResult, 1)
	err := n.do(ctx, func() error {
		n.conditions = append(n.conditions, c)
		n.checkConditions()
		return nil
	})
	if err != nil {
		return nil, err
	}
	select {
	case r := <-c.reply:
		return r.result, r.err
	case <-ctx.Done():
		c.abandoned.Store(true)
		return nil, ctx.Err()
	case <-n.stopped:
		return nil, errdefs.New(errdefs.Failed, errStopped.Error())
	}
}

// checkOperating checks Supvisors' OPERATION gate on the live state.
func (n *Node) checkOperating(ctx context.Context) error {
	return n.do(ctx, func() error { return n.checkState(gateOperating...) })
}

// programs returns the engine's programs, or FAILED when the daemon has
// none to give.
func (n *Node) programs() (Programs, error) {
	if n.opts.Programs == nil {
		return nil, errdefs.New(errdefs.Failed, "no program control in this daemon")
	}
	return n.opts.Programs, nil
}

// HasProgram tells whether the local supervisord has a program of that
// name (the BAD_NAME check of enable, disable and update_numprocs).
func (n *Node) HasProgram(program string) bool {
	if n.opts.Programs == nil {
		return false
	}
	_, ok := n.opts.Programs.Disabilities()[program]
	return ok
}

// programFault gives an engine refusal Supvisors' text.
func programFault(err error, program string) error {
	if errdefs.Is(err, errdefs.BadName) {
		return unknownProgram(program)
	}
	return err
}

// unknownProgram is the BAD_NAME of the per-program requests.
func unknownProgram(program string) error {
	return errdefs.Newf(errdefs.BadName, "program=%s unknown to Supvisors", program)
}

// pyNamespecs spells namespecs as Python prints a list of str.
func pyNamespecs(namespecs []string) string {
	quoted := make([]string, len(namespecs))
	for i, s := range namespecs {
		quoted[i] = pyfmt.Repr(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// persistDisabilities writes the disabilities file, when there is one.
func (n *Node) persistDisabilities() {
	if n.opts.PersistDisabilities == nil {
		return
	}
	if err := n.opts.PersistDisabilities(); err != nil {
		n.log.Error("cannot write the disabilities file", "error", err.Error())
	}
}

// localRecordOf reads the local record of one process on the Run
// goroutine, as Supvisors' listener reads it through its own RPC
// interface.
func (n *Node) localRecordOf(namespec string) (wire.LocalProcessInfo, bool) {
	if n.opts.LocalProcess != nil {
		info, err := n.opts.LocalProcess(namespec)
		if err != nil {
			n.log.Debug("no local record", "namespec", namespec, "error", err)
			return wire.LocalProcessInfo{}, false
		}
		return info, true
	}
	for _, info := range n.localProcesses() {
		if info.Group+":"+info.Name == namespec {
			return info, true
		}
	}
	return wire.LocalProcessInfo{}, false
}

// setDisabled is the common part of enable and disable: the gates, the
// engine's flag and the disabilities file. It returns the namespecs of
// the program's processes.
func (n *Node) setDisabled(ctx context.Context, program string, disabled bool) ([]string, error) {
	programs, err := n.programs()
	if err != nil {
		return nil, err
	}
	if err := n.checkOperating(ctx); err != nil {
		return nil, err
	}
	namespecs, err := programs.SetProgramDisabled(program, disabled)
	if err != nil {
		return nil, programFault(err, program)
	}
	n.persistDisabilities()
	return namespecs, nil
}

// Enable is supvisors.enable: the program's processes may start again
// (autostart acts), the flag is persisted; with wait, the answer comes
// once the model shows every one of them enabled here.
func (n *Node) Enable(ctx context.Context, program string, wait bool) (any, error) {
	namespecs, err := n.setDisabled(ctx, program, false)
	if err != nil {
		return nil, err
	}
	if !wait {
		return true, nil
	}
	return n.await(ctx, &condition{check: func() (bool, any, error) {
		for _, ns := range namespecs {
			if rec, ok := n.model.Record(n.local.Identifier, ns); ok && rec.Disabled {
				return false, nil, nil
			}
		}
		return true, true, nil
	}})
}

// Disable is supvisors.disable: the program's processes can no longer
// start, the flag is persisted, and those running here are stopped; with
// wait, the answer comes once the model shows every one of them stopped
// and disabled here. A stop the engine refuses is STILL_RUNNING.
func (n *Node) Disable(ctx context.Context, program string, wait bool) (any, error) {
	namespecs, err := n.setDisabled(ctx, program, true)
	if err != nil {
		return nil, err
	}
	// Disabled first, so that nothing restarts what is being stopped.
	var refused []string
	for _, ns := range namespecs {
		if err := n.opts.Engine.StopProcess(ctx, ns, false); err != nil && !errdefs.Is(err, errdefs.NotRunning) {
			n.log.Error("disable: cannot stop a process", "namespec", ns, "error", err.Error())
			refused = append(refused, ns)
		}
	}
	if !wait {
		return true, nil
	}
	if len(refused) > 0 {
		return nil, errdefs.Newf(errdefs.StillRunning, "processes=%s", pyNamespecs(refused))
	}
	return n.await(ctx, &condition{check: func() (bool, any, error) {
		for _, ns := range namespecs {
			rec, ok := n.model.Record(n.local.Identifier, ns)
			if ok && (!rec.Disabled || !stoppedLike(rec.State)) {
				return false, nil, nil
			}
		}
		return true, true, nil
	}})
}

// stoppedLike is Supervisor's STOPPED_STATES.
func stoppedLike(state int) bool {
	return state == model.Stopped || state == model.Exited || state == model.Fatal || state == model.Unknown
}

// UpdateNumprocs is supvisors.update_numprocs on the local supervisord.
// An increase answers once the model knows the new processes here
// (FAILED if it does not learn them). A decrease is left to the engine,
// which removes the obsolete processes at once when stopped, else once
// stopped (it stops them unless lazy); with wait and not lazy, the answer
// comes once the model no longer has them here.
func (n *Node) UpdateNumprocs(ctx context.Context, program string, numprocs int, wait, lazy bool) (any, error) {
	programs, err := n.programs()
	if err != nil {
		return nil, err
	}
	if err := n.checkOperating(ctx); err != nil {
		return nil, err
	}
	added, obsolete, err := programs.UpdateNumprocs(program, numprocs, lazy)
	switch {
	case errdefs.Is(err, errdefs.NotApplicable):
		n.log.Error("update_numprocs refused by the engine", "program", program, "numprocs", numprocs, "error", err.Error())
		return nil, errdefs.Newf(errdefs.NotApplicable, "numprocs not applicable to program=%s", program)
	case err != nil:
		return nil, programFault(err, program)
	}
	local := n.local.Identifier
	switch {
	case len(added) > 0:
		missing := func() []string {
			var out []string
			for _, ns := range added {
				if _, ok := n.model.Record(local, ns); !ok {
					out = append(out, ns)
				}
			}
			return out
		}
		return n.await(ctx, &condition{
			check: func() (bool, any, error) { return len(missing()) == 0, true, nil },
			ticks: insertionTicks,
			expired: func() error {
				return errdefs.Newf(errdefs.Failed, "processes=%s", pyNamespecs(missing()))
			},
		})
	case len(obsolete) > 0 && wait && !lazy:
		return n.await(ctx, &condition{check: func() (bool, any, error) {
			for _, ns := range obsolete {
				if _, ok := n.model.Record(local, ns); ok {
					return false, nil, nil
				}
			}
			return true, true, nil
		}})
	}
	return true, nil
}

// onProcessChange follows a process added, removed, enabled or disabled
// in the local supervisord: the model learns it first, then the active
// peers.
func (n *Node) onProcessChange(e events.ProcessChange) {
	namespec := e.GroupName + ":" + e.ProcessName
	to := n.activePeers()
	switch e.Change {
	case "ADDED":
		info, ok := n.localRecordOf(namespec)
		if !ok {
			return
		}
		n.model.LoadProcesses(n.local.Identifier, wire.ProcessInfoList{info}, now())
		n.checkAutorestart(wire.ProcessInfoList{info})
		n.publish(to, wire.PublicationProcessAdded, info)
	case "REMOVED":
		removed := wire.ProcessRemoved{Name: e.ProcessName, Group: e.GroupName}
		n.model.RemoveProcess(n.local.Identifier, removed)
		n.publish(to, wire.PublicationProcessRemoved, removed)
	case "ENABLED", "DISABLED":
		info, ok := n.localRecordOf(namespec)
		if !ok {
			return
		}
		// The event tells the flag as it was set; the record read now
		// may already show a later change, which has its own event.
		info.Disabled = e.Change == "DISABLED"
		n.model.SetDisabled(n.local.Identifier, info)
		n.publish(to, wire.PublicationProcessDisability, info)
	}
}
