package api

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/pyfmt"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// endSync checks what the snapshot can tell (state, Master already set,
// the chosen Master) with Supvisors' texts, then hands the request to the
// controller, which also refuses it when USER is not in synchro_options.
func (a *api) endSync(ctx context.Context, params []any) (any, error) {
	if err := xmlrpc.Args(params).Count(0, 1); err != nil {
		return nil, err
	}
	snap := a.cluster.Snapshot()
	if err := checkState(snap, gateSynchronization); err != nil {
		return nil, err
	}
	if snap.Self.MasterIdentifier != "" {
		return nil, errdefs.New(errdefs.BadSupvisorsState, "Supvisors synchronization ending")
	}
	master := ""
	if len(params) == 1 && pyfmt.Truthy(params[0]) {
		name, matchable, err := nameArg(params[0])
		if err != nil {
			return nil, err
		}
		if !matchable {
			return nil, errdefs.Newf(errdefs.BadName, "unknown Supvisors identifier=%s", name)
		}
		found := snap.Resolve(name)
		switch {
		case len(found) == 0:
			return nil, errdefs.Newf(errdefs.BadName, "unknown Supvisors identifier=%s", name)
		case len(found) > 1:
			ids := make([]string, len(found))
			for i, in := range found {
				ids[i] = in.Identifier()
			}
			return nil, errdefs.Newf(errdefs.IncorrectParameters,
				"multiple identifiers=%s found for Supvisors master=%s", pyStrList(ids), name)
		}
		in := found[0]
		if in.Info.StateName != "RUNNING" {
			return nil, errdefs.Newf(errdefs.NotRunning, "Supvisors instance=%s is not RUNNING (%s)",
				in.Identifier(), in.Info.StateName)
		}
		master = in.Identifier()
	}
	if err := a.cluster.EndSync(ctx, master); err != nil {
		return nil, err
	}
	return true, nil
}

func (a *api) restart(ctx context.Context, params []any) (any, error) {
	return a.endRequest(ctx, params, a.cluster.Restart)
}

func (a *api) shutdown(ctx context.Context, params []any) (any, error) {
	return a.endRequest(ctx, params, a.cluster.Shutdown)
}

// endRequest is restart or shutdown: allowed from DISTRIBUTION on; the
// controller moves the cluster or forwards the request to the Master.
func (a *api) endRequest(ctx context.Context, params []any, do func(context.Context) error) (any, error) {
	if err := noArgs(params); err != nil {
		return nil, err
	}
	if err := checkState(a.cluster.Snapshot(), gateFromDistribution); err != nil {
		return nil, err
	}
	if err := do(ctx); err != nil {
		return nil, err
	}
	return true, nil
}

// logLevel is one of Supervisor's log levels.
type logLevel struct {
	name  string // as change_log_level takes it
	short string // as Supervisor writes it in its log
	level config.Level
}

// logLevels are Supervisor's level names and numbers, in the order of its
// LevelsByDescription class, which Supvisors' fault texts follow.
var logLevels = []logLevel{
	{"critical", "CRIT", config.LevelCritical},
	{"error", "ERRO", config.LevelError},
	{"warn", "WARN", config.LevelWarn},
	{"info", "INFO", config.LevelInfo},
	{"debug", "DEBG", config.LevelDebug},
	{"trace", "TRAC", config.LevelTrace},
	{"blather", "BLAT", config.LevelBlather},
}

func levelNames() []string {
	out := make([]string, len(logLevels))
	for i, l := range logLevels {
		out[i] = l.name
	}
	return out
}

func levelNumbers() string {
	parts := make([]string, len(logLevels))
	for i, l := range logLevels {
		parts[i] = strconv.Itoa(int(l.level))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// levelOf reads a change_log_level parameter: a level name in any case, or
// a level number.
func levelOf(v any) (logLevel, error) {
	var n int64
	switch x := v.(type) {
	case string:
		i := slices.IndexFunc(logLevels, func(l logLevel) bool { return l.name == strings.ToLower(x) })
		if i < 0 {
			return logLevel{}, errdefs.Newf(errdefs.IncorrectParameters,
				"invalid logger value=%s - string expected in %s", x, pyStrList(levelNames()))
		}
		return logLevels[i], nil
	case int:
		n = int64(x)
	case int64:
		n = x
	default:
		return logLevel{}, errdefs.Newf(errdefs.IncorrectParameters,
			"invalid logger value=%s type=%s - type string or integer expected", pyfmt.Str(v), pyType(v))
	}
	i := slices.IndexFunc(logLevels, func(l logLevel) bool { return int64(l.level) == n })
	if i < 0 {
		return logLevel{}, errdefs.Newf(errdefs.IncorrectParameters,
			"invalid logger value=%d - integer expected in %s", n, levelNumbers())
	}
	return logLevels[i], nil
}

func (a *api) changeLogLevel(_ context.Context, params []any) (any, error) {
	args := xmlrpc.Args(params)
	if err := args.Count(1, 1); err != nil {
		return nil, err
	}
	level, err := levelOf(params[0])
	if err != nil {
		return nil, err
	}
	a.log.Warn("supvisors log level changed", "level", level.short)
	if a.opts.SetLogLevel != nil {
		a.opts.SetLogLevel(level.level)
	}
	return true, nil
}
