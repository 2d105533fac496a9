package supvisors

import (
	"context"
	"strconv"
	"strings"

	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// The commands that change a program of the connected instance:
// update_numprocs and lazy_update_numprocs, enable and disable. They name
// a Supervisor program (not a namespec), act on the connected instance
// only, and report a fault as a global error line, "ERROR (<fault>)".

func (p *plugin) updateNumprocs(ctx context.Context, arg string) error {
	return p.numprocsCommand(ctx, arg, "update_numprocs", false, p.helpUpdateNumprocs)
}

func (p *plugin) helpUpdateNumprocs() {
	p.out("update_numprocs program_name numprocs\t\tChange the number of processes of the program.")
}

func (p *plugin) lazyUpdateNumprocs(ctx context.Context, arg string) error {
	return p.numprocsCommand(ctx, arg, "lazy_update_numprocs", true, p.helpLazyUpdateNumprocs)
}

func (p *plugin) helpLazyUpdateNumprocs() {
	p.out("lazy_update_numprocs program_name numprocs\t\tChange the number of processes of the program; " +
		"the running processes in excess are removed only once they stop.")
}

// numprocsCommand is update_numprocs, and lazy_update_numprocs when lazy
// is set: the lazy form asks explicitly for the default wait.
func (p *plugin) numprocsCommand(ctx context.Context, arg, command string, lazy bool, help func()) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	args := fields(arg)
	if len(args) < 2 {
		p.invalidArgs("ERROR: "+command+" requires a program name and a numprocs values", help)
		return nil
	}
	numprocs, ok := pyInt(args[1])
	if !ok || numprocs <= 0 {
		p.invalidArgs("ERROR: numprocs must be a strictly positive integer", help)
		return nil
	}
	params := []any{args[0], numprocs}
	if lazy {
		params = append(params, true, true)
	}
	v, err := p.call(ctx, "update_numprocs", params...)
	if err != nil {
		return p.reportFault("", err)
	}
	p.out(args[0] + " numprocs updated: " + pyfmt.Str(v))
	return nil
}

// pyInt parses a number as Python's int() parses a word: an optional
// sign, then decimal digits with single underscores between them.
func pyInt(s string) (int, bool) {
	digits := strings.TrimLeft(s, "+-")
	if len(s)-len(digits) > 1 || digits == "" || digits[0] == '_' || digits[len(digits)-1] == '_' ||
		strings.Contains(digits, "__") || strings.ContainsAny(digits, "+-") {
		return 0, false
	}
	n, err := strconv.Atoi(s[:len(s)-len(digits)] + strings.ReplaceAll(digits, "_", ""))
	return n, err == nil
}

func (p *plugin) enable(ctx context.Context, arg string) error {
	return p.disabilityCommand(ctx, arg, "enable", "enabled", p.helpEnable)
}

func (p *plugin) helpEnable() {
	p.out("enable program_name\t\t\tAllow the processes of the program to start again.")
}

func (p *plugin) disable(ctx context.Context, arg string) error {
	return p.disabilityCommand(ctx, arg, "disable", "disabled", p.helpDisable)
}

func (p *plugin) helpDisable() {
	p.out("disable program_name\t\t\tStop the processes of the program and keep them from starting.")
}

// disabilityCommand is enable and disable: method is both the command's
// name and the supvisors.* method it calls.
func (p *plugin) disabilityCommand(ctx context.Context, arg, method, verb string, help func()) error {
	if ok, err := p.upcheck(ctx); !ok {
		return err
	}
	args := fields(arg)
	if len(args) < 1 {
		p.invalidArgs("ERROR: "+method+" requires a program name", help)
		return nil
	}
	v, err := p.call(ctx, method, args[0])
	if err != nil {
		return p.reportFault("", err)
	}
	p.out(args[0] + " " + verb + ": " + pyfmt.Str(v))
	return nil
}
