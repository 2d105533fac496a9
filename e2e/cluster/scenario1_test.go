package cluster

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/bench/clusterbench"
)

// scen1Programs are the programs of group scen1 that each instance of
// Scenario 1 defines; the mount waits are the ones ending in _N.
var scen1Programs = map[string][]string{
	"supv01": {"scen1_wait_nfs_mount_1", "scen1_hci", "scen1_config_manager", "scen1_data_processing",
		"scen1_external_interface", "scen1_data_recorder"},
	"supv02": {"scen1_wait_nfs_mount_2", "scen1_sensor_acquisition_1", "scen1_sensor_processing_1"},
	"supv03": {"scen1_wait_nfs_mount_3", "scen1_sensor_acquisition_2", "scen1_sensor_processing_2"},
}

func scen1IsWait(name string) bool { return strings.HasPrefix(name, "scen1_wait_nfs_mount_") }

// TestScenario1 is Supvisors' Scenario 1: one application whose programs
// are spread over three instances only by where each is defined (the
// rules name no instance). In DISTRIBUTION the three mount waits run
// first, in parallel, each where it is defined; the other programs start
// only once all three have exited; scen1 ends RUNNING and operational.
// restart_application CONFIG scen1 then runs the same two phases again on
// all three instances.
func TestScenario1(t *testing.T) {
	t.Parallel()
	c := scenStart(t, scenSetup{
		nicks: []string{"supv01", "supv02", "supv03"},
		rules: "scenario_1/rules.xml",
		files: map[string][]string{
			"supv01": {"scenario_1/supv01/scen1.ini"},
			"supv02": {"scenario_1/supv02/scen1.ini"},
			"supv03": {"scenario_1/supv03/scen1.ini"},
		},
	})
	waitOperation(t, c.Nodes, c.Nodes)

	scen1WaitStarted(t, c, "scen1 started by DISTRIBUTION")
	before := scen1CheckPlacementAndOrder(t, c, nil)

	// R3: the operational status, as every instance reports it.
	for _, n := range c.Nodes {
		info, err := scenAppInfoOf(n, "scen1")
		if err != nil {
			t.Fatalf("get_application_info scen1 on %s: %v", n.Nick, err)
		}
		if !info.Managed || info.StateName != "RUNNING" || info.Major || info.Minor {
			t.Errorf("get_application_info scen1 on %s: %v; want managed, RUNNING, no failure", n.Nick, info)
		}
	}

	// R4: a program runs only where it is defined. Supervisor elsewhere
	// does not know it, and Supvisors refuses a second copy.
	_, err := scenLongCall(t, c.Node("supv02"), "supervisor.startProcess", "scen1:scen1_hci", true)
	scenFault(t, "supervisor.startProcess scen1:scen1_hci on supv02", err, 10, "BAD_NAME: scen1:scen1_hci")
	_, err = scenLongCall(t, c.Node("supv02"), "supvisors.start_process", "CONFIG", "scen1:scen1_hci", "", true)
	scenFault(t, "supvisors.start_process CONFIG scen1:scen1_hci", err, 60, "ALREADY_STARTED: scen1:scen1_hci")

	// R5: a restart from any instance (here a Slave) stops and starts the
	// whole application again, on all three instances.
	if v, err := scenLongCall(t, c.Node("supv03"), "supvisors.restart_application", "CONFIG", "scen1", true); err != nil || v != true {
		t.Fatalf("restart_application CONFIG scen1 on supv03 = %v, %v; want true", v, err)
	}
	scen1WaitStarted(t, c, "scen1 started again by restart_application")
	scen1CheckPlacementAndOrder(t, c, before)
}

// scen1WaitStarted waits until every program of scen1 is where it should
// be: the mount waits EXITED as expected, the others RUNNING, each on the
// instance defining it, and the application RUNNING.
func scen1WaitStarted(t *testing.T, c *clusterbench.Cluster, what string) {
	t.Helper()
	scenWait(t, reactionDeadline, what, func() (bool, string) {
		procs, err := scenAppProcesses(c.Nodes[0], "scen1")
		if err != nil {
			return false, err.Error()
		}
		last := scenDescribe(procs)
		for nick, names := range scen1Programs {
			for _, name := range names {
				p, ok := procs[name]
				if !ok {
					return false, last
				}
				if scen1IsWait(name) {
					if p.StateName != "EXITED" || !p.ExpectedExit {
						return false, last
					}
				} else if p.StateName != "RUNNING" || len(p.Identifiers) != 1 || p.Identifiers[0] != c.Node(nick).Identifier() {
					return false, last
				}
			}
		}
		app, err := scenAppInfoOf(c.Nodes[0], "scen1")
		if err != nil {
			return false, err.Error()
		}
		return app.StateName == "RUNNING", last + " " + app.String()
	})
}

