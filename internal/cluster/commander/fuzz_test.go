package commander

import (
	"fmt"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/cluster/model"
)

// fuzzSetup is a cluster with every kind of application: sequences with
// wait_exit and required, the three distributions, '#', an unmanaged
// group.
var fuzzSetup = []string{
	"instance A node=n1", "instance B node=n1", "instance C node=n2",
	"app seq start=1 sfs=STOP",
	"prog seq:init start=1 wait_exit load=10", "prog seq:srv start=2 required load=30 rfs=RESTART_APPLICATION",
	"prog seq:opt start=2 load=20 rfs=STOP_APPLICATION",
	"app one start=2 dist=SINGLE_INSTANCE sfs=ABORT rfs=RESTART_PROCESS",
	"prog one:a start=1 required load=20", "prog one:b start=2 load=20",
	"app node start=2 dist=SINGLE_NODE",
	"prog node:x start=1 load=30 rfs=RESTART_PROCESS", "prog node:y start=1 load=30 rfs=SHUTDOWN",
	"app pool start=3",
	"prog pool:w_0 start=1 hash=*", "prog pool:w_1 start=1 hash=*",
	"app free unmanaged",
	"define A seq:init seq:srv seq:opt one:a one:b node:x node:y pool:w_0@0/w pool:w_1@1/w free:u",
	"define B seq:init seq:srv seq:opt one:a one:b node:x pool:w_0@0/w pool:w_1@1/w free:u startsecs=7",
	"define C seq:init seq:srv one:a one:b node:x node:y pool:w_0@0/w pool:w_1@1/w free:u stopwaitsecs=3",
}

var fuzzApps = []string{"seq", "one", "node", "pool", "free"}
var fuzzProcs = []string{"seq:init", "seq:srv", "seq:opt", "one:a", "one:b", "node:x", "node:y",
	"pool:w_0", "pool:w_1", "free:u", "pool:*"}
var fuzzStates = []string{"STARTING", "RUNNING", "BACKOFF", "STOPPING", "STOPPED", "EXITED", "EXITED!", "FATAL"}

var fuzzConciliations = []string{"SENICIDE", "INFANTICIDE", "USER", "STOP", "RESTART", "RUNNING_FAILURE"}

// FuzzCommander plays random requests, events (some seen by the Master's
// failure check), ticks, losses and conciliations. The
// Commander must never panic nor send a second start for a process whose
// first start is still pending, and once the events stop every job must
// end (the time-outs see to it) and every waiting request be answered.
func FuzzCommander(f *testing.F) {
	f.Add([]byte{6, 8, 8, 9, 9, 9, 9})
	f.Add([]byte{0, 0, 1, 8, 3, 9, 10, 9, 2, 5, 7, 12, 13})
	f.Add([]byte{7, 2, 1, 3, 3, 4, 4, 5, 9, 11, 6, 10, 1, 9})
	// Crashes, a loss seen by the Master, conciliations.
	f.Add([]byte{6, 14, 0, 1, 6, 14, 1, 2, 7, 10, 0, 0, 15, 5, 9, 15, 3, 9, 9})
	f.Add([]byte{6, 8, 8, 9, 14, 2, 6, 7, 15, 0, 10, 1, 0, 9, 9, 9})
	f.Fuzz(runFuzzBody)
}

