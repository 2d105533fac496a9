package statusui

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/supervisor"
)

// The real engine must fit the interface.
var _ Engine = (*supervisor.Supervisor)(nil)

func info(group, name, state string, code int, desc string) supervisor.ProcessInfo {
	return supervisor.ProcessInfo{Group: group, Name: name, StateName: state, State: code, Description: desc}
}

func checkPageHeaders(t *testing.T, resp *http.Response, contentType string) {
	t.Helper()
	want := map[string]string{
		"Content-Type":  contentType,
		"Pragma":        "no-cache",
		"Cache-Control": "no-cache",
		"Expires":       "Thu, 01 Jan 1970 00:00:00 GMT",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
}

func TestStatusPageRows(t *testing.T) {
	e := &fakeEngine{infos: []supervisor.ProcessInfo{
		// Deliberately out of order: the page sorts by group, then name.
		info("web", "web", "STOPPED", 0, "Not started"),
		info("g", "b", "FATAL", 200, "Exited too quickly (process log may have details)"),
		info("g", "a", "RUNNING", 20, "pid 42, uptime 0:00:07"),
		info("bk", "bk", "BACKOFF", 30, `unknown error (try "tail bk")`),
		info("st", "st", "STARTING", 10, ""),
		info("ex", "ex", "EXITED", 100, "Nov 23 08:40 PM"),
		info("sp", "sp", "STOPPING", 40, ""),
		info("odd", "x <&> y", "UNKNOWN", 1000, "<b>&</b>"),
	}}
	resp := do(t, newTestHandler(e), http.MethodGet, "/", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	checkPageHeaders(t, resp, "text/html;charset=utf-8")
	body := readBody(t, resp)
	doc := parseXHTML(t, body)

	if title := doc.one(t, "title", byName("title")).content(); title != "Supervisor Status" {
		t.Errorf("title %q", title)
	}
	table := doc.one(t, "#statustable", byID("statustable"))
	var heads []string
	for _, th := range table.find(byName("th")) {
		heads = append(heads, th.content())
	}
	if want := []string{"State", "Description", "Name", "Action"}; !slices.Equal(heads, want) {
		t.Errorf("columns %q, want %q", heads, want)
	}
	for _, b := range []struct{ label, href string }{
		{"Refresh", "index.html?action=refresh"},
		{"Restart All", "index.html?action=restartall"},
		{"Stop All", "index.html?action=stopall"},
	} {
		a := doc.one(t, b.label+" button", func(n *node) bool { return n.name == "a" && n.content() == b.label })
		if a.attr["href"] != b.href {
			t.Errorf("%s links to %q, want %q", b.label, a.attr["href"], b.href)
		}
	}

	type rowWant struct {
		state, class, desc, name string
		actions                  []string // labels; "-" is a placeholder
	}
	full := func(head ...string) []string {
		return append(head, "Clear Log", "Tail -f Stdout", "Tail -f Stderr")
	}
	want := []rowWant{
		{"backoff", "statuserror", `unknown error (try "tail bk")`, "bk", full("-", "-")},
		{"exited", "statusnominal", "Nov 23 08:40 PM", "ex", full("Start", "-")},
		{"running", "statusrunning", "pid 42, uptime 0:00:07", "g:a", full("Restart", "Stop")},
		{"fatal", "statuserror", "Exited too quickly (process log may have details)", "g:b", full("Start", "-")},
		{"unknown", "statusnominal", "<b>&</b>", "odd:x <&> y", full("-", "-")},
		{"stopping", "statusnominal", "", "sp", full("-", "-")},
		{"starting", "statusnominal", "", "st", full("-", "-")},
		{"stopped", "statusnominal", "Not started", "web", full("Start", "-")},
	}
	rows := table.one(t, "tbody", byName("tbody")).find(byName("tr"))
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, row := range rows {
		w := want[i]
		cells := row.find(byName("td"))
		if len(cells) != 4 {
			t.Fatalf("row %d has %d cells", i, len(cells))
		}
		if shaded := row.attr["class"] == "shade"; shaded != (i%2 == 1) {
			t.Errorf("row %d shade=%t", i, shaded)
		}
		span := cells[0].one(t, "state span", byName("span"))
		if span.content() != w.state || span.attr["class"] != w.class {
			t.Errorf("row %d state %q class %q, want %q %q", i, span.content(), span.attr["class"], w.state, w.class)
		}
		if got := cells[1].content(); got != w.desc {
			t.Errorf("row %d description %q, want %q", i, got, w.desc)
		}
		link := cells[2].one(t, "name link", byName("a"))
		if link.content() != w.name || link.attr["href"] != "tail.html?processname="+quote(w.name) ||
			link.attr["target"] != "_blank" {
			t.Errorf("row %d name link %q -> %q target %q", i, link.content(), link.attr["href"], link.attr["target"])
		}
		var labels []string
		for _, li := range cells[3].find(byName("li")) {
			a := li.find(byName("a"))
			if len(a) == 0 {
				if li.attr["class"] != "hidden" {
					t.Errorf("row %d: an empty action slot is not hidden", i)
				}
				labels = append(labels, "-")
				continue
			}
			labels = append(labels, a[0].content())
			if a[0].attr["name"] != a[0].content() {
				t.Errorf("row %d: action %q has name %q", i, a[0].content(), a[0].attr["name"])
			}
		}
		if !slices.Equal(labels, w.actions) {
			t.Errorf("row %d actions %q, want %q", i, labels, w.actions)
		}
	}

	// The exact link targets of one row, as the raw markup has them.
	for _, frag := range []string{
		`href="index.html?processname=g%3Aa&amp;action=restart" name="Restart"`,
		`href="index.html?processname=g%3Aa&amp;action=stop" name="Stop"`,
		`href="index.html?processname=g%3Aa&amp;action=clearlog" name="Clear Log"`,
		`href="logtail/g%3Aa" name="Tail -f Stdout" target="_blank"`,
		`href="logtail/g%3Aa/stderr" name="Tail -f Stderr" target="_blank"`,
		`href="tail.html?processname=g%3Aa" target="_blank"`,
		`href="index.html?processname=web&amp;action=start" name="Start"`,
		`href="tail.html?processname=odd%3Ax%20%3C%26%3E%20y"`,
		`&lt;b&gt;&amp;&lt;/b&gt;`,
	} {
		if !strings.Contains(body, frag) {
			t.Errorf("page lacks %s", frag)
		}
	}
	if strings.Contains(body, "<b>&") {
		t.Error("a description was not escaped")
	}
	footer := doc.one(t, "footer", byID("footer")).content()
	if !strings.Contains(footer, "4.2.5") || !strings.Contains(footer, strconv.Itoa(fixedNow.Year())) {
		t.Errorf("footer %q lacks the version or the year", footer)
	}
	if strings.Contains(body, "status_msg") {
		t.Error("a status message without ?message=")
	}
}

func TestStatusPageEmptyAndMessage(t *testing.T) {
	h := newTestHandler(&fakeEngine{})
	for _, target := range []string{"/", "/index.html", "//index.html"} {
		resp := do(t, h, http.MethodGet, target, nil)
		body := readBody(t, resp)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "No programs to manage") {
			t.Errorf("GET %s: %d, no 'No programs to manage'", target, resp.StatusCode)
		}
		if strings.Contains(body, "<table") {
			t.Errorf("GET %s: a table with no programs", target)
		}
	}

	resp := do(t, h, http.MethodGet, "/?message=%3Cscript%3Ealert(1)%3C/script%3E%20done", nil)
	body := readBody(t, resp)
	doc := parseXHTML(t, body)
	msg := doc.one(t, "status_msg", byClass("status_msg"))
	if msg.name != "div" || msg.content() != "<script>alert(1)</script> done" {
		t.Errorf("status_msg %s %q", msg.name, msg.content())
	}
	if strings.Contains(body, "<script>") {
		t.Error("the message was not escaped")
	}
	// A blank message is no message, as with Python's parse_qs.
	if body := readBody(t, do(t, h, http.MethodGet, "/?message=", nil)); strings.Contains(body, "status_msg") {
		t.Error("a status_msg div for a blank message")
	}
}

func TestStatusPageEngineError(t *testing.T) {
	h := newTestHandler(&fakeEngine{infoErr: errdefs.New(errdefs.ShutdownState, "")})
	resp := do(t, h, http.MethodGet, "/", nil)
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "ERROR: unexpected rpc fault [6] SHUTDOWN_STATE") {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
	if strings.Contains(body, "No programs to manage") {
		t.Error("a failure shown as an empty table")
	}
}

func TestActions(t *testing.T) {
	const ctimeNow = "Tue Nov  3 22:59:39 2026"
	abnormal := errdefs.New(errdefs.AbnormalTermination, "g:a")
	tests := []struct {
		name   string
		query  string
		setup  func(*fakeEngine)
		want   string
		calls  []string
		status int    // when not a redirect
		reason string // in the body of a non-redirect
	}{
		{name: "refresh", query: "action=refresh", want: "Page refreshed at " + ctimeNow},
		{name: "refresh wins over a process", query: "action=refresh&processname=nosuch", want: "Page refreshed at " + ctimeNow},
		{name: "stopall", query: "action=stopall", want: "All stopped at " + ctimeNow, calls: []string{"stopall wait=true"}},
		{name: "restartall", query: "action=restartall", want: "All restarted at " + ctimeNow,
			calls: []string{"stopall wait=true", "startall wait=true"}},
		{name: "stopall while shutting down", query: "action=stopall",
			setup: func(e *fakeEngine) { e.allErr = errdefs.New(errdefs.ShutdownState, "") },
			want:  "ERROR: unexpected rpc fault [6] SHUTDOWN_STATE", calls: []string{"stopall wait=true"}},
		{name: "start", query: "processname=g:a&action=start", want: "Process g:a started", calls: []string{"start g:a wait=true"}},
		{name: "start quoted name", query: "processname=g%3Aa&action=start", want: "Process g:a started", calls: []string{"start g:a wait=true"}},
		{name: "start no file", query: "processname=web&action=start",
			setup: func(e *fakeEngine) {
				e.startErr = map[string]error{"web": errdefs.New(errdefs.NoFile, "no such file /x")}
			},
			want: "ERROR: Process web: no such file", calls: []string{"start web wait=true"}},
		{name: "start not executable", query: "processname=web&action=start",
			setup: func(e *fakeEngine) { e.startErr = map[string]error{"web": errdefs.New(errdefs.NotExecutable, "/x")} },
			want:  "ERROR: Process web: file not executable", calls: []string{"start web wait=true"}},
		{name: "start already started", query: "processname=web&action=start",
			setup: func(e *fakeEngine) { e.startErr = map[string]error{"web": errdefs.New(errdefs.AlreadyStarted, "web")} },
			want:  "ERROR: Process web: already started", calls: []string{"start web wait=true"}},
		{name: "start spawn error", query: "processname=web&action=start",
			setup: func(e *fakeEngine) { e.startErr = map[string]error{"web": errdefs.New(errdefs.SpawnError, "web")} },
			want:  "ERROR: Process web: spawn error", calls: []string{"start web wait=true"}},
		{name: "start abnormal termination", query: "processname=g:a&action=start",
			setup: func(e *fakeEngine) { e.startErr = map[string]error{"g:a": abnormal} },
			want:  "ERROR: Process g:a: abnormal termination", calls: []string{"start g:a wait=true"}},
		{name: "start other fault", query: "processname=web&action=start",
			setup: func(e *fakeEngine) {
				e.startErr = map[string]error{"web": errdefs.New(errdefs.Failed, "web is in an unknown process state")}
			},
			want:  "ERROR: Process web: unexpected rpc fault [30] FAILED: web is in an unknown process state",
			calls: []string{"start web wait=true"}},
		{name: "start plain error", query: "processname=web&action=start",
			setup: func(e *fakeEngine) { e.startErr = map[string]error{"web": errors.New("boom")} },
			want:  "ERROR: Process web: unexpected rpc fault [30] FAILED: boom", calls: []string{"start web wait=true"}},
		{name: "stop", query: "processname=g:a&action=stop", want: "Process g:a stopped", calls: []string{"stop g:a wait=true"}},
		{name: "stop not running", query: "processname=web&action=stop",
			setup: func(e *fakeEngine) { e.stopErr = map[string]error{"web": errdefs.New(errdefs.NotRunning, "web")} },
			want:  "unexpected rpc fault [70] NOT_RUNNING: web", calls: []string{"stop web wait=true"}},
		{name: "restart", query: "processname=g:a&action=restart", want: "Process g:a restarted",
			calls: []string{"stop g:a wait=true", "start g:a wait=true"}},
		{name: "restart of a stopped process", query: "processname=web&action=restart",
			setup: func(e *fakeEngine) { e.stopErr = map[string]error{"web": errdefs.New(errdefs.NotRunning, "web")} },
			want:  "Process web restarted", calls: []string{"stop web wait=true", "start web wait=true"}},
		{name: "clearlog", query: "processname=web&action=clearlog", want: "Log for web cleared", calls: []string{"clearlog web"}},
		{name: "clearlog failure", query: "processname=web&action=clearlog",
			setup: func(e *fakeEngine) { e.clearErr = map[string]error{"web": errdefs.New(errdefs.Failed, "web")} },
			want:  "unexpected rpc fault [30] FAILED: web", calls: []string{"clearlog web"}},
		{name: "unknown process", query: "processname=nosuch&action=start", want: "No such process named nosuch"},
		{name: "group spec", query: "processname=g:*&action=stop", want: "No such process named g:*"},
		{name: "group colon", query: "processname=g:&action=stop", want: "No such process named g:"},
		{name: "bare group name", query: "processname=g&action=stop", want: "No such process named g"},
		{name: "special characters", query: "processname=" + quote("x/ é&?<>") + "&action=start",
			want: "No such process named x/ é&?<>"},
		{name: "unknown process wins over unknown action", query: "processname=nosuch&action=bogus",
			want: "No such process named nosuch"},
		{name: "unknown action", query: "processname=web&action=bogus", status: http.StatusBadRequest,
			reason: `Unknown action "bogus"`},
		{name: "unknown action without process", query: "action=bogus", status: http.StatusBadRequest,
			reason: `Unknown action "bogus"`},
		{name: "process action without process", query: "action=start", status: http.StatusBadRequest,
			reason: `Action "start" needs a processname`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &fakeEngine{infos: []supervisor.ProcessInfo{
				info("g", "a", "RUNNING", 20, "pid 1, uptime 0:00:01"),
				info("g", "b", "STOPPED", 0, "Not started"),
				info("web", "web", "STOPPED", 0, "Not started"),
			}}
			if tt.setup != nil {
				tt.setup(e)
			}
			resp := do(t, newTestHandler(e), http.MethodGet, "/index.html?"+tt.query, nil)
			if tt.status != 0 {
				body := readBody(t, resp)
				if resp.StatusCode != tt.status {
					t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tt.status, body)
				}
				if !strings.Contains(body, tt.reason) {
					t.Errorf("body %q does not say what is wrong", body)
				}
			} else {
				if got := messageOf(t, resp); got != tt.want {
					t.Errorf("message %q, want %q", got, tt.want)
				}
				checkPageHeaders(t, resp, "text/html")
			}
			if got := e.recorded(); !slices.Equal(got, tt.calls) {
				t.Errorf("engine calls %q, want %q", got, tt.calls)
			}
		})
	}
}

