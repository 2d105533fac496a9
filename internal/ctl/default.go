package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// Process state codes the client needs (Supervisor's ProcessStates).
const (
	stateStopped = 0
	stateRunning = 20
	stateExited  = 100
	stateFatal   = 200
	stateUnknown = 1000
)

// defaultPlugin holds supervisorctl's standard commands.
type defaultPlugin struct {
	ctl *Controller
}

func newDefaultPlugin(c *Controller) Plugin { return &defaultPlugin{ctl: c} }

func (p *defaultPlugin) Commands() []Command {
	return []Command{
		{Name: "add", Run: p.add, Help: p.helpAdd, Complete: CompleteGroups},
		{Name: "avail", Run: p.avail, Help: p.helpAvail},
		{Name: "clear", Run: p.clear, Help: p.helpClear, Complete: CompleteProcesses},
		{Name: "exit", Run: p.quit, Help: p.helpExit},
		{Name: "fg", Run: p.fg, Help: p.helpFg, Complete: CompleteProcesses},
		// help has no help text of its own here: the controller answers
		// "help help", and the listing leaves help out, as supervisorctl's.
		{Name: "help", Run: p.ctl.doHelp, Complete: CompleteCommands},
		{Name: "maintail", Run: p.maintail, Help: p.helpMaintail},
		{Name: "open", Run: p.open, Help: p.helpOpen},
		{Name: "pid", Run: p.pid, Help: p.helpPid, Complete: CompleteProcesses},
		{Name: "quit", Run: p.quit, Help: p.helpQuit},
		{Name: "reload", Run: p.reload, Help: p.helpReload},
		{Name: "remove", Run: p.remove, Help: p.helpRemove, Complete: CompleteGroups},
		{Name: "reread", Run: p.reread, Help: p.helpReread},
		{Name: "restart", Run: p.restart, Help: p.helpRestart, Complete: CompleteProcesses},
		{Name: "shutdown", Run: p.shutdown, Help: p.helpShutdown},
		{Name: "signal", Run: p.signal, Help: p.helpSignal, Complete: CompleteProcesses},
		{Name: "start", Run: p.start, Help: p.helpStart, Complete: CompleteProcesses},
		{Name: "status", Run: p.status, Help: p.helpStatus, Complete: CompleteProcesses},
		{Name: "stop", Run: p.stop, Help: p.helpStop, Complete: CompleteProcesses},
		{Name: "tail", Run: p.tail, Help: p.helpTail, Complete: CompleteProcesses},
		{Name: "update", Run: p.update, Help: p.helpUpdate, Complete: CompleteGroups},
		{Name: "version", Run: p.version, Help: p.helpVersion},
	}
}

func (p *defaultPlugin) out(s string) { p.ctl.Output(s) }

// fields splits an argument string on whitespace, as str.split() does.
func fields(arg string) []string { return strings.FieldsFunc(arg, unicode.IsSpace) }

// MakeNamespec is how supervisorctl names a process: "name" when it is
// alone in a group of the same name, "group:name" otherwise.
func MakeNamespec(group, name string) string {
	if group == name {
		return name
	}
	return group + ":" + name
}

// SplitNamespec splits "group:name"; "group:" and "group:*" give an empty
// process name (the whole group), a bare name is its own group.
func SplitNamespec(namespec string) (group, process string, whole bool) {
	g, n, ok := strings.Cut(namespec, ":")
	if !ok {
		return namespec, namespec, false
	}
	if n == "" || n == "*" {
		return g, "", true
	}
	return g, n, false
}

// ---- tail / maintail

