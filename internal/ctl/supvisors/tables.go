package supvisors

import (
	"context"
	"slices"

	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// The tables of the merged model: application_info, sstatus and
// conflicts, laid out as Supvisors' plugin lays them out.

func (p *plugin) applicationInfo(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	v, err := p.call(ctx, "get_all_applications_info")
	if err != nil {
		return p.reportFault("", err)
	}
	rows, err := records(v, "application_name", "statename", "major_failure", "minor_failure")
	if err != nil {
		return err
	}
	// The width counts every application, shown or not.
	nameWidth := columnWidth(rows, "application_name", "Application")
	line := func(name, state, major, minor string) string {
		return tableLine(cell{name, nameWidth}, cell{state, 10}, cell{major, 7}, cell{minor, 7})
	}
	p.out(line("Application", "State", "Major", "Minor"))
	names := fields(arg)
	all := len(names) == 0 || slices.Contains(names, "all")
	for _, r := range rows {
		if all || slices.Contains(names, r.str("application_name")) {
			p.out(line(r.str("application_name"), r.str("statename"), r.str("major_failure"), r.str("minor_failure")))
		}
	}
	return nil
}

func (p *plugin) helpApplicationInfo() {
	p.out("application_info <appli>\t\tShow the status of the application appli.")
	p.out("application_info <appli> <appli>\tShow the status of these applications")
	p.out("application_info\t\t\tShow the status of every application.")
}

// exitedCode is Supervisor's EXITED state: only then is expected_exit
// shown.
const exitedCode = "100"

func (p *plugin) sstatus(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	keys := []string{"application_name", "process_name", "statecode", "statename", "expected_exit", "identifiers"}
	var rows []record
	names := fields(arg)
	if len(names) == 0 || slices.Contains(names, "all") {
		v, err := p.call(ctx, "get_all_process_info")
		if err != nil {
			if err := p.reportFault("", err); err != nil {
				return err
			}
		} else if rows, err = records(v, keys...); err != nil {
			return err
		}
	} else {
		for _, name := range names {
			v, err := p.call(ctx, "get_process_info", name)
			if err != nil {
				if err := p.reportFault(name+": ", err); err != nil {
					return err
				}
				continue
			}
			some, err := records(v, keys...)
			if err != nil {
				return err
			}
			rows = append(rows, some...)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	appWidth := columnWidth(rows, "application_name", "Application")
	procWidth := columnWidth(rows, "process_name", "Process")
	line := func(app, proc, state, expected, ids string) string {
		return tableLine(cell{app, appWidth}, cell{proc, procWidth}, cell{state, 12}, cell{expected, 10}, cell{ids, 0})
	}
	p.out(line("Application", "Process", "State", "Expected", "Supervisor"))
	for _, r := range rows {
		expected := "n/a"
		if r.str("statecode") == exitedCode {
			expected = r.str("expected_exit")
		}
		p.out(line(r.str("application_name"), r.str("process_name"), r.str("statename"), expected, r.str("identifiers")))
	}
	return nil
}

func (p *plugin) helpSstatus() {
	p.out("sstatus <proc>\t\t\t\tShow the status of the process proc in the cluster.")
	p.out("sstatus <appli>:*\t\t\tShow the status of the processes of the application appli.")
	p.out("sstatus <proc> <proc>\t\t\tShow the status of these processes")
	p.out("sstatus\t\t\t\t\tShow the status of every process.")
}

func (p *plugin) conflicts(ctx context.Context, _ string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	v, err := p.call(ctx, "get_conflicts")
	if err != nil {
		return p.reportFault("", err)
	}
	rows, err := records(v, "application_name", "process_name", "statename", "identifiers")
	if err != nil || len(rows) == 0 {
		return err
	}
	appWidth := columnWidth(rows, "application_name", "Application")
	procWidth := columnWidth(rows, "process_name", "Process")
	line := func(app, proc, state, ids string) string {
		return tableLine(cell{app, appWidth}, cell{proc, procWidth}, cell{state, 12}, cell{ids, 0})
	}
	p.out(line("Application", "Process", "State", "Supervisor"))
	for _, r := range rows {
		p.out(line(r.str("application_name"), r.str("process_name"), r.str("statename"), r.str("identifiers")))
	}
	return nil
}

func (p *plugin) helpConflicts() {
	p.out("conflicts\t\t\t\tShow the processes that run on more than one instance.")
}

func (p *plugin) applicationRules(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	names := fields(arg)
	if len(names) == 0 || slices.Contains(names, "all") {
		names = nil
		v, err := p.call(ctx, "get_all_applications_info")
		if err != nil {
			if err := p.reportFault("", err); err != nil {
				return err
			}
		} else {
			rows, err := records(v, "application_name")
			if err != nil {
				return err
			}
			for _, r := range rows {
				names = append(names, r.str("application_name"))
			}
		}
	}
	var rows []record
	for _, name := range names {
		v, err := p.call(ctx, "get_application_rules", name)
		if err != nil {
			if err := p.reportFault(name+": ", err); err != nil {
				return err
			}
			continue
		}
		r, err := oneRecord(v, "application_name", "managed")
		if err != nil {
			return err
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return nil
	}
	appWidth := columnWidth(rows, "application_name", "Application")
	idsWidth := columnWidth(rows, "identifiers", "Supervisor")
	line := func(v ...string) string {
		return tableLine(cell{v[0], appWidth}, cell{v[1], 9}, cell{v[2], 17}, cell{v[3], idsWidth}, cell{v[4], 7},
			cell{v[5], 7}, cell{v[6], 18}, cell{v[7], 18}, cell{v[8], 0})
	}
	p.out(line("Application", "Managed", "Distribution", "Supervisor", "Start", "Stop", "Starting",
		"Starting_Failure", "Running_Failure"))
	for _, r := range rows {
		if !pyfmt.Truthy(r["managed"]) {
			p.out(line(r.str("application_name"), "False", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a"))
			continue
		}
		if _, err := oneRecord(map[string]any(r), "distribution", "start_sequence", "stop_sequence", "starting_strategy",
			"starting_failure_strategy", "running_failure_strategy"); err != nil {
			return err
		}
		ids := "n/a"
		if _, ok := r["identifiers"]; ok {
			ids = r.str("identifiers")
		}
		p.out(line(r.str("application_name"), "True", r.str("distribution"), ids, r.str("start_sequence"),
			r.str("stop_sequence"), r.str("starting_strategy"), r.str("starting_failure_strategy"),
			r.str("running_failure_strategy")))
	}
	return nil
}

func (p *plugin) helpApplicationRules() {
	p.out("application_rules <appli>\t\t\tShow the rules of the application appli.")
	p.out("application_rules <appli> <appli>\t\tShow the rules of these applications")
	p.out("application_rules\t\t\t\tShow the rules of every application.")
}

func (p *plugin) processRules(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	names, err := p.processNames(ctx, fields(arg), false)
	if err != nil {
		return err
	}
	var rows []record
	for _, name := range names {
		v, err := p.call(ctx, "get_process_rules", name)
		if err != nil {
			if err := p.reportFault(name+": ", err); err != nil {
				return err
			}
			continue
		}
		some, err := records(v, "application_name", "process_name", "identifiers", "start_sequence", "stop_sequence",
			"required", "wait_exit", "expected_loading", "running_failure_strategy")
		if err != nil {
			return err
		}
		rows = append(rows, some...)
	}
	if len(rows) == 0 {
		return nil
	}
	appWidth := columnWidth(rows, "application_name", "Application")
	procWidth := columnWidth(rows, "process_name", "Process")
	line := func(v ...string) string {
		return tableLine(cell{v[0], appWidth}, cell{v[1], procWidth}, cell{v[2], 7}, cell{v[3], 7}, cell{v[4], 12},
			cell{v[5], 12}, cell{v[6], 12}, cell{v[7], 22}, cell{v[8], 0})
	}
	p.out(line("Application", "Process", "Start", "Stop", "Required", "WaitExit", "Loading", "Strategy", "Supervisor"))
	for _, r := range rows {
		p.out(line(r.str("application_name"), r.str("process_name"), r.str("start_sequence"), r.str("stop_sequence"),
			r.str("required"), r.str("wait_exit"), r.str("expected_loading")+"%", r.str("running_failure_strategy"),
			r.str("identifiers")))
	}
	return nil
}

func (p *plugin) helpProcessRules() {
	p.out("process_rules <proc>\t\t\tShow the rules of the process proc.")
	p.out("process_rules <appli>:*\t\t\tShow the rules of the processes of the application appli.")
	p.out("process_rules <proc> <proc>\t\tShow the rules of these processes")
	p.out("process_rules\t\t\t\tShow the rules of every process.")
}
