package supvisors

import (
	"context"
	"slices"
	"time"

	"github.com/supvisors-go/supvisors/internal/ctl"
	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// ---- sversion

func (p *plugin) sversion(ctx context.Context, _ string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	// Asked again rather than reused, so that the wire sees what
	// Supvisors' client sends.
	v, err := p.call(ctx, "get_api_version")
	if err != nil {
		return p.reportFault("", err)
	}
	p.out(pyfmt.Str(v))
	return nil
}

func (p *plugin) helpSversion() {
	p.out("sversion\t\t\tShow the version of the Supvisors API.")
}

// ---- sstate

// stateModesKeys are the members of a state and modes struct the table
// shows.
var stateModesKeys = []string{"nick_identifier", "identifier", "fsm_statename", "degraded_mode",
	"discovery_mode", "master_identifier", "starting_jobs", "stopping_jobs"}

func (p *plugin) sstate(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	identifiers := fields(arg)
	var rows []record
	if len(identifiers) > 0 {
		// One call for every instance, filtered here.
		v, err := p.call(ctx, "get_all_instances_state_modes")
		if err != nil {
			if err := p.reportFault("", err); err != nil {
				return err
			}
		} else if rows, err = records(v, stateModesKeys...); err != nil {
			return err
		}
	} else {
		v, err := p.call(ctx, "get_supvisors_state")
		if err != nil {
			if err := p.reportFault("", err); err != nil {
				return err
			}
		} else {
			r, err := oneRecord(v, stateModesKeys...)
			if err != nil {
				return err
			}
			rows = []record{r}
		}
	}
	if len(rows) == 0 {
		return nil
	}
	// Variable widths take every row into account, shown or not.
	nickWidth := columnWidth(rows, "nick_identifier", "Nickname")
	idWidth := columnWidth(rows, "identifier", "Supvisors identifier")
	masterWidth := columnWidth(rows, "master_identifier", "Master")
	startingWidth := columnWidth(rows, "starting_jobs", "Starting")
	stoppingWidth := columnWidth(rows, "stopping_jobs", "Stopping")
	line := func(nick, id, state, degraded, discovery, master, starting, stopping string) string {
		return tableLine(cell{nick, nickWidth}, cell{id, idWidth}, cell{state, 16}, cell{degraded, 10},
			cell{discovery, 11}, cell{master, masterWidth}, cell{starting, startingWidth}, cell{stopping, stoppingWidth})
	}
	p.out(line("Nickname", "Supvisors identifier", "State", "Degraded", "Discovery", "Master", "Starting", "Stopping"))
	showAll := len(identifiers) == 0 || slices.Contains(identifiers, "all")
	for _, r := range rows {
		if showAll || slices.Contains(identifiers, r.str("identifier")) ||
			slices.Contains(identifiers, r.str("nick_identifier")) {
			p.out(line(r.str("nick_identifier"), r.str("identifier"), r.str("fsm_statename"), r.str("degraded_mode"),
				r.str("discovery_mode"), r.str("master_identifier"), r.str("starting_jobs"), r.str("stopping_jobs")))
		}
	}
	return nil
}

func (p *plugin) helpSstate() {
	p.out("sstate\t\t\t\tShow the state and modes of Supvisors.")
	p.out("sstate <identifier>\t\t\tShow the state and modes of one Supvisors instance.")
	p.out("sstate <identifier> <identifier>\tShow the state and modes of these Supvisors instances")
	p.out("sstate all\t\t\tShow the state and modes of every Supvisors instance")
}

// ---- master

func (p *plugin) master(ctx context.Context, _ string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	v, err := p.call(ctx, "get_master_identifier")
	if err != nil {
		return p.reportFault("", err)
	}
	if !pyfmt.Truthy(v) {
		p.out("No Supvisors Master")
		return nil
	}
	r, err := oneRecord(v, "nick_identifier", "identifier")
	if err != nil {
		return err
	}
	p.out("Nick identifier: " + r.str("nick_identifier"))
	p.out("Identifier:      " + r.str("identifier"))
	return nil
}

func (p *plugin) helpMaster() {
	p.out("master\t\t\t\tShow which Supvisors instance is the Master.")
}

// ---- strategies

func (p *plugin) strategies(ctx context.Context, _ string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	v, err := p.call(ctx, "get_strategies")
	if err != nil {
		return p.reportFault("", err)
	}
	r, err := oneRecord(v, "auto-fencing", "supvisors_failure", "conciliation", "starting")
	if err != nil {
		return err
	}
	p.out("Auto-fencing: " + r.str("auto-fencing"))
	p.out("Failure:      " + r.str("supvisors_failure"))
	p.out("Conciliation: " + r.str("conciliation"))
	p.out("Starting:     " + r.str("starting"))
	return nil
}

func (p *plugin) helpStrategies() {
	p.out("strategies\t\t\tShow the strategies that Supvisors applies.")
}

// ---- instance_status

var instanceInfoKeys = []string{"nick_identifier", "identifier", "node_name", "port", "statename", "loading",
	"local_time", "remote_sequence_counter", "process_failure"}

func (p *plugin) instanceStatus(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	v, err := p.call(ctx, "get_all_instances_info")
	if err != nil {
		return p.reportFault("", err)
	}
	rows, err := records(v, instanceInfoKeys...)
	if err != nil {
		return err
	}
	// Variable widths take every instance into account, shown or not.
	nickWidth := columnWidth(rows, "nick_identifier", "Nickname")
	idWidth := columnWidth(rows, "identifier", "Supvisors identifier")
	hostWidth := columnWidth(rows, "node_name", "Host")
	line := func(nick, id, host, port, state, load, clock, counter, failure string) string {
		return tableLine(cell{nick, nickWidth}, cell{id, idWidth}, cell{host, hostWidth}, cell{port, 7},
			cell{state, 11}, cell{load, 6}, cell{clock, 10}, cell{counter, 9}, cell{failure, 11})
	}
	p.out(line("Nickname", "Supvisors identifier", "Host", "Port", "State", "Load", "Time", "Counter", "Processes"))
	identifiers := fields(arg)
	showAll := len(identifiers) == 0 || slices.Contains(identifiers, "all")
	for _, r := range rows {
		if !showAll && !slices.Contains(identifiers, r.str("identifier")) &&
			!slices.Contains(identifiers, r.str("nick_identifier")) {
			continue
		}
		clock, err := clockTime(r["local_time"], time.Local)
		if err != nil {
			return err
		}
		failure := "ok"
		if pyfmt.Truthy(r["process_failure"]) {
			failure = "error"
		}
		p.out(line(r.str("nick_identifier"), r.str("identifier"), r.str("node_name"), r.str("port"),
			r.str("statename"), r.str("loading")+"%", clock, r.str("remote_sequence_counter"), failure))
	}
	return nil
}

func (p *plugin) helpInstanceStatus() {
	p.out("instance_status <identifier>\t\t\tShow the status of one Supvisors instance.")
	p.out("instance_status <identifier> <identifier>\tShow the status of these Supvisors instances")
	p.out("instance_status\t\t\t\t\tShow the status of every Supvisors instance.")
}

// ---- local_status

var localInfoKeys = []string{"group", "name", "disabled", "state", "start", "now", "pid", "extra_args"}

func (p *plugin) localStatus(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	var rows []record
	v, err := p.call(ctx, "get_all_local_process_info")
	if err != nil {
		// Supvisors goes on with an empty list: nothing more is printed.
		if err := p.reportFault("", err); err != nil {
			return err
		}
	} else if rows, err = records(v, localInfoKeys...); err != nil {
		return err
	}
	// The daemon answers for every process; the arguments filter here.
	namespecs := fields(arg)
	matches := rows
	if len(namespecs) > 0 && !slices.Contains(namespecs, "all") {
		matches = nil
		for _, namespec := range namespecs {
			group, name, _ := ctl.SplitNamespec(namespec)
			for _, r := range rows {
				if r.str("group") == group && (name == "" || r.str("name") == name) {
					matches = append(matches, r)
				}
			}
		}
	}
	if len(matches) == 0 {
		return nil
	}
	// Unlike the other tables, the widths fit the rows shown.
	groupWidth := columnWidth(matches, "group", "Application")
	nameWidth := columnWidth(matches, "name", "Process")
	line := func(group, name, disabled, state, start, now, pid, args string) string {
		return tableLine(cell{group, groupWidth}, cell{name, nameWidth}, cell{disabled, 10}, cell{state, 12},
			cell{start, 12}, cell{now, 12}, cell{pid, 8}, cell{args, 0})
	}
	p.out(line("Application", "Process", "Disabled", "State", "Start", "Now", "PID", "Extra args"))
	for _, r := range matches {
		start, err := optionalClockTime(r["start"])
		if err != nil {
			return err
		}
		now, err := optionalClockTime(r["now"])
		if err != nil {
			return err
		}
		p.out(line(r.str("group"), r.str("name"), r.str("disabled"), processStateName(r["state"]),
			start, now, r.str("pid"), r.str("extra_args")))
	}
	return nil
}

// optionalClockTime is the time of day of an epoch time, or "0" when the
// time is not set (zero).
func optionalClockTime(v any) (string, error) {
	if !pyfmt.Truthy(v) {
		return "0", nil
	}
	return clockTime(v, time.Local)
}

func (p *plugin) helpLocalStatus() {
	p.out("local_status <proc>\t\t\tShow the local status of the process named proc.")
	p.out("local_status <appli>:*\t\t\tShow the local status of every process of the application named appli.")
	p.out("local_status <proc> <proc>\t\tShow the local status of these processes")
	p.out("local_status\t\t\t\tShow the local status of every process.")
}

// ---- end_sync

func (p *plugin) endSync(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	args := fields(arg)
	if len(args) > 1 {
		p.invalidArgs("ERROR: end_sync optionally takes one single Supvisors identifier", p.helpEndSync)
		return nil
	}
	master := ""
	if len(args) == 1 {
		master = args[0]
	}
	v, err := p.call(ctx, "end_sync", master)
	if err != nil {
		return p.reportFault("", err)
	}
	p.out("End of Synchronization phase requested: " + pyfmt.Str(v))
	return nil
}

func (p *plugin) helpEndSync() {
	p.out("end_sync\t\t\t\tLeave the synchronization phase of Supvisors now")
	p.out("end_sync master_identifier\t\tLeave the synchronization phase of Supvisors now," +
		" with this instance as Master")
}

// ---- sreload, sshutdown

func (p *plugin) sreload(ctx context.Context, _ string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	v, err := p.call(ctx, "restart")
	if err != nil {
		return p.reportFault("", err)
	}
	p.out("Restarted: " + pyfmt.Str(v))
	return nil
}

func (p *plugin) helpSreload() {
	p.out("sreload\t\t\t\t\tRestart Supvisors on every instance")
}

func (p *plugin) sshutdown(ctx context.Context, _ string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	v, err := p.call(ctx, "shutdown")
	if err != nil {
		return p.reportFault("", err)
	}
	p.out("Shut down: " + pyfmt.Str(v))
	return nil
}

func (p *plugin) helpSshutdown() {
	p.out("sshutdown\t\t\t\tShut Supvisors down on every instance")
}

// ---- loglevel

// namedLevel is one of Supervisor's logger levels.
type namedLevel struct {
	name  string
	level int
}

// logLevels are Supervisor's logger levels by the names users type, in
// the order Supervisor declares them.
var logLevels = []namedLevel{
	{"critical", 50},
	{"error", 40},
	{"warn", 30},
	{"info", 20},
	{"debug", 10},
	{"trace", 5},
	{"blather", 3},
}

func (p *plugin) logLevel(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	args := fields(arg)
	if len(args) < 1 {
		p.invalidArgs("ERROR: loglevel requires a level", p.helpLogLevel)
		return nil
	}
	i := slices.IndexFunc(logLevels, func(l namedLevel) bool { return l.name == args[0] })
	if i < 0 {
		p.invalidArgs("ERROR: unknown level for Logger", p.helpLogLevel)
		return nil
	}
	v, err := p.call(ctx, "change_log_level", logLevels[i].level)
	if err != nil {
		return p.reportFault("", err)
	}
	p.out("Logger level changed: " + pyfmt.Str(v))
	return nil
}

func (p *plugin) helpLogLevel() {
	names := make([]any, len(logLevels))
	for i, l := range logLevels {
		names[i] = l.name
	}
	p.out("loglevel lvl\t\t\t\tSet the level of the local Supvisors logger to lvl.")
	p.out("\t\t\t\t\tThe levels are: " + pyfmt.ReprValue(names) + ".")
}
