package api

import (
	"context"

	"github.com/supvisors-go/supvisors/internal/cluster/model"
	"github.com/supvisors-go/supvisors/internal/cluster/view"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// Model is the merged view of applications and processes as the status
// getters read it; *peer.Node implements it. Every method is safe for
// concurrent use and returns copies. The state gates are the API's; the
// name faults (BAD_NAME, FAILED) are the model's.
type Model interface {
	AllApplicationsInfo(ctx context.Context) (model.ApplicationInfoList, error)
	ApplicationInfo(ctx context.Context, name string) (model.ApplicationInfo, error)
	ApplicationRules(ctx context.Context, name string) (model.ApplicationRulesInfo, error)
	AllProcessInfo(ctx context.Context) (model.ProcessInfoList, error)
	ProcessInfo(ctx context.Context, namespec string) (model.ProcessInfoList, error)
	ProcessRules(ctx context.Context, namespec string) (model.ProcessRulesList, error)
	Conflicts(ctx context.Context) (model.ProcessInfoList, error)
	// AllInnerProcessInfo and InnerProcessInfo take the identifiers that
	// an identifier parameter designates; requested is the parameter as
	// given, for the fault text.
	AllInnerProcessInfo(ctx context.Context, identifiers []string) (model.InnerProcessInfoList, error)
	InnerProcessInfo(ctx context.Context, requested string, identifiers []string, namespec string) (model.InnerProcessInfoList, error)
}

// errNoModel answers the model getters of an API registered without one.
func errNoModel() error {
	return errdefs.New(errdefs.Failed, "no application and process model in this daemon")
}

// gatedModel checks the arguments count and the from_distribution gate,
// in Supervisor's order: a wrong count fails before the method runs.
func (a *api) gatedModel(params []any, lo, hi int) error {
	if err := xmlrpc.Args(params).Count(lo, hi); err != nil {
		return err
	}
	if err := checkState(a.cluster.Snapshot(), gateFromDistribution); err != nil {
		return err
	}
	if a.model == nil {
		return errNoModel()
	}
	return nil
}

// applicationArg reads an application name. A name that is not a string
// is looked up as Supvisors does, and never found.
func applicationArg(v any) (string, error) {
	name, matchable, err := nameArg(v)
	if err != nil {
		return "", err
	}
	if !matchable {
		return "", errdefs.Newf(errdefs.BadName, "application=%s unknown to Supvisors", name)
	}
	return name, nil
}

// namespecArg reads a namespec; one that is not a string is
// INCORRECT_PARAMETERS (Supvisors fails with a Python exception).
func namespecArg(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	}
	return "", incorrectParameters()
}

// listAnswer encodes a typed list, or passes its error on.
func listAnswer[L interface{ XMLRPC() []any }](l L, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return l.XMLRPC(), nil
}

// structAnswer encodes a typed struct, or passes its error on.
func structAnswer[S interface{ XMLRPC() xmlrpc.Struct }](s S, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return s.XMLRPC(), nil
}

func (a *api) getAllApplicationsInfo(ctx context.Context, params []any) (any, error) {
	if err := a.gatedModel(params, 0, 0); err != nil {
		return nil, err
	}
	return listAnswer(a.model.AllApplicationsInfo(ctx))
}

func (a *api) getApplicationInfo(ctx context.Context, params []any) (any, error) {
	if err := a.gatedModel(params, 1, 1); err != nil {
		return nil, err
	}
	name, err := applicationArg(params[0])
	if err != nil {
		return nil, err
	}
	return structAnswer(a.model.ApplicationInfo(ctx, name))
}

func (a *api) getApplicationRules(ctx context.Context, params []any) (any, error) {
	if err := a.gatedModel(params, 1, 1); err != nil {
		return nil, err
	}
	name, err := applicationArg(params[0])
	if err != nil {
		return nil, err
	}
	return structAnswer(a.model.ApplicationRules(ctx, name))
}

func (a *api) getAllProcessInfo(ctx context.Context, params []any) (any, error) {
	if err := a.gatedModel(params, 0, 0); err != nil {
		return nil, err
	}
	return listAnswer(a.model.AllProcessInfo(ctx))
}

func (a *api) getProcessInfo(ctx context.Context, params []any) (any, error) {
	if err := a.gatedModel(params, 1, 1); err != nil {
		return nil, err
	}
	namespec, err := namespecArg(params[0])
	if err != nil {
		return nil, err
	}
	return listAnswer(a.model.ProcessInfo(ctx, namespec))
}

func (a *api) getProcessRules(ctx context.Context, params []any) (any, error) {
	if err := a.gatedModel(params, 1, 1); err != nil {
		return nil, err
	}
	namespec, err := namespecArg(params[0])
	if err != nil {
		return nil, err
	}
	return listAnswer(a.model.ProcessRules(ctx, namespec))
}

func (a *api) getConflicts(ctx context.Context, params []any) (any, error) {
	if err := a.gatedModel(params, 0, 0); err != nil {
		return nil, err
	}
	return listAnswer(a.model.Conflicts(ctx))
}

// resolveIdentifiers resolves an identifier parameter to identifiers, with
// the BAD_NAME of the other identifier getters.
func resolveIdentifiers(snap *view.Snapshot, v any) (requested string, ids []string, err error) {
	name, matchable, err := nameArg(v)
	if err != nil {
		return "", nil, err
	}
	if matchable {
		for _, in := range snap.Resolve(name) {
			ids = append(ids, in.Identifier())
		}
	}
	if len(ids) == 0 {
		return "", nil, errdefs.Newf(errdefs.BadName, "identifier=%s is unknown to Supvisors", name)
	}
	return name, ids, nil
}

// getAllInnerProcessInfo has no state gate: it is a debugging aid.
func (a *api) getAllInnerProcessInfo(ctx context.Context, params []any) (any, error) {
	if err := xmlrpc.Args(params).Count(1, 1); err != nil {
		return nil, err
	}
	_, ids, err := resolveIdentifiers(a.cluster.Snapshot(), params[0])
	if err != nil {
		return nil, err
	}
	if a.model == nil {
		return nil, errNoModel()
	}
	return listAnswer(a.model.AllInnerProcessInfo(ctx, ids))
}

func (a *api) getInnerProcessInfo(ctx context.Context, params []any) (any, error) {
	if err := xmlrpc.Args(params).Count(2, 2); err != nil {
		return nil, err
	}
	requested, ids, err := resolveIdentifiers(a.cluster.Snapshot(), params[0])
	if err != nil {
		return nil, err
	}
	namespec, err := namespecArg(params[1])
	if err != nil {
		return nil, err
	}
	if a.model == nil {
		return nil, errNoModel()
	}
	return listAnswer(a.model.InnerProcessInfo(ctx, requested, ids, namespec))
}