// runFuzzBody is one run of FuzzCommander.
func runFuzzBody(t *testing.T, data []byte) {
	e := newEnv()
	for _, line := range fuzzSetup {
		if err := e.setup(strings.Fields(line)); err != nil {
			t.Fatal(err)
		}
	}
	e.commander()
	lostOnce := map[string]bool{}
	var history []string
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := int(data[0])
		data = data[1:]
		return b
	}
	pick := func(list []string) string { return list[next()%len(list)] }
	strategy := func() string { return pick(strategyNames) }
	waitArg := func() string {
		if next()%2 == 0 {
			return "wait"
		}
		return "nowait"
	}
	for steps := 0; len(data) > 0 && steps < 200; steps++ {
		var cmd []string
		switch next() % 16 {
		case 0:
			cmd = []string{"start-app", pick(fuzzApps), strategy(), waitArg()}
		case 1:
			cmd = []string{"stop-app", pick(fuzzApps), waitArg()}
		case 2:
			cmd = []string{"restart-app", pick(fuzzApps), strategy(), waitArg()}
		case 3:
			cmd = []string{"start-proc", pick(fuzzProcs), strategy(), waitArg()}
		case 4:
			cmd = []string{"stop-proc", pick(fuzzProcs), waitArg()}
		case 5:
			cmd = []string{"restart-proc", pick(fuzzProcs), strategy(), waitArg()}
		case 6:
			cmd = []string{"distribution"}
		case 7:
			cmd = []string{"stop-all"}
		case 8:
			id := pick(e.cluster.known)
			ns := pick(fuzzProcs[:len(fuzzProcs)-1])
			if e.cluster.down[id] {
				continue
			}
			if _, ok := e.m.Record(id, ns); !ok {
				continue
			}
			cmd = []string{"event", id, ns, pick(fuzzStates)}
		case 9:
			cmd = []string{"tick"}
		case 10:
			id := pick([]string{"B", "C"})
			if lostOnce[id] {
				continue
			}
			lostOnce[id] = true
			cmd = []string{"lost", id}
			if next()%2 == 0 {
				cmd = append(cmd, "master")
			}
		case 11:
			cmd = []string{"abort"}
		case 12:
			if next()%2 == 0 {
				cmd = []string{"test-app", pick(fuzzApps), strategy()}
			} else {
				cmd = []string{"test-proc", pick(fuzzProcs), strategy()}
			}
		case 13:
			cmd = []string{"start-any", pick([]string{"seq", "pool", "^one:b$", "(", "x|y"}), strategy(), waitArg()}
		case 14:
			id := pick(e.cluster.known)
			ns := pick(fuzzProcs[:len(fuzzProcs)-1])
			if e.cluster.down[id] {
				continue
			}
			if _, ok := e.m.Record(id, ns); !ok {
				continue
			}
			cmd = []string{"crash", id, ns, pick(fuzzStates)}
		case 15:
			cmd = []string{"conciliate", pick(fuzzConciliations)}
		}
		if cmd[0] == "test-app" || cmd[0] == "test-proc" {
			if err := e.dryRunEmitsNothing(cmd); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := e.run(cmd); err != nil {
			t.Fatalf("%v: %v\n%s\nhistory:\n%s", cmd, err, strings.Join(e.out, "\n"), strings.Join(history, "\n"))
		}
		history = append(history, "> "+strings.Join(cmd, " "))
		history = append(history, e.out...)
	}
	// The events stop: wait_exit processes exit, time goes by.
	for range 60 {
		if !e.c.Starting() && !e.c.Stopping() && e.c.failures.empty() {
			break
		}
		for _, ns := range fuzzProcs[:len(fuzzProcs)-1] {
			p, _ := e.m.Process(ns)
			for _, id := range p.Running {
				if p.Rules.WaitExit && !e.cluster.down[id] {
					if rec, _ := e.m.Record(id, ns); rec.State == model.Running {
						if err := e.event(id, ns, model.Exited, true); err != nil {
							t.Fatalf("%v\nhistory:\n%s", err, strings.Join(history, "\n"))
						}
					}
				}
			}
		}
		if err := e.run([]string{"tick"}); err != nil {
			t.Fatalf("%v\n%s\nhistory:\n%s", err, strings.Join(e.out, "\n"), strings.Join(history, "\n"))
		}
		history = append(history, "> tick")
		history = append(history, e.out...)
	}
	if e.c.Starting() || e.c.Stopping() || len(e.c.Pending()) > 0 || !e.c.failures.empty() {
		t.Fatalf("jobs never ended: starting=%t stopping=%t pending=%v failures=%+v",
			e.c.Starting(), e.c.Stopping(), e.c.Pending(), e.c.failures)
	}
}

// dryRunEmitsNothing runs a test_start_* and checks that it sent no
// request and changed no job.
func (e *env) dryRunEmitsNothing(cmd []string) error {
	before := fmt.Sprint(e.c.Starting(), e.c.Stopping(), e.c.Pending())
	if err := e.run(cmd); err != nil {
		return err
	}
	for _, line := range e.out {
		if !strings.HasPrefix(line, "placement ") && !strings.HasPrefix(line, "error: ") &&
			!strings.HasPrefix(line, "assign ") {
			return fmt.Errorf("%v: the dry run acted: %s", cmd, line)
		}
	}
	if after := fmt.Sprint(e.c.Starting(), e.c.Stopping(), e.c.Pending()); after != before {
		return fmt.Errorf("%v: the dry run changed the jobs: %s -> %s", cmd, before, after)
	}
	return nil
}
