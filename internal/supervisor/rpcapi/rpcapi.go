// Package rpcapi owns the supervisor.* XML-RPC namespace: it registers every
// method of Supervisor 4.2.5's main RPC interface, aliases included, on an
// xmlrpc.Dispatcher, checks the arguments, routes group names ("g:*") to
// the group variants, and turns the engine's Go results into the structs
// Supervisor sends, with its key order and its 'none'/'auto' conventions.
//
// The engine (package supervisor) does the work; this package only adapts
// it. The main log is read and cleared here, on the path the daemon gives.
package rpcapi

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/logs"
	"github.com/supvisors-go/supvisors/internal/supervisor"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

const (
	// APIVersion is what getAPIVersion and getVersion answer. supervisorctl
	// refuses to talk to a server that answers anything else.
	APIVersion = "3.0"
	// SupervisorVersion is the Supervisor release whose behaviour and API
	// this daemon reproduces; getSupervisorVersion and `supvisord -v`
	// report it so that tools checking the version keep working.
	SupervisorVersion = "4.2.5"
)

// MainLog is the daemon's main log as this package needs it.
type MainLog interface {
	// Path is the log file, or "" (or "syslog") when there is no file.
	Path() string
	// Clear deletes the file and reopens it empty.
	Clear() error
}

// Options are what the methods need besides the engine.
type Options struct {
	// MainLog backs readLog, readMainLog and clearLog; nil means no file.
	MainLog MainLog
	// Logger is the main log; nil discards.
	Logger *slog.Logger
	// PID is what getPID returns; 0 means os.Getpid().
	PID int
}

// api holds what the handlers share.
type api struct {
	s    *supervisor.Supervisor
	opts Options
	log  *slog.Logger
}

// method is one supervisor.* entry before registration.
type method struct {
	name      string
	signature []string
	help      string
	handler   xmlrpc.Handler
	// anyState marks the one method that works while shutting down.
	anyState bool
}

// Register adds every supervisor.* method to d.
func Register(d *xmlrpc.Dispatcher, s *supervisor.Supervisor, opts Options) {
	a := &api{s: s, opts: opts, log: opts.Logger}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	for _, m := range a.methods() {
		h := m.handler
		if !m.anyState {
			h = a.guard(h)
		}
		d.Register(xmlrpc.Method{
			Name:      "supervisor." + m.name,
			Handler:   h,
			Signature: m.signature,
			Help:      m.help,
		})
	}
}

// guard refuses the call while the daemon is restarting or shutting down,
// as every Supervisor method but sendRemoteCommEvent does before anything
// else.
func (a *api) guard(h xmlrpc.Handler) xmlrpc.Handler {
	return func(ctx context.Context, params []any) (any, error) {
		if a.s.State().Code < 1 {
			return nil, errdefs.New(errdefs.ShutdownState, "")
		}
		return h(ctx, params)
	}
}

