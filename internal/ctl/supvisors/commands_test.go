package supvisors

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// wantHelp is the help of each command, as "help <command>" prints it.
// The usage part of each line (up to its last tab) is Supvisors'; the
// sentences are ours.
var wantHelp = map[string]string{
	"test_start_application": "test_start_application <strategy> <appli>\t\tTell where the managed application appli would start with the strategy.\n" +
		"test_start_application <strategy>\t\t\tTell where every managed application would start with the strategy.\n",
	"test_start_process": "test_start_process <strategy> <proc>\t\t\tTell where the process proc would start with the strategy.\n" +
		"test_start_process <strategy>\t\t\tTell where every process would start with the strategy.\n",
	"application_rules": "application_rules <appli>\t\t\tShow the rules of the application appli.\n" +
		"application_rules <appli> <appli>\t\tShow the rules of these applications\n" +
		"application_rules\t\t\t\tShow the rules of every application.\n",
	"process_rules": "process_rules <proc>\t\t\tShow the rules of the process proc.\n" +
		"process_rules <appli>:*\t\t\tShow the rules of the processes of the application appli.\n" +
		"process_rules <proc> <proc>\t\tShow the rules of these processes\n" +
		"process_rules\t\t\t\tShow the rules of every process.\n",
	"application_info": "application_info <appli>\t\tShow the status of the application appli.\n" +
		"application_info <appli> <appli>\tShow the status of these applications\n" +
		"application_info\t\t\tShow the status of every application.\n",
	"sstatus": "sstatus <proc>\t\t\t\tShow the status of the process proc in the cluster.\n" +
		"sstatus <appli>:*\t\t\tShow the status of the processes of the application appli.\n" +
		"sstatus <proc> <proc>\t\t\tShow the status of these processes\n" +
		"sstatus\t\t\t\t\tShow the status of every process.\n",
	"conflicts":        "conflicts\t\t\t\tShow the processes that run on more than one instance.\n",
	"conciliate":       "conciliate <strategy>\t\t\tEnd the conflicts with the conciliation strategy\n",
	"restart_sequence": "restart_sequence\t\t\t\t\tRun the start sequence of the applications again\n",
	"start_application": "start_application <strategy> <appli>\t\tStart the managed application appli with the strategy.\n" +
		"start_application <strategy> <appli> <appli>\tStart these managed applications with the strategy\n" +
		"start_application <strategy>\t\t\tStart every managed application with the strategy.\n",
	"restart_application": "restart_application <strategy> <appli>\t\tRestart the managed application appli with the strategy.\n" +
		"restart_application <strategy> <appli> <appli>\tRestart these managed applications with the strategy\n" +
		"restart_application <strategy> \t\t\tRestart every managed application with the strategy.\n",
	"stop_application": "stop_application <appli>\t\t\tStop the managed application appli.\n" +
		"stop_application <appli> <appli>\t\tStop these managed applications.\n" +
		"stop_application\t\t\t\tStop every managed application.\n",
	"start_process": "start_process <strategy> <proc>\t\t\tStart the process proc with the strategy.\n" +
		"start_process <strategy> <proc> <proc>\t\tStart these processes with the strategy.\n" +
		"start_process <strategy>\t\t\tStart every process with the strategy.\n",
	"start_any_process": "start_any_process <strategy> <regex>\t\t\tStart one process whose namespec matches regex, with the strategy.\n" +
		"start_any_process <strategy> <regex> <regex>\t\tStart one process for each regex, with the strategy.\n",
	"stop_process": "stop_process <proc>\t\tStop the process proc wherever it runs.\n" +
		"stop_process <proc> <proc>\tStop these processes.\n" +
		"stop_process\t\t\tStop every process.\n",
	"restart_process": "restart_process <strategy> <proc>\t\tRestart the process proc with the strategy.\n" +
		"restart_process <strategy> <proc> <proc>\tRestart these processes with the strategy.\n" +
		"restart_process <strategy> \t\t\tRestart every process with the strategy.\n",
	"start_args": "start_args <proc> <arg_list>\t\t\tStart the process proc here, with arg_list appended to its command.\n",
	"start_process_args": "start_process_args <strategy> <proc> <arg_list>\tStart the process proc with the strategy, " +
		"with arg_list appended to its command.\n",
	"start_any_process_args": "start_any_process_args <strategy> <regex> <arg_list>\tStart one process whose namespec " +
		"matches regex, with the strategy and with arg_list appended to its command.\n",
	"all_start": "all_start <proc>\t\t\tStart the process proc on every running Supvisors instance.\n",
	"all_start_args": "all_start_args <proc> <arg_list>\t\tStart the process proc on every running Supvisors instance, " +
		"with arg_list appended to its command.\n",
	"update_numprocs": "update_numprocs program_name numprocs\t\tChange the number of processes of the program.\n",
	"lazy_update_numprocs": "lazy_update_numprocs program_name numprocs\t\tChange the number of processes of the program; " +
		"the running processes in excess are removed only once they stop.\n",
	"enable":   "enable program_name\t\t\tAllow the processes of the program to start again.\n",
	"disable":  "disable program_name\t\t\tStop the processes of the program and keep them from starting.\n",
	"sversion": "sversion\t\t\tShow the version of the Supvisors API.\n",
	"sstate": "sstate\t\t\t\tShow the state and modes of Supvisors.\n" +
		"sstate <identifier>\t\t\tShow the state and modes of one Supvisors instance.\n" +
		"sstate <identifier> <identifier>\tShow the state and modes of these Supvisors instances\n" +
		"sstate all\t\t\tShow the state and modes of every Supvisors instance\n",
	"master":     "master\t\t\t\tShow which Supvisors instance is the Master.\n",
	"strategies": "strategies\t\t\tShow the strategies that Supvisors applies.\n",
	"instance_status": "instance_status <identifier>\t\t\tShow the status of one Supvisors instance.\n" +
		"instance_status <identifier> <identifier>\tShow the status of these Supvisors instances\n" +
		"instance_status\t\t\t\t\tShow the status of every Supvisors instance.\n",
	"local_status": "local_status <proc>\t\t\tShow the local status of the process named proc.\n" +
		"local_status <appli>:*\t\t\tShow the local status of every process of the application named appli.\n" +
		"local_status <proc> <proc>\t\tShow the local status of these processes\n" +
		"local_status\t\t\t\tShow the local status of every process.\n",
	"end_sync": "end_sync\t\t\t\tLeave the synchronization phase of Supvisors now\n" +
		"end_sync master_identifier\t\tLeave the synchronization phase of Supvisors now, with this instance as Master\n",
	"sreload":   "sreload\t\t\t\t\tRestart Supvisors on every instance\n",
	"sshutdown": "sshutdown\t\t\t\tShut Supvisors down on every instance\n",
	"loglevel": "loglevel lvl\t\t\t\tSet the level of the local Supvisors logger to lvl.\n" +
		"\t\t\t\t\tThe levels are: ['critical', 'error', 'warn', 'info', 'debug', 'trace', 'blather'].\n",
}

