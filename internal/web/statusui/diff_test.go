package statusui

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/loopback"
	"github.com/supvisors-go/supvisors/internal/supervisor"
)

// debianSupervisord is the reference implementation.
const debianSupervisord = "/usr/bin/supervisord"

// freePort returns a port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	port, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

const diffConf = `[supervisord]
logfile=%[1]s/supervisord.log
pidfile=%[1]s/supervisord.pid
childlogdir=%[1]s
identifier=uidiff

[inet_http_server]
port=127.0.0.1:%[2]d

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:web]
command=sh -c 'echo hello from web; exec sleep 1000'
autostart=false
startsecs=0
stopwaitsecs=2

[program:nolog]
command=sleep 1000
autostart=false
startsecs=0
stdout_logfile=NONE

[group:g]
programs=a,b

[program:a]
command=sleep 1000
autostart=false
startsecs=0
stopwaitsecs=2

[program:b]
command=/nonexistent/program
autostart=false
`

// startDebian runs Debian's supervisord on conf until the test ends.
func startDebian(t *testing.T, ctx context.Context, conf, base string) {
	t.Helper()
	if _, err := os.Stat(debianSupervisord); err != nil {
		t.Fatalf("%s is needed for the side-by-side comparison: %v", debianSupervisord, err)
	}
	cmd := exec.Command(debianSupervisord, "-n", "-c", conf)
	out, err := os.Create(filepath.Join(filepath.Dir(conf), "supervisord.out"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		out.Close()
	})
	for {
		resp, err := http.Get(base + "/ok.html")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if ctx.Err() != nil {
			log, _ := os.ReadFile(out.Name())
			t.Fatalf("supervisord did not come up: %v\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startOurs runs our engine and UI on the same configuration file.
func startOurs(t *testing.T, ctx context.Context, conf string) string {
	t.Helper()
	cfg, err := config.Load(conf, config.LoadOptions{})
	if err != nil {
		t.Fatalf("config.Load: %v", err)
	}
	// Both daemons would otherwise write the same AUTO log files.
	cfg.Supervisord.Childlogdir = t.TempDir()
	engine, err := supervisor.New(supervisor.Options{Config: cfg, Logger: slog.New(slog.DiscardHandler), Environ: os.Environ()})
	if err != nil {
		t.Fatal(err)
	}
	runErr := make(chan error, 1)
	go func() { runErr <- engine.Run(context.Background()) }()
	t.Cleanup(func() {
		engine.Shutdown()
		select {
		case err := <-runErr:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			// The test's context is over by now: cleanups run after it.
			t.Error("the engine did not stop")
		}
	})
	srv := httptest.NewServer(New(engine, Options{Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(srv.Close)
	return srv.URL
}

var (
	ctimeRE  = regexp.MustCompile(`at [A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d \d{4}$`)
	uptimeRE = regexp.MustCompile(`^pid \d+, uptime [0-9:, a-z]+$`)
	dateRE   = regexp.MustCompile(`^[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M$`)
)

// normalize hides what legitimately differs between two daemons: times,
// pids and uptimes.
func normalize(s string) string {
	s = ctimeRE.ReplaceAllString(s, "at <ctime>")
	s = uptimeRE.ReplaceAllString(s, "pid <pid>, uptime <uptime>")
	return dateRE.ReplaceAllString(s, "<date>")
}

// statusRows describes the status table of a page in a form that does not
// depend on the markup: one line per row with every cell and action.
func statusRows(t *testing.T, page string) []string {
	t.Helper()
	doc := parseXHTML(t, page)
	var out []string
	if strings.Contains(page, "No programs to manage") {
		out = append(out, "No programs to manage")
	}
	for i, tr := range doc.find(byName("tr")) {
		cells := tr.find(byName("td"))
		if len(cells) != 4 {
			continue
		}
		span := cells[0].find(byName("span"))[0]
		name := cells[2].find(byName("a"))[0]
		line := fmt.Sprintf("%d shade=%t | %s %s | %s | %s -> %s %s |", i, tr.attr["class"] == "shade",
			span.content(), span.attr["class"], normalize(cells[1].content()),
			name.content(), name.attr["href"], name.attr["target"])
		for _, li := range cells[3].find(byName("li")) {
			a := li.find(byName("a"))
			if li.attr["class"] == "hidden" || len(a) == 0 || a[0].attr["class"] == "hidden" {
				line += " [-]"
				continue
			}
			line += fmt.Sprintf(" [%s %s %s %s]", a[0].content(), a[0].attr["name"], a[0].attr["href"], a[0].attr["target"])
		}
		out = append(out, line)
	}
	return out
}

// tailView is the tail page without its markup.
func tailView(t *testing.T, page string) string {
	t.Helper()
	doc := parseXHTML(t, page)
	view := doc.one(t, "title", byName("title")).content() + "\n" + doc.find(byName("pre"))[0].text.String()
	for _, a := range doc.find(byName("a")) {
		if strings.HasPrefix(a.attr["href"], "tail.html") {
			view += "\nrefresh: " + a.attr["href"]
		}
	}
	return view
}

// TestMatchesDebianSupervisor drives Debian's supervisord and ours with the
// same configuration file and the same requests, and compares what a user
// or a script sees: redirect messages, status rows, tail pages.
func TestMatchesDebianSupervisor(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	port := freePort(t)
	conf := filepath.Join(dir, "supervisord.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, diffConf, dir, port), 0o644); err != nil {
		t.Fatal(err)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	theirs := &uiClient{t: t, ctx: ctx, base: fmt.Sprintf("http://127.0.0.1:%d", port), client: noRedirect}
	startDebian(t, ctx, conf, theirs.base)
	ours := &uiClient{t: t, ctx: ctx, base: startOurs(t, ctx, conf), client: noRedirect}

	compareRows := func(step string) {
		t.Helper()
		_, a := theirs.get("/")
		_, b := ours.get("/")
		want, got := strings.Join(statusRows(t, a), "\n"), strings.Join(statusRows(t, b), "\n")
		if got != want {
			t.Errorf("%s: status rows differ\nours:\n%s\nsupervisord:\n%s", step, got, want)
		}
	}
	act := func(query string) {
		t.Helper()
		want, got := normalize(theirs.act(query)), normalize(ours.act(query))
		if got != want {
			t.Errorf("%s: message %q, supervisord says %q", query, got, want)
		}
	}
	compareTail := func(query string) {
		t.Helper()
		_, a := theirs.get("/tail.html?" + query)
		_, b := ours.get("/tail.html?" + query)
		if want, got := tailView(t, a), tailView(t, b); got != want {
			t.Errorf("tail %s differs\nours:\n%s\nsupervisord:\n%s", query, got, want)
		}
	}

	start := time.Now()
	defer func() { t.Logf("compared in %v", time.Since(start)) }()
	compareRows("at start")
	act("action=refresh")
	act("processname=web&action=start")
	compareRows("web started")
	act("processname=web&action=start")
	act("processname=g%3Ab&action=start")
	act("processname=g:*&action=start")
	act("processname=g&action=stop")
	act("processname=nosuch&action=bogus")
	act("processname=nolog&action=start")

	// Wait for the output in both logs before comparing the tails.
	for _, c := range []*uiClient{theirs, ours} {
		for {
			if _, body := c.get("/tail.html?processname=web"); strings.Contains(body, "hello from web") {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("%s never showed the output of web", c.base)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for _, q := range []string{"processname=web", "processname=web&limit=5", "processname=web&limit=4096",
		"processname=web&limit=abc", "processname=nosuch", "processname=g:*", "", "processname=", "processname=nolog", "processname=g:b"} {
		compareTail(q)
	}

	if want, got := theirs.postAct("processname=web&action=stop"), ours.postAct("processname=web&action=stop"); got != want {
		t.Errorf("posted stop: message %q, supervisord says %q", got, want)
	}
	act("processname=web&action=stop")
	compareRows("web stopped")
	act("processname=web&action=clearlog")
	act("processname=web&action=restart")
	act("processname=g:a&action=restart")
	compareRows("after restarts")
	act("action=restartall")
	compareRows("after restartall")
	act("action=stopall")
	compareRows("after stopall")

	msgPath := "/?message=" + quote(`<b>"done" & 'ok'</b> é`)
	_, a := theirs.get(msgPath)
	_, b := ours.get(msgPath)
	want := parseXHTML(t, a).one(t, "status_msg", byClass("status_msg")).content()
	if got := parseXHTML(t, b).one(t, "status_msg", byClass("status_msg")).content(); got != want {
		t.Errorf("status_msg %q, supervisord shows %q", got, want)
	}

	// Supervisor answers an unknown action with a 500; we answer 400.
	if resp, _ := theirs.get("/index.html?processname=web&action=bogus"); resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("supervisord answered an unknown action with %d", resp.StatusCode)
	}
	if resp, _ := ours.get("/index.html?processname=web&action=bogus"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("we answered an unknown action with %d", resp.StatusCode)
	}
	for _, c := range []*uiClient{theirs, ours} {
		if resp, body := c.get("/ok.html"); resp.StatusCode != http.StatusOK || body != "OK" {
			t.Errorf("%s/ok.html: %d %q", c.base, resp.StatusCode, body)
		}
	}
}