func (p *defaultPlugin) tail(ctx context.Context, arg string) error {
	if ok, err := p.ctl.Upcheck(ctx); !ok {
		return err
	}
	args := fields(arg)
	if len(args) < 1 {
		p.out("Error: too few arguments")
		p.ctl.SetExitStatus(ExitGeneric)
		p.helpTail()
		return nil
	}
	if len(args) > 3 {
		p.out("Error: too many arguments")
		p.ctl.SetExitStatus(ExitGeneric)
		p.helpTail()
		return nil
	}
	modifier := ""
	if strings.HasPrefix(args[0], "-") {
		modifier, args = args[0], args[1:]
	}
	var name, channel string
	switch {
	case len(args) == 1:
		name, channel = args[0], "stdout"
	case len(args) == 0:
		p.out("Error: tail requires process name")
		p.ctl.SetExitStatus(ExitGeneric)
		return nil
	default:
		name, channel = args[0], strings.ToLower(args[len(args)-1])
		if channel != "stderr" && channel != "stdout" {
			p.out("Error: bad channel " + pyfmt.Repr(channel))
			p.ctl.SetExitStatus(ExitGeneric)
			return nil
		}
	}
	size := 1600
	if modifier != "" {
		what := modifier[1:]
		if what == "f" {
			if _, err := p.ctl.Supervisor(); err != nil {
				return err
			}
			return p.ctl.follow(ctx, "/logtail/"+name+"/"+channel)
		}
		n, ok := pyInt(what)
		if !ok {
			p.out("Error: bad argument " + modifier)
			p.ctl.SetExitStatus(ExitGeneric)
			return nil
		}
		size = n
	}
	method := "supervisor.readProcessStdoutLog"
	if channel == "stderr" {
		method = "supervisor.readProcessStderrLog"
	}
	v, err := p.ctl.Call(ctx, method, name, -size, 0)
	if err != nil {
		f := faultOf(err)
		if f == nil {
			return err
		}
		p.ctl.SetExitStatus(ExitGeneric)
		switch f.Code {
		case errdefs.NoFile:
			p.out(name + ": ERROR (no log file)")
		case errdefs.Failed:
			p.out(name + ": ERROR (unknown error reading log)")
		case errdefs.BadName:
			p.out(name + ": ERROR (no such process name)")
		default:
			return err
		}
		return nil
	}
	p.out(pyfmt.Str(v))
	return nil
}

// pyInt parses an integer as Python's int() does for a string: optional
// sign, digits, underscores between digits, surrounding whitespace.
func pyInt(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "__") || strings.HasPrefix(strings.TrimLeft(s, "+-"), "_") || strings.HasSuffix(s, "_") {
		return 0, false
	}
	n, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
	return n, err == nil
}

func (p *defaultPlugin) helpTail() {
	p.out("tail [-f] <name> [stdout|stderr] (stdout when omitted)\n" +
		"Ex:\n" +
		"tail -f <name>\t\tFollow the stdout of a process as it grows\n" +
		"\t\t\tPress Ctrl-C to stop.\n" +
		"tail -100 <name>\tthe final 100 *bytes* of the process stdout\n" +
		"tail <name> stderr\tthe final 1600 *bytes* of the process stderr")
}

func (p *defaultPlugin) maintail(ctx context.Context, arg string) error {
	if ok, err := p.ctl.Upcheck(ctx); !ok {
		return err
	}
	args := fields(arg)
	size := 1600
	switch {
	case len(args) > 1:
		p.out("Error: too many arguments")
		p.ctl.SetExitStatus(ExitGeneric)
		p.helpMaintail()
		return nil
	case len(args) == 1:
		if !strings.HasPrefix(args[0], "-") {
			p.out("Error: bad argument " + args[0])
			p.ctl.SetExitStatus(ExitGeneric)
			return nil
		}
		what := args[0][1:]
		if what == "f" {
			return p.ctl.follow(ctx, "/mainlogtail")
		}
		n, ok := pyInt(what)
		if !ok {
			p.out("Error: bad argument " + args[0])
			p.ctl.SetExitStatus(ExitGeneric)
			return nil
		}
		size = n
	}
	v, err := p.ctl.Call(ctx, "supervisor.readLog", -size, 0)
	if err != nil {
		f := faultOf(err)
		if f == nil {
			return err
		}
		p.ctl.SetExitStatus(ExitGeneric)
		switch f.Code {
		case errdefs.NoFile:
			p.out("supervisord: ERROR (no log file)")
		case errdefs.Failed:
			p.out("supervisord: ERROR (unknown error reading log)")
		default:
			return err
		}
		return nil
	}
	p.out(pyfmt.Str(v))
	return nil
}

func (p *defaultPlugin) helpMaintail() {
	p.out("maintail -f \tFollow the supervisord main log as it grows (Ctrl-C to stop)\n" +
		"maintail -100\tthe final 100 *bytes* of the supervisord main log\n" +
		"maintail\tthe final 1600 *bytes* of the supervisord main log\n")
}

// ---- quit / exit

func (p *defaultPlugin) quit(ctx context.Context, arg string) error { return p.ctl.doEOF(ctx, arg) }

func (p *defaultPlugin) helpQuit() { p.out("quit\tLeave the supervisor shell.") }

func (p *defaultPlugin) helpExit() { p.out("exit\tLeave the supervisor shell.") }

// ---- status

// showStatuses prints one line per process, the name column as wide as
// the longest name (30 at least) plus three.
func (p *defaultPlugin) showStatuses(infos []map[string]any) {
	width := 30
	names := make([]string, len(infos))
	for i, info := range infos {
		names[i] = MakeNamespec(field(info, "group"), field(info, "name"))
		width = max(width, len([]rune(names[i])))
	}
	for i, info := range infos {
		p.out(padRight(names[i], width+3) + padRight(field(info, "statename"), 10) + field(info, "description"))
	}
}

