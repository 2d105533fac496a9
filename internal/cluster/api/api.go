// Package api owns the supvisors.* XML-RPC namespace of the cluster core:
// the status getters that the Supvisors handshake calls on every peer
// (get_network_info, get_instance_info, get_strategies,
// get_instance_state_modes, get_all_local_process_info), the other state
// getters, the cluster-wide requests end_sync, restart, shutdown and
// change_log_level, and start_args (the local start that the Starters of
// every instance request).
//
// The package reads the cluster from the latest view.Snapshot and the local
// processes from the engine; requests that change the cluster go to the
// view.Controller. It checks arguments and Supvisors' state gates with the
// fault codes and texts of Supvisors 0.19.1, and builds the answers with
// the structures of package wire, so that a Python peer or client reads
// them as it reads a Python instance's.
//
// The application and process control methods hand their requests to
// Commands (the driver), and enable, disable and update_numprocs, which
// change the local supervisord's programs, to Programs (the driver too).
// The statistics methods are not registered yet: they answer
// UNKNOWN_METHOD.
package api

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/supvisors-go/supvisors/internal/cluster/view"
	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/supervisor"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// APIVersion is what get_api_version answers: the Supvisors release whose
// API this daemon serves. The Python supvisorsctl refuses a server whose
// version differs from its own.
const APIVersion = "0.19.1"

// Namespace prefixes every method name.
const Namespace = "supvisors."

// Options are what the methods need besides the cluster and the engine.
type Options struct {
	// Logger receives the refused requests and the level changes; nil
	// discards.
	Logger *slog.Logger
	// SetLogLevel applies a level given to change_log_level. nil:
	// change_log_level only validates its argument.
	SetLogLevel func(config.Level)
	// Model serves the application and process getters; nil makes them
	// answer FAILED.
	Model Model
	// Commands carries out the control requests; nil makes them answer
	// FAILED.
	Commands Commands
	// Programs carries out enable, disable and update_numprocs; nil
	// makes them answer FAILED.
	Programs Programs
}

// api holds what the handlers share.
type api struct {
	cluster view.Controller
	engine  *supervisor.Supervisor
	model   Model
	opts    Options
	log     *slog.Logger
}

// method is one supvisors.* entry before registration.
type method struct {
	name      string
	signature []string
	help      string
	handler   xmlrpc.Handler
}

// Register adds the supvisors.* methods of the cluster core to d.
func Register(d *xmlrpc.Dispatcher, c view.Controller, e *supervisor.Supervisor, opts Options) {
	a := &api{cluster: c, engine: e, model: opts.Model, opts: opts, log: opts.Logger}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	a.log = a.log.With("component", "supvisors.api")
	for _, m := range a.methods() {
		d.Register(xmlrpc.Method{
			Name:      Namespace + m.name,
			Handler:   a.logged(m.name, m.handler),
			Signature: m.signature,
			Help:      m.help,
		})
	}
}

// logged reports the requests refused with an error, as Supvisors logs
// every fault it raises itself. The faults that Supervisor raises on its
// behalf (a wrong argument count, a daemon shutting down) are not
// Supvisors' errors and stay at debug level.
func (a *api) logged(name string, h xmlrpc.Handler) xmlrpc.Handler {
	return func(ctx context.Context, params []any) (any, error) {
		v, err := h(ctx, params)
		if err != nil {
			level := slog.LevelError
			var e *errdefs.Error
			if errors.As(err, &e) && (e.Code == errdefs.ShutdownState || e.Code == errdefs.UnknownMethod ||
				e.Code == errdefs.IncorrectParameters && e.Extra == "") {
				level = slog.LevelDebug
			}
			a.log.Log(ctx, level, "supvisors request refused", "method", Namespace+name, "error", err)
		}
		return v, err
	}
}

// The signatures are what Supvisors' docstring parser makes of each method:
// Python type names, not XML-RPC ones. Where that parser gives nothing (a
// trailing dot after the :rtype:, a parameter left undocumented), the
// signature is completed with the type the docstring meant; see
// docs/api.md.
const (
	typeBool         = "bool"
	typeStr          = "str"
	typeDict         = "dict[str, Any]"
	typeDictList     = "list[dict[str, Any]]"
	typeStrList      = "list[str]"
	typeInt          = "int"
	typeLevelParam   = "Union[str, int]"
	typeStarting     = "StartingStrategies"
	typeConciliation = "ConciliationStrategies"
)