// scen1CheckPlacementAndOrder checks, from each instance's own records,
// that it holds exactly the programs it defines, and that the other
// programs started after the last mount wait had exited. The records of
// one machine share its monotonic clock. With previous pids (a restart),
// every program must have been started anew. It returns the pids of the
// running programs.
func scen1CheckPlacementAndOrder(t *testing.T, c *clusterbench.Cluster, previous map[string]int) map[string]int {
	t.Helper()
	pids := map[string]int{}
	var lastWaitStop, firstOtherStart float64
	for _, n := range c.Nodes {
		local := scenLocal(t, n, "scen1")
		if got, want := slices.Sorted(maps.Keys(local)), slices.Sorted(slices.Values(scen1Programs[n.Nick])); !slices.Equal(got, want) {
			t.Errorf("%s defines scen1 programs %v; want %v", n.Nick, got, want)
		}
		for name, l := range local {
			if scen1IsWait(name) {
				if l.StateName != "EXITED" || l.StopMono < l.StartMono || l.StartMono == 0 {
					t.Errorf("%s: %s is %s (start %.3f, stop %.3f); want EXITED after running", n.Nick, name, l.StateName, l.StartMono, l.StopMono)
				}
				lastWaitStop = max(lastWaitStop, l.StopMono)
				continue
			}
			if l.StateName != "RUNNING" || l.PID == 0 {
				t.Errorf("%s: %s is %s, pid %d; want RUNNING", n.Nick, name, l.StateName, l.PID)
			}
			if firstOtherStart == 0 || l.StartMono < firstOtherStart {
				firstOtherStart = l.StartMono
			}
			pids[name] = l.PID
			if old, ok := previous[name]; ok && old == l.PID {
				t.Errorf("%s: %s still has pid %d; want a new process after the restart", n.Nick, name, l.PID)
			}
		}
	}
	t.Logf("the last mount wait exited at %.3f; the first other program started at %.3f", lastWaitStop, firstOtherStart)
	if firstOtherStart < lastWaitStop {
		t.Errorf("a program of phase 2 started at %.3f, before the last mount wait exited at %.3f", firstOtherStart, lastWaitStop)
	}
	return pids
}

// TestScenario1Variants runs the same rules on one instance. For a
// developer (Supvisors' localhost variant), the configuration has no
// mount wait: the start goes straight to phase 2 and scen1 is
// operational. With a mount wait that exits with an unexpected code, the
// starting failure strategy CONTINUE still runs phase 2, and the failed
// required wait leaves scen1 RUNNING with a major failure.
func TestScenario1Variants(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file string
		running    []string
		failed     string // the mount wait that fails, if any
	}{
		{"developer", "scenario_1/localhost/scen1.ini", []string{"scen1_hci", "scen1_config_manager", "scen1_data_processing",
			"scen1_external_interface", "scen1_data_recorder", "scen1_sensor_acquisition_1", "scen1_sensor_processing_1",
			"scen1_sensor_acquisition_2", "scen1_sensor_processing_2"}, ""},
		{"failed_mount", "scenario_1/failed_mount/scen1.ini", []string{"scen1_hci", "scen1_config_manager"}, "scen1_wait_nfs_mount_1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := scenStart(t, scenSetup{
				nicks: []string{"dev"},
				rules: "scenario_1/rules.xml",
				files: map[string][]string{"dev": {tc.file}},
			})
			dev := c.Nodes[0]
			waitOperation(t, c.Nodes, c.Nodes)
			scenWait(t, reactionDeadline, "scen1 started", func() (bool, string) {
				procs, err := scenAppProcesses(dev, "scen1")
				if err != nil {
					return false, err.Error()
				}
				last := scenDescribe(procs)
				for _, name := range tc.running {
					if p := procs[name]; p.StateName != "RUNNING" || !slices.Equal(p.Identifiers, []string{dev.Identifier()}) {
						return false, last
					}
				}
				if tc.failed != "" {
					if p := procs[tc.failed]; p.StateName != "EXITED" || p.ExpectedExit {
						return false, last
					}
				}
				info, err := scenAppInfoOf(dev, "scen1")
				if err != nil {
					return false, err.Error()
				}
				last += " " + info.String()
				return info.StateName == "RUNNING" && info.Major == (tc.failed != "") && !info.Minor, last
			})
			if tc.failed != "" {
				// Phase 2 waited for the failed mount before it went on.
				local := scenLocal(t, dev, "scen1")
				for _, name := range tc.running {
					if local[name].StartMono < local[tc.failed].StopMono {
						t.Errorf("%s started at %.3f, before %s exited (%.3f)", name, local[name].StartMono, tc.failed, local[tc.failed].StopMono)
					}
				}
			}
		})
	}
}
