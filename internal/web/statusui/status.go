package statusui

import (
	"cmp"
	"context"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strings"

	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/supervisor"
)

// Process state codes as they travel in ProcessInfo.State; they are fixed
// by Supervisor's wire protocol.
const (
	stateStopped = 0
	stateRunning = 20
	stateBackoff = 30
	stateExited  = 100
	stateFatal   = 200
)

// statusPage is the data of the status template.
type statusPage struct {
	Message    string
	HasMessage bool
	// Error replaces the table when the process list cannot be read.
	Error   string
	Rows    []statusRow
	Version string
	Year    int
}

type statusRow struct {
	Shade       bool
	State       string // the state name in lower case
	StateClass  string // statusrunning, statuserror or statusnominal
	Description string
	Namespec    string
	TailHref    string
	Actions     []rowAction
}

// rowAction is one entry of the Action column; a placeholder keeps the
// column aligned where Supervisor leaves a hidden slot.
type rowAction struct {
	Placeholder bool
	Label       string
	Href        string
	NewWindow   bool
}

func stateClass(state int) string {
	switch state {
	case stateRunning:
		return "statusrunning"
	case stateFatal, stateBackoff:
		return "statuserror"
	}
	return "statusnominal"
}

// rowActions lists the actions offered for a process in a given state,
// in Supervisor's order and with its labels.
func rowActions(namespec string, state int) []rowAction {
	q := quote(namespec)
	act := func(label, action string) rowAction {
		return rowAction{Label: label, Href: "index.html?processname=" + q + "&action=" + action}
	}
	placeholder := rowAction{Placeholder: true}
	tails := []rowAction{
		act("Clear Log", "clearlog"),
		{Label: "Tail -f Stdout", Href: "logtail/" + q, NewWindow: true},
		{Label: "Tail -f Stderr", Href: "logtail/" + q + "/stderr", NewWindow: true},
	}
	var head []rowAction
	switch state {
	case stateRunning:
		head = []rowAction{act("Restart", "restart"), act("Stop", "stop")}
	case stateStopped, stateExited, stateFatal:
		head = []rowAction{act("Start", "start"), placeholder}
	default:
		head = []rowAction{placeholder, placeholder}
	}
	return append(head, tails...)
}

// serveStatus renders the status page, or runs the requested action and
// redirects to the page with the outcome as its message.
func (h *handler) serveStatus(w http.ResponseWriter, r *http.Request, f form) {
	if action, ok := f.get("action"); ok {
		if r.Method == http.MethodHead {
			// A HEAD must not change anything.
			w.Header().Set("Allow", "GET, POST")
			http.Error(w, "actions need GET or POST", http.StatusMethodNotAllowed)
			return
		}
		namespec, _ := f.get("processname")
		message, problem := h.runAction(r.Context(), action, namespec)
		if problem != "" {
			// Supervisor raises here and answers 500; the request is
			// what is wrong, so say so with a 400.
			http.Error(w, problem, http.StatusBadRequest)
			return
		}
		h.redirect(w, r, message)
		return
	}
	page := statusPage{Version: h.version, Year: h.now().Year()}
	page.Message, page.HasMessage = f.get("message")
	infos, err := h.engine.AllProcessInfo()
	if err != nil {
		page.Error = "ERROR: " + unexpectedFault(err)
	}
	infos = slices.Clone(infos)
	slices.SortStableFunc(infos, func(a, b supervisor.ProcessInfo) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Name, b.Name))
	})
	for i, info := range infos {
		ns := supervisor.MakeNamespec(info.Group, info.Name)
		page.Rows = append(page.Rows, statusRow{
			Shade:       i%2 == 1,
			State:       strings.ToLower(info.StateName),
			StateClass:  stateClass(info.State),
			Description: info.Description,
			Namespec:    ns,
			TailHref:    "tail.html?processname=" + quote(ns),
			Actions:     rowActions(ns, info.State),
		})
	}
	h.render(w, "status.html", page)
}