// padRight pads s with spaces to n characters, as Python's "%-Ns" does.
func padRight(s string, n int) string {
	if l := len([]rune(s)); l < n {
		return s + strings.Repeat(" ", n-l)
	}
	return s
}

func (p *defaultPlugin) status(ctx context.Context, arg string) error {
	ok, err := p.ctl.Upcheck(ctx)
	if !ok {
		// supervisorctl reports any upcheck failure of status as
		// "unknown", whatever upcheck set.
		p.ctl.SetExitStatus(StatusExitUnknown)
		return err
	}
	v, err := p.ctl.Call(ctx, "supervisor.getAllProcessInfo")
	if err != nil {
		return err
	}
	all, err := asStructs(v)
	if err != nil {
		return err
	}
	names := fields(arg)
	matching := all
	if len(names) > 0 && !contains(names, "all") {
		matching = nil
		for _, name := range names {
			group, process, whole := SplitNamespec(name)
			found := false
			for _, info := range all {
				if field(info, "group") == group && (whole || field(info, "name") == process) {
					found = true
					matching = append(matching, info)
				}
			}
			if !found {
				if whole {
					p.out(group + ": ERROR (no such group)")
				} else {
					p.out(name + ": ERROR (no such process)")
				}
				p.ctl.SetExitStatus(StatusExitUnknown)
			}
		}
	}
	p.showStatuses(matching)
	for _, info := range matching {
		switch intField(info, "state") {
		case stateStopped, stateExited, stateFatal, stateUnknown:
			p.ctl.SetExitStatus(StatusExitNotRunning)
		}
	}
	return nil
}

func (p *defaultPlugin) helpStatus() {
	p.out("status <name>\t\tShow the status of one process")
	p.out("status <gname>:*\tShow the status of every process of a group")
	p.out("status <name> <name>\tShow the status of several named processes")
	p.out("status\t\t\tShow the status of every process")
}

// ---- pid

func (p *defaultPlugin) pid(ctx context.Context, arg string) error {
	if _, err := p.ctl.Supervisor(); err != nil {
		return err
	}
	if ok, err := p.ctl.Upcheck(ctx); !ok {
		return err
	}
	names := fields(arg)
	switch {
	case len(names) == 0:
		v, err := p.ctl.Call(ctx, "supervisor.getPID")
		if err != nil {
			return err
		}
		p.out(pyfmt.Str(v))
	case contains(names, "all"):
		v, err := p.ctl.Call(ctx, "supervisor.getAllProcessInfo")
		if err != nil {
			return err
		}
		infos, err := asStructs(v)
		if err != nil {
			return err
		}
		for _, info := range infos {
			p.out(field(info, "pid"))
		}
	default:
		for _, name := range names {
			v, err := p.ctl.Call(ctx, "supervisor.getProcessInfo", name)
			if err != nil {
				p.ctl.SetExitStatus(ExitGeneric)
				if f := faultOf(err); f != nil && f.Code == errdefs.BadName {
					p.out("No such process " + name)
					continue
				}
				return err
			}
			info, err := asStruct(v)
			if err != nil {
				return err
			}
			p.out(field(info, "pid"))
			if intField(info, "pid") == 0 {
				p.ctl.SetExitStatus(ExitNotRunning)
			}
		}
	}
	return nil
}

func (p *defaultPlugin) helpPid() {
	p.out("pid\t\t\tShow the PID of supervisord.")
	p.out("pid <name>\t\tShow the PID of one child process, by name.")
	p.out("pid all\t\t\tShow the PID of every child process, one per line.")
}

// ---- start

// startResult renders one start outcome, with the lines plugins added.
func (p *defaultPlugin) startResult(r map[string]any) (string, error) {
	name := MakeNamespec(field(r, "group"), field(r, "name"))
	if text, ok := p.ctl.startResults[errdefs.Code(intField(r, "status"))]; ok {
		return name + ": " + text, nil
	}
	reasons := map[errdefs.Code]string{
		errdefs.BadName:             "no such process",
		errdefs.NoFile:              "no such file",
		errdefs.NotExecutable:       "file is not executable",
		errdefs.AlreadyStarted:      "already started",
		errdefs.SpawnError:          "spawn error",
		errdefs.AbnormalTermination: "abnormal termination",
	}
	code := errdefs.Code(intField(r, "status"))
	if code == errdefs.Success {
		return name + ": started", nil
	}
	if reason, ok := reasons[code]; ok {
		return name + ": ERROR (" + reason + ")", nil
	}
	return "", &pyError{class: "ValueError", msg: fmt.Sprintf("Unknown result code %d for %s", int(code), name), file: supervisorctlFile, line: 716}
}