func TestActionRedirectLocation(t *testing.T) {
	h := newTestHandler(&fakeEngine{infos: []supervisor.ProcessInfo{info("web", "web", "STOPPED", 0, "")}})
	tests := []struct{ host, want string }{
		{"example.com", "http://example.com/?message=Process%20web%20started"},
		{"example.com:80", "http://example.com/?message=Process%20web%20started"},
		{"127.0.0.1:9001", "http://127.0.0.1:9001/?message=Process%20web%20started"},
		{"[::1]:9001", "http://[::1]:9001/?message=Process%20web%20started"},
		{"localhost", "http://localhost/?message=Process%20web%20started"},
	}
	for _, tt := range tests {
		req := newRequest(http.MethodGet, "/index.html?processname=web&action=start", nil)
		req.Host = tt.host
		resp := serve(h, req)
		if got := resp.Header.Get("Location"); got != tt.want {
			t.Errorf("Host %q: Location %q, want %q", tt.host, got, tt.want)
		}
		if resp.StatusCode != http.StatusMovedPermanently {
			t.Errorf("Host %q: status %d", tt.host, resp.StatusCode)
		}
	}
}

func TestActionByPOST(t *testing.T) {
	e := &fakeEngine{infos: []supervisor.ProcessInfo{info("web", "web", "RUNNING", 20, ""), info("db", "db", "RUNNING", 20, "")}}
	h := newTestHandler(e)
	// The posted fields win over the query string's.
	resp := do(t, h, http.MethodPost, "/index.html?processname=db&action=start",
		strings.NewReader("processname=web&action=stop"))
	if got := messageOf(t, resp); got != "Process web stopped" {
		t.Errorf("message %q", got)
	}
	// Supervisor reads the body as a form whatever its declared type.
	req := newRequest(http.MethodPost, "/", strings.NewReader("action=stop&processname=db"))
	req.Header.Set("Content-Type", "text/plain")
	if got := messageOf(t, serve(h, req)); got != "Process db stopped" {
		t.Errorf("message %q", got)
	}
	if got := e.recorded(); !slices.Equal(got, []string{"stop web wait=true", "stop db wait=true"}) {
		t.Errorf("calls %q", got)
	}
	big := strings.NewReader("action=refresh&x=" + strings.Repeat("a", maxFormBytes))
	if resp := do(t, h, http.MethodPost, "/", big); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("oversized form: status %d", resp.StatusCode)
	}
}

func TestHeadDoesNotAct(t *testing.T) {
	e := &fakeEngine{infos: []supervisor.ProcessInfo{info("web", "web", "RUNNING", 20, "")}}
	h := newTestHandler(e)
	if resp := do(t, h, http.MethodHead, "/index.html?processname=web&action=stop", nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("HEAD with an action: %d", resp.StatusCode)
	}
	if resp := do(t, h, http.MethodHead, "/", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("HEAD /: %d", resp.StatusCode)
	}
	if calls := e.recorded(); len(calls) != 0 {
		t.Errorf("HEAD called the engine: %q", calls)
	}
}