func (a *api) methods() []method {
	read := func(channel string) xmlrpc.Handler {
		return func(_ context.Context, p []any) (any, error) { return a.readProcessLog(p, channel) }
	}
	tail := func(channel string) xmlrpc.Handler {
		return func(_ context.Context, p []any) (any, error) { return a.tailProcessLog(p, channel) }
	}
	version := func(v string) xmlrpc.Handler {
		return func(_ context.Context, p []any) (any, error) { return v, checkArity(p, 0, 0) }
	}
	const (
		helpReadLog    = "Read bytes of the main log.\n\n@param int offset  where to start; a negative offset with length 0 reads the last -offset bytes\n@param int length  how many bytes to read; 0 reads to the end\n@return string the text read"
		helpClearProc  = "Empty the stdout and stderr log files of a process and reopen them.\n\n@param string name  the process ('group:name' or 'name')\n@return boolean true unless an error occurs"
		helpReadStdout = "Read bytes of the stdout log of a process.\n\n@param string name  the process ('group:name' or 'name')\n@param int offset  where to start; a negative offset with length 0 reads the last -offset bytes\n@param int length  how many bytes to read; 0 reads to the end\n@return string the text read"
		helpTailStdout = "Read the end of the stdout log of a process, for following it.\n\nAt most length bytes are returned, starting at offset; when the log has grown past\noffset+length, the bytes returned are the last ones and overflow is true.\nThe offset returned is the log size: pass it back to get what comes next.\n\n@param string name  the process ('group:name' or 'name')\n@param int offset  where to start\n@param int length  the most bytes to return\n@return array [string text, int offset, boolean overflow]"
	)
	return []method{
		{name: "getAPIVersion", signature: []string{"string"}, handler: version(APIVersion),
			help: "Give the version of the XML-RPC API that this daemon serves.\n\n@return string the API version, '3.0'"},
		{name: "getVersion", signature: []string{"string"}, handler: version(APIVersion),
			help: "Older name of getAPIVersion, kept because clients still call it.\n\n@return string the API version, '3.0'"},
		{name: "getSupervisorVersion", signature: []string{"string"}, handler: version(SupervisorVersion),
			help: "Give the Supervisor release that this daemon is compatible with.\n\n@return string the version"},
		{name: "getIdentification", signature: []string{"string"}, handler: a.getIdentification,
			help: "Give the identifier of this daemon (the identifier option).\n\n@return string the identifier"},
		{name: "getState", signature: []string{"struct"}, handler: a.getState,
			help: "Give the state of the daemon itself.\n\n@return struct {statecode: int, statename: string}"},
		{name: "getPID", signature: []string{"int"}, handler: a.getPID,
			help: "Give the process id of the daemon.\n\n@return int the pid"},
		{name: "readLog", signature: []string{"string", "int", "int"}, handler: a.readLog, help: helpReadLog},
		{name: "readMainLog", signature: []string{"string", "int", "int"}, handler: a.readLog,
			help: "Older name of readLog.\n\n" + helpReadLog[strings.Index(helpReadLog, "@param"):]},
		{name: "clearLog", signature: []string{"boolean"}, handler: a.clearLog,
			help: "Empty the main log file and reopen it.\n\n@return boolean true unless an error occurs"},
		{name: "shutdown", signature: []string{"boolean"}, handler: a.shutdown,
			help: "Stop every process in order, then exit the daemon.\n\n@return boolean true at once; the shutdown goes on afterwards"},
		{name: "restart", signature: []string{"boolean"}, handler: a.restart,
			help: "Stop every process, read the configuration again and start over, in the same process.\n\n@return boolean true at once; the restart goes on afterwards"},
		{name: "reloadConfig", signature: []string{"array"}, handler: a.reloadConfig,
			help: "Read the configuration file again and compare it with the running groups.\nNothing is changed: use addProcessGroup and removeProcessGroup to apply.\n\n@return array [[added, changed, removed]], three arrays of group names"},
		{name: "addProcessGroup", signature: []string{"boolean", "string"}, handler: a.addProcessGroup,
			help: "Make a group of the last read configuration active; its autostart processes start.\n\n@param string name  the group\n@return boolean true unless an error occurs"},
		{name: "removeProcessGroup", signature: []string{"boolean", "string"}, handler: a.removeProcessGroup,
			help: "Remove an active group whose processes are all stopped.\n\n@param string name  the group\n@return boolean true unless an error occurs"},
		{name: "startProcess", signature: []string{"boolean", "string", "boolean"}, handler: a.startProcess,
			help: "Start one process, or a whole group with 'group:*'.\n\n@param string name  'group:name', 'name' or 'group:*'\n@param boolean wait  answer only once the process is RUNNING (default true)\n@return boolean true unless an error occurs"},
		{name: "startProcessGroup", signature: []string{"array", "string", "boolean"}, handler: a.startProcessGroup,
			help: "Start the processes of a group that are not running yet.\n\n@param string name  the group\n@param boolean wait  answer only once they are all started (default true)\n@return array one result struct per process acted on"},
		{name: "startAllProcesses", signature: []string{"array", "boolean"}, handler: a.startAllProcesses,
			help: "Start every process that is not running yet, in priority order.\n\n@param boolean wait  answer only once they are all started (default true)\n@return array one result struct per process acted on"},
		{name: "stopProcess", signature: []string{"boolean", "string", "boolean"}, handler: a.stopProcess,
			help: "Stop one process, or a whole group with 'group:*'.\n\n@param string name  'group:name', 'name' or 'group:*'\n@param boolean wait  answer only once the process is stopped (default true)\n@return boolean true unless an error occurs"},
		{name: "stopProcessGroup", signature: []string{"array", "string", "boolean"}, handler: a.stopProcessGroup,
			help: "Stop the running processes of a group.\n\n@param string name  the group\n@param boolean wait  answer only once they are all stopped (default true)\n@return array one result struct per process acted on"},
		{name: "stopAllProcesses", signature: []string{"array", "boolean"}, handler: a.stopAllProcesses,
			help: "Stop every running process, in reverse priority order.\n\n@param boolean wait  answer only once they are all stopped (default true)\n@return array one result struct per process acted on"},
		{name: "signalProcess", signature: []string{"boolean", "string", "string"}, handler: a.signalProcess,
			help: "Send a signal to one process, or to a whole group with 'group:*'.\n\n@param string name  'group:name', 'name' or 'group:*'\n@param string signal  a name ('HUP', 'SIGHUP') or a number ('1')\n@return boolean true unless an error occurs"},
		{name: "signalProcessGroup", signature: []string{"array", "string", "string"}, handler: a.signalProcessGroup,
			help: "Send a signal to the processes of a group that can receive one.\n\n@param string name  the group\n@param string signal  a name ('HUP', 'SIGHUP') or a number ('1')\n@return array one result struct per process acted on"},
		{name: "signalAllProcesses", signature: []string{"array", "string"}, handler: a.signalAllProcesses,
			help: "Send a signal to every process that can receive one.\n\n@param string signal  a name ('HUP', 'SIGHUP') or a number ('1')\n@return array one result struct per process acted on"},
		{name: "getAllConfigInfo", signature: []string{"array"}, handler: a.getAllConfigInfo,
			help: "Describe the configuration of every process, active or not.\n\n@return array one struct per process, sorted by name"},
		{name: "getProcessInfo", signature: []string{"struct", "string"}, handler: a.getProcessInfo,
			help: "Describe the state of one process.\n\n@param string name  'group:name' or 'name'\n@return struct the process information"},
		{name: "getAllProcessInfo", signature: []string{"array"}, handler: a.getAllProcessInfo,
			help: "Describe the state of every process, sorted by group then name.\n\n@return array of process information structs"},
		{name: "readProcessStdoutLog", signature: []string{"string", "string", "int", "int"}, handler: read("stdout"), help: helpReadStdout},
		{name: "readProcessLog", signature: []string{"string", "string", "int", "int"}, handler: read("stdout"),
			help: "Older name of readProcessStdoutLog.\n\n" + helpReadStdout[strings.Index(helpReadStdout, "@param"):]},
		{name: "readProcessStderrLog", signature: []string{"string", "string", "int", "int"}, handler: read("stderr"),
			help: strings.Replace(helpReadStdout, "stdout", "stderr", 1)},
		{name: "tailProcessStdoutLog", signature: []string{"array", "string", "int", "int"}, handler: tail("stdout"), help: helpTailStdout},
		{name: "tailProcessLog", signature: []string{"array", "string", "int", "int"}, handler: tail("stdout"),
			help: "Older name of tailProcessStdoutLog.\n\n" + helpTailStdout[strings.Index(helpTailStdout, "@param"):]},
		{name: "tailProcessStderrLog", signature: []string{"array", "string", "int", "int"}, handler: tail("stderr"),
			help: strings.Replace(helpTailStdout, "stdout", "stderr", 1)},
		{name: "clearProcessLogs", signature: []string{"boolean", "string"}, handler: a.clearProcessLogs, help: helpClearProc},
		{name: "clearProcessLog", signature: []string{"boolean", "string"}, handler: a.clearProcessLogs,
			help: "Older name of clearProcessLogs.\n\n" + helpClearProc[strings.Index(helpClearProc, "@param"):]},
		{name: "clearAllProcessLogs", signature: []string{"array"}, handler: a.clearAllProcessLogs,
			help: "Empty the log files of every process.\n\n@return array one result struct per process"},
		{name: "sendProcessStdin", signature: []string{"boolean", "string", "string"}, handler: a.sendProcessStdin,
			help: "Write text to the standard input of a running process (UTF-8 encoded).\n\n@param string name  'group:name' or 'name'\n@param string chars  the text to write\n@return boolean true unless an error occurs"},
		{name: "sendRemoteCommEvent", signature: []string{"boolean", "string", "string"}, handler: a.sendRemoteCommEvent, anyState: true,
			help: "Publish a REMOTE_COMMUNICATION event to the event listeners that subscribe to it.\n\n@param string type  the value of the 'type' header of the event\n@param string data  the event body\n@return boolean true unless an error occurs"},
	}
}

