package cluster

// Two more requirements of Supvisors' Scenario 2 (spec 13.2), on its
// topology: two servers and two consoles on 127.0.0.1, so one machine
// whose node load, capped at 100 %, bounds all four instances (spec 11.1).

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/bench/clusterbench"
)

// scenMoreSetup is the Scenario 2 cluster with the rules file rules.
func scenMoreSetup(rules string) scenSetup {
	server := []string{"scenario_2/server/scen2_srv.ini"}
	console := []string{"scenario_2/console/scen2_hci.ini"}
	return scenSetup{
		nicks:   []string{"server_1", "server_2", "console_1", "console_2"},
		rules:   rules,
		files:   map[string][]string{"server_1": server, "server_2": server, "console_1": console, "console_2": console},
		options: map[string]string{"core_identifiers": "server_1,server_2"},
	}
}

// The declared loads of the applications of more/rules.xml, as Supvisors
// counts them for a SINGLE_INSTANCE start: the sum over the programs of
// the start sequence.
const (
	scenMoreServerLoad = 22 // each scen2_srv_NN
	scenMoreHciLoad    = 26 // scen2_hci_01
	scenMoreHeavyLoad  = 50 // scen2_hci_02
)

// scenMoreInstance is one item of supvisors.get_all_instances_info.
type scenMoreInstance struct {
	Identifier string `xmlrpc:"identifier"`
	Nick       string `xmlrpc:"nick_identifier"`
	StateName  string `xmlrpc:"statename"`
	Loading    int    `xmlrpc:"loading"`
	OwnTicks   int    `xmlrpc:"local_sequence_counter"`
}

// scenMoreInner is one item of supvisors.get_inner_process_info: the
// record an instance keeps of a process on another one.
type scenMoreInner struct {
	Name      string `xmlrpc:"name"`
	StateName string `xmlrpc:"statename"`
	Expected  bool   `xmlrpc:"expected"`
	Spawnerr  string `xmlrpc:"spawnerr"`
}

func (r scenMoreInner) String() string {
	return fmt.Sprintf("%s=%s(expected=%t spawnerr=%q)", r.Name, r.StateName, r.Expected, r.Spawnerr)
}

// scenMoreNodeLoad is the load of the one node, as n sees it: the sum of
// the loads of the instances, with each instance's load for messages.
func scenMoreNodeLoad(n *clusterbench.Node) (int, string, error) {
	infos, err := scenTryGet[[]scenMoreInstance](n, "supvisors.get_all_instances_info")
	if err != nil {
		return 0, "", err
	}
	total := 0
	var parts []string
	for _, i := range infos {
		total += i.Loading
		parts = append(parts, fmt.Sprintf("%s=%d%%", i.Nick, i.Loading))
	}
	return total, strings.Join(parts, " "), nil
}

// scenMoreWaitNodeLoad waits until every one of observers counts want on
// the node: a start or stop is over only when its events reached them.
func scenMoreWaitNodeLoad(t *testing.T, observers []*clusterbench.Node, want int) {
	t.Helper()
	scenWait(t, reactionDeadline, fmt.Sprintf("a node load of %d%%", want), func() (bool, string) {
		var seen []string
		for _, n := range observers {
			total, parts, err := scenMoreNodeLoad(n)
			if err != nil {
				return false, err.Error()
			}
			seen = append(seen, fmt.Sprintf("%s sees %d%% (%s)", n.Nick, total, parts))
			if total != want {
				return false, strings.Join(seen, "; ")
			}
		}
		return true, strings.Join(seen, "; ")
	})
}

// scenMoreOwnTicks is the tick counter n gives itself.
func scenMoreOwnTicks(n *clusterbench.Node) (int, error) {
	infos, err := scenTryGet[[]scenMoreInstance](n, "supvisors.get_all_instances_info")
	if err != nil {
		return 0, err
	}
	for _, i := range infos {
		if i.Identifier == n.Identifier() {
			return i.OwnTicks, nil
		}
	}
	return 0, fmt.Errorf("%s does not list itself", n.Nick)
}

