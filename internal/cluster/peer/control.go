package peer

import (
	"context"

	"github.com/supvisors-go/supvisors/internal/cluster/commander"
	"github.com/supvisors-go/supvisors/internal/cluster/fsm"
	"github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/errdefs"
)

// The supvisors.* control methods. Each request is planned on the Run
// goroutine, whose actions are carried out at once; a request made with
// wait then parks the caller's goroutine, never the driver's, until the
// commander reports its Finished (or the caller gives up, or the driver
// stops). The API has checked the arguments and the state gate on the
// snapshot; the driver checks the gate again on the live state.

// The state gates of the control methods.
var (
	gateOperating   = []fsm.State{fsm.Operation}
	gateOpConc      = []fsm.State{fsm.Operation, fsm.Conciliation}
	gateConciliaton = []fsm.State{fsm.Conciliation}
)

// command runs a commander request on the Run goroutine, carries out its
// actions and, when the request returned a ticket, waits for the result
// that the commander gives with its Finished. Without a ticket the
// answer is immediate (immediate, true when the request gave nil).
func (n *Node) command(ctx context.Context, gate []fsm.State,
	request func(now float64) (commander.Ticket, any, error)) (any, error) {
	var finished chan commander.Finished
	var immediate any
	err := n.do(ctx, func() error {
		if err := n.checkState(gate...); err != nil {
			return err
		}
		ticket, result, err := request(now())
		if err != nil {
			n.drain()
			return err
		}
		immediate = result
		if ticket != 0 {
			// Registered before the actions are carried out: the
			// Finished may be among them.
			finished = make(chan commander.Finished, 1)
			n.waiting[ticket] = finished
		}
		n.drain()
		return nil
	})
	if err != nil {
		return nil, err
	}
	if finished == nil {
		if immediate == nil {
			return true, nil
		}
		return immediate, nil
	}
	select {
	case f := <-finished:
		if f.Err != nil {
			return nil, f.Err
		}
		return f.Result, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-n.stopped:
		return nil, errdefs.New(errdefs.Failed, errStopped.Error())
	}
}

// ticketOnly adapts the requests that answer true.
func ticketOnly(t commander.Ticket, err error) (commander.Ticket, any, error) { return t, nil, err }

// StartApplication is supvisors.start_application.
func (n *Node) StartApplication(ctx context.Context, strategy options.StartingStrategy, name string, wait bool) (any, error) {
	return n.command(ctx, gateOperating, func(now float64) (commander.Ticket, any, error) {
		return ticketOnly(n.cmd.StartApplication(strategy, name, wait, now))
	})
}

// StopApplication is supvisors.stop_application.
func (n *Node) StopApplication(ctx context.Context, name string, wait bool) (any, error) {
	return n.command(ctx, gateOpConc, func(now float64) (commander.Ticket, any, error) {
		return ticketOnly(n.cmd.StopApplication(name, wait, now))
	})
}

// RestartApplication is supvisors.restart_application.
func (n *Node) RestartApplication(ctx context.Context, strategy options.StartingStrategy, name string, wait bool) (any, error) {
	return n.command(ctx, gateOperating, func(now float64) (commander.Ticket, any, error) {
		return ticketOnly(n.cmd.RestartApplication(strategy, name, wait, now))
	})
}

// StartProcess is supvisors.start_process.
func (n *Node) StartProcess(ctx context.Context, strategy options.StartingStrategy, namespec, extraArgs string, wait bool) (any, error) {
	return n.command(ctx, gateOperating, func(now float64) (commander.Ticket, any, error) {
		return ticketOnly(n.cmd.StartProcess(strategy, namespec, extraArgs, wait, now))
	})
}

// StartAnyProcess is supvisors.start_any_process: the namespec started.
func (n *Node) StartAnyProcess(ctx context.Context, strategy options.StartingStrategy, regex, extraArgs string, wait bool) (any, error) {
	return n.command(ctx, gateOperating, func(now float64) (commander.Ticket, any, error) {
		namespec, ticket, err := n.cmd.StartAnyProcess(strategy, regex, extraArgs, wait, now)
		return ticket, namespec, err
	})
}

// StopProcess is supvisors.stop_process.
func (n *Node) StopProcess(ctx context.Context, namespec string, wait bool) (any, error) {
	return n.command(ctx, gateOpConc, func(now float64) (commander.Ticket, any, error) {
		return ticketOnly(n.cmd.StopProcess(namespec, wait, now))
	})
}

// RestartProcess is supvisors.restart_process.
func (n *Node) RestartProcess(ctx context.Context, strategy options.StartingStrategy, namespec, extraArgs string, wait bool) (any, error) {
	return n.command(ctx, gateOperating, func(now float64) (commander.Ticket, any, error) {
		return ticketOnly(n.cmd.RestartProcess(strategy, namespec, extraArgs, wait, now))
	})
}

// RestartSequence is supvisors.restart_sequence; the API has checked
// that no instance reports jobs in progress.
func (n *Node) RestartSequence(ctx context.Context, wait bool) (any, error) {
	return n.command(ctx, gateOperating, func(now float64) (commander.Ticket, any, error) {
		if n.cmd.Starting() || n.cmd.Stopping() {
			return 0, nil, commander.ErrJobsInProgress()
		}
		return ticketOnly(n.cmd.RestartSequence(wait, now))
	})
}

// Conciliate is supvisors.conciliate: false for USER, which leaves the
// conflicts as they are.
func (n *Node) Conciliate(ctx context.Context, strategy options.ConciliationStrategy) (any, error) {
	return n.command(ctx, gateConciliaton, func(now float64) (commander.Ticket, any, error) {
		return 0, n.cmd.Conciliate(strategy, nil, now), nil
	})
}

// TestStartApplication is supvisors.test_start_application.
func (n *Node) TestStartApplication(ctx context.Context, strategy options.StartingStrategy, name string) (commander.Placements, error) {
	return n.dryRun(ctx, func() (commander.Placements, error) { return n.cmd.TestStartApplication(strategy, name) })
}

// TestStartProcess is supvisors.test_start_process.
func (n *Node) TestStartProcess(ctx context.Context, strategy options.StartingStrategy, namespec string) (commander.Placements, error) {
	return n.dryRun(ctx, func() (commander.Placements, error) { return n.cmd.TestStartProcess(strategy, namespec) })
}

func (n *Node) dryRun(ctx context.Context, run func() (commander.Placements, error)) (commander.Placements, error) {
	var out commander.Placements
	err := n.do(ctx, func() error {
		if err := n.checkState(gateOperating...); err != nil {
			return err
		}
		var err error
		out, err = run()
		return err
	})
	return out, err
}
