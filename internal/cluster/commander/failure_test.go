package commander

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/cluster/model"
	"github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/cluster/rules"
)

// runFailure applies the script commands of the running failure handler
// and of the conciliation:
//
//	crash ID NS STATE...    events from ID, each seen by the Master's failure check
//	failure NS              the Master's failure check alone
//	force NS ID STATE       a forced state accepted by the model
//	conciliate STRATEGY [NS...]
//	conflicts               the conflicts the commander sees
//	failures                the pending running failure jobs
//	clock                   every instance's records refreshed by a tick (uptimes)
func (e *env) runFailure(words []string) error {
	c := e.c
	switch words[0] {
	case "crash":
		for _, w := range words[3:] {
			st, expected, err := parseState(w)
			if err != nil {
				return err
			}
			if err := e.event(words[1], words[2], st, expected); err != nil {
				return err
			}
			c.ProcessFailure(words[2], e.now)
			if err := e.drain(); err != nil {
				return err
			}
		}
	case "failure":
		c.ProcessFailure(words[1], e.now)
	case "force":
		st, _, err := parseState(words[3])
		if err != nil {
			return err
		}
		e.now++
		if _, ok := e.m.ForceState(words[1], words[2], st, "forced by the test", e.now, e.now); !ok {
			return fmt.Errorf("force %s dismissed by the model", words[1])
		}
	case "conciliate":
		i := slices.Index(conciliationNames, words[1])
		if i < 0 {
			return fmt.Errorf("unknown conciliation strategy %q", words[1])
		}
		e.printf("conciliated %t", c.Conciliate(options.ConciliationStrategy(i), words[2:], e.now))
	case "conflicts":
		e.printf("conflicts %v", c.Conflicts())
	case "failures":
		f := c.failures
		e.printf("failures stop=%v restart=%v restart-process=%v continue=%v",
			f.stopApps, f.restartApps, f.restartProcs, f.continueProcs)
	case "clock":
		for _, id := range e.cluster.known {
			if !e.cluster.down[id] {
				e.m.Tick(id, int64(1_700_000_000+e.now), e.now)
			}
		}
	default:
		return fmt.Errorf("unknown command %q", words[0])
	}
	return nil
}

var conciliationNames = []string{"SENICIDE", "INFANTICIDE", "USER", "STOP", "RESTART", "RUNNING_FAILURE"}

// The names the harness uses are the options' own.
func TestConciliationNames(t *testing.T) {
	for i, name := range conciliationNames {
		if got := options.ConciliationStrategy(i).String(); got != name {
			t.Errorf("strategy %d = %s, want %s", i, got, name)
		}
	}
}

// crashSetup is one application of two processes in sequence and one out
// of it, on two instances, every process running on A.
func crashSetup(appRFS, progRFS string) []string {
	return []string{"instance A", "instance B",
		"app demo start=1 rfs=" + appRFS,
		"prog demo:a start=1 rfs=" + progRFS, "prog demo:b start=2", "prog demo:c",
		"define A demo:a demo:b demo:c", "define B demo:a demo:b demo:c",
		"running A demo:a demo:b demo:c"}
}

// outputs plays a command and returns its trace.
func outputs(t *testing.T, e *env, cmd string) []string {
	t.Helper()
	if err := e.run(strings.Fields(cmd)); err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	return e.out
}

