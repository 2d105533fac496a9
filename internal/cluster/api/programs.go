package api

import (
	"context"
	"math"
	"strconv"
	"strings"

	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/pyfmt"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// Programs are the per-program requests on the local supervisord
// (supvisors.enable, disable and update_numprocs), carried out by the
// driver (*peer.Node). A request made with wait returns once the model
// shows its result. The API checks the argument count, the OPERATION
// gate, the program name and numprocs, in Supvisors' order.
type Programs interface {
	// HasProgram tells whether the local supervisord has a program of
	// that name ([program:x], [fcgi-program:x] or [eventlistener:x]).
	HasProgram(program string) bool
	Enable(ctx context.Context, program string, wait bool) (any, error)
	Disable(ctx context.Context, program string, wait bool) (any, error)
	UpdateNumprocs(ctx context.Context, program string, numprocs int, wait, lazy bool) (any, error)
}

// programCall checks a per-program call up to its program name: the
// argument count, the OPERATION gate, then the name, which must be one of
// the local supervisord's programs.
func (a *api) programCall(params []any, lo, hi int) (xmlrpc.Args, string, error) {
	args := xmlrpc.Args(params)
	if err := args.Count(lo, hi); err != nil {
		return nil, "", err
	}
	if err := checkState(a.cluster.Snapshot(), gateOperating); err != nil {
		return nil, "", err
	}
	if a.opts.Programs == nil {
		return nil, "", errdefs.New(errdefs.Failed, "no program control in this daemon")
	}
	name, matchable, err := nameArg(args[0])
	if err != nil {
		return nil, "", err
	}
	if !matchable || !a.opts.Programs.HasProgram(name) {
		return nil, "", errdefs.Newf(errdefs.BadName, "program=%s unknown to Supvisors", name)
	}
	return args, name, nil
}

func (a *api) enable(ctx context.Context, params []any) (any, error) {
	args, program, err := a.programCall(params, 1, 2)
	if err != nil {
		return nil, err
	}
	return a.opts.Programs.Enable(ctx, program, waitArg(args, 1))
}

func (a *api) disable(ctx context.Context, params []any) (any, error) {
	args, program, err := a.programCall(params, 1, 2)
	if err != nil {
		return nil, err
	}
	return a.opts.Programs.Disable(ctx, program, waitArg(args, 1))
}

func (a *api) updateNumprocs(ctx context.Context, params []any) (any, error) {
	args, program, err := a.programCall(params, 2, 4)
	if err != nil {
		return nil, err
	}
	numprocs, err := numprocsArg(program, args[1])
	if err != nil {
		return nil, err
	}
	lazy := len(args) > 3 && pyfmt.Truthy(args[3])
	return a.opts.Programs.UpdateNumprocs(ctx, program, numprocs, waitArg(args, 2), lazy)
}

// numprocsArg reads numprocs as Supvisors does, with Python's int(): an
// integer, a boolean, a float (truncated) or a decimal string; it must
// then be above 0. Another type is a TypeError in Python, hence
// INCORRECT_PARAMETERS alone.
func numprocsArg(program string, v any) (int, error) {
	invalid := func() error {
		return errdefs.Newf(errdefs.IncorrectParameters, "program=%s incorrect numprocs=%s - integer > 0 expected",
			program, pyfmt.Str(v))
	}
	var n int64
	switch x := v.(type) {
	case bool:
		if x {
			n = 1
		}
	case int:
		n = int64(x)
	case int64:
		n = x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) >= math.MaxInt32 {
			return 0, invalid()
		}
		n = int64(x)
	case string:
		i, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		if err != nil {
			return 0, invalid()
		}
		n = i
	case []byte:
		i, err := strconv.ParseInt(strings.TrimSpace(string(x)), 10, 64)
		if err != nil {
			return 0, invalid()
		}
		n = i
	default:
		return 0, incorrectParameters()
	}
	if n <= 0 || n > math.MaxInt32 {
		return 0, invalid()
	}
	return int(n), nil
}
