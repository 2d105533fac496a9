package cluster

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/supvisors-go/supvisors/internal/bench/clusterbench"
)

var (
	scen2SrvPrograms = []string{"scen2_internal_data_bus", "scen2_check_internal_data_bus", "scen2_config_manager",
		"scen2_data_processing", "scen2_sensor_acquisition", "scen2_check_common_data_bus", "scen2_common_bus_interface"}
	scen2HciPrograms = []string{"scen2_internal_data_bus", "scen2_check_internal_data_bus", "scen2_chart_view",
		"scen2_sensor_control", "scen2_sensor_view"}
)

// scenIsCheck tells the check programs of Scenarios 2 and 3, which exit
// (wait_exit) instead of running.
func scenIsCheck(name string) bool { return strings.Contains(name, "_check_") }

// TestScenario2 is Supvisors' Scenario 2 on two servers and two consoles
// (core: the servers). Each copy of the server part, scen2_srv_NN, starts
// in DISTRIBUTION whole on one server, in its sequence: bus, bus check,
// services with the common-bus check, then the interface. The HCI part
// has no start sequence: start_application LOCAL on a console runs it
// whole there, the same call on a server fails for want of a candidate,
// a second start is refused. A crash of the bus restarts the whole server
// part (RESTART_APPLICATION, on the less loaded server) and stops the
// whole HCI part (STOP_APPLICATION); the other copies are left alone.
// When its server is lost, a server part starts again whole on the server
// left. Any instance stops an HCI.
func TestScenario2(t *testing.T) {
	t.Parallel()
	server := []string{"scenario_2/server/scen2_srv.ini"}
	console := []string{"scenario_2/console/scen2_hci.ini"}
	c := scenStart(t, scenSetup{
		nicks:   []string{"server_1", "server_2", "console_1", "console_2"},
		rules:   "scenario_2/rules.xml",
		files:   map[string][]string{"server_1": server, "server_2": server, "console_1": console, "console_2": console},
		options: map[string]string{"core_identifiers": "server_1,server_2"},
	})
	server1, server2, console1, console2 := c.Node("server_1"), c.Node("server_2"), c.Node("console_1"), c.Node("console_2")
	servers := []*clusterbench.Node{server1, server2}
	views := waitOperation(t, c.Nodes, c.Nodes)
	if got := views.Master(); got != server1.Identifier() {
		t.Errorf("Master = %q; want %s, the first core instance", got, describe(server1))
	}

	// DISTRIBUTION: each copy of the server part whole on one server.
	hosts := map[string]*clusterbench.Node{}
	for _, app := range []string{"scen2_srv_01", "scen2_srv_02"} {
		hosts[app] = scenWaitWhole(t, server1, app, scen2SrvPrograms, servers, app+" started by DISTRIBUTION")
		scen2CheckServerSequence(t, hosts[app], app)
	}
	// Supvisors chooses the instance of each copy from its own pending
	// loads only (spec 13.4, point 2): copies of one start sequence do not
	// see each other's requests, so with equal loads both go to the first
	// server. Python Supvisors 0.19 does the same with these files (its
	// docs show one copy per server).
	if hosts["scen2_srv_01"] != server1 || hosts["scen2_srv_02"] != server1 {
		t.Errorf("scen2_srv_01 on %s, scen2_srv_02 on %s; want both on server_1 (equal loads, pending loads per application)",
			hosts["scen2_srv_01"].Nick, hosts["scen2_srv_02"].Nick)
	}
	for _, app := range []string{"scen2_hci_01", "scen2_hci_02"} {
		if info, err := scenAppInfoOf(server1, app); err != nil || info.StateName != "STOPPED" || info.Major || info.Minor {
			t.Errorf("get_application_info %s = %v, %v; want STOPPED, never started", app, info, err)
		}
	}

	// A server is no candidate for an HCI: the start fails, each process
	// forced FATAL for want of a resource, as Supvisors' docs show it.
	_, err := scenLongCall(t, server2, "supvisors.start_application", "LOCAL", "scen2_hci_02", true)
	scenFault(t, "start_application LOCAL scen2_hci_02 on server_2", err, 40, "ABNORMAL_TERMINATION: failed to start scen2_hci_02")
	scenWait(t, reactionDeadline, "scen2_hci_02 STOPPED with a major failure", func() (bool, string) {
		info, err := scenAppInfoOf(server2, "scen2_hci_02")
		if err != nil {
			return false, err.Error()
		}
		return info.StateName == "STOPPED" && info.Major, info.String()
	})
	// As in Supvisors, a major failure clears the minor one.
	if info, err := scenAppInfoOf(server2, "scen2_hci_02"); err != nil || info.Minor {
		t.Errorf("get_application_info scen2_hci_02 = %v, %v; want no minor failure beside the major one", info, err)
	}
	if procs, err := scenAppProcesses(server2, "scen2_hci_02"); err == nil {
		for _, p := range procs {
			if p.StateName != "FATAL" || len(p.Identifiers) != 0 {
				t.Errorf("after the failed start, %v; want FATAL nowhere", p)
			}
		}
	}

	// On a console, LOCAL runs the HCI whole there; a failed attempt
	// elsewhere does not prevent it.
	for _, run := range []struct {
		app  string
		node *clusterbench.Node
	}{{"scen2_hci_01", console1}, {"scen2_hci_02", console2}} {
		if v, err := scenLongCall(t, run.node, "supvisors.start_application", "LOCAL", run.app, true); err != nil || v != true {
			t.Fatalf("start_application LOCAL %s on %s = %v, %v; want true", run.app, run.node.Nick, v, err)
		}
		if host := scenWaitWhole(t, run.node, run.app, scen2HciPrograms, []*clusterbench.Node{run.node}, run.app+" started"); host != run.node {
			t.Errorf("%s runs on %s; want %s", run.app, host.Nick, run.node.Nick)
		}
	}
	_, err = scenLongCall(t, console2, "supvisors.start_application", "LOCAL", "scen2_hci_01", true)
	scenFault(t, "a second start_application LOCAL scen2_hci_01", err, 60, "ALREADY_STARTED: scen2_hci_01")

	// A crash of the bus of a server part: the whole copy restarts, the
	// other copy is left alone.
	srv1Before := scenPids(t, hosts["scen2_srv_01"], "scen2_srv_01")
	srv2Before := scenPids(t, hosts["scen2_srv_02"], "scen2_srv_02")
	scenKill(t, hosts["scen2_srv_01"], "scen2_srv_01", "scen2_internal_data_bus", srv1Before)
	var srv1Host *clusterbench.Node
	scenWait(t, reactionDeadline, "scen2_srv_01 restarted whole", func() (bool, string) {
		host, last := scenWhole(server1, "scen2_srv_01", scen2SrvPrograms, servers)
		if host == nil {
			return false, last
		}
		pids, err := scenTryPids(host, "scen2_srv_01")
		if err != nil {
			return false, err.Error()
		}
		for name, pid := range srv1Before {
			if pids[name] == 0 || pids[name] == pid {
				return false, fmt.Sprintf("%s; pids on %s %v, before %v", last, host.Nick, pids, srv1Before)
			}
		}
		srv1Host = host
		return true, fmt.Sprintf("%s; on %s, pids %v", last, host.Nick, pids)
	})
	// The restart uses the application's strategy again: LESS_LOADED
	// now finds server_2 empty and server_1 holding scen2_srv_02.
	if srv1Host != server2 {
		t.Errorf("scen2_srv_01 restarted on %s; want server_2, the less loaded server", srv1Host.Nick)
	}
	scen2CheckServerSequence(t, srv1Host, "scen2_srv_01")
	if after := scenPids(t, hosts["scen2_srv_02"], "scen2_srv_02"); !maps.Equal(after, srv2Before) {
		t.Errorf("scen2_srv_02 pids went from %v to %v; want it untouched by the crash of scen2_srv_01", srv2Before, after)
	}

	// A crash of the bus of an HCI part: the whole copy stops.
	hci2Before := scenPids(t, console2, "scen2_hci_02")
	scenKill(t, console1, "scen2_hci_01", "scen2_internal_data_bus", scenPids(t, console1, "scen2_hci_01"))
	scenWait(t, reactionDeadline, "scen2_hci_01 stopped whole", func() (bool, string) {
		procs, err := scenAppProcesses(server1, "scen2_hci_01")
		if err != nil {
			return false, err.Error()
		}
		info, err := scenAppInfoOf(server1, "scen2_hci_01")
		if err != nil {
			return false, err.Error()
		}
		last := scenDescribe(procs) + " " + info.String()
		for _, p := range procs {
			if len(p.Identifiers) != 0 {
				return false, last
			}
		}
		pids, err := scenTryPids(console1, "scen2_hci_01")
		if err != nil || len(pids) != 0 {
			return false, fmt.Sprintf("%s; still running on console_1: %v %v", last, pids, err)
		}
		return info.StateName == "STOPPED", last
	})
	if after := scenPids(t, console2, "scen2_hci_02"); !maps.Equal(after, hci2Before) {
		t.Errorf("scen2_hci_02 pids went from %v to %v; want it untouched by the crash of scen2_hci_01", hci2Before, after)
	}

	// Losing the server of scen2_srv_01: its processes are lost, and the
	// RESTART_APPLICATION of its bus starts it whole on the server left.
	srv2Before = scenPids(t, server1, "scen2_srv_02")
	server2.Kill()
	scenWaitWhole(t, server1, "scen2_srv_01", scen2SrvPrograms, []*clusterbench.Node{server1}, "scen2_srv_01 restarted on server_1 after the loss of server_2")
	if after := scenPids(t, server1, "scen2_srv_02"); !maps.Equal(after, srv2Before) {
		t.Errorf("scen2_srv_02 pids went from %v to %v; want it untouched by the loss of server_2", srv2Before, after)
	}

	// Any instance stops an HCI, wherever it runs.
	if v, err := scenLongCall(t, server1, "supvisors.stop_application", "scen2_hci_02", true); err != nil || v != true {
		t.Fatalf("stop_application scen2_hci_02 on server_1 = %v, %v; want true", v, err)
	}
	if pids := scenPids(t, console2, "scen2_hci_02"); len(pids) != 0 {
		t.Errorf("after stop_application, scen2_hci_02 still runs on console_2: %v", pids)
	}
	if info, err := scenAppInfoOf(console1, "scen2_hci_02"); err != nil || info.StateName != "STOPPED" || info.Major || info.Minor {
		t.Errorf("get_application_info scen2_hci_02 after stop_application = %v, %v; want STOPPED, no failure", info, err)
	}
}

