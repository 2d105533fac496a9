package supvisors

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// checkCalls compares the calls a daemon got after the first before ones,
// the version check left out, with want.
func checkCalls(t *testing.T, line string, d *fakeDaemon, before int, want []string) {
	t.Helper()
	calls := d.Calls()[before:]
	calls = slices.DeleteFunc(calls, func(c string) bool { return c == "supvisors.get_api_version[]" })
	if !slices.Equal(calls, want) && (len(calls) != 0 || len(want) != 0) {
		t.Errorf("%s: calls %q, want %q", line, calls, want)
	}
}

const strategyList = "['CONFIG', 'LESS_LOADED', 'MOST_LOADED', 'LOCAL', 'LESS_LOADED_NODE', 'MOST_LOADED_NODE']"

// The starts with extra arguments join the remaining words with single
// spaces; expected outputs checked against Supvisors 0.19's own plugin.
func TestStartWithArgsCommands(t *testing.T) {
	t.Parallel()
	d := startFake(t, with(map[string]xmlrpc.Handler{
		"supvisors.start_args": func(_ context.Context, p []any) (any, error) {
			if p[0] == "off" {
				return nil, errdefs.New(errdefs.Disabled, "off")
			}
			return true, nil
		},
		"supvisors.start_process": func(_ context.Context, p []any) (any, error) {
			if p[1] == "nope" {
				return nil, errdefs.New(errdefs.BadName, "nope")
			}
			return true, nil
		},
		"supvisors.start_any_process": func(_ context.Context, p []any) (any, error) {
			if p[1] == "^x" {
				return nil, errdefs.New(errdefs.Failed, "no candidate process matching '^x'")
			}
			return "web:front", nil
		},
	}))
	for _, c := range []struct {
		line  string
		want  string
		calls []string // after the version check
	}{
		{"start_args web:front -x  1", "web:front started: True\n[exit code 0]\n",
			[]string{"supvisors.start_args['web:front', '-x 1']"}},
		{"start_args off -x", "off: ERROR (DISABLED: off)\n[exit code 1]\n", []string{"supvisors.start_args['off', '-x']"}},
		{"start_args web:front", "ERROR: start_args requires a process name and extra arguments\n" +
			wantHelp["start_args"] + "[exit code 2]\n", nil},
		{"start_process_args LOCAL web:front -a b", "web:front started: True\n[exit code 0]\n",
			[]string{"supvisors.start_process[3, 'web:front', '-a b']"}},
		{"start_process_args CONFIG nope -a", "nope: ERROR (BAD_NAME: nope)\n[exit code 1]\n",
			[]string{"supvisors.start_process[0, 'nope', '-a']"}},
		{"start_process_args CONFIG web:front", "ERROR: start_process_args requires a strategy, a program namespec and " +
			"extra arguments\n" + wantHelp["start_process_args"] + "[exit code 2]\n", nil},
		{"start_process_args FAST web:front -a", "ERROR: unknown strategy for start_process_args. use one of " +
			strategyList + "\n" + wantHelp["start_process_args"] + "[exit code 2]\n", nil},
		{"start_any_process_args MOST_LOADED ^w -a b", "web:front started\n[exit code 0]\n",
			[]string{"supvisors.start_any_process[2, '^w', '-a b']"}},
		{"start_any_process_args CONFIG ^x -a", `"^x": ERROR (FAILED: no candidate process matching '^x')` +
			"\n[exit code 1]\n", []string{"supvisors.start_any_process[0, '^x', '-a']"}},
		{"start_any_process_args CONFIG ^x", "ERROR: start_any_process_args requires a strategy, a regular expression " +
			"and extra arguments\n" + wantHelp["start_any_process_args"] + "[exit code 2]\n", nil},
		{"start_any_process_args X ^x -a", "ERROR: unknown strategy for start_any_process_args. use one of " +
			strategyList + "\n" + wantHelp["start_any_process_args"] + "[exit code 2]\n", nil},
	} {
		before := len(d.Calls())
		got := supvisorsctl(t, d.url, "", fields(c.line)...)
		if got.transcript() != c.want {
			t.Errorf("%s:\n--- want\n%s--- got\n%s", c.line, c.want, got.transcript())
		}
		checkCalls(t, c.line, d, before, c.calls)
	}
}

// instanceInfo is one member of get_all_instances_info for an instance
// served at url, in state code.
func instanceInfo(t *testing.T, identifier, serverURL string, code int) map[string]any {
	t.Helper()
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	return map[string]any{"identifier": identifier, "nick_identifier": identifier, "node_name": u.Hostname(),
		"port": port, "statecode": code}
}

