package commander

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/cluster/model"
	"github.com/supvisors-go/supvisors/internal/cluster/rules"
	"github.com/supvisors-go/supvisors/internal/cluster/wire"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected traces of testdata/scripts/*.txt")

// env is a Commander over a real model, fed by a script.
type env struct {
	cluster *fakeCluster
	rules   *fakeRules
	m       *model.Model
	c       *Commander
	now     float64
	out     []string
	// starts holds, per namespec, the target of a start request sent and
	// not yet answered by a stopped state (nor forgotten by an abort or
	// the loss of the target): never two at once.
	starts map[string]string
}

func newEnv() *env {
	e := &env{cluster: newFakeCluster(), rules: newFakeRules(), starts: map[string]string{}}
	return e
}

// commander creates the model and the Commander on first use, once the
// rules are declared (the model freezes rules at first sight).
func (e *env) commander() *Commander {
	if e.c == nil {
		e.m = model.New(e.rules)
		e.c = New(Config{Model: e.m, Cluster: e.cluster, Rules: signRules{e.rules}})
	}
	return e.c
}

func (e *env) printf(format string, args ...any) { e.out = append(e.out, fmt.Sprintf(format, args...)) }

// drain carries out the commander's actions, as the driver does: forced
// states go to the model only.
func (e *env) drain() error {
	for {
		actions := e.c.Ready()
		if len(actions) == 0 {
			return nil
		}
		for _, a := range actions {
			e.printf("%s", a)
			switch a := a.(type) {
			case StartProcess:
				if prev, ok := e.starts[a.Namespec]; ok {
					return fmt.Errorf("start request for %s on %s while one is pending on %s", a.Namespec, a.Target, prev)
				}
				e.starts[a.Namespec] = a.Target
			case ForceState:
				e.now++
				e.m.ForceState(a.Namespec, a.Identifier, a.State, a.Reason, a.Decided, e.now)
				if a.State == model.Fatal {
					delete(e.starts, a.Namespec)
				}
			}
		}
	}
}

func (e *env) event(id, ns string, state int, expected bool) error {
	e.now++
	if _, ok := e.m.ProcessEvent(id, processEvent(id, ns, state, expected, e.now), e.now); !ok {
		return fmt.Errorf("event %s %s ignored by the model", id, ns)
	}
	if state != model.Starting && state != model.Running && state != model.Backoff && state != model.Stopping {
		delete(e.starts, ns)
	}
	e.c.ProcessEvent(ns, id, e.now)
	return e.drain()
}

func keyValues(args []string) (map[string]string, []string) {
	kv := map[string]string{}
	var rest []string
	for _, a := range args {
		if k, v, ok := strings.Cut(a, "="); ok {
			kv[k] = v
		} else {
			rest = append(rest, a)
		}
	}
	return kv, rest
}

func list(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// setup applies a declaration line.
func (e *env) setup(words []string) error {
	kv, rest := keyValues(words[1:])
	switch words[0] {
	case "instance":
		e.cluster.add(rest[0], kv["node"])
	case "local":
		e.cluster.local = rest[0]
	case "app":
		r := model.DefaultApplicationRules()
		r.Managed = !slices.Contains(rest, "unmanaged")
		for k, v := range kv {
			switch k {
			case "dist":
				r.Distribution = v
			case "start":
				r.StartSequence = atoi(v)
			case "stop":
				r.StopSequence = atoi(v)
			case "strategy":
				r.StartingStrategy = v
			case "sfs":
				r.StartingFailureStrategy = v
			case "rfs":
				r.RunningFailureStrategy = v
			case "ids":
				r.Identifiers = list(v)
			default:
				return fmt.Errorf("unknown app option %s", k)
			}
		}
		if kv["stop"] == "" {
			r.StopSequence = r.StartSequence
		}
		e.rules.apps[rest[0]] = r
	case "prog":
		g, _ := split(rest[0])
		p := model.DefaultProgramRules(e.rules.Application(g))
		sign := rules.ProgramRules{}
		for k, v := range kv {
			switch k {
			case "start":
				p.StartSequence = atoi(v)
			case "stop":
				p.StopSequence = atoi(v)
			case "load":
				p.ExpectedLoading = atoi(v)
			case "ids":
				p.Identifiers = list(v)
			case "sfs":
				p.StartingFailureStrategy = v
			case "rfs":
				p.RunningFailureStrategy = v
			case "hash":
				p.Identifiers, sign.HashIdentifiers = []string{}, list(v)
			case "at":
				p.Identifiers, sign.AtIdentifiers = []string{}, list(v)
			default:
				return fmt.Errorf("unknown prog option %s", k)
			}
		}
		if kv["stop"] == "" {
			p.StopSequence = p.StartSequence
		}
		p.Required = slices.Contains(rest, "required")
		p.WaitExit = slices.Contains(rest, "wait_exit")
		if sign.HashIdentifiers != nil || sign.AtIdentifiers != nil {
			sign.Identifiers = []string{}
			e.rules.signs[rest[0]] = sign
		}
		e.rules.progs[rest[0]] = p
	case "define":
		// define ID NS[@index/program]... [startsecs=N] [stopwaitsecs=N]
		startsecs, stopwait := 1, 10
		if v, ok := kv["startsecs"]; ok {
			startsecs = atoi(v)
		}
		if v, ok := kv["stopwaitsecs"]; ok {
			stopwait = atoi(v)
		}
		e.commander()
		var recs wire.ProcessInfoList
		for _, item := range rest[1:] {
			ns, extra, _ := strings.Cut(item, "@")
			index, program := 0, ""
			if extra != "" {
				idx, prog, _ := strings.Cut(extra, "/")
				index, program = atoi(idx), prog
			}
			recs = append(recs, record(ns, model.Stopped, startsecs, stopwait, index, program, e.now))
		}
		e.m.LoadProcesses(rest[0], recs, e.now)
	case "running":
		// running ID NS...: already running there before the test.
		for _, ns := range rest[1:] {
			for _, st := range []int{model.Starting, model.Running} {
				e.now++
				if _, ok := e.m.ProcessEvent(rest[0], processEvent(rest[0], ns, st, true, e.now), e.now); !ok {
					return fmt.Errorf("running %s %s: unknown", rest[0], ns)
				}
			}
		}
	case "disable":
		// disable ID NS
		g, n := split(rest[1])
		e.m.SetDisabled(rest[0], wire.LocalProcessInfo{Group: g, Name: n, Disabled: true})
	default:
		return fmt.Errorf("unknown declaration %q", words[0])
	}
	return nil
}

// run applies a command line (after "> ") and prints what follows.
func (e *env) run(words []string) error {
	c := e.commander()
	e.out = nil
	e.now++
	ticketOrErr := func(t Ticket, err error) {
		switch {
		case err != nil:
			e.printf("error: %s", err)
		case t != 0:
			e.printf("ticket #%d", t)
		default:
			e.printf("ok")
		}
	}
	wait := slices.Contains(words, "wait")
	switch words[0] {
	case "start-app":
		s, err := parseStrategyArg(words[2])
		if err != nil {
			return err
		}
		ticketOrErr(c.StartApplication(s, words[1], wait, e.now))
	case "stop-app":
		ticketOrErr(c.StopApplication(words[1], wait, e.now))
	case "restart-app":
		s, err := parseStrategyArg(words[2])
		if err != nil {
			return err
		}
		ticketOrErr(c.RestartApplication(s, words[1], wait, e.now))
	case "start-proc":
		s, err := parseStrategyArg(words[2])
		if err != nil {
			return err
		}
		args := ""
		if len(words) > 3 && words[3] != "wait" && words[3] != "nowait" {
			args = words[3]
		}
		ticketOrErr(c.StartProcess(s, words[1], args, wait, e.now))
	case "start-any":
		s, err := parseStrategyArg(words[2])
		if err != nil {
			return err
		}
		ns, t, err := c.StartAnyProcess(s, words[1], "", wait, e.now)
		e.printf("chosen %q", ns)
		ticketOrErr(t, err)
	case "stop-proc":
		ticketOrErr(c.StopProcess(words[1], wait, e.now))
	case "restart-proc":
		s, err := parseStrategyArg(words[2])
		if err != nil {
			return err
		}
		ticketOrErr(c.RestartProcess(s, words[1], "", wait, e.now))
	case "restart-sequence":
		ticketOrErr(c.RestartSequence(wait, e.now))
	case "distribution":
		c.StartDistribution(e.now)
	case "stop-all":
		c.StopApplications(e.now)
	case "abort":
		c.Abort(e.now)
		clear(e.starts)
	case "event":
		// event ID NS STATE... (STATE! is an unexpected exit)
		for _, w := range words[3:] {
			st, expected, err := parseState(w)
			if err != nil {
				return err
			}
			if err := e.event(words[1], words[2], st, expected); err != nil {
				return err
			}
		}
	case "tick":
		n := 1
		if len(words) > 1 {
			n = atoi(words[1])
		}
		for range n {
			e.cluster.tick()
			e.now++
			c.Check(e.now)
			if err := e.drain(); err != nil {
				return err
			}
		}
	case "down":
		e.cluster.setDown(words[1], true)
	case "lost":
		e.cluster.setDown(words[1], true)
		for ns, target := range e.starts {
			if target == words[1] {
				delete(e.starts, ns)
			}
		}
		changes := e.m.InstanceLost(words[1], e.now)
		kept := c.InstancesLost(words[1:2], changes.Lost, e.now)
		e.printf("lost %v -> failure handler %v", changes.Lost, kept)
		// "lost ID master": the Master redistributes what no job holds.
		if slices.Contains(words[2:], "master") {
			if err := e.drain(); err != nil {
				return err
			}
			c.Redistribute(kept, e.now)
		}
	case "test-app", "test-proc":
		s, err := parseStrategyArg(words[2])
		if err != nil {
			return err
		}
		var out Placements
		if words[0] == "test-app" {
			out, err = c.TestStartApplication(s, words[1])
		} else {
			out, err = c.TestStartProcess(s, words[1])
		}
		if err != nil {
			e.printf("error: %s", err)
		}
		for _, p := range out {
			e.printf("placement %s:%s %s %v reason=%q", p.ApplicationName, p.ProcessName, p.State,
				p.RunningIdentifiers, p.ForcedReason)
		}
	case "show":
		// show NS...: the displayed state and where it runs.
		for _, ns := range words[1:] {
			p, ok := e.m.Process(ns)
			if !ok {
				e.printf("%s unknown", ns)
				continue
			}
			e.printf("%s %s %v forced=%t %q", ns, model.ProcessStateName(p.DisplayedState), p.Running, p.Forced, p.ForcedReason)
		}
	case "jobs":
		e.printf("starting=%t stopping=%t pending=%v", c.Starting(), c.Stopping(), c.Pending())
	default:
		if err := e.runFailure(words); err != nil {
			return err
		}
	}
	return e.drain()
}

// runScript plays a script. Lines: declarations, "> command" lines each
// followed by the expected trace, comments (#) and blank lines.
func runScript(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv()
	var rewritten []string
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		trimmed := strings.TrimSpace(line)
		rewritten = append(rewritten, line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
			continue
		case strings.HasPrefix(line, "> "):
			var want []string
			for i+1 < len(lines) && lines[i+1] != "" && !strings.HasPrefix(lines[i+1], "> ") &&
				!strings.HasPrefix(lines[i+1], "#") {
				i++
				want = append(want, lines[i])
			}
			e.out = nil
			if err := e.run(strings.Fields(line[2:])); err != nil {
				t.Fatalf("%s:%d: %v", path, i+1, err)
			}
			got := e.out
			rewritten = append(rewritten, got...)
			if !*rewrite && !slices.Equal(got, want) {
				t.Errorf("%s: %q\n got:\n  %s\nwant:\n  %s", path, line, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
		default:
			if err := e.setup(strings.Fields(trimmed)); err != nil {
				t.Fatalf("%s:%d: %v", path, i+1, err)
			}
		}
	}
	if *rewrite {
		if err := os.WriteFile(path, []byte(strings.Join(rewritten, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestScripts(t *testing.T) {
	files, err := filepath.Glob("testdata/scripts/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) { runScript(t, f) })
	}
}
