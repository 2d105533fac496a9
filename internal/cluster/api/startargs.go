package api

import (
	"context"

	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// startArgs is supvisors.start_args: the start of a local process with
// extra arguments appended to its command. Its only state gate is none:
// the Starters of every instance send it during DISTRIBUTION. The
// process must be known to Supvisors (the merged model) and to the local
// supervisord.
func (a *api) startArgs(ctx context.Context, params []any) (any, error) {
	args := xmlrpc.Args(params)
	if err := args.Count(2, 3); err != nil {
		return nil, err
	}
	namespec, err := args.String(0)
	if err != nil {
		return nil, err
	}
	extra, err := args.String(1)
	if err != nil {
		return nil, err
	}
	wait, err := args.Bool(2, true)
	if err != nil {
		return nil, err
	}
	if a.model == nil || a.engine == nil {
		return nil, errNoModel()
	}
	if _, err := a.model.ProcessInfo(ctx, namespec); err != nil {
		return nil, err
	}
	if err := a.engine.StartProcessArgs(ctx, namespec, extra, wait); err != nil {
		if errdefs.Is(err, errdefs.BadName) {
			return nil, errdefs.Newf(errdefs.BadName, "namespec=%s unknown to Supervisor", namespec)
		}
		a.log.Error("start_args: the local start failed", "namespec", namespec, "error", err)
		return nil, err
	}
	return true, nil
}