func (a *api) getIdentification(_ context.Context, p []any) (any, error) {
	if err := checkArity(p, 0, 0); err != nil {
		return nil, err
	}
	return a.s.Identification(), nil
}

func (a *api) getState(_ context.Context, p []any) (any, error) {
	if err := checkArity(p, 0, 0); err != nil {
		return nil, err
	}
	st := a.s.State()
	return xmlrpc.Struct{{Name: "statecode", Value: st.Code}, {Name: "statename", Value: st.Name}}, nil
}

func (a *api) getPID(_ context.Context, p []any) (any, error) {
	if err := checkArity(p, 0, 0); err != nil {
		return nil, err
	}
	if a.opts.PID != 0 {
		return a.opts.PID, nil
	}
	return os.Getpid(), nil
}

// mainLogPath is the main log file, "" when the log has no file (syslog).
func (a *api) mainLogPath() string {
	if a.opts.MainLog == nil {
		return ""
	}
	if p := a.opts.MainLog.Path(); p != "syslog" {
		return p
	}
	return ""
}

func (a *api) readLog(_ context.Context, p []any) (any, error) {
	if err := checkArity(p, 2, 2); err != nil {
		return nil, err
	}
	offset, length, err := offsetLength(p, 0)
	if err != nil {
		return nil, err
	}
	// Our main log is written by its own goroutine: let what was logged
	// before this call reach the file, as Supervisor's synchronous logger
	// would have.
	if f, ok := a.opts.MainLog.(interface{ Flush() error }); ok {
		f.Flush()
	}
	return readText(a.mainLogPath(), offset, length)
}

