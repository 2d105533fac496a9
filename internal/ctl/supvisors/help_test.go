package supvisors

import (
	"slices"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// helpListing is the part of "help" that lists these commands.
const helpListing = "\nsupvisors commands (type help <topic>):\n" +
	"=======================================\n" +
	"all_start             loglevel                start_application     \n" +
	"all_start_args        master                  start_args            \n" +
	"application_info      process_rules           start_process         \n" +
	"application_rules     restart_application     start_process_args    \n" +
	"conciliate            restart_process         stop_application      \n" +
	"conflicts             restart_sequence        stop_process          \n" +
	"disable               sreload                 strategies            \n" +
	"enable                sshutdown               sversion              \n" +
	"end_sync              sstate                  test_start_application\n" +
	"instance_status       sstatus                 test_start_process    \n" +
	"lazy_update_numprocs  start_any_process       update_numprocs       \n" +
	"local_status          start_any_process_args\n\n"

func TestHelpNeedsNoDaemon(t *testing.T) {
	t.Parallel()
	closed := closedURL(t)
	got := supvisorsctl(t, closed, "", "help")
	if got.code != 0 || !strings.HasSuffix(got.stdout, helpListing) || strings.Count(got.stdout, "supvisors commands") != 1 {
		t.Errorf("help:\n%s", got.transcript())
	}
	for name, text := range wantHelp {
		// Each plugin answers in turn: the default one has no help on
		// these commands.
		got := supvisorsctl(t, closed, "", "help", name)
		if want := "*** No help on " + name + "\n" + text + "[exit code 0]\n"; got.transcript() != want {
			t.Errorf("help %s:\n--- want\n%s--- got\n%s", name, want, got.transcript())
		}
	}
}

// Every command has a help text, and the tests know each one.
func TestEveryCommandHasHelp(t *testing.T) {
	var names []string
	for _, c := range (&plugin{}).Commands() {
		if c.Help == nil {
			t.Errorf("%s has no help", c.Name)
		}
		names = append(names, c.Name)
	}
	var known []string
	for name := range wantHelp {
		known = append(known, name)
	}
	slices.Sort(names)
	slices.Sort(known)
	if !slices.Equal(names, known) {
		t.Errorf("commands %q, help known for %q", names, known)
	}
}

// The interactive shell, fed from a pipe, answers help and runs the
// commands; it always exits 0.
func TestInteractiveShell(t *testing.T) {
	t.Parallel()
	d := startFake(t, with(map[string]xmlrpc.Handler{
		"supervisor.getVersion":        answer("3.0"),
		"supervisor.getAllProcessInfo": answer([]any{}),
		"supvisors.restart":            answer(true),
	}))
	got := supvisorsctl(t, d.url, "help sreload\n?master\nsreload\nloglevel\nhelp\n", "-i")
	want := "supervisor> *** No help on sreload\n" + wantHelp["sreload"] +
		"supervisor> *** No help on master\n" + wantHelp["master"] +
		"supervisor> Restarted: True\n" +
		"supervisor> ERROR: loglevel requires a level\n" + wantHelp["loglevel"] +
		"supervisor> "
	if got.code != 0 || !strings.HasPrefix(got.stdout, want) || !strings.HasSuffix(got.stdout, helpListing+"supervisor> \n") {
		t.Errorf("--- want\n%s...%s--- got\n%s", want, helpListing, got.transcript())
	}
}

// A configuration that names the plugin in a [ctlplugin:x] section gets
// the commands once.
func TestConfiguredPlugin(t *testing.T) {
	t.Parallel()
	d := startFake(t, with(map[string]xmlrpc.Handler{"supvisors.shutdown": answer(true)}))
	conf := writeConf(t, "serverurl = "+d.url+"\n\n[ctlplugin:supvisors]\nsupervisor.ctl_factory = "+FactoryRef+"\n")
	got := supvisorsctlConf(t, conf, "", "", "sshutdown")
	if want := "Shut down: True\n[exit code 0]\n"; got.transcript() != want {
		t.Errorf("--- want\n%s--- got\n%s", want, got.transcript())
	}
	got = supvisorsctlConf(t, conf, "", "", "help")
	if got.code != 0 || !strings.HasSuffix(got.stdout, helpListing) || strings.Count(got.stdout, "supvisors commands") != 1 {
		t.Errorf("help:\n%s", got.transcript())
	}
}