// all_start and all_start_args reach every CHECKED or RUNNING instance
// directly, without waiting, with the credentials of the main
// connection.
func TestAllStartCommands(t *testing.T) {
	t.Parallel()
	startOK := map[string]xmlrpc.Handler{
		"supervisor.startProcess": answer(true),
		"supvisors.start_args":    answer(true),
	}
	running := startFake(t, startOK)
	checked := startFake(t, map[string]xmlrpc.Handler{
		"supervisor.startProcess": fail(errdefs.AlreadyStarted, "web:front"),
		"supvisors.start_args":    fail(errdefs.Disabled, "web:front"),
	})
	// Instances that are not ready are never called.
	checking, failed := startFake(t, startOK), startFake(t, startOK)
	for _, d := range []*fakeDaemon{running, checked, checking, failed} {
		d.requireAuth("user", "secret")
	}
	main := startFake(t, with(map[string]xmlrpc.Handler{
		"supvisors.get_all_instances_info": answer([]any{
			instanceInfo(t, "checking", checking.url, 1),
			instanceInfo(t, "running", running.url, 3),
			instanceInfo(t, "failed", failed.url, 4),
			instanceInfo(t, "checked", checked.url, 2),
		}),
	}))
	main.requireAuth("user", "secret")
	for _, c := range []struct {
		line    string
		want    string
		running []string // the calls of the RUNNING instance
		checked []string // the calls of the CHECKED instance
	}{
		{"all_start web:front ignored", "web:front started on running: True\n" +
			"web:front: ERROR (ALREADY_STARTED: web:front)\n[exit code 1]\n",
			[]string{"supervisor.startProcess['web:front', False]"},
			[]string{"supervisor.startProcess['web:front', False]"}},
		{"all_start_args web:front -x  1", "web:front started on running: True\n" +
			"web:front: ERROR (DISABLED: web:front)\n[exit code 1]\n",
			[]string{"supvisors.start_args['web:front', '-x 1', False]"},
			[]string{"supvisors.start_args['web:front', '-x 1', False]"}},
		{"all_start", "ERROR: all_start requires a process name\n" + wantHelp["all_start"] + "[exit code 2]\n", nil, nil},
		{"all_start_args web:front", "ERROR: all_start_args requires a process name and extra arguments\n" +
			wantHelp["all_start_args"] + "[exit code 2]\n", nil, nil},
	} {
		beforeRunning, beforeChecked := len(running.Calls()), len(checked.Calls())
		got := supvisorsctl(t, main.url, "", append([]string{"-u", "user", "-p", "secret"}, fields(c.line)...)...)
		if got.transcript() != c.want {
			t.Errorf("%s:\n--- want\n%s--- got\n%s", c.line, c.want, got.transcript())
		}
		checkCalls(t, c.line, running, beforeRunning, c.running)
		checkCalls(t, c.line, checked, beforeChecked, c.checked)
	}
	for _, d := range []*fakeDaemon{checking, failed} {
		if calls := d.Calls(); len(calls) != 0 {
			t.Errorf("an instance that is not ready got %q", calls)
		}
	}
}

// When no instance can take the start, all_start says so; a fault on the
// list of instances is printed first. An instance that cannot be reached
// ends the command as any socket error does.
func TestAllStartWithoutInstances(t *testing.T) {
	t.Parallel()
	idle := startFake(t, with(map[string]xmlrpc.Handler{
		"supvisors.get_all_instances_info": answer([]any{map[string]any{"identifier": "lost", "statecode": 4}}),
	}))
	broken := startFake(t, with(map[string]xmlrpc.Handler{
		"supvisors.get_all_instances_info": fail(errdefs.Failed, "no list"),
	}))
	started := startFake(t, map[string]xmlrpc.Handler{"supervisor.startProcess": answer(true)})
	unreachable := startFake(t, with(map[string]xmlrpc.Handler{
		"supvisors.get_all_instances_info": answer([]any{
			instanceInfo(t, "gone", closedURL(t), 3),
			instanceInfo(t, "here", started.url, 3),
		}),
	}))
	for _, c := range []struct {
		d          *fakeDaemon
		line, want string
	}{
		{idle, "all_start web", "ERROR: no running Supvisors instance\n[exit code 0]\n"},
		{idle, "all_start_args web -x", "ERROR: no running Supvisors instance\n[exit code 0]\n"},
		{broken, "all_start web", "ERROR (FAILED: no list)\nERROR: no running Supvisors instance\n[exit code 1]\n"},
		{unreachable, "all_start web", "error: <class 'ConnectionRefusedError'>, [Errno 111] Connection refused: " +
			"file: /usr/lib/python3.11/socket.py line: 836\n[exit code 1]\n"},
	} {
		got := supvisorsctl(t, c.d.url, "", fields(c.line)...)
		if got.transcript() != c.want {
			t.Errorf("%s:\n--- want\n%s--- got\n%s", c.line, c.want, got.transcript())
		}
	}
	if calls := started.Calls(); len(calls) != 0 {
		t.Errorf("the instance after the unreachable one got %q", calls)
	}
}

// An identifier listed twice is started once, at its first place, on its
// last address, as Supvisors' client builds its table of instances.
func TestAllStartListsEachInstanceOnce(t *testing.T) {
	t.Parallel()
	first, second := startFake(t, map[string]xmlrpc.Handler{"supervisor.startProcess": answer(true)}),
		startFake(t, map[string]xmlrpc.Handler{"supervisor.startProcess": answer(true)})
	other := startFake(t, map[string]xmlrpc.Handler{"supervisor.startProcess": answer(true)})
	main := startFake(t, with(map[string]xmlrpc.Handler{
		"supvisors.get_all_instances_info": answer([]any{
			instanceInfo(t, "a", first.url, 3),
			instanceInfo(t, "b", other.url, 2),
			instanceInfo(t, "a", second.url, 3),
		}),
	}))
	got := supvisorsctl(t, main.url, "", "all_start", "web")
	if want := "web started on a: True\nweb started on b: True\n[exit code 0]\n"; got.transcript() != want {
		t.Errorf("--- want\n%s--- got\n%s", want, got.transcript())
	}
	if len(first.Calls()) != 0 || len(second.Calls()) != 1 || len(other.Calls()) != 1 {
		t.Errorf("calls: first %q, second %q, other %q", first.Calls(), second.Calls(), other.Calls())
	}
}