func (a *api) clearLog(_ context.Context, p []any) (any, error) {
	if err := checkArity(p, 0, 0); err != nil {
		return nil, err
	}
	path := a.mainLogPath()
	if path == "" || !exists(path) {
		return nil, errdefs.New(errdefs.NoFile, "")
	}
	// Supervisor logs this line before it reopens the file, so the line
	// ends in the deleted file and the new one starts empty. The main log
	// writes queued lines before it carries out Clear, which keeps that
	// order.
	a.log.Info("reopening log file")
	if err := a.opts.MainLog.Clear(); err != nil {
		return nil, errdefs.New(errdefs.Failed, "")
	}
	return true, nil
}

func (a *api) shutdown(_ context.Context, p []any) (any, error) {
	if err := checkArity(p, 0, 0); err != nil {
		return nil, err
	}
	a.s.Shutdown()
	return true, nil
}

func (a *api) restart(_ context.Context, p []any) (any, error) {
	if err := checkArity(p, 0, 0); err != nil {
		return nil, err
	}
	a.s.Restart()
	return true, nil
}

func (a *api) reloadConfig(_ context.Context, p []any) (any, error) {
	if err := checkArity(p, 0, 0); err != nil {
		return nil, err
	}
	added, changed, removed, err := a.s.ReloadConfig()
	if err != nil {
		return nil, err
	}
	return []any{[]any{stringList(added), stringList(changed), stringList(removed)}}, nil
}

func (a *api) addProcessGroup(_ context.Context, p []any) (any, error) {
	name, err := nameOnly(p)
	if err != nil {
		return nil, err
	}
	if err := a.s.AddProcessGroup(name); err != nil {
		return nil, err
	}
	return true, nil
}

func (a *api) removeProcessGroup(_ context.Context, p []any) (any, error) {
	name, err := nameOnly(p)
	if err != nil {
		return nil, err
	}
	if err := a.s.RemoveProcessGroup(name); err != nil {
		return nil, err
	}
	return true, nil
}

// nameWait decodes the (name, wait=true) arguments of the start and stop
// methods.
func nameWait(p []any) (string, bool, error) {
	if err := checkArity(p, 1, 2); err != nil {
		return "", false, err
	}
	name, err := stringArg(p, 0)
	return name, boolArg(p, 1, true), err
}

func nameOnly(p []any) (string, error) {
	if err := checkArity(p, 1, 1); err != nil {
		return "", err
	}
	return stringArg(p, 0)
}

// groupOf tells whether name addresses a whole group ("g:*" or "g:").
func groupOf(name string) (string, bool) {
	group, process := supervisor.SplitNamespec(name)
	return group, process == ""
}

// asGroupSpec reports a missing group with the name as the client wrote it,
// as Supervisor does when a "g:*" name does not resolve.
func asGroupSpec(err error, name string) error {
	if errdefs.Is(err, errdefs.BadName) {
		return errdefs.New(errdefs.BadName, name)
	}
	return err
}

