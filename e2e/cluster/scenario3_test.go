package cluster

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/supvisors-go/supvisors/internal/bench/clusterbench"
)

var (
	scen3SrvPrograms = []string{"scen3_check_internal_data_bus", "scen3_item_manager", "scen3_track_manager",
		"scen3_system_health", "scen3_check_common_data_bus", "scen3_common_bus_interface"}
	scen3Services    = []string{"scen3_item_manager", "scen3_track_manager", "scen3_system_health"}
	scen3HciPrograms = []string{"scen3_check_internal_data_bus", "scen3_chart_view", "scen3_item_control"}
)

// TestScenario3 is Supvisors' Scenario 3 on two servers and two consoles
// (core: the servers). In DISTRIBUTION, scen3_srv is distributed over the
// servers by LESS_LOADED (the bus check first, then the services with the
// common-bus check, then the interface); then, once it runs, each
// scen3_hci_0N starts whole on console_N, where '#' maps it. Every managed
// application ends RUNNING with no failure; the bus that no rules manage
// is listed as unmanaged. When a server is lost, only its programs of
// scen3_srv start again, on the other server.
func TestScenario3(t *testing.T) {
	t.Parallel()
	common := "scenario_3/common/scen3_bus.ini"
	server := []string{common, "scenario_3/server/scen3_srv.ini"}
	console := []string{common, "scenario_3/console/scen3_hci.ini"}
	c := scenStart(t, scenSetup{
		nicks:   []string{"server_1", "server_2", "console_1", "console_2"},
		rules:   "scenario_3/rules.xml",
		files:   map[string][]string{"server_1": server, "server_2": server, "console_1": console, "console_2": console},
		options: map[string]string{"core_identifiers": "server_1,server_2"},
	})
	server1, server2, console1, console2 := c.Node("server_1"), c.Node("server_2"), c.Node("console_1"), c.Node("console_2")
	servers := []*clusterbench.Node{server1, server2}
	waitOperation(t, c.Nodes, c.Nodes)

	hosts := map[string]*clusterbench.Node{"scen3_hci_01": console1, "scen3_hci_02": console2}
	for _, app := range []string{"scen3_hci_01", "scen3_hci_02"} {
		if host := scenWaitWhole(t, server1, app, scen3HciPrograms, []*clusterbench.Node{console1, console2}, app+" started by DISTRIBUTION"); host != hosts[app] {
			t.Errorf("%s runs on %s; want %s ('#' over the consoles)", app, host.Nick, hosts[app].Nick)
		}
	}

	// scen3_srv: each program where LESS_LOADED puts it when its turn
	// comes, counting the loads its job has already placed: the services
	// in name order (item_manager to server_1, system_health to the
	// then less loaded server_2, track_manager to server_1 on a tie), then
	// the interface to server_2, which runs one service against two. The
	// checks leave no load. Python Supvisors 0.19 places them the same way.
	procs, err := scenAppProcesses(server1, "scen3_srv")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("scen3_srv: %s", scenDescribe(procs))
	wantOn := map[string]*clusterbench.Node{"scen3_item_manager": server1, "scen3_track_manager": server1,
		"scen3_system_health": server2, "scen3_common_bus_interface": server2}
	for _, name := range scen3SrvPrograms {
		p := procs[name]
		switch host := wantOn[name]; {
		case scenIsCheck(name):
			if p.StateName != "EXITED" || !p.ExpectedExit {
				t.Errorf("%v; want EXITED as expected", p)
			}
		case p.StateName != "RUNNING" || !slices.Equal(p.Identifiers, []string{host.Identifier()}):
			t.Errorf("%v; want RUNNING on %s", p, describe(host))
		}
	}

	// The order, from the records of every instance (one machine, one
	// monotonic clock): the sequence of scen3_srv, then the HCIs.
	srv := map[string]scenLocalInfo{}
	for _, n := range servers {
		for name, l := range scenLocal(t, n, "scen3_srv") {
			if l.StartMono > 0 {
				if _, dup := srv[name]; dup {
					t.Errorf("scen3_srv:%s was started on both servers", name)
				}
				srv[name] = l
			}
		}
	}
	checkInt, checkCommon, iface := srv["scen3_check_internal_data_bus"], srv["scen3_check_common_data_bus"], srv["scen3_common_bus_interface"]
	srvEnd := 0.0
	for _, name := range scen3SrvPrograms {
		l := srv[name]
		srvEnd = max(srvEnd, l.StartMono, l.StopMono)
		if name != checkInt.Name && (l.StartMono < checkInt.StopMono || checkInt.StopMono == 0) {
			t.Errorf("scen3_srv:%s started at %.3f, before the bus check exited (%.3f)", name, l.StartMono, checkInt.StopMono)
		}
		if slices.Contains(scen3Services, name) && iface.StartMono < l.StartMono {
			t.Errorf("the interface started at %.3f, before scen3_srv:%s (%.3f)", iface.StartMono, name, l.StartMono)
		}
	}
	if iface.StartMono < checkCommon.StopMono || checkCommon.StopMono == 0 {
		t.Errorf("the interface started at %.3f, before the common-bus check exited (%.3f)", iface.StartMono, checkCommon.StopMono)
	}
	for app, n := range hosts {
		for name, l := range scenLocal(t, n, app) {
			if l.StartMono < srvEnd {
				t.Errorf("%s:%s started at %.3f, before scen3_srv was fully started (%.3f)", app, name, l.StartMono, srvEnd)
			}
		}
		other := console2
		if n == console2 {
			other = console1
		}
		if pids := scenPids(t, other, app); len(pids) != 0 {
			t.Errorf("%s also runs on %s: %v", app, other.Nick, pids)
		}
	}

	// The applications as Supvisors lists them.
	apps := map[string]scenAppInfo{}
	for _, a := range scenGet[[]scenAppInfo](t, console2, "supvisors.get_all_applications_info") {
		apps[a.Name] = a
	}
	t.Logf("get_all_applications_info: %v", apps)
	for _, name := range []string{"scen3_srv", "scen3_hci_01", "scen3_hci_02"} {
		if a := apps[name]; !a.Managed || a.StateName != "RUNNING" || a.Major || a.Minor {
			t.Errorf("application %s: %v; want managed, RUNNING, no failure", name, a)
		}
	}
	// Supvisors 0.19 computes the state of an unmanaged application from
	// its processes like any other (its docs, older, show STOPPED; the
	// Python 0.19 code answers RUNNING here).
	if a := apps["scen3_internal_data_bus"]; a.Managed || a.StateName != "RUNNING" || a.Major || a.Minor {
		t.Errorf("application scen3_internal_data_bus: %v; want unmanaged, RUNNING (its process runs everywhere), no failure", a)
	}
	if len(apps) != 4 {
		t.Errorf("get_all_applications_info lists %d applications; want 4: %v", len(apps), fmt.Sprint(apps))
	}

	// Losing a server: only its scen3_srv programs start again, on the
	// server left (RESTART_PROCESS); the HCIs are not touched.
	hciPids := map[string]map[string]int{}
	for app, n := range hosts {
		hciPids[app] = scenPids(t, n, app)
	}
	kept := scenPids(t, server1, "scen3_srv")
	server2.Kill()
	scenWait(t, reactionDeadline, "the services of server_2 running again on server_1", func() (bool, string) {
		procs, err := scenAppProcesses(server1, "scen3_srv")
		if err != nil {
			return false, err.Error()
		}
		last := scenDescribe(procs)
		for _, name := range []string{"scen3_system_health", "scen3_common_bus_interface"} {
			if p := procs[name]; p.StateName != "RUNNING" || !slices.Equal(p.Identifiers, []string{server1.Identifier()}) {
				return false, last
			}
		}
		return true, last
	})
	now := scenPids(t, server1, "scen3_srv")
	for name, pid := range kept {
		if now[name] != pid {
			t.Errorf("scen3_srv:%s on server_1 went from pid %d to %d; want it untouched by the loss of server_2", name, pid, now[name])
		}
	}
	for app, n := range hosts {
		if got := scenPids(t, n, app); !maps.Equal(got, hciPids[app]) {
			t.Errorf("%s pids went from %v to %v; want it untouched by the loss of server_2", app, hciPids[app], got)
		}
	}
}