// commandLines are a valid command line of each command.
var commandLines = []string{"sversion", "sstate", "sstate all", "master", "strategies", "instance_status",
	"local_status", "end_sync", "sreload", "sshutdown", "loglevel info"}

// sampleDaemon answers every method of the commands with values that the
// reference cluster did not show: a Master-less synchronization, a list
// of starting jobs, a non-ASCII nick name, unknown process states, a
// failed instance.
func sampleDaemon(t *testing.T) *fakeDaemon {
	t.Helper()
	return startFake(t, with(map[string]xmlrpc.Handler{
		"supvisors.end_sync":              answer(true),
		"supvisors.restart":               answer(true),
		"supvisors.shutdown":              answer(true),
		"supvisors.change_log_level":      answer(true),
		"supvisors.get_master_identifier": answer(map[string]any{}),
		"supvisors.get_strategies": answer(map[string]any{"auto-fencing": true, "supvisors_failure": "RESYNC",
			"conciliation": "SENICIDE", "starting": "LESS_LOADED"}),
		"supvisors.get_supvisors_state": answer(map[string]any{"nick_identifier": "Ä", "identifier": "x:1",
			"fsm_statename": "SYNCHRONIZATION", "degraded_mode": false, "discovery_mode": true,
			"master_identifier": "", "starting_jobs": []any{"a:1", "b:2"}, "stopping_jobs": []any{}}),
		"supvisors.get_all_instances_info": answer([]any{map[string]any{"nick_identifier": "A", "identifier": "h:1",
			"node_name": "h", "port": 1, "statename": "ISOLATED", "loading": 1, "local_time": 0,
			"remote_sequence_counter": 3, "process_failure": true}}),
		"supvisors.get_all_local_process_info": answer([]any{
			map[string]any{"group": "g", "name": "n", "disabled": true, "state": 7, "start": 0,
				"now": 1795468185.9, "pid": 0, "extra_args": "-x 1"},
			map[string]any{"group": "g", "name": "longername", "disabled": false, "state": 100, "start": 1.5,
				"now": 1795468185, "pid": 12, "extra_args": ""},
			map[string]any{"group": "h", "name": "h", "disabled": false, "state": 20, "start": 10, "now": 11,
				"pid": 12, "extra_args": ""},
		}),
	}))
}