// scenMoreCheckRefused checks what Supvisors leaves of a start refused for
// want of a resource: the application STOPPED with a major failure (its
// required bus is FATAL) and no minor one (the major clears it), every
// process of its start sequence forced FATAL and running nowhere, and no
// process of it alive on the consoles.
func scenMoreCheckRefused(t *testing.T, observer *clusterbench.Node, consoles []*clusterbench.Node, app string) {
	t.Helper()
	scenWait(t, reactionDeadline, app+" STOPPED with a major failure", func() (bool, string) {
		info, err := scenAppInfoOf(observer, app)
		if err != nil {
			return false, err.Error()
		}
		return info.StateName == "STOPPED" && info.Major, info.String()
	})
	if info, err := scenAppInfoOf(observer, app); err != nil || info.Minor {
		t.Errorf("get_application_info %s = %v, %v; want no minor failure beside the major one", app, info, err)
	}
	// The Starter forces the ranks FATAL one after the other, and the
	// forced states reach the observer as publications: wait for all.
	scenWait(t, reactionDeadline, "every process of "+app+" FATAL nowhere (No resource available)", func() (bool, string) {
		procs, err := scenAppProcesses(observer, app)
		if err != nil {
			return false, err.Error()
		}
		if names := slices.Sorted(maps.Keys(procs)); !slices.Equal(names, slices.Sorted(slices.Values(scen2HciPrograms))) {
			return false, fmt.Sprintf("processes %v; want %v", names, scen2HciPrograms)
		}
		for _, p := range procs {
			if p.StateName != "FATAL" || len(p.Identifiers) != 0 {
				return false, fmt.Sprint(p)
			}
		}
		return true, ""
	})
	for _, n := range consoles {
		if pids := scenPids(t, n, app); len(pids) != 0 {
			t.Errorf("after the refused start, %s runs on %s: %v", app, n.Nick, pids)
		}
	}
}

// TestScenarioMoreLoads is requirement R5 of Scenario 2: no application
// starts when its declared load exceeds 100 % on every candidate. The
// server parts (22 % each) start in DISTRIBUTION, scen2_hci_01 (26 %)
// fits beside them, and then scen2_hci_02 (50 %) fits on no console: the
// node would hold 120 %. Supvisors finds no instance for the whole
// application, forces each process of its start sequence FATAL, and
// start_application answers ABNORMAL_TERMINATION, having queued nothing.
// Once scen2_hci_01 is stopped, the same call starts scen2_hci_02, after
// which scen2_hci_01 no longer fits.
func TestScenarioMoreLoads(t *testing.T) {
	t.Parallel()
	c := scenStart(t, scenMoreSetup("more/rules.xml"))
	server1, server2, console1, console2 := c.Node("server_1"), c.Node("server_2"), c.Node("console_1"), c.Node("console_2")
	servers, consoles := []*clusterbench.Node{server1, server2}, []*clusterbench.Node{console1, console2}
	waitOperation(t, c.Nodes, c.Nodes)
	for _, app := range []string{"scen2_srv_01", "scen2_srv_02"} {
		scenWaitWhole(t, server1, app, scen2SrvPrograms, servers, app+" started by DISTRIBUTION")
	}
	scenMoreWaitNodeLoad(t, c.Nodes, 2*scenMoreServerLoad)

	if v, err := scenLongCall(t, console1, "supvisors.start_application", "LOCAL", "scen2_hci_01", true); err != nil || v != true {
		t.Fatalf("start_application LOCAL scen2_hci_01 on console_1 = %v, %v; want true (%d%% fits beside %d%%)",
			v, err, scenMoreHciLoad, 2*scenMoreServerLoad)
	}
	scenWaitWhole(t, console1, "scen2_hci_01", scen2HciPrograms, []*clusterbench.Node{console1}, "scen2_hci_01 started on console_1")
	scenMoreWaitNodeLoad(t, c.Nodes, 2*scenMoreServerLoad+scenMoreHciLoad)
	hci1Before := scenPids(t, console1, "scen2_hci_01")

	// LESS_LOADED makes both consoles candidates; both are on the full
	// node, so neither can take the application.
	_, err := scenLongCall(t, console2, "supvisors.start_application", "LESS_LOADED", "scen2_hci_02", true)
	scenFault(t, "start_application LESS_LOADED scen2_hci_02 beside 70 %", err, 40, "ABNORMAL_TERMINATION: failed to start scen2_hci_02")
	scenMoreCheckRefused(t, server1, consoles, "scen2_hci_02")
	if after := scenPids(t, console1, "scen2_hci_01"); !maps.Equal(after, hci1Before) {
		t.Errorf("scen2_hci_01 pids went from %v to %v; want it untouched by the refused start", hci1Before, after)
	}
	scenMoreWaitNodeLoad(t, c.Nodes, 2*scenMoreServerLoad+scenMoreHciLoad)

	// With scen2_hci_01 stopped, 44 + 50 fits. The consoles tie on load,
	// so LESS_LOADED keeps the rules order: console_1.
	if v, err := scenLongCall(t, console2, "supvisors.stop_application", "scen2_hci_01", true); err != nil || v != true {
		t.Fatalf("stop_application scen2_hci_01 = %v, %v; want true", v, err)
	}
	scenMoreWaitNodeLoad(t, c.Nodes, 2*scenMoreServerLoad)
	if v, err := scenLongCall(t, console2, "supvisors.start_application", "LESS_LOADED", "scen2_hci_02", true); err != nil || v != true {
		t.Fatalf("start_application LESS_LOADED scen2_hci_02 beside 44 %% = %v, %v; want true", v, err)
	}
	if host := scenWaitWhole(t, server2, "scen2_hci_02", scen2HciPrograms, consoles, "scen2_hci_02 started"); host != console1 {
		t.Errorf("scen2_hci_02 runs on %s; want console_1, first of the consoles at equal loads", host.Nick)
	}
	scenMoreWaitNodeLoad(t, c.Nodes, 2*scenMoreServerLoad+scenMoreHeavyLoad)

	// Now the light copy is the one that does not fit: 94 + 26 > 100.
	_, err = scenLongCall(t, console2, "supvisors.start_application", "LOCAL", "scen2_hci_01", true)
	scenFault(t, "start_application LOCAL scen2_hci_01 beside 94 %", err, 40, "ABNORMAL_TERMINATION: failed to start scen2_hci_01")
	scenMoreCheckRefused(t, server2, []*clusterbench.Node{console2}, "scen2_hci_01")
	if host, last := scenWhole(console2, "scen2_hci_02", scen2HciPrograms, consoles); host != console1 {
		t.Errorf("after the refused start of scen2_hci_01, scen2_hci_02: %s; want it still whole on console_1", last)
	}
}