// faultResult turns a fault from a single-process call into a result.
func faultResult(status errdefs.Code, group, process, description string) map[string]any {
	return map[string]any{"status": int(status), "group": group, "name": process, "description": description}
}

// printFault prints the fault of a single-process call as the line its
// group call would have given, and sets the exit status from it; an error
// that is not a fault is returned.
func (p *defaultPlugin) printFault(err error, render func(map[string]any) (string, error), group, process string, ignored ...errdefs.Code) error {
	f := faultOf(err)
	if f == nil {
		return err
	}
	line, err := render(faultResult(f.Code, group, process, f.String))
	if err != nil {
		return err
	}
	p.out(line)
	p.ctl.SetExitStatusFromFault(f.Code, ignored...)
	return nil
}

// printResults prints the results of a group or all-processes call.
func (p *defaultPlugin) printResults(v any, render func(map[string]any) (string, error), ignored ...errdefs.Code) error {
	results, err := asStructs(v)
	if err != nil {
		return err
	}
	for _, r := range results {
		line, err := render(r)
		if err != nil {
			return err
		}
		p.out(line)
		p.ctl.SetExitStatusFromFault(errdefs.Code(intField(r, "status")), ignored...)
	}
	return nil
}

func (p *defaultPlugin) start(ctx context.Context, arg string) error {
	if ok, err := p.ctl.Upcheck(ctx); !ok {
		return err
	}
	names := fields(arg)
	if len(names) == 0 {
		p.out("Error: start requires a process name")
		p.ctl.SetExitStatus(ExitInvalidArgs)
		p.helpStart()
		return nil
	}
	if contains(names, "all") {
		v, err := p.ctl.Call(ctx, "supervisor.startAllProcesses")
		if err != nil {
			return err
		}
		return p.printResults(v, p.startResult, errdefs.AlreadyStarted)
	}
	for _, name := range names {
		group, process, whole := SplitNamespec(name)
		if whole {
			v, err := p.ctl.Call(ctx, "supervisor.startProcessGroup", group)
			if err != nil {
				if f := faultOf(err); f != nil && f.Code == errdefs.BadName {
					p.out(group + ": ERROR (no such group)")
					p.ctl.SetExitStatus(ExitInvalidArgs)
					continue
				}
				p.ctl.SetExitStatus(ExitGeneric)
				return err
			}
			if err := p.printResults(v, p.startResult, errdefs.AlreadyStarted); err != nil {
				return err
			}
			continue
		}
		if _, err := p.ctl.Call(ctx, "supervisor.startProcess", name); err != nil {
			if err := p.printFault(err, p.startResult, group, process, errdefs.AlreadyStarted); err != nil {
				return err
			}
			continue
		}
		p.out(MakeNamespec(group, process) + ": started")
	}
	return nil
}

func (p *defaultPlugin) helpStart() {
	p.out("start <name>\t\tStart one process")
	p.out("start <gname>:*\t\tStart every process of a group")
	p.out("start <name> <name>\tStart several processes or groups")
	p.out("start all\t\tStart every process")
}

// ---- stop / signal

// signalResult renders one signal or stop outcome; success is the word
// printed when it worked.
func signalResult(success string) func(map[string]any) (string, error) {
	return func(r map[string]any) (string, error) {
		name := MakeNamespec(field(r, "group"), field(r, "name"))
		code := errdefs.Code(intField(r, "status"))
		switch code {
		case errdefs.BadName:
			return name + ": ERROR (no such process)", nil
		case errdefs.BadSignal:
			return name + ": ERROR (bad signal name)", nil
		case errdefs.NotRunning:
			return name + ": ERROR (not running)", nil
		case errdefs.Success:
			return name + ": " + success, nil
		case errdefs.Failed:
			return field(r, "description"), nil
		}
		return "", &pyError{class: "ValueError", msg: fmt.Sprintf("Unknown result code %d for %s", int(code), name), file: supervisorctlFile, line: 835}
	}
}

