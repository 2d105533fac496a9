package supvisors

import (
	"context"
	"slices"
	"testing"

	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// controlDaemon knows applications "web" and "db" (managed) and "tools"
// (not), and processes in several states; start_any_process and the
// restart of db fail.
func controlDaemon(t *testing.T) *fakeDaemon {
	t.Helper()
	proc := func(app, name string, code int) map[string]any {
		return map[string]any{"application_name": app, "process_name": name, "statecode": code}
	}
	return startFake(t, with(map[string]xmlrpc.Handler{
		"supvisors.get_all_applications_info": answer([]any{
			map[string]any{"application_name": "web", "managed": true},
			map[string]any{"application_name": "tools", "managed": false},
			map[string]any{"application_name": "db", "managed": true},
		}),
		"supvisors.get_all_process_info": answer([]any{
			proc("web", "front", 20), proc("web", "back", 0), proc("db", "db", 10), proc("tools", "t", 100),
		}),
		"supvisors.start_application": answer(true),
		"supvisors.stop_application":  answer(true),
		"supvisors.restart_application": func(_ context.Context, p []any) (any, error) {
			if p[1] == "db" {
				return nil, errdefs.New(errdefs.AbnormalTermination, "db")
			}
			return true, nil
		},
		"supvisors.start_process":     answer(true),
		"supvisors.stop_process":      answer(true),
		"supvisors.restart_process":   answer(true),
		"supvisors.start_any_process": fail(errdefs.Failed, "no candidate process matching '^x'"),
		"supvisors.conciliate":        answer(false),
		"supvisors.restart_sequence":  answer(true),
	}))
}

func TestControlCommands(t *testing.T) {
	t.Parallel()
	d := controlDaemon(t)
	for _, c := range []struct {
		line  string
		want  string
		calls []string // after the version check
	}{
		{"start_application LESS_LOADED", "db started: True\nweb started: True\n[exit code 0]\n",
			[]string{"supvisors.get_all_applications_info[]", "supvisors.start_application[1, 'db']",
				"supvisors.start_application[1, 'web']"}},
		{"start_application CONFIG web tools nope",
			"tools: IGNORED (unmanaged. use start tools:*)\nnope: ERROR (no such application)\nweb started: True\n[exit code 2]\n",
			[]string{"supvisors.get_all_applications_info[]", "supvisors.start_application[0, 'web']"}},
		{"start_application", "ERROR: start_application requires at least a strategy\n" + wantHelp["start_application"] +
			"[exit code 2]\n", nil},
		{"start_application FAST web", "ERROR: unknown strategy for start_application. use one of ['CONFIG', 'LESS_LOADED', " +
			"'MOST_LOADED', 'LOCAL', 'LESS_LOADED_NODE', 'MOST_LOADED_NODE']\n" + wantHelp["start_application"] + "[exit code 2]\n", nil},
		{"restart_application LOCAL all",
			"db: ERROR (ABNORMAL_TERMINATION: db)\nweb restarted: True\n[exit code 1]\n",
			[]string{"supvisors.get_all_applications_info[]", "supvisors.restart_application[3, 'db']",
				"supvisors.restart_application[3, 'web']"}},
		{"stop_application tools", "tools: IGNORED (unmanaged. use stop tools:*)\n[exit code 0]\n",
			[]string{"supvisors.get_all_applications_info[]"}},
		{"start_process CONFIG web:front db", "db started: True\nweb:front started: True\n[exit code 0]\n",
			[]string{"supvisors.start_process[0, 'db']", "supvisors.start_process[0, 'web:front']"}},
		{"stop_process", "db stopped\nweb:front stopped\n[exit code 0]\n",
			[]string{"supvisors.get_all_process_info[]", "supvisors.stop_process['db']", "supvisors.stop_process['web:front']"}},
		{"restart_process", "ERROR: restart_process requires a strategy and a program name\n" + wantHelp["restart_process"] +
			"[exit code 2]\n", nil},
		{"restart_process X", "ERROR: unknown strategy=X. use one of ['CONFIG', 'LESS_LOADED', " +
			"'MOST_LOADED', 'LOCAL', 'LESS_LOADED_NODE', 'MOST_LOADED_NODE']\n" + wantHelp["restart_process"] + "[exit code 2]\n", nil},
		{"restart_process MOST_LOADED_NODE tools:t", "tools:t restarted: True\n[exit code 0]\n",
			[]string{"supvisors.restart_process[5, 'tools:t']"}},
		{"start_any_process CONFIG ^x", `"^x": ERROR (FAILED: no candidate process matching '^x')` + "\n[exit code 1]\n",
			[]string{"supvisors.start_any_process[0, '^x']"}},
		{"start_any_process CONFIG", "ERROR: start_any_process requires a strategy and at least a regular expression\n" +
			wantHelp["start_any_process"] + "[exit code 2]\n", nil},
		{"conciliate USER", "Conciliated: False\n[exit code 0]\n", []string{"supvisors.conciliate[2]"}},
		{"conciliate KILL", "ERROR: unknown strategy for conciliate. use one of ['SENICIDE', 'INFANTICIDE', 'USER', " +
			"'STOP', 'RESTART', 'RUNNING_FAILURE']\n" + wantHelp["conciliate"] + "[exit code 2]\n", nil},
		{"restart_sequence", "Start sequence completed: True\n[exit code 0]\n", []string{"supvisors.restart_sequence[]"}},
	} {
		before := len(d.Calls())
		got := supvisorsctl(t, d.url, "", fields(c.line)...)
		if got.transcript() != c.want {
			t.Errorf("%s:\n--- want\n%s--- got\n%s", c.line, c.want, got.transcript())
		}
		calls := d.Calls()[before:]
		if len(calls) > 0 && calls[0] == "supvisors.get_api_version[]" {
			calls = calls[1:]
		}
		if !slices.Equal(calls, c.calls) && (len(calls) != 0 || len(c.calls) != 0) {
			t.Errorf("%s: calls %q, want %q", c.line, calls, c.calls)
		}
	}
}

// The dry runs print the placement table; test_start_application checks
// the application first, as Supvisors' plugin does.
func TestTestStartCommands(t *testing.T) {
	t.Parallel()
	placements := []any{
		map[string]any{"application_name": "web", "process_name": "front", "state": "RUNNING",
			"running_identifiers": []any{"127.0.0.1:61001"}, "forced_reason": ""},
		map[string]any{"application_name": "web", "process_name": "back", "state": "FATAL",
			"running_identifiers": []any{}, "forced_reason": "No resource available"},
	}
	d := startFake(t, with(map[string]xmlrpc.Handler{
		"supvisors.get_application_info": func(_ context.Context, p []any) (any, error) {
			switch p[0] {
			case "web":
				return map[string]any{"managed": true}, nil
			case "tools":
				return map[string]any{"managed": false}, nil
			}
			return nil, errdefs.New(errdefs.BadName, "application=nope unknown to Supvisors")
		},
		"supvisors.test_start_application": answer(placements),
		"supvisors.test_start_process":     fail(errdefs.AlreadyStarted, "web:front"),
	}))
	table := "Application  Process  State       Supervisor           Reason\n" +
		"web          front    RUNNING     ['127.0.0.1:61001']  \n" +
		"web          back     FATAL       []                   No resource available\n"
	for _, c := range []struct{ line, want string }{
		{"test_start_application LESS_LOADED web", table + "[exit code 0]\n"},
		{"test_start_application CONFIG nope", "ERROR: unknown application \"nope\"\n[exit code 2]\n"},
		{"test_start_application CONFIG tools", "ERROR: tools unmanaged\n" + wantHelp["test_start_application"] + "[exit code 0]\n"},
		{"test_start_application CONFIG", "ERROR: test_start_application requires one strategy and one application name\n" +
			wantHelp["test_start_application"] + "[exit code 2]\n"},
		{"test_start_process CONFIG web:front", "web:front: ERROR (ALREADY_STARTED: web:front)\n[exit code 1]\n"},
		{"test_start_process X web:front", "ERROR: unknown strategy for test_start_process. use one of ['CONFIG', 'LESS_LOADED', " +
			"'MOST_LOADED', 'LOCAL', 'LESS_LOADED_NODE', 'MOST_LOADED_NODE']\n" + wantHelp["test_start_process"] + "[exit code 2]\n"},
	} {
		got := supvisorsctl(t, d.url, "", fields(c.line)...)
		if got.transcript() != c.want {
			t.Errorf("%s:\n--- want\n%s--- got\n%s", c.line, c.want, got.transcript())
		}
	}
}
