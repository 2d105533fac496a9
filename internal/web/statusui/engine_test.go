package statusui

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/supervisor"
)

// program is a quick process configuration: Supervisor's defaults, but
// startsecs 0 and a short stopwaitsecs.
func program(name, command string) *config.Process {
	return &config.Process{
		Name: name, Group: name, ProgramName: name, Command: command,
		Priority: 999, Autorestart: config.AutoRestartUnexpected,
		Startsecs: 0, Startretries: 3, Exitcodes: []int{0},
		Stopsignal: syscall.SIGTERM, Stopwaitsecs: 2,
		UID: -1, GID: -1, Umask: -1, ServerURL: "AUTO",
		Stdout: config.LogConfig{Logfile: config.AutoLogfile, Maxbytes: 1 << 20, Backups: 1},
		Stderr: config.LogConfig{Logfile: config.AutoLogfile, Maxbytes: 1 << 20, Backups: 1},
	}
}

func group(name string, kind config.GroupKind, procs ...*config.Process) *config.Group {
	for _, p := range procs {
		p.Group = name
	}
	return &config.Group{Name: name, Priority: 999, Kind: kind, Processes: procs}
}

// uiClient drives the UI over a real socket without following redirects.
type uiClient struct {
	t      *testing.T
	ctx    context.Context
	base   string
	client *http.Client
}

func (c *uiClient) get(path string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequestWithContext(c.ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, string(body)
}

// act runs an action and returns the message of its redirect.
func (c *uiClient) act(query string) string {
	c.t.Helper()
	resp, _ := c.get("/index.html?" + query)
	return c.messageOf(query, resp)
}

// postAct runs an action posted as a form.
func (c *uiClient) postAct(form string) string {
	c.t.Helper()
	req, err := http.NewRequestWithContext(c.ctx, http.MethodPost, c.base+"/index.html", strings.NewReader(form))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.client.Do(req)
	if err != nil {
		c.t.Fatalf("POST %s: %v", form, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return c.messageOf(form, resp)
}

func (c *uiClient) messageOf(query string, resp *http.Response) string {
	c.t.Helper()
	loc := resp.Header.Get("Location")
	prefix := c.base + "/?message="
	if resp.StatusCode != http.StatusMovedPermanently || !strings.HasPrefix(loc, prefix) {
		c.t.Fatalf("%s: status %d, Location %q", query, resp.StatusCode, loc)
	}
	msg, err := url.PathUnescape(strings.TrimPrefix(loc, prefix))
	if err != nil {
		c.t.Fatal(err)
	}
	return msg
}

// rows returns "namespec state class" for each row of the status page.
func (c *uiClient) rows() []string {
	c.t.Helper()
	_, body := c.get("/")
	doc := parseXHTML(c.t, body)
	var out []string
	for _, tr := range doc.find(byName("tr")) {
		cells := tr.find(byName("td"))
		if len(cells) != 4 {
			continue
		}
		span := cells[0].find(byName("span"))[0]
		out = append(out, cells[2].content()+" "+span.content()+" "+span.attr["class"])
	}
	return out
}

func TestWithRealEngine(t *testing.T) {
	cfg := &config.Config{
		Supervisord: config.Supervisord{Childlogdir: t.TempDir(), Identifier: "uitest", Umask: 0o022},
		Groups: []*config.Group{
			group("web", config.ProgramGroup, program("web", "sh -c 'echo hello from web; exec sleep 1000'")),
			group("g", config.HeterogeneousGroup, program("a", "sleep 1000"), program("b", "/nonexistent/program")),
		},
	}
	engine, err := supervisor.New(supervisor.Options{
		Config: cfg, Logger: slog.New(slog.DiscardHandler), Environ: os.Environ(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- engine.Run(context.Background()) }()
	defer func() {
		engine.Shutdown()
		select {
		case err := <-runErr:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-ctx.Done():
			t.Error("the engine did not stop")
		}
	}()

	srv := httptest.NewServer(New(engine, Options{Logger: slog.New(slog.DiscardHandler)}))
	defer srv.Close()
	c := &uiClient{t: t, ctx: ctx, base: srv.URL, client: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}

	check := func(got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	checkRows := func(want ...string) {
		t.Helper()
		if got := c.rows(); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}

	checkRows("g:a stopped statusnominal", "g:b stopped statusnominal", "web stopped statusnominal")
	check(c.act("processname=web&action=start"), "Process web started")
	checkRows("g:a stopped statusnominal", "g:b stopped statusnominal", "web running statusrunning")
	check(c.act("processname=web&action=start"), "ERROR: Process web: already started")
	check(c.act("processname=g%3Ab&action=start"), "ERROR: Process g:b: no such file")
	check(c.act("processname=g:*&action=start"), "No such process named g:*")
	check(c.act("processname=g&action=start"), "No such process named g")

	// The child's output reaches its log file asynchronously.
	var tail string
	for !strings.Contains(tail, "hello from web") {
		if ctx.Err() != nil {
			t.Fatalf("the tail page never showed the output; last body:\n%s", tail)
		}
		time.Sleep(20 * time.Millisecond)
		_, tail = c.get("/tail.html?processname=web")
	}
	if _, body := c.get("/tail.html?processname=g:b"); !strings.Contains(body, "No file for g:b") &&
		!strings.Contains(body, `<pre id="tailbody"></pre>`) {
		t.Errorf("tail of a never-started process:\n%s", body)
	}
	if _, body := c.get("/tail.html?processname=nosuch"); !strings.Contains(body, "ERROR: unexpected rpc fault [10] BAD_NAME: nosuch") {
		t.Errorf("tail of an unknown process:\n%s", body)
	}

	before, err := engine.ProcessInfo("web")
	if err != nil {
		t.Fatal(err)
	}
	check(c.act("processname=web&action=restart"), "Process web restarted")
	after, err := engine.ProcessInfo("web")
	if err != nil {
		t.Fatal(err)
	}
	if after.StateName != "RUNNING" || after.PID == before.PID {
		t.Errorf("after restart: %s pid %d (was %d)", after.StateName, after.PID, before.PID)
	}
	check(c.act("processname=web&action=stop"), "Process web stopped")
	check(c.act("processname=web&action=stop"), "unexpected rpc fault [70] NOT_RUNNING: web")
	check(c.act("processname=web&action=clearlog"), "Log for web cleared")
	if _, body := c.get("/tail.html?processname=web"); strings.Contains(body, "hello from web") {
		t.Errorf("the log still has the output after clearlog:\n%s", body)
	}

	if msg := c.act("action=restartall"); !strings.HasPrefix(msg, "All restarted at ") {
		t.Errorf("restartall: %q", msg)
	}
	// g:b cannot start (no such file): it ends FATAL or stays STOPPED.
	rows := c.rows()
	if len(rows) != 3 || rows[0] != "g:a running statusrunning" || rows[2] != "web running statusrunning" {
		t.Errorf("after restartall: %q", rows)
	}
	if msg := c.act("action=stopall"); !strings.HasPrefix(msg, "All stopped at ") {
		t.Errorf("stopall: %q", msg)
	}
	rows = c.rows()
	if len(rows) != 3 || rows[0] != "g:a stopped statusnominal" || rows[2] != "web stopped statusnominal" {
		t.Errorf("after stopall: %q", rows)
	}
}
