package supvisors

import (
	"context"
	"slices"
	"strings"

	"github.com/supvisors-go/supvisors/internal/ctl"
	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// The commands that start and stop applications and processes through
// the Supvisors Starter and Stopper, and conciliate and restart_sequence.
// Each one names the application or process in its result line; a fault
// prints "<name>: ERROR (<fault>)" and the command goes on with the next
// name. The requests are made with Supvisors' default wait (true).

var (
	startingStrategyNames     = []string{"CONFIG", "LESS_LOADED", "MOST_LOADED", "LOCAL", "LESS_LOADED_NODE", "MOST_LOADED_NODE"}
	conciliationStrategyNames = []string{"SENICIDE", "INFANTICIDE", "USER", "STOP", "RESTART", "RUNNING_FAILURE"}
)

// pyNames spells a list of names as Python prints it.
func pyNames(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = pyfmt.Repr(n)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// strategyArg reads the strategy at the head of the arguments: its value,
// or false once the usage error is printed. missing and unknown are the
// command's own messages.
func (p *plugin) strategyArg(args []string, names []string, missing, unknown string, help func()) (int, bool) {
	if len(args) < 1 {
		p.invalidArgs(missing, help)
		return 0, false
	}
	i := slices.Index(names, args[0])
	if i < 0 {
		p.invalidArgs(unknown+pyNames(names), help)
		return 0, false
	}
	return i, true
}

// managedApplications is Supvisors' matching of application names: every
// managed application (sorted) for no name or "all", otherwise the names
// given that are managed; the others are reported.
func (p *plugin) managedApplications(ctx context.Context, names []string, alt string) ([]string, bool, error) {
	v, err := p.call(ctx, "get_all_applications_info")
	if err != nil {
		return nil, false, p.reportFault("", err)
	}
	rows, err := records(v, "application_name", "managed")
	if err != nil {
		return nil, false, err
	}
	managed := map[string]bool{}
	var all []string
	for _, r := range rows {
		name := r.str("application_name")
		managed[name] = pyfmt.Truthy(r["managed"])
		if managed[name] {
			all = append(all, name)
		}
	}
	if len(names) == 0 || slices.Contains(names, "all") {
		slices.Sort(all)
		return all, true, nil
	}
	var out []string
	for _, name := range names {
		m, known := managed[name]
		switch {
		case !known:
			p.out(name + ": ERROR (no such application)")
			p.ctl.SetExitStatus(ctl.ExitInvalidArgs)
		case !m:
			p.out(name + ": IGNORED (unmanaged. use " + alt + " " + name + ":*)")
		default:
			out = append(out, name)
		}
	}
	return out, true, nil
}

// eachName calls request for each name and prints its result line, or
// the fault.
func (p *plugin) eachName(ctx context.Context, names []string, faultName func(string) string,
	request func(name string) (any, error), done func(name string, result any) string) error {
	for _, name := range names {
		result, err := request(name)
		if err != nil {
			if err := p.reportFault(faultName(name)+": ", err); err != nil {
				return err
			}
			continue
		}
		p.out(done(name, result))
	}
	return nil
}

func plainName(name string) string { return name }

// applicationCommand is start_application and restart_application.
func (p *plugin) applicationCommand(ctx context.Context, arg, command, method, verb string, help func()) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	args := fields(arg)
	strategy, ok := p.strategyArg(args, startingStrategyNames, "ERROR: "+command+" requires at least a strategy",
		"ERROR: unknown strategy for "+command+". use one of ", help)
	if !ok {
		return nil
	}
	alt := strings.TrimSuffix(command, "_application")
	names, ok, err := p.managedApplications(ctx, args[1:], alt)
	if !ok || err != nil {
		return err
	}
	return p.eachName(ctx, names, plainName, func(name string) (any, error) {
		return p.call(ctx, method, strategy, name)
	}, func(name string, result any) string { return name + " " + verb + ": " + pyfmt.Str(result) })
}

func (p *plugin) startApplication(ctx context.Context, arg string) error {
	return p.applicationCommand(ctx, arg, "start_application", "start_application", "started", p.helpStartApplication)
}

func (p *plugin) helpStartApplication() {
	p.out("start_application <strategy> <appli>\t\tStart the managed application appli with the strategy.")
	p.out("start_application <strategy> <appli> <appli>\tStart these managed applications with the strategy")
	p.out("start_application <strategy>\t\t\tStart every managed application with the strategy.")
}

func (p *plugin) restartApplication(ctx context.Context, arg string) error {
	return p.applicationCommand(ctx, arg, "restart_application", "restart_application", "restarted", p.helpRestartApplication)
}

func (p *plugin) helpRestartApplication() {
	p.out("restart_application <strategy> <appli>\t\tRestart the managed application appli with the strategy.")
	p.out("restart_application <strategy> <appli> <appli>\tRestart these managed applications with the strategy")
	p.out("restart_application <strategy> \t\t\tRestart every managed application with the strategy.")
}

func (p *plugin) stopApplication(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	names, ok, err := p.managedApplications(ctx, fields(arg), "stop")
	if !ok || err != nil {
		return err
	}
	return p.eachName(ctx, names, plainName, func(name string) (any, error) {
		return p.call(ctx, "stop_application", name)
	}, func(name string, result any) string { return name + " stopped: " + pyfmt.Str(result) })
}

func (p *plugin) helpStopApplication() {
	p.out("stop_application <appli>\t\t\tStop the managed application appli.")
	p.out("stop_application <appli> <appli>\t\tStop these managed applications.")
	p.out("stop_application\t\t\t\tStop every managed application.")
}

// makeNamespec is Supervisor's make_namespec.
func makeNamespec(group, name string) string {
	if group == name {
		return name
	}
	return group + ":" + name
}

// processNames are the namespecs given, or every process the cluster
// knows (those in a running state only when runningOnly) for none or
// "all", sorted. ok is false when the list could not be read (the fault
// is printed; the command then has nothing to do).
func (p *plugin) processNames(ctx context.Context, names []string, runningOnly bool) ([]string, error) {
	if len(names) > 0 && !slices.Contains(names, "all") {
		out := slices.Clone(names)
		slices.Sort(out)
		return out, nil
	}
	v, err := p.call(ctx, "get_all_process_info")
	if err != nil {
		return nil, p.reportFault("", err)
	}
	rows, err := records(v, "application_name", "process_name", "statecode")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range rows {
		if runningOnly {
			// Supervisor's RUNNING_STATES: STARTING, RUNNING, BACKOFF.
			if code := r.str("statecode"); code != "10" && code != "20" && code != "30" {
				continue
			}
		}
		out = append(out, makeNamespec(r.str("application_name"), r.str("process_name")))
	}
	slices.Sort(out)
	return out, nil
}

func (p *plugin) startProcess(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	args := fields(arg)
	strategy, ok := p.strategyArg(args, startingStrategyNames, "ERROR: start_process requires at least a strategy",
		"ERROR: unknown strategy for start_process. use one of ", p.helpStartProcess)
	if !ok {
		return nil
	}
	names, err := p.processNames(ctx, args[1:], false)
	if err != nil {
		return err
	}
	return p.eachName(ctx, names, plainName, func(name string) (any, error) {
		return p.call(ctx, "start_process", strategy, name)
	}, func(name string, result any) string { return name + " started: " + pyfmt.Str(result) })
}

func (p *plugin) helpStartProcess() {
	p.out("start_process <strategy> <proc>\t\t\tStart the process proc with the strategy.")
	p.out("start_process <strategy> <proc> <proc>\t\tStart these processes with the strategy.")
	p.out("start_process <strategy>\t\t\tStart every process with the strategy.")
}

func (p *plugin) startAnyProcess(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	args := fields(arg)
	if len(args) < 2 {
		p.invalidArgs("ERROR: start_any_process requires a strategy and at least a regular expression", p.helpStartAnyProcess)
		return nil
	}
	strategy, ok := p.strategyArg(args, startingStrategyNames, "",
		"ERROR: unknown strategy for start_any_process. use one of ", p.helpStartAnyProcess)
	if !ok {
		return nil
	}
	regexes := slices.Clone(args[1:])
	slices.Sort(regexes)
	return p.eachName(ctx, regexes, func(regex string) string { return `"` + regex + `"` }, func(regex string) (any, error) {
		return p.call(ctx, "start_any_process", strategy, regex)
	}, func(_ string, result any) string { return pyfmt.Str(result) + " started" })
}

func (p *plugin) helpStartAnyProcess() {
	p.out("start_any_process <strategy> <regex>\t\t\tStart one process whose namespec matches regex, with the strategy.")
	p.out("start_any_process <strategy> <regex> <regex>\t\tStart one process for each regex, with the strategy.")
}

func (p *plugin) stopProcess(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	names, err := p.processNames(ctx, fields(arg), true)
	if err != nil {
		return err
	}
	return p.eachName(ctx, names, plainName, func(name string) (any, error) {
		return p.call(ctx, "stop_process", name)
	}, func(name string, _ any) string { return name + " stopped" })
}

func (p *plugin) helpStopProcess() {
	p.out("stop_process <proc>\t\tStop the process proc wherever it runs.")
	p.out("stop_process <proc> <proc>\tStop these processes.")
	p.out("stop_process\t\t\tStop every process.")
}

func (p *plugin) restartProcess(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	args := fields(arg)
	var unknown string
	if len(args) > 0 {
		unknown = "ERROR: unknown strategy=" + args[0] + ". use one of "
	}
	strategy, ok := p.strategyArg(args, startingStrategyNames, "ERROR: restart_process requires a strategy and a program name",
		unknown, p.helpRestartProcess)
	if !ok {
		return nil
	}
	names, err := p.processNames(ctx, args[1:], false)
	if err != nil {
		return err
	}
	return p.eachName(ctx, names, plainName, func(name string) (any, error) {
		return p.call(ctx, "restart_process", strategy, name)
	}, func(name string, result any) string { return name + " restarted: " + pyfmt.Str(result) })
}

func (p *plugin) helpRestartProcess() {
	p.out("restart_process <strategy> <proc>\t\tRestart the process proc with the strategy.")
	p.out("restart_process <strategy> <proc> <proc>\tRestart these processes with the strategy.")
	p.out("restart_process <strategy> \t\t\tRestart every process with the strategy.")
}

func (p *plugin) conciliate(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	strategy, ok := p.strategyArg(fields(arg), conciliationStrategyNames, "ERROR: conciliate requires a strategy",
		"ERROR: unknown strategy for conciliate. use one of ", p.helpConciliate)
	if !ok {
		return nil
	}
	v, err := p.call(ctx, "conciliate", strategy)
	if err != nil {
		return p.reportFault("", err)
	}
	p.out("Conciliated: " + pyfmt.Str(v))
	return nil
}

func (p *plugin) helpConciliate() {
	p.out("conciliate <strategy>\t\t\tEnd the conflicts with the conciliation strategy")
}

func (p *plugin) restartSequence(ctx context.Context, _ string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	v, err := p.call(ctx, "restart_sequence")
	if err != nil {
		return p.reportFault("", err)
	}
	p.out("Start sequence completed: " + pyfmt.Str(v))
	return nil
}

func (p *plugin) helpRestartSequence() {
	p.out("restart_sequence\t\t\t\t\tRun the start sequence of the applications again")
}

// placements prints the answer of a dry run: where each process would
// start, or why it could not.
func (p *plugin) placements(v any) error {
	rows, err := records(v, "application_name", "process_name", "state", "running_identifiers", "forced_reason")
	if err != nil {
		return err
	}
	appWidth := columnWidth(rows, "application_name", "Application")
	procWidth := columnWidth(rows, "process_name", "Process")
	idsWidth := columnWidth(rows, "running_identifiers", "Supervisor")
	line := func(app, proc, state, ids, reason string) string {
		return tableLine(cell{app, appWidth}, cell{proc, procWidth}, cell{state, 12}, cell{ids, idsWidth}, cell{reason, 0})
	}
	p.out(line("Application", "Process", "State", "Supervisor", "Reason"))
	for _, r := range rows {
		p.out(line(r.str("application_name"), r.str("process_name"), r.str("state"), r.str("running_identifiers"),
			r.str("forced_reason")))
	}
	return nil
}

func (p *plugin) testStartApplication(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	args := fields(arg)
	if len(args) != 2 {
		p.invalidArgs("ERROR: test_start_application requires one strategy and one application name", p.helpTestStartApplication)
		return nil
	}
	strategy, ok := p.strategyArg(args, startingStrategyNames, "",
		"ERROR: unknown strategy for test_start_application. use one of ", p.helpTestStartApplication)
	if !ok {
		return nil
	}
	name := args[1]
	v, err := p.call(ctx, "get_application_info", name)
	if err != nil {
		if faultOf(err) == nil {
			return err
		}
		p.out(`ERROR: unknown application "` + name + `"`)
		p.ctl.SetExitStatus(ctl.ExitInvalidArgs)
		return nil
	}
	info, err := oneRecord(v, "managed")
	if err != nil {
		return err
	}
	if !pyfmt.Truthy(info["managed"]) {
		// Supvisors leaves the exit status as it is here.
		p.out("ERROR: " + name + " unmanaged")
		p.helpTestStartApplication()
		return nil
	}
	v, err = p.call(ctx, "test_start_application", strategy, name)
	if err != nil {
		return p.reportFault(name+": ", err)
	}
	return p.placements(v)
}

func (p *plugin) helpTestStartApplication() {
	p.out("test_start_application <strategy> <appli>\t\tTell where the managed application appli would start with the strategy.")
	p.out("test_start_application <strategy>\t\t\tTell where every managed application would start with the strategy.")
}

func (p *plugin) testStartProcess(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	args := fields(arg)
	if len(args) != 2 {
		p.invalidArgs("ERROR: test_start_process requires one strategy and one namespec", p.helpTestStartProcess)
		return nil
	}
	strategy, ok := p.strategyArg(args, startingStrategyNames, "",
		"ERROR: unknown strategy for test_start_process. use one of ", p.helpTestStartProcess)
	if !ok {
		return nil
	}
	v, err := p.call(ctx, "test_start_process", strategy, args[1])
	if err != nil {
		return p.reportFault(args[1]+": ", err)
	}
	return p.placements(v)
}

func (p *plugin) helpTestStartProcess() {
	p.out("test_start_process <strategy> <proc>\t\t\tTell where the process proc would start with the strategy.")
	p.out("test_start_process <strategy>\t\t\tTell where every process would start with the strategy.")
}
