package api

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/supvisors-go/supvisors/internal/cluster/commander"
	"github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/pyfmt"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// Commands are the application and process control requests, carried
// out by the cluster driver (*peer.Node). A request made with wait
// returns once the Starter or Stopper is done with it. The driver checks
// the names with Supvisors' texts; the API checks the state gate, the
// argument count and the strategies first, in Supvisors' order.
type Commands interface {
	StartApplication(ctx context.Context, strategy options.StartingStrategy, name string, wait bool) (any, error)
	StopApplication(ctx context.Context, name string, wait bool) (any, error)
	RestartApplication(ctx context.Context, strategy options.StartingStrategy, name string, wait bool) (any, error)
	StartProcess(ctx context.Context, strategy options.StartingStrategy, namespec, extraArgs string, wait bool) (any, error)
	StartAnyProcess(ctx context.Context, strategy options.StartingStrategy, regex, extraArgs string, wait bool) (any, error)
	StopProcess(ctx context.Context, namespec string, wait bool) (any, error)
	RestartProcess(ctx context.Context, strategy options.StartingStrategy, namespec, extraArgs string, wait bool) (any, error)
	RestartSequence(ctx context.Context, wait bool) (any, error)
	Conciliate(ctx context.Context, strategy options.ConciliationStrategy) (any, error)
	TestStartApplication(ctx context.Context, strategy options.StartingStrategy, name string) (commander.Placements, error)
	TestStartProcess(ctx context.Context, strategy options.StartingStrategy, namespec string) (commander.Placements, error)
}

// The state gates of the control methods.
var (
	gateOperating    = []string{"OPERATION"}
	gateOpConc       = []string{"OPERATION", "CONCILIATION"}
	gateConciliation = []string{"CONCILIATION"}
)

var (
	startingStrategies     = []string{"CONFIG", "LESS_LOADED", "MOST_LOADED", "LOCAL", "LESS_LOADED_NODE", "MOST_LOADED_NODE"}
	conciliationStrategies = []string{"SENICIDE", "INFANTICIDE", "USER", "STOP", "RESTART", "RUNNING_FAILURE"}
)

// enumArg reads a strategy given by name or by value, with the texts of
// Supvisors' _get_strategy (the enum class spelled as Python prints it).
func enumArg(v any, class string, names []string) (int, error) {
	enum := "<enum '" + class + "'>"
	switch x := v.(type) {
	case string:
		for i, n := range names {
			if n == x {
				return i, nil
			}
		}
		return 0, errdefs.Newf(errdefs.IncorrectParameters, "invalid %s value=%s - string expected in %s",
			enum, x, pyStrList(names))
	case int, int64:
		i, _ := strconv.Atoi(fmt.Sprint(x))
		if i >= 0 && i < len(names) {
			return i, nil
		}
		values := make([]string, len(names))
		for j := range names {
			values[j] = strconv.Itoa(j)
		}
		return 0, errdefs.Newf(errdefs.IncorrectParameters, "invalid %s value=%s - integer expected in [%s]",
			enum, fmt.Sprint(x), strings.Join(values, ", "))
	}
	return 0, errdefs.Newf(errdefs.IncorrectParameters, "invalid %s value=%s type=%s - type string or integer expected",
		enum, pyfmt.Str(v), pyType(v))
}

// control checks a control call: the argument count, then the state
// gate; the strategy comes next, read by the caller.
func (a *api) control(params []any, lo, hi int, gate []string) (xmlrpc.Args, error) {
	args := xmlrpc.Args(params)
	if err := args.Count(lo, hi); err != nil {
		return nil, err
	}
	if err := checkState(a.cluster.Snapshot(), gate); err != nil {
		return nil, err
	}
	if a.opts.Commands == nil {
		return nil, errdefs.New(errdefs.Failed, "no commander in this daemon")
	}
	return args, nil
}

func startingArg(args xmlrpc.Args) (options.StartingStrategy, error) {
	i, err := enumArg(args[0], "StartingStrategies", startingStrategies)
	return options.StartingStrategy(i), err
}

// waitArg is the optional wait parameter at index i, tested for its
// truth as Python does; true when absent.
func waitArg(args xmlrpc.Args, i int) bool {
	if i >= len(args) {
		return true
	}
	return pyfmt.Truthy(args[i])
}