// Expected outputs checked against Supvisors 0.19's own plugin, run
// against the same answers.
func TestCommandOutputs(t *testing.T) {
	t.Parallel()
	d := sampleDaemon(t)
	localHeader := "Application  Process     Disabled  State       Start       Now         PID     Extra args\n"
	for _, c := range []struct {
		line string
		want string
		call string // the call after the version check
	}{
		{"sversion", "0.19.1\n[exit code 0]\n", "supvisors.get_api_version[]"},
		{"sstate",
			"Nickname  Supvisors identifier  State           Degraded  Discovery  Master  Starting        Stopping  \n" +
				"Ä         x:1                   SYNCHRONIZATION False     True               ['a:1', 'b:2']  []        \n" +
				"[exit code 0]\n", "supvisors.get_supvisors_state[]"},
		{"master", "No Supvisors Master\n[exit code 0]\n", "supvisors.get_master_identifier[]"},
		{"strategies", "Auto-fencing: True\nFailure:      RESYNC\nConciliation: SENICIDE\nStarting:     LESS_LOADED\n" +
			"[exit code 0]\n", "supvisors.get_strategies[]"},
		{"instance_status",
			"Nickname  Supvisors identifier  Host  Port   State      Load  Time      Counter  Processes  \n" +
				"A         h:1                   h     1      ISOLATED   1%    00:00:00  3        error      \n" +
				"[exit code 0]\n", "supvisors.get_all_instances_info[]"},
		{"instance_status zz",
			"Nickname  Supvisors identifier  Host  Port   State      Load  Time      Counter  Processes  \n" +
				"[exit code 0]\n", "supvisors.get_all_instances_info[]"},
		{"local_status", localHeader +
			"g            n           True      None        0           21:09:45    0       -x 1\n" +
			"g            longername  False     EXITED      00:00:01    21:09:45    12      \n" +
			"h            h           False     RUNNING     00:00:10    00:00:11    12      \n" +
			"[exit code 0]\n", "supvisors.get_all_local_process_info[]"},
		{"local_status g:*", localHeader +
			"g            n           True      None        0           21:09:45    0       -x 1\n" +
			"g            longername  False     EXITED      00:00:01    21:09:45    12      \n" +
			"[exit code 0]\n", "supvisors.get_all_local_process_info[]"},
		// The widths fit the rows shown; an unknown name shows nothing.
		{"local_status g:n h x:",
			"Application  Process  Disabled  State       Start       Now         PID     Extra args\n" +
				"g            n        True      None        0           21:09:45    0       -x 1\n" +
				"h            h        False     RUNNING     00:00:10    00:00:11    12      \n" +
				"[exit code 0]\n", "supvisors.get_all_local_process_info[]"},
		{"local_status x:", "[exit code 0]\n", "supvisors.get_all_local_process_info[]"},
		{"end_sync", "End of Synchronization phase requested: True\n[exit code 0]\n", "supvisors.end_sync['']"},
		{"end_sync 127.0.0.1:61002", "End of Synchronization phase requested: True\n[exit code 0]\n",
			"supvisors.end_sync['127.0.0.1:61002']"},
		{"sreload", "Restarted: True\n[exit code 0]\n", "supvisors.restart[]"},
		{"sshutdown", "Shut down: True\n[exit code 0]\n", "supvisors.shutdown[]"},
		{"loglevel critical", "Logger level changed: True\n[exit code 0]\n", "supvisors.change_log_level[50]"},
		{"loglevel error", "Logger level changed: True\n[exit code 0]\n", "supvisors.change_log_level[40]"},
		{"loglevel warn", "Logger level changed: True\n[exit code 0]\n", "supvisors.change_log_level[30]"},
		{"loglevel info", "Logger level changed: True\n[exit code 0]\n", "supvisors.change_log_level[20]"},
		{"loglevel debug", "Logger level changed: True\n[exit code 0]\n", "supvisors.change_log_level[10]"},
		{"loglevel trace", "Logger level changed: True\n[exit code 0]\n", "supvisors.change_log_level[5]"},
		{"loglevel blather  extra", "Logger level changed: True\n[exit code 0]\n", "supvisors.change_log_level[3]"},
		// Wrong arguments are found after the version check, and nothing
		// else is called.
		{"end_sync a b", "ERROR: end_sync optionally takes one single Supvisors identifier\n" + wantHelp["end_sync"] +
			"[exit code 2]\n", ""},
		{"loglevel", "ERROR: loglevel requires a level\n" + wantHelp["loglevel"] + "[exit code 2]\n", ""},
		{"loglevel DEBUG", "ERROR: unknown level for Logger\n" + wantHelp["loglevel"] + "[exit code 2]\n", ""},
		{"loglevel __doc__", "ERROR: unknown level for Logger\n" + wantHelp["loglevel"] + "[exit code 2]\n", ""},
	} {
		t.Run(c.line, func(t *testing.T) {
			before := len(d.Calls())
			got := supvisorsctl(t, d.url, "", strings.Fields(c.line)...)
			if got.stderr != "" {
				t.Errorf("stderr: %q", got.stderr)
			}
			if got.transcript() != c.want {
				t.Errorf("--- want\n%s--- got\n%s", c.want, got.transcript())
			}
			wantCalls := []string{"supvisors.get_api_version[]"}
			if c.call != "" {
				wantCalls = append(wantCalls, c.call)
			}
			if calls := d.Calls()[before:]; !slices.Equal(calls, wantCalls) {
				t.Errorf("calls %q, want %q", calls, wantCalls)
			}
		})
	}
}