func (a *api) startProcess(ctx context.Context, p []any) (any, error) {
	name, wait, err := nameWait(p)
	if err != nil {
		return nil, err
	}
	if group, ok := groupOf(name); ok {
		res, err := a.s.StartProcessGroup(ctx, group, wait)
		return resultsOrError(res, asGroupSpec(err, name))
	}
	if err := a.s.StartProcess(ctx, name, wait); err != nil {
		return nil, err
	}
	return true, nil
}

func (a *api) startProcessGroup(ctx context.Context, p []any) (any, error) {
	name, wait, err := nameWait(p)
	if err != nil {
		return nil, err
	}
	return resultsOrError(a.s.StartProcessGroup(ctx, name, wait))
}

func (a *api) startAllProcesses(ctx context.Context, p []any) (any, error) {
	if err := checkArity(p, 0, 1); err != nil {
		return nil, err
	}
	return resultsOrError(a.s.StartAllProcesses(ctx, boolArg(p, 0, true)))
}

func (a *api) stopProcess(ctx context.Context, p []any) (any, error) {
	name, wait, err := nameWait(p)
	if err != nil {
		return nil, err
	}
	if group, ok := groupOf(name); ok {
		res, err := a.s.StopProcessGroup(ctx, group, wait)
		return resultsOrError(res, asGroupSpec(err, name))
	}
	if err := a.s.StopProcess(ctx, name, wait); err != nil {
		return nil, err
	}
	return true, nil
}

func (a *api) stopProcessGroup(ctx context.Context, p []any) (any, error) {
	name, wait, err := nameWait(p)
	if err != nil {
		return nil, err
	}
	return resultsOrError(a.s.StopProcessGroup(ctx, name, wait))
}

func (a *api) stopAllProcesses(ctx context.Context, p []any) (any, error) {
	if err := checkArity(p, 0, 1); err != nil {
		return nil, err
	}
	return resultsOrError(a.s.StopAllProcesses(ctx, boolArg(p, 0, true)))
}

// signalArg decodes a signal given as a name or a number, in a string or
// an int. ok is false when it names no signal; text is the value as the
// client wrote it, for the BAD_SIGNAL fault.
func signalArg(v any) (sig syscall.Signal, text string, ok bool, err error) {
	switch v := v.(type) {
	case string:
		text = v
	case int:
		text = strconv.Itoa(v)
	case int64:
		text = strconv.FormatInt(v, 10)
	default:
		return 0, "", false, incorrectParameters()
	}
	sig, perr := config.ParseSignal(text)
	return sig, text, perr == nil, nil
}

func (a *api) signalProcess(_ context.Context, p []any) (any, error) {
	if err := checkArity(p, 2, 2); err != nil {
		return nil, err
	}
	name, err := stringArg(p, 0)
	if err != nil {
		return nil, err
	}
	sig, text, ok, err := signalArg(p[1])
	if err != nil {
		return nil, err
	}
	if group, isGroup := groupOf(name); isGroup {
		res, err := a.signalGroup(group, sig, text, ok)
		return resultsOrError(res, asGroupSpec(err, name))
	}
	if !ok {
		// Supervisor resolves the name before it looks at the signal.
		if _, err := a.s.ProcessInfo(name); err != nil {
			return nil, err
		}
		return nil, errdefs.New(errdefs.BadSignal, text)
	}
	if err := a.s.SignalProcess(name, sig); err != nil {
		return nil, err
	}
	return true, nil
}

func (a *api) signalProcessGroup(_ context.Context, p []any) (any, error) {
	if err := checkArity(p, 2, 2); err != nil {
		return nil, err
	}
	name, err := stringArg(p, 0)
	if err != nil {
		return nil, err
	}
	sig, text, ok, err := signalArg(p[1])
	if err != nil {
		return nil, err
	}
	return resultsOrError(a.signalGroup(name, sig, text, ok))
}

func (a *api) signalAllProcesses(_ context.Context, p []any) (any, error) {
	if err := checkArity(p, 1, 1); err != nil {
		return nil, err
	}
	sig, text, ok, err := signalArg(p[0])
	if err != nil {
		return nil, err
	}
	if !ok {
		return resultsOrError(a.badSignalResults("", false, text))
	}
	return resultsOrError(a.s.SignalAllProcesses(sig))
}

