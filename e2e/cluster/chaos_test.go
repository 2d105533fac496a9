package cluster

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/bench/clusterbench"
)

var (
	chaosDuration = flag.Duration("chaos.duration", 90*time.Second,
		"how long TestChaos kills and restarts instances; start-up, settling and checks add about a minute and a half")
	chaosSeed = flag.Uint64("chaos.seed", 0, "seed of TestChaos's choices (0: from the clock; the seed is logged)")
	chaosKeep = flag.String("chaos.keep", "", "directory where TestChaos copies every instance's output when it fails")
)

// Bounds of the chaos. Kills come every chaosKillEvery (at random
// within it), each victim stays down chaosDownFor, and at most chaosMaxDown
// of the 5 instances are down at once, so that the survivors always keep
// a cluster of their own.
var (
	chaosKillEvery = [2]time.Duration{4 * time.Second, 9 * time.Second}
	chaosDownFor   = [2]time.Duration{3 * time.Second, 15 * time.Second}
)

const (
	chaosSize    = 5
	chaosMaxDown = 2
	// chaosSettleDeadline bounds the wait for the cluster to heal once the
	// chaos stops: OPERATION again (a new election when the Master died
	// last), then the failure jobs and the DISTRIBUTION of the Master.
	chaosSettleDeadline = 5 * time.Minute
	// chaosQuiet is how long the daemons' memory is still sampled once the
	// cluster has settled.
	chaosQuiet = 15 * time.Second
	// chaosMinSamples is the shortest RSS series (one sample a second) the
	// memory check judges: a daemon restarted near the end has not lived
	// long enough to tell growth from start-up.
	chaosMinSamples = 30
	// chaosRSSGrowth bounds the last RSS sample of a daemon against the
	// median of the middle half of its samples. A healthy daemon's RSS is
	// mostly the runtime and the binary (about 15 to 25 MiB here); its Go
	// heap, a few MiB, may double between two collections, which moves the
	// RSS by well under a quarter. A leak that grows with the churn (a
	// goroutine, a connection or a buffer per lost peer) over tens of kills
	// goes beyond half.
	chaosRSSGrowth = 1.5
)

// chaosRules: two applications started in DISTRIBUTION, over every
// instance, each operational only when all its programs run (see
// chaosSettled). chain restarts a lost process elsewhere
// (RESTART_PROCESS); pair restarts as a whole when one of its processes is
// lost (RESTART_APPLICATION), after chain (start_sequence 2).
const chaosRules = `<?xml version="1.0" encoding="UTF-8"?>
<root>
    <application name="chain">
        <start_sequence>1</start_sequence>
        <starting_strategy>LESS_LOADED</starting_strategy>
        <running_failure_strategy>RESTART_PROCESS</running_failure_strategy>
        <operational_status>all('.*')</operational_status>
        <programs>
            <program name="c1"><start_sequence>1</start_sequence><expected_loading>5</expected_loading></program>
            <program name="c2"><start_sequence>1</start_sequence><expected_loading>5</expected_loading></program>
            <program name="c3"><start_sequence>2</start_sequence><expected_loading>5</expected_loading></program>
            <program name="c4"><start_sequence>3</start_sequence><expected_loading>5</expected_loading></program>
        </programs>
    </application>
    <application name="pair">
        <start_sequence>2</start_sequence>
        <starting_strategy>LESS_LOADED</starting_strategy>
        <running_failure_strategy>RESTART_APPLICATION</running_failure_strategy>
        <operational_status>all('.*')</operational_status>
        <programs>
            <program name="q1"><start_sequence>1</start_sequence><expected_loading>5</expected_loading></program>
            <program name="q2"><start_sequence>2</start_sequence><expected_loading>5</expected_loading></program>
            <program name="q3"><start_sequence>2</start_sequence><expected_loading>5</expected_loading></program>
        </programs>
    </application>
</root>
`

// chaosApplications are the applications with start_sequence > 0 and
// their programs, which must all run, once, when the cluster has settled.
var chaosApplications = map[string][]string{
	"chain": {"c1", "c2", "c3", "c4"},
	"pair":  {"q1", "q2", "q3"},
}