// redirect answers an action as Supervisor does: a 301 to the status page
// carrying the message, with no-cache headers.
func (h *handler) redirect(w http.ResponseWriter, r *http.Request, message string) {
	location := serverURL(r) + "/?message=" + quote(message)
	hdr := w.Header()
	hdr.Set("Location", location)
	hdr.Set("Content-Type", "text/html")
	setPageHeaders(hdr)
	w.WriteHeader(http.StatusMovedPermanently)
	_, _ = fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><title>301 Moved Permanently</title></head>"+
		"<body><h1>Moved Permanently</h1><p>Done; back to the <a href=\"%s\">status page</a>.</p></body></html>\n",
		html.EscapeString(location))
}

// runAction carries out action and returns the message to show, or the
// reason why the request cannot be served (an action Supervisor does not
// have, or a process action with no process name). Actions wait for
// their outcome, as Supervisor's deferred RPC calls do, bounded only by
// the request's context.
func (h *handler) runAction(ctx context.Context, action, namespec string) (message, problem string) {
	switch action {
	case "refresh":
		return "Page refreshed at " + ctime(h.now()), ""
	case "stopall":
		if _, err := h.engine.StopAllProcesses(ctx, true); err != nil {
			return "ERROR: " + unexpectedFault(err), ""
		}
		return "All stopped at " + ctime(h.now()), ""
	case "restartall":
		// Per-process failures are ignored, as in Supervisor's multicall.
		if _, err := h.engine.StopAllProcesses(ctx, true); err != nil {
			return "ERROR: " + unexpectedFault(err), ""
		}
		if _, err := h.engine.StartAllProcesses(ctx, true); err != nil {
			return "ERROR: " + unexpectedFault(err), ""
		}
		return "All restarted at " + ctime(h.now()), ""
	}
	if namespec == "" {
		if isProcessAction(action) {
			return "", fmt.Sprintf("Action %q needs a processname", action)
		}
		return "", fmt.Sprintf("Unknown action %q", action)
	}
	// Supervisor checks the name before the action, so an unknown process
	// wins over an unknown action.
	if !h.processExists(namespec) {
		return "No such process named " + namespec, ""
	}
	switch action {
	case "start":
		if err := h.engine.StartProcess(ctx, namespec, true); err != nil {
			return fmt.Sprintf("ERROR: Process %s: %s", namespec, startFailure(err)), ""
		}
		return "Process " + namespec + " started", ""
	case "stop":
		// Supervisor reports stop failures without the "ERROR: Process"
		// prefix; scripts may match either form, so keep it.
		if err := h.engine.StopProcess(ctx, namespec, true); err != nil {
			return unexpectedFault(err), ""
		}
		return "Process " + namespec + " stopped", ""
	case "restart":
		// A multicall of stop and start: each step's failure (say, the
		// process was not running) is ignored.
		if err := h.engine.StopProcess(ctx, namespec, true); err != nil {
			h.log.Debug("web UI restart: stop failed", "process", namespec, "err", err)
		}
		if err := h.engine.StartProcess(ctx, namespec, true); err != nil {
			h.log.Debug("web UI restart: start failed", "process", namespec, "err", err)
		}
		return "Process " + namespec + " restarted", ""
	case "clearlog":
		if err := h.engine.ClearProcessLogs(namespec); err != nil {
			return unexpectedFault(err), ""
		}
		return "Log for " + namespec + " cleared", ""
	}
	return "", fmt.Sprintf("Unknown action %q", action)
}

func isProcessAction(action string) bool {
	switch action {
	case "start", "stop", "restart", "clearlog":
		return true
	}
	return false
}

// processExists tells whether namespec names one process (not a group).
// When the process list cannot be read (the daemon is shutting down), the
// action goes ahead so that the engine reports its own fault.
func (h *handler) processExists(namespec string) bool {
	group, name := supervisor.SplitNamespec(namespec)
	if name == "" {
		return false
	}
	infos, err := h.engine.AllProcessInfo()
	if err != nil {
		return true
	}
	return slices.ContainsFunc(infos, func(i supervisor.ProcessInfo) bool {
		return i.Group == group && i.Name == name
	})
}

// startFailure words a start fault as Supervisor's UI does.
func startFailure(err error) string {
	code, _ := errdefs.CodeOf(err)
	switch code {
	case errdefs.NoFile:
		return "no such file"
	case errdefs.NotExecutable:
		return "file not executable"
	case errdefs.AlreadyStarted:
		return "already started"
	case errdefs.SpawnError:
		return "spawn error"
	case errdefs.AbnormalTermination:
		return "abnormal termination"
	}
	return unexpectedFault(err)
}