func (p *defaultPlugin) stop(ctx context.Context, arg string) error {
	if ok, err := p.ctl.Upcheck(ctx); !ok {
		return err
	}
	names := fields(arg)
	if len(names) == 0 {
		p.out("Error: stop requires a process name")
		p.ctl.SetExitStatus(ExitGeneric)
		p.helpStop()
		return nil
	}
	render := signalResult("stopped")
	if contains(names, "all") {
		v, err := p.ctl.Call(ctx, "supervisor.stopAllProcesses")
		if err != nil {
			return err
		}
		return p.printResults(v, render, errdefs.NotRunning)
	}
	for _, name := range names {
		group, process, whole := SplitNamespec(name)
		if whole {
			v, err := p.ctl.Call(ctx, "supervisor.stopProcessGroup", group)
			if err != nil {
				p.ctl.SetExitStatus(ExitGeneric)
				if f := faultOf(err); f != nil && f.Code == errdefs.BadName {
					p.out(group + ": ERROR (no such group)")
					continue
				}
				return err
			}
			if err := p.printResults(v, render, errdefs.NotRunning); err != nil {
				return err
			}
			continue
		}
		if _, err := p.ctl.Call(ctx, "supervisor.stopProcess", name); err != nil {
			if err := p.printFault(err, render, group, process, errdefs.NotRunning); err != nil {
				return err
			}
			continue
		}
		p.out(MakeNamespec(group, process) + ": stopped")
	}
	return nil
}

func (p *defaultPlugin) helpStop() {
	p.out("stop <name>\t\tStop one process")
	p.out("stop <gname>:*\t\tStop every process of a group")
	p.out("stop <name> <name>\tStop several processes or groups")
	p.out("stop all\t\tStop every process")
}

func (p *defaultPlugin) signal(ctx context.Context, arg string) error {
	if ok, err := p.ctl.Upcheck(ctx); !ok {
		return err
	}
	args := fields(arg)
	if len(args) < 2 {
		p.out("Error: signal requires a signal name and a process name")
		p.helpSignal()
		p.ctl.SetExitStatus(ExitGeneric)
		return nil
	}
	sig, names := args[0], args[1:]
	render := signalResult("signalled")
	if contains(names, "all") {
		v, err := p.ctl.Call(ctx, "supervisor.signalAllProcesses", sig)
		if err != nil {
			return err
		}
		return p.printResults(v, render)
	}
	for _, name := range names {
		group, process, whole := SplitNamespec(name)
		if whole {
			v, err := p.ctl.Call(ctx, "supervisor.signalProcessGroup", group, sig)
			if err != nil {
				if f := faultOf(err); f != nil && f.Code == errdefs.BadName {
					p.out(group + ": ERROR (no such group)")
					p.ctl.SetExitStatus(ExitGeneric)
					continue
				}
				return err
			}
			if err := p.printResults(v, render); err != nil {
				return err
			}
			continue
		}
		if _, err := p.ctl.Call(ctx, "supervisor.signalProcess", name, sig); err != nil {
			if err := p.printFault(err, render, group, process); err != nil {
				return err
			}
			continue
		}
		p.out(MakeNamespec(group, process) + ": signalled")
	}
	return nil
}

func (p *defaultPlugin) helpSignal() {
	p.out("signal <signal name> <name>\t\tSend a signal to one process")
	p.out("signal <signal name> <gname>:*\t\tSend a signal to every process of a group")
	p.out("signal <signal name> <name> <name>\tSend a signal to several processes or groups")
	p.out("signal <signal name> all\t\tSend a signal to every process")
}

// ---- restart

func (p *defaultPlugin) restart(ctx context.Context, arg string) error {
	if ok, err := p.ctl.Upcheck(ctx); !ok {
		return err
	}
	if len(fields(arg)) == 0 {
		p.out("Error: restart requires a process name")
		p.ctl.SetExitStatus(ExitGeneric)
		p.helpRestart()
		return nil
	}
	if err := p.stop(ctx, arg); err != nil {
		return err
	}
	return p.start(ctx, arg)
}

func (p *defaultPlugin) helpRestart() {
	p.out("restart <name>\t\tRestart one process")
	p.out("restart <gname>:*\tRestart every process of a group")
	p.out("restart <name> <name>\tRestart several processes or groups")
	p.out("restart all\t\tRestart every process")
	p.out("Note: restart keeps the configuration already loaded; use reread and update to apply file changes.")
}

// ---- shutdown / reload

func (p *defaultPlugin) confirm(question string, line int) (bool, error) {
	if !p.ctl.Interactive() {
		return true, nil
	}
	answer, err := p.ctl.Ask(question)
	if errors.Is(err, io.EOF) {
		return false, eofError(line)
	}
	if err != nil {
		return false, err
	}
	return strings.HasPrefix(strings.ToLower(answer), "y"), nil
}

