package ctl

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/pyfmt"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

func TestParseLine(t *testing.T) {
	for _, c := range []struct {
		line, cmd, arg, whole string
		ok                    bool
	}{
		{"  status  foo ", "status", "foo", "status  foo", true},
		{"status-x", "status", "-x", "status-x", true},
		{"?start", "help", "start", "help start", true},
		{"!ls", "", "", "!ls", false},
		{"-x", "", "-x", "-x", true},
		{"", "", "", "", false},
	} {
		cmd, arg, whole, ok := parseLine(c.line)
		if cmd != c.cmd || arg != c.arg || whole != c.whole || ok != c.ok {
			t.Errorf("parseLine(%q) = %q %q %q %v, want %q %q %q %v", c.line, cmd, arg, whole, ok, c.cmd, c.arg, c.whole, c.ok)
		}
	}
}

func TestColumnize(t *testing.T) {
	names := strings.Fields("add avail clear exit fg maintail open pid quit reload remove reread restart shutdown signal start status stop tail update version")
	var b strings.Builder
	columnize(&b, names, 79)
	// The layout Python's cmd module gives these names (trailing spaces
	// included).
	want := "add    exit      open  reload  restart   start   tail   \n" +
		"avail  fg        pid   remove  shutdown  status  update \n" +
		"clear  maintail  quit  reread  signal    stop    version\n"
	if b.String() != want {
		t.Errorf("columnize:\n%q\nwant\n%q", b.String(), want)
	}
}

func TestGetopt(t *testing.T) {
	for _, c := range []struct {
		args []string
		err  string
		rest []string
	}{
		{args: []string{"-x"}, err: "option -x not recognized"},
		{args: []string{"-c"}, err: "option -c requires argument"},
		{args: []string{"--nope"}, err: "option --nope not recognized"},
		{args: []string{"--h"}, err: "option --h not a unique prefix"},
		{args: []string{"--interactive=1"}, err: "option --interactive must not have an argument"},
		{args: []string{"-ic", "f", "status", "-x"}, rest: []string{"status", "-x"}},
		{args: []string{"--serv=u", "--", "-x"}, rest: []string{"-x"}},
	} {
		_, rest, err := getopt(c.args)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("getopt(%q) error = %v, want %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil || strings.Join(rest, " ") != strings.Join(c.rest, " ") {
			t.Errorf("getopt(%q) = %q, %v; want %q", c.args, rest, err, c.rest)
		}
	}
}

