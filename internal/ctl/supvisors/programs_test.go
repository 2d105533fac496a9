package supvisors

import (
	"context"
	"testing"

	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// programFault fails the calls about the programs named "unknown" (a bad
// name), "fixed" (numprocs cannot change) and "busy" (Supvisors is not in
// OPERATION), and succeeds for the others.
func programFault(_ context.Context, p []any) (any, error) {
	switch p[0] {
	case "unknown":
		return nil, errdefs.New(errdefs.BadName, "program unknown unknown to Supervisor")
	case "fixed":
		return nil, errdefs.New(errdefs.NotApplicable, "numprocs not applicable to fixed")
	case "busy":
		return nil, errdefs.New(errdefs.BadSupvisorsState, "Supvisors (state=SYNCHRONIZATION) not in state OPERATION")
	}
	return true, nil
}

// Expected outputs checked against Supvisors 0.19's own plugin; a fault
// is a global error line, without the program's name.
func TestProgramCommands(t *testing.T) {
	t.Parallel()
	d := startFake(t, with(map[string]xmlrpc.Handler{
		"supvisors.update_numprocs": programFault,
		"supvisors.enable":          programFault,
		"supvisors.disable":         programFault,
	}))
	numprocsUsage := "ERROR: numprocs must be a strictly positive integer\n" + wantHelp["update_numprocs"] + "[exit code 2]\n"
	for _, c := range []struct {
		line  string
		want  string
		calls []string // after the version check
	}{
		{"update_numprocs web 3", "web numprocs updated: True\n[exit code 0]\n", []string{"supvisors.update_numprocs['web', 3]"}},
		// As Python's int() reads it; words after the count are ignored.
		{"update_numprocs web 1_0 more", "web numprocs updated: True\n[exit code 0]\n",
			[]string{"supvisors.update_numprocs['web', 10]"}},
		{"update_numprocs web +2", "web numprocs updated: True\n[exit code 0]\n", []string{"supvisors.update_numprocs['web', 2]"}},
		{"update_numprocs unknown 2", "ERROR (BAD_NAME: program unknown unknown to Supervisor)\n[exit code 1]\n",
			[]string{"supvisors.update_numprocs['unknown', 2]"}},
		{"update_numprocs fixed 2", "ERROR (NOT_APPLICABLE: numprocs not applicable to fixed)\n[exit code 1]\n",
			[]string{"supvisors.update_numprocs['fixed', 2]"}},
		{"update_numprocs web", "ERROR: update_numprocs requires a program name and a numprocs values\n" +
			wantHelp["update_numprocs"] + "[exit code 2]\n", nil},
		{"update_numprocs web 0", numprocsUsage, nil},
		{"update_numprocs web -1", numprocsUsage, nil},
		{"update_numprocs web 2.0", numprocsUsage, nil},
		{"update_numprocs web _2", numprocsUsage, nil},
		{"update_numprocs web 1__0", numprocsUsage, nil},
		{"update_numprocs web +-2", numprocsUsage, nil},
		{"lazy_update_numprocs web 1", "web numprocs updated: True\n[exit code 0]\n",
			[]string{"supvisors.update_numprocs['web', 1, True, True]"}},
		{"lazy_update_numprocs busy 1", "ERROR (BAD_SUPVISORS_STATE: Supvisors (state=SYNCHRONIZATION) not in state OPERATION)\n" +
			"[exit code 1]\n", []string{"supvisors.update_numprocs['busy', 1, True, True]"}},
		{"lazy_update_numprocs web", "ERROR: lazy_update_numprocs requires a program name and a numprocs values\n" +
			wantHelp["lazy_update_numprocs"] + "[exit code 2]\n", nil},
		{"lazy_update_numprocs web x", "ERROR: numprocs must be a strictly positive integer\n" +
			wantHelp["lazy_update_numprocs"] + "[exit code 2]\n", nil},
		{"enable web other", "web enabled: True\n[exit code 0]\n", []string{"supvisors.enable['web']"}},
		{"enable unknown", "ERROR (BAD_NAME: program unknown unknown to Supervisor)\n[exit code 1]\n",
			[]string{"supvisors.enable['unknown']"}},
		{"enable", "ERROR: enable requires a program name\n" + wantHelp["enable"] + "[exit code 2]\n", nil},
		{"disable web", "web disabled: True\n[exit code 0]\n", []string{"supvisors.disable['web']"}},
		{"disable busy", "ERROR (BAD_SUPVISORS_STATE: Supvisors (state=SYNCHRONIZATION) not in state OPERATION)\n" +
			"[exit code 1]\n", []string{"supvisors.disable['busy']"}},
		{"disable", "ERROR: disable requires a program name\n" + wantHelp["disable"] + "[exit code 2]\n", nil},
	} {
		before := len(d.Calls())
		got := supvisorsctl(t, d.url, "", fields(c.line)...)
		if got.transcript() != c.want {
			t.Errorf("%s:\n--- want\n%s--- got\n%s", c.line, c.want, got.transcript())
		}
		checkCalls(t, c.line, d, before, c.calls)
	}
}

// The version check comes before the arguments are read, as for every
// other command.
func TestProgramCommandsCheckTheVersion(t *testing.T) {
	t.Parallel()
	d := startFake(t, map[string]xmlrpc.Handler{"supvisors.get_api_version": answer("0.18")})
	for _, line := range []string{"update_numprocs", "lazy_update_numprocs", "enable", "disable", "start_args",
		"start_process_args", "start_any_process_args", "all_start", "all_start_args"} {
		got := supvisorsctl(t, d.url, "", line)
		want := "ERROR: this version of supvisorsctl expects to talk to a server with API version " + APIVersion +
			", but the remote version is 0.18.\n[exit code 5]\n"
		if got.transcript() != want {
			t.Errorf("%s:\n--- want\n%s--- got\n%s", line, want, got.transcript())
		}
	}
}