func (a *api) signalGroup(group string, sig syscall.Signal, text string, ok bool) ([]supervisor.Result, error) {
	if !ok {
		return a.badSignalResults(group, true, text)
	}
	return a.s.SignalProcessGroup(group, sig)
}

// badSignalResults answers a group or all-processes signal with an invalid
// signal as Supervisor does: the group must exist, then each process that
// could be signalled gets a BAD_SIGNAL result (nothing is sent).
func (a *api) badSignalResults(group string, oneGroup bool, text string) ([]supervisor.Result, error) {
	infos, err := a.s.AllProcessInfo()
	if err != nil {
		return nil, err
	}
	found := false
	var results []supervisor.Result
	for _, info := range infos {
		if oneGroup && info.Group != group {
			continue
		}
		found = true
		if !signallable(info.State) {
			continue
		}
		fault := errdefs.New(errdefs.BadSignal, text)
		results = append(results, supervisor.Result{Name: info.Name, Group: info.Group, Status: fault.Code, Description: fault.Error()})
	}
	if oneGroup && !found {
		// An active group always has processes, so an empty match means
		// no such group.
		return nil, errdefs.New(errdefs.BadName, group)
	}
	return results, nil
}

// signallable is Supervisor's SIGNALLABLE_STATES: RUNNING, STARTING,
// STOPPING.
func signallable(state int) bool { return state == 20 || state == 10 || state == 40 }

func (a *api) getProcessInfo(_ context.Context, p []any) (any, error) {
	name, err := nameOnly(p)
	if err != nil {
		return nil, err
	}
	if _, isGroup := groupOf(name); isGroup {
		return nil, errdefs.New(errdefs.BadName, name)
	}
	info, err := a.s.ProcessInfo(name)
	if err != nil {
		return nil, err
	}
	return processInfoStruct(info), nil
}