func (p *defaultPlugin) shutdown(ctx context.Context, arg string) error {
	if arg != "" {
		p.out("Error: shutdown accepts no arguments")
		p.ctl.SetExitStatus(ExitGeneric)
		p.helpShutdown()
		return nil
	}
	really, err := p.confirm("Really shut the remote supervisord process down y/N? ", askShutdownLine)
	if err != nil || !really {
		return err
	}
	if _, err := p.ctl.Supervisor(); err != nil {
		return err
	}
	_, err = p.ctl.Call(ctx, "supervisor.shutdown")
	switch {
	case err == nil:
		p.out("Shut down")
	case faultOf(err) != nil:
		if faultOf(err).Code == errdefs.ShutdownState {
			p.out("ERROR: already shutting down")
			return nil
		}
		p.ctl.SetExitStatus(ExitGeneric)
		return err
	case isSocketError(err):
		p.ctl.SetExitStatus(ExitGeneric)
		switch {
		case isConnRefused(err):
			p.out("ERROR: " + p.ctl.ServerURL() + " refused connection (already shut down?)")
		case isNoSuchFile(err):
			p.out("ERROR: " + p.ctl.ServerURL() + " no such file (already shut down?)")
		default:
			return err
		}
	default:
		return err
	}
	return nil
}

func (p *defaultPlugin) helpShutdown() { p.out("shutdown \tStop the remote supervisord.") }

func (p *defaultPlugin) reload(ctx context.Context, arg string) error {
	if arg != "" {
		p.out("Error: reload accepts no arguments")
		p.ctl.SetExitStatus(ExitGeneric)
		p.helpReload()
		return nil
	}
	really, err := p.confirm("Really restart the remote supervisord process y/N? ", askReloadLine)
	if err != nil || !really {
		return err
	}
	if _, err := p.ctl.Call(ctx, "supervisor.restart"); err != nil {
		f := faultOf(err)
		if f == nil {
			return err
		}
		p.ctl.SetExitStatus(ExitGeneric)
		if f.Code == errdefs.ShutdownState {
			p.out("ERROR: already shutting down")
			return nil
		}
		return err
	}
	p.out("Restarted supervisord")
	return nil
}

func (p *defaultPlugin) helpReload() { p.out("reload \t\tHave the remote supervisord restart itself.") }

// ---- avail / reread / add / remove / update

func (p *defaultPlugin) avail(ctx context.Context, arg string) error {
	if arg != "" {
		p.out("Error: avail accepts no arguments")
		p.ctl.SetExitStatus(ExitGeneric)
		p.helpAvail()
		return nil
	}
	v, err := p.ctl.Call(ctx, "supervisor.getAllConfigInfo")
	if err != nil {
		if f := faultOf(err); f != nil {
			p.ctl.SetExitStatus(ExitGeneric)
			if f.Code == errdefs.ShutdownState {
				p.out("ERROR: supervisor shutting down")
				return nil
			}
		}
		return err
	}
	infos, err := asStructs(v)
	if err != nil {
		return err
	}
	for _, info := range infos {
		inuse, auto := "avail", "manual"
		if truthy(info["inuse"]) {
			inuse = "in use"
		}
		if truthy(info["autostart"]) {
			auto = "auto"
		}
		p.out(padRight(MakeNamespec(field(info, "group"), field(info, "name")), 32) + " " +
			padRight(inuse, 9) + " " + padRight(auto, 9) + " " +
			field(info, "group_prio") + ":" + field(info, "process_prio"))
	}
	return nil
}

func (p *defaultPlugin) helpAvail() { p.out("avail\t\t\tList every configured process") }

// reloadConfig calls reloadConfig and returns its added, changed and
// removed group names.
func (p *defaultPlugin) reloadConfig(ctx context.Context) (added, changed, removed []string, err error) {
	v, err := p.ctl.Call(ctx, "supervisor.reloadConfig")
	if err != nil {
		return nil, nil, nil, err
	}
	outer, err := asList(v)
	if err != nil || len(outer) == 0 {
		return nil, nil, nil, resultError("reloadConfig result", v)
	}
	lists, err := asList(outer[0])
	if err != nil || len(lists) != 3 {
		return nil, nil, nil, resultError("reloadConfig result", v)
	}
	var out [3][]string
	for i, l := range lists {
		names, err := asList(l)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, n := range names {
			out[i] = append(out[i], pyfmt.Str(n))
		}
	}
	return out[0], out[1], out[2], nil
}

func (p *defaultPlugin) reread(ctx context.Context, arg string) error {
	if arg != "" {
		p.out("Error: reread accepts no arguments")
		p.ctl.SetExitStatus(ExitGeneric)
		p.helpReread()
		return nil
	}
	added, changed, removed, err := p.reloadConfig(ctx)
	if err != nil {
		if f := faultOf(err); f != nil {
			p.ctl.SetExitStatus(ExitGeneric)
			switch f.Code {
			case errdefs.ShutdownState:
				p.out("ERROR: supervisor shutting down")
				return nil
			case errdefs.CantReread:
				p.out("ERROR: " + f.String)
				return nil
			}
		}
		return err
	}
	changes := map[string]string{}
	for _, n := range added {
		changes[n] = "available"
	}
	for _, n := range changed {
		changes[n] = "changed"
	}
	for _, n := range removed {
		changes[n] = "disappeared"
	}
	if len(changes) == 0 {
		p.out("No config updates to processes")
		return nil
	}
	names := make([]string, 0, len(changes))
	for n := range changes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p.out(n + ": " + changes[n])
	}
	return nil
}

