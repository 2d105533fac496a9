package supvisors

import (
	"testing"

	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// TestStartDisabled: with the plugin loaded, the default start command
// reports Supvisors' DISABLED fault (103) as Supvisors' client does, for a
// single process and in group results; supervisorctl alone would stop on
// an unknown result code.
func TestStartDisabled(t *testing.T) {
	d := startFake(t, with(map[string]xmlrpc.Handler{
		"supervisor.getVersion":   answer("3.0"),
		"supervisor.startProcess": fail(errdefs.Disabled, "grp:a"),
		"supervisor.startProcessGroup": answer([]any{
			map[string]any{"name": "a", "group": "grp", "status": int(errdefs.Disabled), "description": "disabled"},
			map[string]any{"name": "b", "group": "grp", "status": int(errdefs.Success), "description": "OK"},
		}),
	}))
	got := supvisorsctl(t, d.url, "", "start", "grp:a")
	if got.stdout != "grp:a: ERROR disabled\n" || got.code != 1 {
		t.Errorf("start grp:a: %q, exit %d; want the disabled line and exit 1", got.stdout, got.code)
	}
	got = supvisorsctl(t, d.url, "", "start", "grp:*")
	if got.stdout != "grp:a: ERROR disabled\ngrp:b: started\n" || got.code != 1 {
		t.Errorf("start grp:*: %q, exit %d", got.stdout, got.code)
	}
}