// A master and the rows of several instances, filtered by identifier or
// nick name; the widths count every row, shown or not.
func TestCommandOutputsSeveralInstances(t *testing.T) {
	t.Parallel()
	row := func(nick, id, master string) map[string]any {
		return map[string]any{"nick_identifier": nick, "identifier": id, "fsm_statename": "OPERATION",
			"degraded_mode": false, "discovery_mode": false, "master_identifier": master,
			"starting_jobs": false, "stopping_jobs": true}
	}
	d := startFake(t, with(map[string]xmlrpc.Handler{
		"supvisors.get_master_identifier": answer(map[string]any{"nick_identifier": "first", "identifier": "10.0.0.1:60000"}),
		"supvisors.get_all_instances_state_modes": answer([]any{row("first", "10.0.0.1:60000", "10.0.0.1:60000"),
			row("a-much-longer-nick", "10.0.0.2:60000", "")}),
	}))
	got := supvisorsctl(t, d.url, "", "master")
	if want := "Nick identifier: first\nIdentifier:      10.0.0.1:60000\n[exit code 0]\n"; got.transcript() != want {
		t.Errorf("master:\n--- want\n%s--- got\n%s", want, got.transcript())
	}
	header := "Nickname            Supvisors identifier  State           Degraded  Discovery  Master          " +
		"Starting  Stopping  \n"
	first := "first               10.0.0.1:60000        OPERATION       False     False      10.0.0.1:60000  " +
		"False     True      \n"
	second := "a-much-longer-nick  10.0.0.2:60000        OPERATION       False     False                      " +
		"False     True      \n"
	for line, want := range map[string]string{
		"sstate first":                      header + first,
		"sstate 10.0.0.2:60000":             header + second,
		"sstate 10.0.0.2:60000 first":       header + first + second,
		"sstate nobody all":                 header + first + second,
		"sstate nobody":                     header,
		"sstate a-much-longer-nick nobody ": header + second,
	} {
		got := supvisorsctl(t, d.url, "", strings.Fields(line)...)
		if want += "[exit code 0]\n"; got.transcript() != want {
			t.Errorf("%s:\n--- want\n%s--- got\n%s", line, want, got.transcript())
		}
	}
}