func (a *api) methods() []method {
	const (
		identifierParam = "@param str identifier  an identifier (host:port), a nick name or a stereotype\n"
		appParam        = "@param str application_name  the application (the group name)\n"
		namespecParam   = "@param str namespec  the process ('group:name' or 'name'), or 'group:*' for the group\n"
		strategyParam   = "@param StartingStrategies strategy  a starting strategy, by name or by value\n"
		extraParam      = "@param str extra_args  arguments appended to the program command\n"
		waitParam       = "@param bool wait  wait until the request is carried out\n"
		programParam    = "@param str program_name  the program (the x of [program:x]), not a namespec\n"
	)
	return []method{
		{name: "get_api_version", signature: []string{typeStr}, handler: a.getAPIVersion,
			help: "Give the version of the Supvisors API that this daemon serves.\n\n@return str the version, " + APIVersion},
		{name: "get_supvisors_state", signature: []string{typeDict}, handler: a.getSupvisorsState,
			help: "Give the state and modes of Supvisors as the local instance sees them; starting_jobs and\n" +
				"stopping_jobs list the instances whose starter or stopper has work in progress.\n\n" +
				"@return dict[str, Any] the state and modes"},
		{name: "get_all_instances_state_modes", signature: []string{typeDictList}, handler: a.getAllInstancesStateModes,
			help: "Give the last known state and modes of every Supvisors instance, by identifier.\n\n" +
				"@return list[dict[str, Any]] one state and modes per instance"},
		{name: "get_instance_state_modes", signature: []string{typeDictList, typeStr}, handler: a.getInstanceStateModes,
			help: "Give the last known state and modes of the instances that a name designates.\n\n" +
				identifierParam + "@return list[dict[str, Any]] one state and modes per instance"},
		{name: "get_master_identifier", signature: []string{typeDict}, handler: a.getMasterIdentifier,
			help: "Give the identifier and nick name of the Master instance; an empty struct while there is none.\n\n" +
				"@return dict[str, Any] the Master"},
		{name: "get_strategies", signature: []string{typeDict}, handler: a.getStrategies,
			help: "Give the strategies this instance applies by default: auto-fencing, starting, conciliation\n" +
				"and supvisors_failure. Instances whose strategies differ do not accept each other.\n\n" +
				"@return dict[str, Any] the strategies"},
		{name: "get_network_info", signature: []string{typeDict, typeStr}, handler: a.getNetworkInfo,
			help: "Give how an instance is reached: its identity, port, stereotypes and, once known, its host's\n" +
				"network interfaces.\n\n" + identifierParam + "@return dict[str, Any] the network information"},
		{name: "get_all_instances_info", signature: []string{typeDictList}, handler: a.getAllInstancesInfo,
			help: "Give the state, load and tick counters of every Supvisors instance, by identifier.\n\n" +
				"@return list[dict[str, Any]] one record per instance"},
		{name: "get_instance_info", signature: []string{typeDictList, typeStr}, handler: a.getInstanceInfo,
			help: "Give the state, load and tick counters of the instances that a name designates.\n\n" +
				identifierParam + "@return list[dict[str, Any]] one record per instance"},
		{name: "get_core_identifiers", signature: []string{typeStrList}, handler: a.getCoreIdentifiers,
			help: "Give the identifiers of the core instances, as resolved from core_identifiers.\n\n" +
				"@return list[str] the identifiers"},
		{name: "get_all_applications_info", signature: []string{typeDictList}, handler: a.getAllApplicationsInfo,
			help: "Give the state and operational status of every application known in the cluster, managed or not,\n" +
				"in the order they were first seen. From DISTRIBUTION on.\n\n" +
				"@return list[dict[str, Any]] one record per application"},
		{name: "get_application_info", signature: []string{typeDict, typeStr}, handler: a.getApplicationInfo,
			help: "Give the state and operational status of one application. From DISTRIBUTION on.\n\n" +
				appParam + "@return dict[str, Any] the application record"},
		{name: "get_application_rules", signature: []string{typeDict, typeStr}, handler: a.getApplicationRules,
			help: "Give the rules that the rules files set for an application; an unmanaged one reports only\n" +
				"managed. From DISTRIBUTION on.\n\n" + appParam + "@return dict[str, Any] the rules"},
		{name: "get_all_process_info", signature: []string{typeDictList}, handler: a.getAllProcessInfo,
			help: "Give the state of every process of every application, merged over the instances that run it.\n" +
				"From DISTRIBUTION on.\n\n@return list[dict[str, Any]] one record per process"},
		{name: "get_process_info", signature: []string{typeDictList, typeStr}, handler: a.getProcessInfo,
			help: "Give the merged state of one process, or of every process of a group. From DISTRIBUTION on.\n\n" +
				namespecParam + "@return list[dict[str, Any]] one record per process"},
		{name: "get_all_inner_process_info", signature: []string{typeDictList, typeStr}, handler: a.getAllInnerProcessInfo,
			help: "Give the records kept for every process of the instances that a name designates, as those\n" +
				"instances reported them (a debugging aid).\n\n" + identifierParam +
				"@return list[dict[str, Any]] one record per process and instance"},
		{name: "get_inner_process_info", signature: []string{typeDictList, typeStr, typeStr}, handler: a.getInnerProcessInfo,
			help: "Give the records kept for one process, or every process of a group, on the instances that a\n" +
				"name designates (a debugging aid); FAILED when one of them does not define it.\n\n" + identifierParam +
				namespecParam + "@return list[dict[str, Any]] one record per process and instance"},
		{name: "get_process_rules", signature: []string{typeDictList, typeStr}, handler: a.getProcessRules,
			help: "Give the rules that apply to one process, or to every process of a group. From DISTRIBUTION on.\n\n" +
				namespecParam + "@return list[dict[str, Any]] one record per process"},
		{name: "get_conflicts", signature: []string{typeDictList}, handler: a.getConflicts,
			help: "Give the processes of managed applications that run on more than one instance. From\n" +
				"DISTRIBUTION on.\n\n@return list[dict[str, Any]] one record per conflicting process"},
		{name: "get_all_local_process_info", signature: []string{typeDictList}, handler: a.getAllLocalProcessInfo,
			help: "Give the processes of this daemon as Supvisors exchanges them between instances.\n\n" +
				"@return list[dict[str, Any]] one record per process"},
		{name: "get_local_process_info", signature: []string{typeDict, typeStr}, handler: a.getLocalProcessInfo,
			help: "Give one process of this daemon as Supvisors exchanges it between instances.\n\n" +
				"@param str namespec  the process ('group:name' or 'name')\n" +
				"@return dict[str, Any] the process record"},
		{name: "end_sync", signature: []string{typeBool, typeStr}, handler: a.endSync,
			help: "End the synchronization phase now (synchro_options must include USER). Without a Master,\n" +
				"the election runs among the instances seen RUNNING; with one, it must be RUNNING.\n\n" +
				"@param str master  the Master to adopt (identifier or nick name), or '' to elect one\n" +
				"@return bool always true unless an error occurs"},
		{name: "restart", signature: []string{typeBool}, handler: a.restart,
			help: "Stop every application, then restart every Supvisors instance. A Slave passes the request\n" +
				"on to the Master.\n\n@return bool always true unless an error occurs"},
		{name: "shutdown", signature: []string{typeBool}, handler: a.shutdown,
			help: "Stop every application, then shut every Supvisors instance down. A Slave passes the request\n" +
				"on to the Master.\n\n@return bool always true unless an error occurs"},
		{name: "start_application", signature: []string{typeBool, typeStarting, typeStr, typeBool}, handler: a.startApplication,
			help: "Start a managed application with a starting strategy, following its start sequence.\n\n" +
				strategyParam + appParam + waitParam + "@return bool always true unless an error occurs"},
		{name: "test_start_application", signature: []string{typeDictList, typeStarting, typeStr}, handler: a.testStartApplication,
			help: "Tell where the processes of an application would start, without starting anything.\n\n" +
				strategyParam + appParam + "@return list[dict[str, Any]] the predicted placement of each process"},
		{name: "stop_application", signature: []string{typeBool, typeStr, typeBool}, handler: a.stopApplication,
			help: "Stop a managed application, following its stop sequence.\n\n" +
				appParam + waitParam + "@return bool always true unless an error occurs"},
		{name: "restart_application", signature: []string{typeBool, typeStarting, typeStr, typeBool}, handler: a.restartApplication,
			help: "Stop an application, then start it again with a starting strategy.\n\n" +
				strategyParam + appParam + waitParam + "@return bool always true unless an error occurs"},
		{name: "start_process", signature: []string{typeBool, typeStarting, typeStr, typeStr, typeBool}, handler: a.startProcess,
			help: "Start a process (or every process of 'group:*') on the instance a starting strategy chooses.\n\n" +
				strategyParam + namespecParam + extraParam + waitParam + "@return bool always true unless an error occurs"},
		{name: "test_start_process", signature: []string{typeDictList, typeStarting, typeStr}, handler: a.testStartProcess,
			help: "Tell where a process would start, without starting anything.\n\n" +
				strategyParam + namespecParam + "@return list[dict[str, Any]] the predicted placement of each process"},
		{name: "start_any_process", signature: []string{typeStr, typeStarting, typeStr, typeStr, typeBool}, handler: a.startAnyProcess,
			help: "Start the first stopped process whose namespec matches a regular expression and that the\n" +
				"starting strategy can place.\n\n" + strategyParam +
				"@param str regex  a regular expression searched in the namespecs\n" + extraParam + waitParam +
				"@return str the namespec of the process started"},
		{name: "stop_process", signature: []string{typeBool, typeStr, typeBool}, handler: a.stopProcess,
			help: "Stop a process (or every process of 'group:*') wherever it runs.\n\n" +
				namespecParam + waitParam + "@return bool always true unless an error occurs"},
		{name: "restart_process", signature: []string{typeBool, typeStarting, typeStr, typeStr, typeBool}, handler: a.restartProcess,
			help: "Stop a process, then start it again where a starting strategy chooses.\n\n" +
				strategyParam + namespecParam + extraParam + waitParam + "@return bool always true unless an error occurs"},
		{name: "conciliate", signature: []string{typeBool, typeConciliation}, handler: a.conciliate,
			help: "Apply a conciliation strategy to the conflicts.\n\n" +
				"@param ConciliationStrategies strategy  a strategy, by name or by value\n" +
				"@return bool true, or false for USER (nothing done)"},
		{name: "restart_sequence", signature: []string{typeBool, typeBool}, handler: a.restartSequence,
			help: "Start again, as in DISTRIBUTION, the applications that never started or have a failure.\n\n" +
				waitParam + "@return bool always true unless an error occurs"},
		{name: "update_numprocs", signature: []string{typeBool, typeStr, typeInt, typeBool, typeBool}, handler: a.updateNumprocs,
			help: "Change the numprocs of a program of the local supervisord, in every group that has it. More\n" +
				"processes are created (autostart applies); fewer make the processes of highest index obsolete:\n" +
				"removed at once when stopped, else stopped and removed (or, lazy, removed when they stop).\n\n" +
				programParam + "@param int numprocs  the new number of processes (an integer above 0)\n" +
				"@param bool wait  on a decrease, wait until the obsolete processes are removed\n" +
				"@param bool lazy  on a decrease, leave the running processes until they stop by themselves\n" +
				"@return bool always true unless an error occurs"},
		{name: "enable", signature: []string{typeBool, typeStr, typeBool}, handler: a.enable,
			help: "Allow the processes of a program of the local supervisord to start again (autostart acts);\n" +
				"the choice is kept in the disabilities file.\n\n" + programParam +
				"@param bool wait  wait until Supvisors sees the processes enabled\n" +
				"@return bool always true unless an error occurs"},
		{name: "disable", signature: []string{typeBool, typeStr, typeBool}, handler: a.disable,
			help: "Stop the processes of a program of the local supervisord and prevent them from starting;\n" +
				"the choice is kept in the disabilities file.\n\n" + programParam +
				"@param bool wait  wait until the processes are stopped and Supvisors sees them disabled\n" +
				"@return bool always true unless an error occurs"},
		{name: "start_args", signature: []string{typeBool, typeStr, typeStr, typeBool}, handler: a.startArgs,
			help: "Start a process of the local supervisord with extra arguments appended to its command\n" +
				"(what the Starters of every instance ask of the instance they chose).\n\n" +
				namespecParam + "@param str extra_args  the arguments to append to the program command\n" +
				"@param bool wait  wait until the process is RUNNING\n@return bool always true unless an error occurs"},
		{name: "change_log_level", signature: []string{typeBool, typeLevelParam}, handler: a.changeLogLevel,
			help: "Change the level of the Supvisors log of this instance.\n\n" +
				"@param Union[str, int] level_param  a level name (" + strings.Join(levelNames(), ", ") +
				"; any case) or its number\n@return bool always true unless an error occurs"},
		// Supvisors publishes this static method in system.listMethods,
		// but Supervisor cannot dispatch it: a call is an unknown method.
		{name: "get_logger_levels", handler: a.getLoggerLevels,
			help: "Listed for compatibility with Supvisors, which lists it but cannot call it: a call answers\n" +
				"UNKNOWN_METHOD. The levels are those of change_log_level."},
	}
}