// strategyNameCall reads (strategy, name, wait...) for the methods whose
// name is an application or a namespec, and extra_args at index 2 when
// withExtra.
func (a *api) strategyCall(params []any, hi int, withExtra bool) (strategy options.StartingStrategy, name, extra string,
	wait bool, err error) {
	args, err := a.control(params, 2, hi, gateOperating)
	if err != nil {
		return
	}
	if strategy, err = startingArg(args); err != nil {
		return
	}
	if name, err = args.String(1); err != nil {
		return
	}
	waitAt := 2
	if withExtra {
		if extra, err = args.OptionalString(2, ""); err != nil {
			return
		}
		waitAt = 3
	}
	wait = waitArg(args, waitAt)
	return
}

func (a *api) startApplication(ctx context.Context, params []any) (any, error) {
	strategy, name, _, wait, err := a.strategyCall(params, 3, false)
	if err != nil {
		return nil, err
	}
	return a.opts.Commands.StartApplication(ctx, strategy, name, wait)
}

func (a *api) restartApplication(ctx context.Context, params []any) (any, error) {
	strategy, name, _, wait, err := a.strategyCall(params, 3, false)
	if err != nil {
		return nil, err
	}
	return a.opts.Commands.RestartApplication(ctx, strategy, name, wait)
}

func (a *api) startProcess(ctx context.Context, params []any) (any, error) {
	strategy, namespec, extra, wait, err := a.strategyCall(params, 4, true)
	if err != nil {
		return nil, err
	}
	return a.opts.Commands.StartProcess(ctx, strategy, namespec, extra, wait)
}

func (a *api) startAnyProcess(ctx context.Context, params []any) (any, error) {
	strategy, regex, extra, wait, err := a.strategyCall(params, 4, true)
	if err != nil {
		return nil, err
	}
	return a.opts.Commands.StartAnyProcess(ctx, strategy, regex, extra, wait)
}

func (a *api) restartProcess(ctx context.Context, params []any) (any, error) {
	strategy, namespec, extra, wait, err := a.strategyCall(params, 4, true)
	if err != nil {
		return nil, err
	}
	return a.opts.Commands.RestartProcess(ctx, strategy, namespec, extra, wait)
}

func (a *api) testStartApplication(ctx context.Context, params []any) (any, error) {
	strategy, name, _, _, err := a.strategyCall(params, 2, false)
	if err != nil {
		return nil, err
	}
	out, err := a.opts.Commands.TestStartApplication(ctx, strategy, name)
	if err != nil {
		return nil, err
	}
	return out.XMLRPC(), nil
}

func (a *api) testStartProcess(ctx context.Context, params []any) (any, error) {
	strategy, namespec, _, _, err := a.strategyCall(params, 2, false)
	if err != nil {
		return nil, err
	}
	out, err := a.opts.Commands.TestStartProcess(ctx, strategy, namespec)
	if err != nil {
		return nil, err
	}
	return out.XMLRPC(), nil
}

func (a *api) stopApplication(ctx context.Context, params []any) (any, error) {
	args, err := a.control(params, 1, 2, gateOpConc)
	if err != nil {
		return nil, err
	}
	name, err := args.String(0)
	if err != nil {
		return nil, err
	}
	return a.opts.Commands.StopApplication(ctx, name, waitArg(args, 1))
}

func (a *api) stopProcess(ctx context.Context, params []any) (any, error) {
	args, err := a.control(params, 1, 2, gateOpConc)
	if err != nil {
		return nil, err
	}
	namespec, err := args.String(0)
	if err != nil {
		return nil, err
	}
	return a.opts.Commands.StopProcess(ctx, namespec, waitArg(args, 1))
}

// restartSequence refuses to run while any instance reports starting or
// stopping jobs, as the snapshot shows them.
func (a *api) restartSequence(ctx context.Context, params []any) (any, error) {
	args, err := a.control(params, 0, 1, gateOperating)
	if err != nil {
		return nil, err
	}
	if snap := a.cluster.Snapshot(); len(snap.StartingJobs) > 0 || len(snap.StoppingJobs) > 0 {
		return nil, commander.ErrJobsInProgress()
	}
	return a.opts.Commands.RestartSequence(ctx, waitArg(args, 0))
}

func (a *api) conciliate(ctx context.Context, params []any) (any, error) {
	args, err := a.control(params, 1, 1, gateConciliation)
	if err != nil {
		return nil, err
	}
	i, err := enumArg(args[0], "ConciliationStrategies", conciliationStrategies)
	if err != nil {
		return nil, err
	}
	return a.opts.Commands.Conciliate(ctx, options.ConciliationStrategy(i))
}