// A fault answer prints an error line and exits 1.
func TestFaultAnswers(t *testing.T) {
	t.Parallel()
	failed := fail(errdefs.Failed, "boom")
	d := startFake(t, with(map[string]xmlrpc.Handler{
		"supvisors.end_sync":                      fail(errdefs.BadSupvisorsState, "not in SYNCHRONIZATION"),
		"supvisors.restart":                       fail(errdefs.ShutdownState, ""),
		"supvisors.shutdown":                      fail(errdefs.ShutdownState, ""),
		"supvisors.change_log_level":              fail(errdefs.BadArguments, "x"),
		"supvisors.get_master_identifier":         failed,
		"supvisors.get_strategies":                failed,
		"supvisors.get_supvisors_state":           failed,
		"supvisors.get_all_instances_state_modes": failed,
		"supvisors.get_all_instances_info":        failed,
		"supvisors.get_all_local_process_info":    fail(errdefs.Failed, "é"),
	}))
	for line, want := range map[string]string{
		"sstate":          "ERROR (FAILED: boom)\n",
		"sstate A":        "ERROR (FAILED: boom)\n",
		"master":          "ERROR (FAILED: boom)\n",
		"strategies":      "ERROR (FAILED: boom)\n",
		"instance_status": "ERROR (FAILED: boom)\n",
		"local_status":    "ERROR (FAILED: é)\n",
		"local_status x":  "ERROR (FAILED: é)\n",
		"end_sync":        "ERROR (BAD_SUPVISORS_STATE: not in SYNCHRONIZATION)\n",
		"sreload":         "ERROR (SHUTDOWN_STATE)\n",
		"sshutdown":       "ERROR (SHUTDOWN_STATE)\n",
		"loglevel debug":  "ERROR (BAD_ARGUMENTS: x)\n",
	} {
		got := supvisorsctl(t, d.url, "", strings.Fields(line)...)
		if want += "[exit code 1]\n"; got.transcript() != want {
			t.Errorf("%s:\n--- want\n%s--- got\n%s", line, want, got.transcript())
		}
	}
}

// Answers of the wrong shape are reported as errors, never printed as if
// they were right.
func TestMalformedAnswers(t *testing.T) {
	t.Parallel()
	d := startFake(t, with(map[string]xmlrpc.Handler{
		"supvisors.get_strategies":             answer(map[string]any{"starting": "CONFIG"}),
		"supvisors.get_supvisors_state":        answer("OPERATION"),
		"supvisors.get_all_instances_info":     answer([]any{"A"}),
		"supvisors.get_master_identifier":      answer(true),
		"supvisors.get_all_local_process_info": answer([]any{map[string]any{"group": "g", "name": "n", "disabled": false, "state": 20, "start": "soon", "now": 1, "pid": 1, "extra_args": ""}}),
	}))
	for _, line := range []string{"strategies", "sstate", "instance_status", "master", "local_status"} {
		got := supvisorsctl(t, d.url, "", strings.Fields(line)...)
		if got.code != 1 || !strings.HasPrefix(got.stdout, "error: ") && !strings.Contains(got.stdout, "\nerror: ") {
			t.Errorf("%s: %s", line, got.transcript())
		}
	}
}