func chaosPrograms() string {
	var b strings.Builder
	for _, app := range slices.Sorted(maps.Keys(chaosApplications)) {
		progs := chaosApplications[app]
		fmt.Fprintf(&b, "\n[group:%s]\nprograms=%s\n", app, strings.Join(progs, ","))
		for _, p := range progs {
			fmt.Fprintf(&b, "\n[program:%s]\ncommand=sleep 86400\nautostart=false\nstartsecs=1\n", p)
		}
	}
	return b.String()
}

// rssSeries is the RSS of one daemon process, sampled once a second.
type rssSeries struct {
	nick    string
	pid     int
	samples []int64
}

// TestChaos kills one of 5 instances at random every few seconds (SIGKILL,
// with every program it ran) and restarts it with the same configuration
// a few seconds later. Once the chaos stops and the cluster has settled:
// every application with start_sequence > 0 is RUNNING without a major
// failure in every instance's view; no managed process runs twice, for
// Supvisors (get_conflicts) or for the kernel (live processes counted by
// program); every live program is the child of its instance's daemon (no
// orphan); and no daemon's memory grew during the run.
func TestChaos(t *testing.T) {
	t.Parallel()
	seed := *chaosSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("chaos seed %d (rerun with -chaos.seed=%d), duration %s", seed, seed, *chaosDuration)
	rng := rand.New(rand.NewPCG(seed, seed))

	rules := filepath.Join(t.TempDir(), "rules.xml")
	if err := os.WriteFile(rules, []byte(chaosRules), 0o644); err != nil {
		t.Fatal(err)
	}
	c := startCluster(t, chaosSize, func(c *clusterbench.Cluster) {
		c.Options = map[string]string{"rules_files": rules}
		c.Programs = chaosPrograms()
	})
	t.Cleanup(func() { keepOutputs(t, c) }) // before the cluster stops
	configs := map[string][]byte{}
	for _, n := range c.Nodes {
		data, err := os.ReadFile(n.ConfigPath())
		if err != nil {
			t.Fatal(err)
		}
		configs[n.Nick] = data
	}
	waitOperation(t, c.Nodes, c.Nodes)
	chaosSettled(t, c)

	series := map[int]*rssSeries{}
	sample := func() {
		for _, n := range c.Nodes {
			pid := n.PID()
			if pid == 0 {
				continue
			}
			rss, err := clusterbench.RSS(pid)
			if err != nil {
				continue // it has just died
			}
			s := series[pid]
			if s == nil {
				s = &rssSeries{nick: n.Nick, pid: pid}
				series[pid] = s
			}
			s.samples = append(s.samples, rss)
		}
	}

	pick := func(bounds [2]time.Duration) time.Duration {
		return bounds[0] + time.Duration(rng.Int64N(int64(bounds[1]-bounds[0])+1))
	}
	down := map[*clusterbench.Node]time.Time{} // restart times
	kills, masterKills := 0, 0
	end := time.Now().Add(*chaosDuration)
	nextKill := time.Now().Add(pick(chaosKillEvery))
	for now := time.Now(); now.Before(end); now = time.Now() {
		sample()
		for _, n := range slices.SortedFunc(maps.Keys(down), byNick) {
			if now.After(down[n]) {
				if err := n.Start(); err != nil {
					t.Fatal(err)
				}
				delete(down, n)
			}
		}
		if now.After(nextKill) && len(down) < chaosMaxDown {
			var alive []*clusterbench.Node
			for _, n := range c.Nodes {
				if _, isDown := down[n]; !isDown {
					alive = append(alive, n)
				}
			}
			// A third of the kills aim at the Master, whose loss takes the
			// most work (an election, then a DISTRIBUTION); the others
			// fall on any instance alive.
			victim := alive[rng.IntN(len(alive))]
			if rng.IntN(3) == 0 {
				if m := masterOf(c, alive); m != nil {
					victim = m
				}
			}
			wasMaster := isMaster(victim)
			victim.Kill()
			kills++
			if wasMaster {
				masterKills++
			}
			t.Logf("chaos: killed %s (Master: %v)", describe(victim), wasMaster)
			checkNothingLeft(t, c, victim)
			down[victim] = now.Add(pick(chaosDownFor))
			nextKill = now.Add(pick(chaosKillEvery))
		}
		time.Sleep(time.Second)
	}
	for _, n := range slices.SortedFunc(maps.Keys(down), byNick) {
		if err := n.Start(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("chaos over: %d kills, %d of them the Master; the cluster settles", kills, masterKills)
	for _, n := range c.Nodes {
		if data, err := os.ReadFile(n.ConfigPath()); err != nil || string(data) != string(configs[n.Nick]) {
			t.Errorf("the configuration of %s changed during the run (%v)", describe(n), err)
		}
	}

	settled := time.Now()
	waitFor(t, chaosSettleDeadline, c.Nodes, "OPERATION with one Master after the chaos",
		clusterbench.InOperation(clusterbench.Identifiers(c.Nodes)))
	chaosSettled(t, c)
	t.Logf("settled %.1f s after the chaos stopped", time.Since(settled).Seconds())
	for quiet := time.Now().Add(chaosQuiet); time.Now().Before(quiet); time.Sleep(time.Second) {
		sample()
	}
	checkNoOrphan(t, c)
	checkMemory(t, series)
}

func byNick(a, b *clusterbench.Node) int { return strings.Compare(a.Nick, b.Nick) }

// masterOf is the instance that one of alive names as the Master, if it
// is alive.
func masterOf(c *clusterbench.Cluster, alive []*clusterbench.Node) *clusterbench.Node {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, n := range alive {
		if s, err := n.State(ctx); err == nil && s.Master != "" {
			if m := c.Node(s.Master); m != nil && slices.Contains(alive, m) {
				return m
			}
			return nil
		}
	}
	return nil
}

// isMaster tells whether n believes it is the Master.
func isMaster(n *clusterbench.Node) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := n.State(ctx)
	return err == nil && s.Master == n.Identifier()
}

// checkNothingLeft checks that no process launched by the killed instance
// is still alive (Kill ends the programs with the daemon). A SIGKILLed
// process is gone in a moment, but that moment is not bounded under load:
// wait for it.
func checkNothingLeft(t *testing.T, c *clusterbench.Cluster, victim *clusterbench.Node) {
	t.Helper()
	deadline := time.Now().Add(reactionDeadline)
	for {
		var left []clusterbench.Process
		for _, p := range clusterbench.Leftovers(c.Marker) {
			if p.Nick == victim.Nick {
				left = append(left, p)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the kill of %s, its processes are still alive: %+v", describe(victim), left)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// chaosSettled waits until every instance sees every application with
// start_sequence > 0 operational and without conflict, and every one of
// their programs runs as exactly one live process, where the views say.
//
// The operational_status formula all('.*') is what makes "operational"
// mean "every program runs". Without it, a program could legitimately be
// left stopped: when an instance is lost while the survivors elect a
// Master (and every instance that joins forces an election), its
// processes are only marked FATAL; if it comes back before the next
// DISTRIBUTION, its fresh STOPPED state is the newest news of them and
// replaces FATAL (Supvisors keeps the most recent state of a process that
// runs nowhere), so the application has no failure and DISTRIBUTION,
// which restarts only applications never started or in failure, leaves
// them. With the formula, a stopped program is a major failure, and the
// DISTRIBUTION that follows the last instance to join repairs it.
func chaosSettled(t *testing.T, c *clusterbench.Cluster) {
	t.Helper()
	deadline := time.Now().Add(chaosSettleDeadline)
	for {
		problems := chaosProblems(c)
		if len(problems) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the applications did not settle:\n  %s", strings.Join(problems, "\n  "))
		}
		time.Sleep(time.Second)
	}
}

// chaosProblems lists what keeps the cluster from being settled.
func chaosProblems(c *clusterbench.Cluster) []string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var problems []string
	// The kernel's view: the live processes of each program, by instance.
	hosts := map[string][]string{}
	for _, p := range clusterbench.Leftovers(c.Marker) {
		if p.Program != "" {
			hosts[p.Program] = append(hosts[p.Program], p.Nick)
		}
	}
	for _, app := range slices.Sorted(maps.Keys(chaosApplications)) {
		for _, prog := range chaosApplications[app] {
			if got := hosts[app+":"+prog]; len(got) != 1 {
				problems = append(problems, fmt.Sprintf("%s:%s runs %d times on the machine (instances %v)", app, prog, len(got), got))
			}
		}
	}
	for _, n := range c.Nodes {
		for _, app := range slices.Sorted(maps.Keys(chaosApplications)) {
			info, err := n.ApplicationInfo(ctx, app)
			switch {
			case err != nil:
				problems = append(problems, fmt.Sprintf("%s: get_application_info(%s): %v", n.Nick, app, err))
			case !info.Operational():
				problems = append(problems, fmt.Sprintf("%s sees %s %s (major failure %v)", n.Nick, app, info.StateName, info.MajorFailure))
			}
		}
		conflicts, err := n.Conflicts(ctx)
		if err != nil || len(conflicts) > 0 {
			problems = append(problems, fmt.Sprintf("%s: get_conflicts: %+v %v", n.Nick, conflicts, err))
		}
		infos, err := n.AllProcessInfo(ctx)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: get_all_process_info: %v", n.Nick, err))
			continue
		}
		for _, p := range infos {
			if _, managed := chaosApplications[p.Application]; !managed {
				continue
			}
			ns := p.Namespec()
			live := hosts[ns]
			if p.StateName != "RUNNING" || len(p.Identifiers) != 1 || len(live) != 1 || c.Node(p.Identifiers[0]) != c.Node(live[0]) {
				problems = append(problems, fmt.Sprintf("%s sees %s %s on %v; the machine runs it on %v", n.Nick, ns, p.StateName, p.Identifiers, live))
			}
		}
	}
	return problems
}

// checkNoOrphan checks every live process of the run: one daemon per
// instance, the one the launcher runs, and every program a child of its
// own instance's daemon. A program whose daemon died without it would
// have been adopted by init or a subreaper.
func checkNoOrphan(t *testing.T, c *clusterbench.Cluster) {
	t.Helper()
	for _, p := range clusterbench.Leftovers(c.Marker) {
		n := c.Node(p.Nick)
		switch {
		case n == nil:
			t.Errorf("process %d %q carries an unknown instance %q", p.PID, p.Cmdline, p.Nick)
		case p.Program == "" && p.PID != n.PID():
			t.Errorf("a second daemon for %s: pid %d %q (the launcher runs %d)", n.Nick, p.PID, p.Cmdline, n.PID())
		case p.Program != "" && p.PPID != n.PID():
			t.Errorf("orphan: %s pid %d %q has parent %d, not the daemon of %s (%d)", p.Program, p.PID, p.Cmdline, p.PPID, n.Nick, n.PID())
		}
	}
}

// checkMemory judges each daemon's RSS series long enough to tell growth
// from start-up: the last sample must not exceed chaosRSSGrowth times the
// median of the middle half of the series.
func checkMemory(t *testing.T, series map[int]*rssSeries) {
	t.Helper()
	judged := 0
	for _, pid := range slices.Sorted(maps.Keys(series)) {
		s := series[pid]
		n := len(s.samples)
		if n < chaosMinSamples {
			continue
		}
		judged++
		middle := slices.Clone(s.samples[n/4 : 3*n/4])
		slices.Sort(middle)
		median := middle[len(middle)/2]
		last := s.samples[n-1]
		t.Logf("RSS of %s (pid %d) over %d s: first %.1f MiB, median of the middle %.1f MiB, max %.1f MiB, last %.1f MiB",
			s.nick, pid, n, mib(s.samples[0]), mib(median), mib(slices.Max(s.samples)), mib(last))
		if float64(last) > chaosRSSGrowth*float64(median) {
			t.Errorf("memory of %s (pid %d) grew: last RSS %.1f MiB > %.1f x the median %.1f MiB", s.nick, pid, mib(last), chaosRSSGrowth, mib(median))
		}
	}
	if judged == 0 {
		t.Errorf("no daemon lived %d s: nothing to judge the memory on", chaosMinSamples)
	}
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// keepOutputs copies each instance's output to -chaos.keep when the test
// failed: the temporary directories go with the test.
func keepOutputs(t *testing.T, c *clusterbench.Cluster) {
	if *chaosKeep == "" || !t.Failed() {
		return
	}
	if err := os.MkdirAll(*chaosKeep, 0o755); err != nil {
		t.Log(err)
		return
	}
	for _, n := range c.Nodes {
		data, err := os.ReadFile(n.OutputPath())
		if err == nil {
			err = os.WriteFile(filepath.Join(*chaosKeep, n.Nick+".out"), data, 0o644)
		}
		if err != nil {
			t.Log(err)
		}
	}
	t.Logf("instance outputs kept in %s", *chaosKeep)
}