func (p *defaultPlugin) helpReread() {
	p.out("reread \t\t\tLoad the daemon's configuration files again, without adding or removing anything")
}

func (p *defaultPlugin) add(ctx context.Context, arg string) error {
	if _, err := p.ctl.Supervisor(); err != nil {
		return err
	}
	for _, name := range fields(arg) {
		if _, err := p.ctl.Call(ctx, "supervisor.addProcessGroup", name); err != nil {
			f := faultOf(err)
			if f == nil {
				return err
			}
			switch f.Code {
			case errdefs.ShutdownState:
				p.out("ERROR: shutting down")
				p.ctl.SetExitStatus(ExitGeneric)
			case errdefs.AlreadyAdded:
				p.out("ERROR: process group already active")
			case errdefs.BadName:
				p.out("ERROR: no such process/group: " + name)
				p.ctl.SetExitStatus(ExitGeneric)
			default:
				p.ctl.SetExitStatus(ExitGeneric)
				return err
			}
			continue
		}
		p.out(name + ": added process group")
	}
	return nil
}

func (p *defaultPlugin) helpAdd() {
	p.out("add <name> [...]\tActivate the configuration changes of processes/groups")
}

func (p *defaultPlugin) remove(ctx context.Context, arg string) error {
	if _, err := p.ctl.Supervisor(); err != nil {
		return err
	}
	for _, name := range fields(arg) {
		if _, err := p.ctl.Call(ctx, "supervisor.removeProcessGroup", name); err != nil {
			f := faultOf(err)
			if f == nil {
				return err
			}
			p.ctl.SetExitStatus(ExitGeneric)
			switch f.Code {
			case errdefs.StillRunning:
				p.out("ERROR: process/group still running: " + name)
			case errdefs.BadName:
				p.out("ERROR: no such process/group: " + name)
			default:
				return err
			}
			continue
		}
		p.out(name + ": removed process group")
	}
	return nil
}

func (p *defaultPlugin) helpRemove() {
	p.out("remove <name> [...]\tTake processes/groups out of the active configuration")
}

func (p *defaultPlugin) update(ctx context.Context, arg string) error {
	added, changed, removed, err := p.reloadConfig(ctx)
	if err != nil {
		if f := faultOf(err); f != nil {
			p.ctl.SetExitStatus(ExitGeneric)
			if f.Code == errdefs.ShutdownState {
				p.out("ERROR: already shutting down")
				return nil
			}
		}
		return err
	}
	wanted := map[string]bool{}
	var wantedOrder []string
	for _, g := range fields(arg) {
		if !wanted[g] {
			wanted[g] = true
			wantedOrder = append(wantedOrder, g)
		}
	}
	if wanted["all"] {
		wanted, wantedOrder = map[string]bool{}, nil
	}
	if len(wanted) > 0 {
		v, err := p.ctl.Call(ctx, "supervisor.getAllProcessInfo")
		if err != nil {
			return err
		}
		infos, err := asStructs(v)
		if err != nil {
			return err
		}
		groups := map[string]bool{}
		for _, info := range infos {
			groups[field(info, "group")] = true
		}
		for _, g := range added {
			groups[g] = true
		}
		// Python iterates a set here; its order is not defined, so we
		// keep the order the user typed.
		for _, g := range wantedOrder {
			if !groups[g] {
				p.out("ERROR: no such group: " + g)
				p.ctl.SetExitStatus(ExitGeneric)
			}
		}
	}
	selected := func(g string) bool { return len(wanted) == 0 || wanted[g] }
	for _, g := range removed {
		if !selected(g) {
			continue
		}
		v, err := p.ctl.Call(ctx, "supervisor.stopProcessGroup", g)
		if err != nil {
			return err
		}
		p.out(g + ": stopped")
		results, err := asStructs(v)
		if err != nil {
			return err
		}
		failed := false
		for _, r := range results {
			if errdefs.Code(intField(r, "status")) == errdefs.Failed {
				failed = true
			}
		}
		if failed {
			p.out(g + ": has problems; not removing")
			p.ctl.SetExitStatus(ExitGeneric)
			continue
		}
		if _, err := p.ctl.Call(ctx, "supervisor.removeProcessGroup", g); err != nil {
			return err
		}
		p.out(g + ": removed process group")
	}
	for _, g := range changed {
		if !selected(g) {
			continue
		}
		if _, err := p.ctl.Call(ctx, "supervisor.stopProcessGroup", g); err != nil {
			return err
		}
		p.out(g + ": stopped")
		if _, err := p.ctl.Call(ctx, "supervisor.removeProcessGroup", g); err != nil {
			return err
		}
		if _, err := p.ctl.Call(ctx, "supervisor.addProcessGroup", g); err != nil {
			return err
		}
		p.out(g + ": updated process group")
	}
	for _, g := range added {
		if !selected(g) {
			continue
		}
		if _, err := p.ctl.Call(ctx, "supervisor.addProcessGroup", g); err != nil {
			return err
		}
		p.out(g + ": added process group")
	}
	return nil
}

