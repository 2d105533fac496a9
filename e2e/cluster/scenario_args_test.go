package cluster

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/bench/clusterbench"
)

// TestScenarioStartArgs: supvisors.start_args starts a process on the
// instance called with extra arguments appended to its command, and
// start_process with extra_args does the same on the instance its
// strategy chooses. The child's own command line has them, and so do the
// local records (get_all_local_process_info, supvisorsctl local_status)
// and the cluster's view (get_process_info).
func TestScenarioStartArgs(t *testing.T) {
	t.Parallel()
	files := []string{"start_args/args.ini"}
	c := scenStart(t, scenSetup{
		nicks: []string{"A", "B", "C"},
		rules: "start_args/rules.xml",
		files: map[string][]string{"A": files, "B": files, "C": files},
	})
	a, b := c.Node("A"), c.Node("B")
	waitOperation(t, c.Nodes, c.Nodes)

	if v, err := scenLongCall(t, b, "supvisors.start_args", "args:first", "1 2", true); err != nil || v != true {
		t.Fatalf("start_args args:first '1 2' on B = %v, %v; want true", v, err)
	}
	pid := scenCheckArgs(t, c, a, "args:first", b, "1 2")
	// supvisorsctl shows the extra arguments in the last column.
	out, err := exec.Command(testCtl, "-s", "http://"+b.Identifier(), "local_status", "args:first").CombinedOutput()
	if err != nil {
		t.Fatalf("supvisorsctl local_status on B: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	var row []string
	if len(lines) == 2 {
		row = strings.Fields(lines[1])
	}
	if len(row) != 9 || row[0] != "args" || row[1] != "first" || row[3] != "RUNNING" || row[6] != strconv.Itoa(pid) ||
		strings.Join(row[7:], " ") != "1 2" {
		t.Errorf("supvisorsctl local_status args:first on B:\n%s\nwant a header and: args first False RUNNING <start> <now> %d 1 2", out, pid)
	}

	// CONFIG takes the first candidate of the rules: C.
	if v, err := scenLongCall(t, a, "supvisors.start_process", "CONFIG", "args:second", "3 4", true); err != nil || v != true {
		t.Fatalf("start_process CONFIG args:second '3 4' on A = %v, %v; want true", v, err)
	}
	scenCheckArgs(t, c, a, "args:second", c.Node("C"), "3 4")
}

// scenCheckArgs checks that namespec runs on host only, with extra
// appended to its command, and returns its pid.
func scenCheckArgs(t *testing.T, c *clusterbench.Cluster, observer *clusterbench.Node, namespec string, host *clusterbench.Node, extra string) int {
	t.Helper()
	scenWait(t, reactionDeadline, namespec+" seen RUNNING with its extra arguments", func() (bool, string) {
		infos, err := scenTryGet[[]scenProcInfo](observer, "supvisors.get_process_info", namespec)
		if err != nil || len(infos) != 1 {
			return false, fmt.Sprint(infos, err)
		}
		p := infos[0]
		return p.StateName == "RUNNING" && len(p.Identifiers) == 1 && p.Identifiers[0] == host.Identifier() && p.ExtraArgs == extra,
			fmt.Sprintf("%v extra_args=%q", p, p.ExtraArgs)
	})
	pid := 0
	for _, n := range c.Nodes {
		for _, l := range scenGet[[]scenLocalInfo](t, n, "supvisors.get_all_local_process_info") {
			if l.namespec() != namespec {
				continue
			}
			switch {
			case n != host && l.PID != 0:
				t.Errorf("%s also runs on %s (pid %d)", namespec, n.Nick, l.PID)
			case n == host:
				if l.StateName != "RUNNING" || l.ExtraArgs != extra {
					t.Errorf("local record of %s on %s: %s, extra_args %q; want RUNNING, %q", namespec, n.Nick, l.StateName, l.ExtraArgs, extra)
				}
				pid = l.PID
			}
		}
	}
	cmdline, err := scenCmdline(pid)
	if err != nil {
		t.Fatalf("command line of %s (pid %d on %s): %v", namespec, pid, host.Nick, err)
	}
	if want := "sleep 86400 " + extra; cmdline != want {
		t.Errorf("command line of %s (pid %d on %s) = %q; want %q", namespec, pid, host.Nick, cmdline, want)
	}
	return pid
}