// TestScenarioMoreConsoleLoss is Scenario 2's console loss: scen2_hci_01,
// started LOCAL on console_1, is not restarted anywhere when console_1
// dies. Its identifiers are the consoles, and on the loss Supvisors marks
// the processes that ran there FATAL ("Supervisor <id> lost") and applies
// their running failure strategy: STOP_APPLICATION for the bus, which
// finds nothing left to stop, and CONTINUE for the views. The check, which
// had exited, keeps its EXITED record. The application is STOPPED with a
// major failure (the required bus is FATAL), and stays so, with nothing
// of it on console_2 or the servers, for ticks after the loss is seen.
func TestScenarioMoreConsoleLoss(t *testing.T) {
	t.Parallel()
	c := scenStart(t, scenMoreSetup("scenario_2/rules.xml"))
	server1, server2, console1, console2 := c.Node("server_1"), c.Node("server_2"), c.Node("console_1"), c.Node("console_2")
	servers := []*clusterbench.Node{server1, server2}
	views := waitOperation(t, c.Nodes, c.Nodes)
	master := c.Node(views.Master())
	if master == nil || master == console1 {
		t.Fatalf("Master %q; want a server", views.Master())
	}
	srvHosts := map[string]*clusterbench.Node{}
	for _, app := range []string{"scen2_srv_01", "scen2_srv_02"} {
		srvHosts[app] = scenWaitWhole(t, server1, app, scen2SrvPrograms, servers, app+" started by DISTRIBUTION")
	}
	if v, err := scenLongCall(t, console1, "supvisors.start_application", "LOCAL", "scen2_hci_01", true); err != nil || v != true {
		t.Fatalf("start_application LOCAL scen2_hci_01 on console_1 = %v, %v; want true", v, err)
	}
	scenWaitWhole(t, server2, "scen2_hci_01", scen2HciPrograms, []*clusterbench.Node{console1}, "scen2_hci_01 started on console_1")
	srvBefore := map[string]map[string]int{}
	for app, host := range srvHosts {
		srvBefore[app] = scenPids(t, host, app)
	}

	console1.Kill()
	others := clusterbench.Except(c.Nodes, console1.Nick)
	waitFor(t, reactionDeadline, others, "console_1 STOPPED everywhere", allSee(console1.Identifier(), "STOPPED"))

	// lostState checks what one survivor says of scen2_hci_01.
	lostState := func(n *clusterbench.Node) error {
		info, err := scenAppInfoOf(n, "scen2_hci_01")
		if err != nil {
			return err
		}
		if info.StateName != "STOPPED" || !info.Major || info.Minor {
			return fmt.Errorf("%s sees %v; want STOPPED with a major failure only", n.Nick, info)
		}
		procs, err := scenAppProcesses(n, "scen2_hci_01")
		if err != nil {
			return err
		}
		for _, name := range scen2HciPrograms {
			p, ok := procs[name]
			switch {
			case !ok:
				return fmt.Errorf("%s does not list scen2_hci_01:%s: %s", n.Nick, name, scenDescribe(procs))
			case len(p.Identifiers) != 0:
				return fmt.Errorf("%s sees %v; want it running nowhere", n.Nick, p)
			case scenIsCheck(name) && (p.StateName != "EXITED" || !p.ExpectedExit):
				return fmt.Errorf("%s sees %v; want the check's expected exit kept", n.Nick, p)
			case !scenIsCheck(name) && p.StateName != "FATAL":
				return fmt.Errorf("%s sees %v; want FATAL, lost with console_1", n.Nick, p)
			}
		}
		// The records of console_1 say why.
		inner, err := scenTryGet[[]scenMoreInner](n, "supvisors.get_inner_process_info", console1.Identifier(), "scen2_hci_01:*")
		if err != nil {
			return err
		}
		lost := "Supervisor " + console1.Identifier() + " lost"
		for _, r := range inner {
			if scenIsCheck(r.Name) {
				if r.StateName != "EXITED" || !r.Expected {
					return fmt.Errorf("%s keeps for console_1 %s; want the expected exit kept", n.Nick, r)
				}
			} else if r.StateName != "FATAL" || r.Expected || r.Spawnerr != lost {
				return fmt.Errorf("%s keeps for console_1 %s; want FATAL, unexpected, %q", n.Nick, r, lost)
			}
		}
		if len(inner) != len(scen2HciPrograms) {
			return fmt.Errorf("%s keeps %d records of scen2_hci_01 for console_1; want %d", n.Nick, len(inner), len(scen2HciPrograms))
		}
		return nil
	}
	// nothingElsewhere checks that no survivor runs a process of the HCI,
	// by its own records.
	nothingElsewhere := func() error {
		for _, n := range others {
			pids, err := scenTryPids(n, "scen2_hci_01")
			if err != nil {
				return err
			}
			if len(pids) != 0 {
				return fmt.Errorf("scen2_hci_01 runs on %s: %v", n.Nick, pids)
			}
		}
		return nil
	}
	scenWait(t, reactionDeadline, "scen2_hci_01 lost with console_1", func() (bool, string) {
		for _, n := range others {
			if err := lostState(n); err != nil {
				return false, err.Error()
			}
		}
		return true, "STOPPED, major failure, processes FATAL or EXITED nowhere"
	})

	// Give the Master three of its ticks to do what Supvisors must not.
	seen, err := scenMoreOwnTicks(master)
	if err != nil {
		t.Fatal(err)
	}
	steadyUntil := time.Now().Add(reactionDeadline)
	for {
		for _, n := range others {
			if err := lostState(n); err != nil {
				t.Fatalf("after the loss of console_1: %v", err)
			}
		}
		if err := nothingElsewhere(); err != nil {
			t.Fatalf("after the loss of console_1: %v", err)
		}
		ticks, err := scenMoreOwnTicks(master)
		if err != nil {
			t.Fatal(err)
		}
		if ticks >= seen+3 {
			t.Logf("scen2_hci_01 still lost and nowhere else, ticks %d to %d of %s", seen, ticks, master.Nick)
			break
		}
		if time.Now().After(steadyUntil) {
			t.Fatalf("the Master's ticks went from %d to %d only", seen, ticks)
		}
		time.Sleep(time.Second)
	}
	for app, host := range srvHosts {
		if after := scenPids(t, host, app); !maps.Equal(after, srvBefore[app]) {
			t.Errorf("%s pids went from %v to %v; want it untouched by the loss of console_1", app, srvBefore[app], after)
		}
	}
	if info, err := scenAppInfoOf(console2, "scen2_hci_02"); err != nil || info.StateName != "STOPPED" || info.Major || info.Minor {
		t.Errorf("get_application_info scen2_hci_02 = %v, %v; want STOPPED, never started, no failure", info, err)
	}
}