func (p *defaultPlugin) helpUpdate() {
	p.out("update\t\t\tReload the configuration, add/remove what changed and restart the programs it affects")
	p.out("update all\t\tReload the configuration, add/remove what changed and restart the programs it affects")
	p.out("update <gname> [...]\tUpdate only the named groups")
}

// ---- clear

func clearResult(r map[string]any) (string, error) {
	name := MakeNamespec(field(r, "group"), field(r, "name"))
	code := errdefs.Code(intField(r, "status"))
	switch code {
	case errdefs.BadName:
		return name + ": ERROR (no such process)", nil
	case errdefs.Failed:
		return name + ": ERROR (failed)", nil
	case errdefs.Success:
		return name + ": cleared", nil
	}
	return "", &pyError{class: "ValueError", msg: fmt.Sprintf("Unknown result code %d for %s", int(code), name), file: supervisorctlFile, line: 1291}
}

func (p *defaultPlugin) clear(ctx context.Context, arg string) error {
	if ok, err := p.ctl.Upcheck(ctx); !ok {
		return err
	}
	names := fields(arg)
	if len(names) == 0 {
		p.out("Error: clear requires a process name")
		p.ctl.SetExitStatus(ExitGeneric)
		p.helpClear()
		return nil
	}
	if contains(names, "all") {
		v, err := p.ctl.Call(ctx, "supervisor.clearAllProcessLogs")
		if err != nil {
			return err
		}
		return p.printResults(v, clearResult)
	}
	for _, name := range names {
		group, process, whole := SplitNamespec(name)
		if whole {
			// supervisorctl names a whole group "group:None" here.
			process = "None"
		}
		if _, err := p.ctl.Call(ctx, "supervisor.clearProcessLogs", name); err != nil {
			if err := p.printFault(err, clearResult, group, process); err != nil {
				return err
			}
			continue
		}
		p.out(MakeNamespec(group, process) + ": cleared")
	}
	return nil
}

func (p *defaultPlugin) helpClear() {
	p.out("clear <name>\t\tClear the log files of one process.")
	p.out("clear <name> <name>\tClear the log files of several processes")
	p.out("clear all\t\tClear the log files of every process")
}

// ---- open / version

func (p *defaultPlugin) open(ctx context.Context, arg string) error {
	u := strings.TrimSpace(arg)
	scheme, _, _ := splitScheme(u)
	if scheme != "unix" && scheme != "http" {
		p.out("ERROR: url must be http:// or unix://")
		p.ctl.SetExitStatus(ExitGeneric)
		return nil
	}
	p.ctl.opts.ServerURL = u
	old := p.ctl.ExitStatus()
	err := p.status(ctx, "")
	p.ctl.SetExitStatus(old)
	return err
}

func (p *defaultPlugin) helpOpen() {
	p.out("open <url>\tConnect to another supervisord.")
	p.out("\t\t(for a UNIX domain socket, use unix:///socket/path)")
}

func (p *defaultPlugin) version(ctx context.Context, arg string) error {
	if arg != "" {
		p.out("Error: version accepts no arguments")
		p.ctl.SetExitStatus(ExitGeneric)
		p.helpVersion()
		return nil
	}
	if ok, err := p.ctl.Upcheck(ctx); !ok {
		return err
	}
	v, err := p.ctl.Call(ctx, "supervisor.getSupervisorVersion")
	if err != nil {
		return err
	}
	p.out(pyfmt.Str(v))
	return nil
}

func (p *defaultPlugin) helpVersion() {
	p.out("version\t\t\tShow the version of the remote supervisord")
}

// ---- fg

func (p *defaultPlugin) helpFg() {
	p.out("fg <process>\tAttach to a process in the foreground")
	p.out("\t\tPress Ctrl-C to detach")
}