// scenWhole reports where app runs whole, as observer sees it: every
// program present, the checks EXITED as expected, the others RUNNING on
// one instance among allowed, the application RUNNING with no failure.
// It returns nil and what it saw otherwise.
func scenWhole(observer *clusterbench.Node, app string, programs []string, allowed []*clusterbench.Node) (*clusterbench.Node, string) {
	procs, err := scenAppProcesses(observer, app)
	if err != nil {
		return nil, err.Error()
	}
	last := scenDescribe(procs)
	var host *clusterbench.Node
	for _, name := range programs {
		p, ok := procs[name]
		switch {
		case !ok:
			return nil, last
		case scenIsCheck(name):
			if p.StateName != "EXITED" || !p.ExpectedExit {
				return nil, last
			}
		case p.StateName != "RUNNING" || len(p.Identifiers) != 1:
			return nil, last
		case host == nil:
			for _, n := range allowed {
				if n.Identifier() == p.Identifiers[0] {
					host = n
				}
			}
			if host == nil {
				return nil, last + " (outside the allowed instances)"
			}
		case p.Identifiers[0] != host.Identifier():
			return nil, last + " (split over instances)"
		}
	}
	info, err := scenAppInfoOf(observer, app)
	if err != nil {
		return nil, err.Error()
	}
	last += " " + info.String()
	if info.StateName != "RUNNING" || info.Major || info.Minor {
		return nil, last
	}
	return host, last
}