func TestParseINI(t *testing.T) {
	src := "[DEFAULT]\nprompt=dflt\n[supervisorctl]\nserverurl = unix:///x.sock ; comment\nusername:bob#not a comment\n" +
		"history_file=\n  a\n\n  b\n; full comment\n[ctlplugin:p]\nsupervisor.ctl_factory=m:f\n"
	f, err := parseINI(strings.NewReader(src), "t.conf")
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"serverurl":    "unix:///x.sock",
		"username":     "bob#not a comment",
		"history_file": "\na\n\nb",
		"prompt":       "dflt",
	} {
		if got, _ := f.get("supervisorctl", key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	if got := f.options("ctlplugin:p"); strings.Join(got, ",") != "supervisor.ctl_factory,prompt" {
		t.Errorf("options = %q", got)
	}
	if _, err := parseINI(strings.NewReader("key=value\n"), "t.conf"); err == nil {
		t.Error("a key before any section must fail")
	}
}

func TestExpandPercent(t *testing.T) {
	vars := map[string]string{"here": "/etc", "ENV_X": "1"}
	if got, err := expandPercent("%(here)s/a%%b%(ENV_X)s", vars, "o"); err != nil || got != "/etc/a%b1" {
		t.Errorf("got %q, %v", got, err)
	}
	_, err := expandPercent("%(nope)s", vars, "supervisorctl.serverurl")
	want := "Format string '%(nope)s' for 'supervisorctl.serverurl' contains names ('nope') which cannot be expanded. Available names: ENV_X, here"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestPyRepr(t *testing.T) {
	for in, want := range map[string]string{
		"abc":    "'abc'",
		"it's":   `"it's"`,
		"a\nb\\": `'a\nb\\'`,
		`'"`:     `'\'"'`,
	} {
		if got := pyfmt.Repr(in); got != want {
			t.Errorf("pyfmt.Repr(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestDescribeError(t *testing.T) {
	f := &xmlrpc.Fault{Code: errdefs.BadName, String: "BAD_NAME: x"}
	want := "error: <class 'xmlrpc.client.Fault'>, <Fault 10: 'BAD_NAME: x'>: file: /usr/lib/python3.11/xmlrpc/client.py line: 668"
	if got := describeError(f); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// newTestController builds a controller with no daemon behind it.
func newTestController(t *testing.T, stdin string) (*Controller, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	opts := &Options{ServerURL: "http://127.0.0.1:1", Prompt: "supervisor"}
	c, err := newController(opts, newPlainSource(strings.NewReader(stdin), &out, &out), &out, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.close)
	return c, &out
}

func TestComplete(t *testing.T) {
	c, _ := newTestController(t, "")
	c.completeInfo = []map[string]any{
		{"group": "sleeper", "name": "sleeper"},
		{"group": "grp", "name": "a"},
		{"group": "grp", "name": "b"},
	}
	for _, tc := range []struct {
		text, line string
		want       []string
	}{
		{"", "", c.completeActions("")},
		{"sta", "sta", []string{"start ", "status "}},
		{"", "help ", c.completeActions("")},
		{"g", "start g", []string{"grp:a ", "grp:* ", "grp:b "}},
		{"s", "stop s", []string{"sleeper "}},
		{"sleeper:", "stop sleeper:", []string{"sleeper:sleeper ", "sleeper:* "}},
		{"", "update ", []string{"sleeper ", "grp "}},
		{"", "version ", nil},
	} {
		// Keep the cache: completion must not call the (absent) daemon.
		got := c.Complete(tc.text, tc.line)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("Complete(%q, %q) = %q, want %q", tc.text, tc.line, got, tc.want)
		}
	}
	head, got, tail := c.completeWord("start grp:a x", 11)
	if head != "start " || strings.Join(got, "|") != "grp:a " || tail != " x" {
		t.Errorf("completeWord = %q %q %q", head, got, tail)
	}
}

// TestPlugin checks that a registered plugin's commands run, appear in
// help and in completion, without any [ctlplugin:x] section.
var registerTestPlugin sync.Once

func TestPlugin(t *testing.T) {
	registerTestPlugin.Do(func() {
		RegisterPlugin("tests.plugin:factory", "testplug", true, func(c *Controller, extra map[string]string) (Plugin, error) {
			return testPlugin{c}, nil
		})
	})
	c, out := newTestController(t, "")
	c.OneCmd(context.Background(), "greet world")
	c.OneCmd(context.Background(), "help greet")
	c.OneCmd(context.Background(), "help")
	got := out.String()
	for _, want := range []string{"hello world\n", "greet <who>\tSay hello\n", "*** No help on greet\n",
		"testplug commands (type help <topic>):\n" + strings.Repeat("=", 38) + "\ngreet\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if m := c.Complete("gr", "gr"); strings.Join(m, "|") != "greet " {
		t.Errorf("completion = %q", m)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a factory twice must panic")
		}
	}()
	RegisterPlugin("tests.plugin:factory", "again", false, nil)
}

type testPlugin struct{ c *Controller }

func (p testPlugin) Commands() []Command {
	return []Command{{
		Name: "greet",
		Run: func(_ context.Context, arg string) error {
			p.c.Output("hello " + arg)
			return nil
		},
		Help: func() { p.c.Output("greet <who>\tSay hello") },
	}}
}

// TestQuitAndErrors checks the shell words and the error reporting that
// need no daemon.
func TestQuitAndErrors(t *testing.T) {
	c, out := newTestController(t, "")
	if !c.OneCmd(context.Background(), "quit") || !c.OneCmd(context.Background(), "EOF") {
		t.Error("quit and EOF must end the shell")
	}
	if c.OneCmd(context.Background(), "nosuch") || c.ExitStatus() != ExitGeneric {
		t.Errorf("unknown syntax: exit status %d", c.ExitStatus())
	}
	c.SetExitStatus(0)
	c.OneCmd(context.Background(), "avail")
	if !strings.Contains(out.String(), "error: <class 'ConnectionRefusedError'>, [Errno 111] Connection refused") {
		t.Errorf("output:\n%s", out.String())
	}
	c.SetExitStatusFromFault(errdefs.NotRunning)
	if c.ExitStatus() != ExitNotRunning {
		t.Errorf("exit status %d", c.ExitStatus())
	}
	c.SetExitStatus(0)
	c.SetExitStatusFromFault(errdefs.AlreadyStarted, errdefs.AlreadyStarted)
	if c.ExitStatus() != 0 {
		t.Errorf("ignored fault changed the status to %d", c.ExitStatus())
	}
	if !errors.Is(c.doEOF(context.Background(), ""), ErrQuit) {
		t.Error("EOF must quit")
	}
}

// TestPlainSource checks the piped input reader: lines, EOF that stays
// EOF, and a read abandoned by its context.
func TestPlainSource(t *testing.T) {
	var out bytes.Buffer
	s := newPlainSource(strings.NewReader("one\ntwo"), &out, &out)
	defer s.close()
	for _, want := range []string{"one", "two"} {
		if got, err := s.ReadLine("> "); got != want || err != nil {
			t.Errorf("ReadLine = %q, %v; want %q", got, err, want)
		}
	}
	for range 2 {
		if _, err := s.ReadLine("> "); err == nil {
			t.Error("want EOF")
		}
	}
	if out.String() != "> > > > " {
		t.Errorf("prompts = %q", out.String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	blocked := newPlainSource(strings.NewReader(""), &out, &out)
	if _, err := blocked.ReadLineContext(ctx, ""); err == nil {
		t.Error("a cancelled read must fail")
	}
}
