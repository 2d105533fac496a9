package supvisors

import (
	"context"
	"fmt"
	"strings"

	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// The commands that start a process with extra arguments appended to its
// command line, and all_start and all_start_args, which start a process
// on every instance of the cluster at once. The extra arguments are the
// remaining words of the command line joined by single spaces, as the
// daemon receives them from Supvisors' own client.

func (p *plugin) startArgs(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	args := fields(arg)
	if len(args) < 2 {
		p.invalidArgs("ERROR: start_args requires a process name and extra arguments", p.helpStartArgs)
		return nil
	}
	namespec := args[0]
	v, err := p.call(ctx, "start_args", namespec, strings.Join(args[1:], " "))
	if err != nil {
		return p.reportFault(namespec+": ", err)
	}
	p.out(namespec + " started: " + pyfmt.Str(v))
	return nil
}

func (p *plugin) helpStartArgs() {
	p.out("start_args <proc> <arg_list>\t\t\tStart the process proc here, with arg_list appended to its command.")
}

func (p *plugin) startProcessArgs(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	args := fields(arg)
	if len(args) < 3 {
		p.invalidArgs("ERROR: start_process_args requires a strategy, a program namespec and extra arguments",
			p.helpStartProcessArgs)
		return nil
	}
	strategy, ok := p.strategyArg(args, startingStrategyNames, "",
		"ERROR: unknown strategy for start_process_args. use one of ", p.helpStartProcessArgs)
	if !ok {
		return nil
	}
	namespec := args[1]
	v, err := p.call(ctx, "start_process", strategy, namespec, strings.Join(args[2:], " "))
	if err != nil {
		return p.reportFault(namespec+": ", err)
	}
	p.out(namespec + " started: " + pyfmt.Str(v))
	return nil
}

func (p *plugin) helpStartProcessArgs() {
	p.out("start_process_args <strategy> <proc> <arg_list>\tStart the process proc with the strategy, " +
		"with arg_list appended to its command.")
}

func (p *plugin) startAnyProcessArgs(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	args := fields(arg)
	if len(args) < 3 {
		p.invalidArgs("ERROR: start_any_process_args requires a strategy, a regular expression and extra arguments",
			p.helpStartAnyProcessArgs)
		return nil
	}
	strategy, ok := p.strategyArg(args, startingStrategyNames, "",
		"ERROR: unknown strategy for start_any_process_args. use one of ", p.helpStartAnyProcessArgs)
	if !ok {
		return nil
	}
	regex := args[1]
	v, err := p.call(ctx, "start_any_process", strategy, regex, strings.Join(args[2:], " "))
	if err != nil {
		return p.reportFault(`"`+regex+`": `, err)
	}
	p.out(pyfmt.Str(v) + " started")
	return nil
}

func (p *plugin) helpStartAnyProcessArgs() {
	p.out("start_any_process_args <strategy> <regex> <arg_list>\tStart one process whose namespec matches regex, " +
		"with the strategy and with arg_list appended to its command.")
}

func (p *plugin) allStart(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	args := fields(arg)
	if len(args) < 1 {
		p.invalidArgs("ERROR: all_start requires a process name", p.helpAllStart)
		return nil
	}
	namespec := args[0]
	// Supvisors' client does not wait for the starts: each instance
	// answers as soon as its start is under way.
	return p.onEveryInstance(ctx, namespec, func(url string) (any, error) {
		return p.ctl.CallAt(ctx, url, "supervisor.startProcess", namespec, false)
	})
}

func (p *plugin) helpAllStart() {
	p.out("all_start <proc>\t\t\tStart the process proc on every running Supvisors instance.")
}

func (p *plugin) allStartArgs(ctx context.Context, arg string) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	args := fields(arg)
	if len(args) < 2 {
		p.invalidArgs("ERROR: all_start_args requires a process name and extra arguments", p.helpAllStartArgs)
		return nil
	}
	namespec, extra := args[0], strings.Join(args[1:], " ")
	return p.onEveryInstance(ctx, namespec, func(url string) (any, error) {
		return p.ctl.CallAt(ctx, url, "supvisors.start_args", namespec, extra, false)
	})
}

func (p *plugin) helpAllStartArgs() {
	p.out("all_start_args <proc> <arg_list>\t\tStart the process proc on every running Supvisors instance, " +
		"with arg_list appended to its command.")
}

// onEveryInstance runs start on each running instance in turn and prints
// its result, or the fault, per instance. An error that is not a fault
// ends the command there, as it ends Supvisors' own.
func (p *plugin) onEveryInstance(ctx context.Context, namespec string, start func(url string) (any, error)) error {
	instances, err := p.runningInstances(ctx)
	if err != nil {
		return err
	}
	if len(instances) == 0 {
		// Supvisors leaves the exit status as it is here.
		p.out("ERROR: no running Supvisors instance")
		return nil
	}
	for _, inst := range instances {
		v, err := start(inst.url)
		if err != nil {
			if err := p.reportFault(namespec+": ", err); err != nil {
				return err
			}
			continue
		}
		p.out(namespec + " started on " + inst.identifier + ": " + pyfmt.Str(v))
	}
	return nil
}

// instanceURL is where the XML-RPC server of one Supvisors instance
// listens.
type instanceURL struct {
	identifier string
	url        string
}

// The instance states whose daemons can take a request directly
// (Supvisors' CHECKED and RUNNING).
const (
	instanceChecked = 2
	instanceRunning = 3
)

// runningInstances lists the instances that are CHECKED or RUNNING, in
// the order the daemon lists them, each at http://<node_name>:<port>. A
// fault is printed, and leaves the list empty.
func (p *plugin) runningInstances(ctx context.Context) ([]instanceURL, error) {
	v, err := p.call(ctx, "get_all_instances_info")
	if err != nil {
		return nil, p.reportFault("", err)
	}
	rows, err := records(v, "statecode")
	if err != nil {
		return nil, err
	}
	var out []instanceURL
	position := map[string]int{}
	for _, r := range rows {
		if code, ok := number(r["statecode"]); !ok || (code != instanceChecked && code != instanceRunning) {
			continue
		}
		if _, err := oneRecord(map[string]any(r), "identifier", "node_name", "port"); err != nil {
			return nil, err
		}
		port, ok := number(r["port"])
		if !ok {
			return nil, fmt.Errorf("invalid port %s in the daemon's answer", pyfmt.ReprValue(r["port"]))
		}
		inst := instanceURL{identifier: r.str("identifier"), url: fmt.Sprintf("http://%s:%d", r.str("node_name"), port)}
		// An identifier listed twice keeps its first place and its last
		// address, as a Python dict built from the list would.
		if i, seen := position[inst.identifier]; seen {
			out[i] = inst
			continue
		}
		position[inst.identifier] = len(out)
		out = append(out, inst)
	}
	return out, nil
}

// number is the integer value of an int (or bool) member, as Python's
// comparisons and "%d" see it.
func number(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}