// scenWaitWhole waits until app runs whole on one of allowed (scenWhole)
// and returns that instance.
func scenWaitWhole(t *testing.T, observer *clusterbench.Node, app string, programs []string, allowed []*clusterbench.Node, what string) *clusterbench.Node {
	t.Helper()
	var host *clusterbench.Node
	scenWait(t, reactionDeadline, what, func() (bool, string) {
		var last string
		host, last = scenWhole(observer, app, programs, allowed)
		if host != nil {
			last += " on " + host.Nick
		}
		return host != nil, last
	})
	return host
}

// scenTryPids gives the pids of the processes of app running on n, by
// process name, from n's own records.
func scenTryPids(n *clusterbench.Node, app string) (map[string]int, error) {
	infos, err := scenTryGet[[]scenLocalInfo](n, "supvisors.get_all_local_process_info")
	if err != nil {
		return nil, err
	}
	pids := map[string]int{}
	for _, l := range infos {
		if l.Group == app && l.PID != 0 {
			pids[l.Name] = l.PID
		}
	}
	return pids, nil
}

func scenPids(t *testing.T, n *clusterbench.Node, app string) map[string]int {
	t.Helper()
	pids, err := scenTryPids(n, app)
	if err != nil {
		t.Fatalf("get_all_local_process_info on %s: %v", n.Nick, err)
	}
	return pids
}