// The version check runs before every command, whatever its arguments.
func TestVersionCheck(t *testing.T) {
	t.Parallel()
	noNamespace := startFake(t, map[string]xmlrpc.Handler{"supervisor.getVersion": answer("3.0")})
	oldVersion := startFake(t, map[string]xmlrpc.Handler{"supvisors.get_api_version": answer("0.19")})
	intVersion := startFake(t, map[string]xmlrpc.Handler{"supvisors.get_api_version": answer(19)})
	brokenVersion := startFake(t, map[string]xmlrpc.Handler{
		"supvisors.get_api_version": fail(errdefs.Failed, "'x'")})
	unixVersion := startUnixFake(t, map[string]xmlrpc.Handler{"supvisors.get_api_version": answer("0.19")})
	closed := closedURL(t)
	missing := "unix://" + t.TempDir() + "/none.sock"
	mismatch := "ERROR: this version of supvisorsctl expects to talk to a server with API version 0.19.1, " +
		"but the remote version is "
	for _, c := range []struct {
		name string
		url  string
		want string
		code int
	}{
		{"older version", oldVersion.url, mismatch + "0.19.\n", 5},
		{"older version on a socket", unixVersion.url, mismatch + "0.19.\n", 5},
		{"version of the wrong type", intVersion.url, mismatch + "19.\n", 5},
		{"no supvisors namespace", noNamespace.url,
			"ERROR: supervisord responded but did not recognize the supvisors namespace commands that supervisorstl " +
				"uses to control it. Please check that the [rpcinterface:supvisors] section is enabled in the " +
				"configuration file.\n", 3},
		{"another fault", brokenVersion.url,
			"error: <class 'xmlrpc.client.Fault'>, <Fault 30: \"FAILED: 'x'\">: file: " +
				"/usr/lib/python3.11/xmlrpc/client.py line: 668\n", 1},
		{"refused", closed, "ERROR: " + closed + " refused connection\n", 4},
		{"no socket", missing, "ERROR: " + missing + " no such file\n", 7},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			for _, line := range append(commandLines, "end_sync a b", "loglevel", "loglevel foo") {
				got := supvisorsctl(t, c.url, "", strings.Fields(line)...)
				if want := c.want + "[exit code " + strconv.Itoa(c.code) + "]\n"; got.transcript() != want {
					t.Errorf("%s:\n--- want\n%s--- got\n%s", line, want, got.transcript())
				}
			}
		})
	}
	// Nothing but the version check was asked.
	for _, d := range []*fakeDaemon{oldVersion, intVersion, brokenVersion, unixVersion} {
		for _, call := range d.Calls() {
			if call != "supvisors.get_api_version[]" {
				t.Errorf("%s called %s", d.url, call)
			}
		}
	}
}

// The commands work over a UNIX socket as over TCP.
func TestUnixSocket(t *testing.T) {
	t.Parallel()
	d := startUnixFake(t, with(map[string]xmlrpc.Handler{"supvisors.restart": answer(true)}))
	got := supvisorsctl(t, d.url, "", "sreload")
	if want := "Restarted: True\n[exit code 0]\n"; got.transcript() != want {
		t.Errorf("--- want\n%s--- got\n%s", want, got.transcript())
	}
}

// A daemon that asks for a login gets supervisorctl's treatment of it.
func TestAuthenticationRequired(t *testing.T) {
	t.Parallel()
	d := startFake(t, nil)
	d.requireAuth("user", "secret")
	got := supvisorsctl(t, d.url, "", "sstate")
	want := "Server requires authentication\n" +
		"error: <class 'xmlrpc.client.ProtocolError'>, <ProtocolError for 127.0.0.1/RPC2: 401 Unauthorized>: " +
		"file: /usr/lib/python3/dist-packages/supervisor/xmlrpc.py line: 539\n[exit code 1]\n"
	if got.transcript() != want {
		t.Errorf("--- want\n%s--- got\n%s", want, got.transcript())
	}
	d.disp.Register(xmlrpc.Method{Name: "supvisors.get_api_version", Handler: answer(APIVersion)})
	d.disp.Register(xmlrpc.Method{Name: "supvisors.shutdown", Handler: answer(true)})
	got = supvisorsctl(t, d.url, "", "-u", "user", "-p", "secret", "sshutdown")
	if want := "Shut down: True\n[exit code 0]\n"; got.transcript() != want {
		t.Errorf("--- want\n%s--- got\n%s", want, got.transcript())
	}
}