// TestProcessFailure: which strategies act on a crash seen by the Master.
func TestProcessFailure(t *testing.T) {
	tests := []struct {
		strategy string
		state    string
		want     []string
	}{
		{"CONTINUE", "FATAL", nil},
		{"RESTART_PROCESS", "FATAL", nil},
		{"STOP_APPLICATION", "FATAL", []string{"stop demo:b on A", "jobs starting=false stopping=true"}},
		{"STOP_APPLICATION", "EXITED!", []string{"stop demo:b on A", "jobs starting=false stopping=true"}},
		// An expected exit is no crash.
		{"STOP_APPLICATION", "EXITED", nil},
		{"RESTART_APPLICATION", "FATAL", []string{"stop demo:b on A", "jobs starting=false stopping=true"}},
		{"SHUTDOWN", "FATAL", []string{"supvisors shutdown (crash of demo:a)"}},
		{"RESTART", "EXITED!", []string{"supvisors restart (crash of demo:a)"}},
		{"RESTART", "STOPPED", nil},
	}
	for _, tt := range tests {
		t.Run(tt.strategy+"/"+tt.state, func(t *testing.T) {
			e := play(t, crashSetup("CONTINUE", tt.strategy)...)
			got := outputs(t, e, "crash A demo:a "+tt.state)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// A forced crash does not stop or restart the application (a restart
// that finds no room would loop), but RESTART and SHUTDOWN still apply.
func TestProcessFailureForced(t *testing.T) {
	for strategy, want := range map[string][]string{
		"STOP_APPLICATION":    nil,
		"RESTART_APPLICATION": nil,
		"SHUTDOWN":            {"supvisors shutdown (crash of demo:a)"},
	} {
		t.Run(strategy, func(t *testing.T) {
			e := play(t, crashSetup("CONTINUE", strategy)...)
			e.c.Ready()
			if err := e.event("A", "demo:a", model.Fatal, false); err != nil {
				t.Fatal(err)
			}
			outputs(t, e, "force demo:a A FATAL")
			if p, _ := e.m.Process("demo:a"); !p.Forced || !p.Crashed() {
				t.Fatalf("setup: forced=%t crashed=%t", p.Forced, p.Crashed())
			}
			if got := outputs(t, e, "failure demo:a"); !slices.Equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

// TestFailureMerge checks the precedence of the jobs of one application,
// whatever order they arrive in, with the applications kept busy so that
// nothing is carried out.
func TestFailureMerge(t *testing.T) {
	const (
		cont    = rules.RunningContinue
		proc    = rules.RunningRestartProcess
		stop    = rules.RunningStopApplication
		restart = rules.RunningRestartApplication
	)
	type job struct {
		strategy rules.RunningFailureStrategy
		ns       string
	}
	tests := []struct {
		name string
		jobs []job
		want string
	}{
		{"stop wins over all", []job{{proc, "demo:a"}, {cont, "demo:c"}, {restart, "demo:b"}, {stop, "demo:a"}},
			"stop=[demo] restart=[] procs=[] cont=[]"},
		{"stop absorbs later jobs", []job{{stop, "demo:a"}, {restart, "demo:b"}, {proc, "demo:c"}, {cont, "demo:a"}},
			"stop=[demo] restart=[] procs=[] cont=[]"},
		{"restart absorbs sequenced processes only", []job{{proc, "demo:a"}, {proc, "demo:c"}, {cont, "demo:b"}, {restart, "demo:a"}},
			"stop=[] restart=[demo] procs=[demo:c] cont=[]"},
		{"restart then process jobs", []job{{restart, "demo:a"}, {proc, "demo:b"}, {cont, "demo:c"}},
			"stop=[] restart=[demo] procs=[] cont=[demo:c]"},
		{"restart process replaces continue", []job{{cont, "demo:c"}, {proc, "demo:c"}, {cont, "demo:c"}},
			"stop=[] restart=[] procs=[demo:c] cont=[]"},
		{"no duplicates", []job{{proc, "demo:a"}, {proc, "demo:a"}, {restart, "other:x"}, {restart, "other:x"}},
			"stop=[] restart=[other] procs=[demo:a] cont=[]"},
		{"applications apart", []job{{stop, "demo:a"}, {proc, "other:x"}},
			"stop=[demo] restart=[] procs=[other:x] cont=[]"},
		{"shutdown and restart are no jobs", []job{{rules.RunningShutdown, "demo:a"}, {rules.RunningRestart, "demo:b"}},
			"stop=[] restart=[] procs=[] cont=[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := play(t, "instance A", "app demo start=1", "prog demo:a start=1", "prog demo:b start=2", "prog demo:c",
				"app other start=2", "prog other:x start=1",
				"define A demo:a demo:b demo:c other:x")
			for _, j := range tt.jobs {
				p, ok := e.m.Process(j.ns)
				if !ok {
					t.Fatal(j.ns)
				}
				e.c.addFailureJob(j.strategy, p)
			}
			f := e.c.failures
			got := fmt.Sprintf("stop=%v restart=%v procs=%v cont=%v", f.stopApps, f.restartApps, f.restartProcs, f.continueProcs)
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestPromotion: a RESTART_PROCESS default job becomes RESTART_APPLICATION
// when the application is stopped and would start the process again.
func TestPromotion(t *testing.T) {
	tests := []struct {
		name    string
		running []string
		ns      string
		want    string
	}{
		{"application stopped, process in sequence", nil, "demo:a", "restart=[demo] procs=[]"},
		{"application stopped, process out of sequence", nil, "demo:c", "restart=[] procs=[demo:c]"},
		{"application running", []string{"demo:b"}, "demo:a", "restart=[] procs=[demo:a]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := play(t, "instance A", "app demo start=1 rfs=RESTART_PROCESS", "prog demo:a start=1",
				"prog demo:b start=2", "prog demo:c", "define A demo:a demo:b demo:c")
			if len(tt.running) > 0 {
				if err := e.setup(append([]string{"running", "A"}, tt.running...)); err != nil {
					t.Fatal(err)
				}
			}
			p, _ := e.m.Process(tt.ns)
			e.c.addDefaultFailureJob(p)
			f := e.c.failures
			if got := fmt.Sprintf("restart=%v procs=%v", f.restartApps, f.restartProcs); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// Abort drops the pending failure jobs with the others.
func TestAbortDropsFailureJobs(t *testing.T) {
	e := play(t, "instance A", "app demo start=1 rfs=RESTART_APPLICATION", "prog demo:a start=1", "prog demo:b start=1",
		"define A demo:a demo:b", "running A demo:a demo:b", "> stop-proc demo:b")
	p, _ := e.m.Process("demo:a")
	e.c.addDefaultFailureJob(p)
	e.c.triggerFailureJobs()
	if e.c.failures.empty() {
		t.Fatal("the job should wait for the Stopper")
	}
	e.c.Abort(e.now)
	if !e.c.failures.empty() {
		t.Errorf("failure jobs kept: %+v", e.c.failures)
	}
}

// TestConciliateKeeps: which copy SENICIDE and INFANTICIDE keep.
func TestConciliateKeeps(t *testing.T) {
	tests := []struct {
		strategy string
		want     []string
	}{
		{"SENICIDE", []string{"conciliated true", "stop demo:a on A", "stop demo:a on B", "jobs starting=false stopping=true"}},
		{"INFANTICIDE", []string{"conciliated true", "stop demo:a on B", "stop demo:a on C", "jobs starting=false stopping=true"}},
		{"USER", []string{"conciliated false"}},
		{"STOP", []string{"conciliated true", "stop demo:a on A", "stop demo:a on B", "stop demo:a on C",
			"jobs starting=false stopping=true"}},
	}
	for _, tt := range tests {
		t.Run(tt.strategy, func(t *testing.T) {
			// A started first (oldest), then B, then C (youngest).
			e := play(t, "instance A", "instance B", "instance C", "app demo start=1", "prog demo:a start=1",
				"define A demo:a", "define B demo:a", "define C demo:a",
				"running A demo:a", "> clock", "> clock", "running B demo:a", "running C demo:a", "> clock")
			recB, _ := e.m.Record("B", "demo:a")
			recC, _ := e.m.Record("C", "demo:a")
			recA, _ := e.m.Record("A", "demo:a")
			if !(recA.Uptime.Value > recB.Uptime.Value && recB.Uptime.Value > recC.Uptime.Value) {
				t.Fatalf("setup: uptimes A=%v B=%v C=%v", recA.Uptime, recB.Uptime, recC.Uptime)
			}
			if got := outputs(t, e, "conciliate "+tt.strategy); !slices.Equal(got, tt.want) {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}