// scenKill crashes a running process with SIGKILL, as a bug would.
func scenKill(t *testing.T, n *clusterbench.Node, app, name string, pids map[string]int) {
	t.Helper()
	pid := pids[name]
	if pid == 0 {
		t.Fatalf("%s:%s does not run on %s (pids %v)", app, name, n.Nick, pids)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("killing %s:%s (pid %d) on %s: %v", app, name, pid, n.Nick, err)
	}
	t.Logf("killed %s:%s, pid %d on %s", app, name, pid, n.Nick)
}

// scen2CheckServerSequence checks the start order of a server part from
// its host's records (one machine, one monotonic clock): the bus, then
// its check, which exits before the services and the common-bus check
// start, and the interface last.
func scen2CheckServerSequence(t *testing.T, host *clusterbench.Node, app string) {
	t.Helper()
	l := scenLocal(t, host, app)
	bus, check := l["scen2_internal_data_bus"], l["scen2_check_internal_data_bus"]
	commonCheck, iface := l["scen2_check_common_data_bus"], l["scen2_common_bus_interface"]
	rank3 := []scenLocalInfo{l["scen2_config_manager"], l["scen2_data_processing"], l["scen2_sensor_acquisition"], commonCheck}
	if !(bus.StartMono > 0 && bus.StartMono <= check.StartMono) {
		t.Errorf("%s on %s: the bus started at %.3f, its check at %.3f; want the bus first", app, host.Nick, bus.StartMono, check.StartMono)
	}
	for _, p := range rank3 {
		if p.StartMono < check.StopMono || check.StopMono == 0 {
			t.Errorf("%s on %s: %s started at %.3f, before the bus check exited (%.3f)", app, host.Nick, p.Name, p.StartMono, check.StopMono)
		}
		if iface.StartMono < p.StartMono {
			t.Errorf("%s on %s: the interface started at %.3f, before %s (%.3f)", app, host.Nick, iface.StartMono, p.Name, p.StartMono)
		}
	}
	if iface.StartMono < commonCheck.StopMono || commonCheck.StopMono == 0 {
		t.Errorf("%s on %s: the interface started at %.3f, before the common-bus check exited (%.3f)", app, host.Nick, iface.StartMono, commonCheck.StopMono)
	}
	if names := slices.Sorted(maps.Keys(l)); len(names) != len(scen2SrvPrograms) {
		t.Errorf("%s on %s defines %v; want %v", app, host.Nick, names, scen2SrvPrograms)
	}
}