func (a *api) getAllProcessInfo(_ context.Context, p []any) (any, error) {
	if err := checkArity(p, 0, 0); err != nil {
		return nil, err
	}
	var out []processInfoWire
	err := a.s.VisitProcessInfo(
		func(n int) { out = make([]processInfoWire, 0, n) },
		func(info supervisor.ProcessInfo) { out = append(out, newProcessInfoWire(info)) })
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (a *api) getAllConfigInfo(_ context.Context, p []any) (any, error) {
	if err := checkArity(p, 0, 0); err != nil {
		return nil, err
	}
	infos, err := a.s.AllConfigInfo()
	if err != nil {
		return nil, err
	}
	out := make([]any, len(infos))
	for i, info := range infos {
		out[i] = configInfoStruct(info)
	}
	return out, nil
}

// processLog resolves the log file of one process channel; group names are
// BAD_NAME here.
func (a *api) processLog(name, channel string) (string, error) {
	if _, isGroup := groupOf(name); isGroup {
		return "", errdefs.New(errdefs.BadName, name)
	}
	return a.s.ProcessLogPath(name, channel)
}

func nameOffsetLength(p []any) (string, int64, int64, error) {
	if err := checkArity(p, 3, 3); err != nil {
		return "", 0, 0, err
	}
	name, err := stringArg(p, 0)
	if err != nil {
		return "", 0, 0, err
	}
	offset, length, err := offsetLength(p, 1)
	return name, offset, length, err
}

func offsetLength(p []any, i int) (int64, int64, error) {
	offset, err := intArg(p, i)
	if err != nil {
		return 0, 0, err
	}
	length, err := intArg(p, i+1)
	return offset, length, err
}

func (a *api) readProcessLog(p []any, channel string) (any, error) {
	name, offset, length, err := nameOffsetLength(p)
	if err != nil {
		return nil, err
	}
	path, err := a.processLog(name, channel)
	if err != nil {
		return nil, err
	}
	return readText(path, offset, length)
}

// readText reads a log with the readLog offset rules. A log without a file
// is NO_FILE with no text, a missing file NO_FILE with its path.
func readText(path string, offset, length int64) (any, error) {
	if path == "" {
		return nil, errdefs.New(errdefs.NoFile, "")
	}
	if !exists(path) {
		return nil, errdefs.New(errdefs.NoFile, path)
	}
	data, err := logs.ReadFile(path, offset, length)
	if err != nil {
		return nil, err
	}
	return validText(data), nil
}

func (a *api) tailProcessLog(p []any, channel string) (any, error) {
	name, offset, length, err := nameOffsetLength(p)
	if err != nil {
		return nil, err
	}
	path, err := a.processLog(name, channel)
	if err != nil {
		return nil, err
	}
	empty := []any{"", 0, false}
	if path == "" || !exists(path) {
		return empty, nil
	}
	data, newOffset, overflow, err := logs.TailFile(path, offset, length)
	if err != nil {
		// Supervisor answers what it could read rather than a fault.
		a.log.Warn("cannot tail log file", "path", path, "error", err)
	}
	return []any{validText(data), newOffset, overflow}, nil
}

func (a *api) clearProcessLogs(_ context.Context, p []any) (any, error) {
	name, err := nameOnly(p)
	if err != nil {
		return nil, err
	}
	if _, isGroup := groupOf(name); isGroup {
		return nil, errdefs.New(errdefs.BadName, name)
	}
	if err := a.s.ClearProcessLogs(name); err != nil {
		return nil, err
	}
	return true, nil
}

func (a *api) clearAllProcessLogs(ctx context.Context, p []any) (any, error) {
	if err := checkArity(p, 0, 0); err != nil {
		return nil, err
	}
	return resultsOrError(a.s.ClearAllProcessLogs(ctx))
}

func (a *api) sendProcessStdin(_ context.Context, p []any) (any, error) {
	if err := checkArity(p, 2, 2); err != nil {
		return nil, err
	}
	// Supervisor checks the data before the name.
	chars, err := stringArg(p, 1)
	if err != nil {
		return nil, errdefs.New(errdefs.IncorrectParameters, pyStr(p[1]))
	}
	name, err := stringArg(p, 0)
	if err != nil {
		return nil, err
	}
	if _, isGroup := groupOf(name); isGroup {
		return nil, errdefs.New(errdefs.BadName, name)
	}
	if err := a.s.SendProcessStdin(name, chars); err != nil {
		return nil, err
	}
	return true, nil
}

func (a *api) sendRemoteCommEvent(_ context.Context, p []any) (any, error) {
	if err := checkArity(p, 2, 2); err != nil {
		return nil, err
	}
	typ, err := stringArg(p, 0)
	if err != nil {
		return nil, err
	}
	data, err := stringArg(p, 1)
	if err != nil {
		return nil, err
	}
	if err := a.s.SendRemoteCommEvent(typ, data); err != nil {
		return nil, err
	}
	return true, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// validText turns log bytes into a string that XML can carry. Supervisor
// answers HTTP 500 when a read cuts a multibyte character or meets invalid
// UTF-8; we replace the bad bytes instead, so that a tail keeps working
// (clients track the offset returned, not the text length).
func validText(data []byte) string {
	if utf8.Valid(data) {
		return string(data)
	}
	return strings.ToValidUTF8(string(data), "\uFFFD")
}

func stringList(items []string) []any {
	out := make([]any, len(items))
	for i, s := range items {
		out[i] = s
	}
	return out
}

// resultsOrError converts the engine's results to Supervisor's result
// structs: {name, group, status, description}, in that order.
func resultsOrError(results []supervisor.Result, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	out := make([]any, len(results))
	for i, r := range results {
		out[i] = xmlrpc.Struct{
			{Name: "name", Value: r.Name},
			{Name: "group", Value: r.Group},
			{Name: "status", Value: int(r.Status)},
			{Name: "description", Value: r.Description},
		}
	}
	return out, nil
}

// processInfoStruct builds the getProcessInfo struct with the key order of
// Supervisor 4.2.5 (description last).
func processInfoStruct(info supervisor.ProcessInfo) xmlrpc.Struct {
	return xmlrpc.Struct{
		{Name: "name", Value: info.Name},
		{Name: "group", Value: info.Group},
		{Name: "start", Value: info.Start},
		{Name: "stop", Value: info.Stop},
		{Name: "now", Value: info.Now},
		{Name: "state", Value: info.State},
		{Name: "statename", Value: info.StateName},
		{Name: "spawnerr", Value: info.SpawnErr},
		{Name: "exitstatus", Value: info.ExitStatus},
		{Name: "logfile", Value: info.StdoutLogfile},
		{Name: "stdout_logfile", Value: info.StdoutLogfile},
		{Name: "stderr_logfile", Value: info.StderrLogfile},
		{Name: "pid", Value: info.PID},
		{Name: "description", Value: info.Description},
	}
}

// processInfoWire is the getProcessInfo struct as a tagged Go struct, with
// the members in processInfoStruct's order. The codec writes a slice of
// these in one pass without building member lists, which keeps
// getAllProcessInfo, the call every client polls, cheap.
type processInfoWire struct {
	Name          string `xmlrpc:"name"`
	Group         string `xmlrpc:"group"`
	Start         int64  `xmlrpc:"start"`
	Stop          int64  `xmlrpc:"stop"`
	Now           int64  `xmlrpc:"now"`
	State         int    `xmlrpc:"state"`
	StateName     string `xmlrpc:"statename"`
	SpawnErr      string `xmlrpc:"spawnerr"`
	ExitStatus    int    `xmlrpc:"exitstatus"`
	Logfile       string `xmlrpc:"logfile"`
	StdoutLogfile string `xmlrpc:"stdout_logfile"`
	StderrLogfile string `xmlrpc:"stderr_logfile"`
	PID           int    `xmlrpc:"pid"`
	Description   string `xmlrpc:"description"`
}

func newProcessInfoWire(info supervisor.ProcessInfo) processInfoWire {
	return processInfoWire{
		Name: info.Name, Group: info.Group, Start: info.Start, Stop: info.Stop, Now: info.Now,
		State: info.State, StateName: info.StateName, SpawnErr: info.SpawnErr, ExitStatus: info.ExitStatus,
		Logfile: info.StdoutLogfile, StdoutLogfile: info.StdoutLogfile, StderrLogfile: info.StderrLogfile,
		PID: info.PID, Description: info.Description,
	}
}

// noneIfNil is Supervisor's rendering of an unset (None) value.
func noneIfNil[T any](p *T) any {
	if p == nil {
		return "none"
	}
	return *p
}

// configInfoStruct builds one getAllConfigInfo struct with the key order of
// Supervisor 4.2.5. Unset values are 'none'; an AUTO log file not resolved
// yet arrives from the engine as "auto" already.
func configInfoStruct(ci supervisor.ConfigInfo) xmlrpc.Struct {
	exitcodes := make([]any, len(ci.Exitcodes))
	for i, c := range ci.Exitcodes {
		exitcodes[i] = c
	}
	return xmlrpc.Struct{
		{Name: "autostart", Value: ci.Autostart},
		{Name: "directory", Value: noneIfNil(ci.Directory)},
		{Name: "uid", Value: noneIfNil(ci.UID)},
		{Name: "command", Value: ci.Command},
		{Name: "exitcodes", Value: exitcodes},
		{Name: "group", Value: ci.Group},
		{Name: "group_prio", Value: ci.GroupPrio},
		{Name: "inuse", Value: ci.InUse},
		{Name: "killasgroup", Value: ci.Killasgroup},
		{Name: "name", Value: ci.Name},
		{Name: "process_prio", Value: ci.ProcessPrio},
		{Name: "redirect_stderr", Value: ci.RedirectStderr},
		{Name: "startretries", Value: ci.Startretries},
		{Name: "startsecs", Value: ci.Startsecs},
		{Name: "stdout_capture_maxbytes", Value: ci.Stdout.CaptureMaxbytes},
		{Name: "stdout_events_enabled", Value: ci.Stdout.EventsEnabled},
		{Name: "stdout_logfile", Value: noneIfNil(ci.Stdout.Logfile)},
		{Name: "stdout_logfile_backups", Value: ci.Stdout.LogfileBackups},
		{Name: "stdout_logfile_maxbytes", Value: ci.Stdout.LogfileMaxbytes},
		{Name: "stdout_syslog", Value: ci.Stdout.Syslog},
		{Name: "stopsignal", Value: ci.Stopsignal},
		{Name: "stopwaitsecs", Value: ci.Stopwaitsecs},
		{Name: "stderr_capture_maxbytes", Value: ci.Stderr.CaptureMaxbytes},
		{Name: "stderr_events_enabled", Value: ci.Stderr.EventsEnabled},
		{Name: "stderr_logfile", Value: noneIfNil(ci.Stderr.Logfile)},
		{Name: "stderr_logfile_backups", Value: ci.Stderr.LogfileBackups},
		{Name: "stderr_logfile_maxbytes", Value: ci.Stderr.LogfileMaxbytes},
		{Name: "stderr_syslog", Value: ci.Stderr.Syslog},
		{Name: "serverurl", Value: noneIfNil(ci.ServerURL)},
	}
}
