package api

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/cluster/mono"
	"github.com/supvisors-go/supvisors/internal/cluster/wire"
	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/supervisor"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// engineConf mirrors the programs of the reference cluster (chain:p1 and
// p2 running, mobile:roamer stopped) and adds the cases the local record
// distinguishes: numprocs, no stdout log, syslog, redirect_stderr.
const engineConf = `[supervisord]
logfile=%[1]s/main.log
pidfile=%[1]s/s.pid
childlogdir=%[1]s
identifier=api-test

[group:chain]
programs=p1,p2

[program:p1]
command=sleep 1000
startsecs=1
stopwaitsecs=5

[program:p2]
command=sleep 1000
startsecs=0
stopwaitsecs=5
stdout_logfile=%[1]s/p2.out
stderr_logfile=%[1]s/p2.err

[group:mobile]
programs=roamer

[program:roamer]
command=sleep 1000
autostart=false
stopwaitsecs=5

[program:w]
command=sleep 1000
process_name=w_%%(process_num)d
numprocs=11
autostart=false
startsecs=3
stopwaitsecs=7

[program:quiet]
command=sleep 1000
autostart=false
stdout_logfile=NONE
redirect_stderr=true

[program:sys]
command=sleep 1000
autostart=false
stdout_logfile=syslog
`

// startEngine runs a real engine on engineConf until the test ends, and
// waits for the autostarted processes to be RUNNING.
func startEngine(t *testing.T) *supervisor.Supervisor {
	t.Helper()
	dir := t.TempDir()
	confPath := filepath.Join(dir, "s.conf")
	if err := os.WriteFile(confPath, fmt.Appendf(nil, engineConf, dir), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(confPath, config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := supervisor.New(supervisor.Options{Config: cfg, Logger: slog.New(slog.DiscardHandler), Environ: os.Environ()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	for _, name := range []string{"chain:p1", "chain:p2"} {
		waitState(t, s, name, "RUNNING")
	}
	return s
}

// waitState polls until the process is in state (no time limit of its
// own: the test's deadline bounds it).
func waitState(t *testing.T, s *supervisor.Supervisor, name, state string) {
	t.Helper()
	for {
		info, err := s.ProcessInfo(name)
		if err != nil {
			t.Fatal(err)
		}
		if info.StateName == state {
			return
		}
		if info.StateName == "FATAL" {
			t.Fatalf("%s is FATAL: %s", name, info.SpawnErr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func newEngineHarness(t *testing.T) (*harness, *supervisor.Supervisor) {
	t.Helper()
	e := startEngine(t)
	h := &harness{d: xmlrpc.NewDispatcher(), cluster: newFakeCluster(snapshotABC())}
	Register(h.d, h.cluster, e, Options{})
	return h, e
}

// records decodes a get_all_local_process_info answer.
func records(t *testing.T, v any) map[string]wire.LocalProcessInfo {
	t.Helper()
	list, err := wire.ProcessInfoListFromXMLRPC(v)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]wire.LocalProcessInfo{}
	for _, p := range list {
		out[p.Group+":"+p.Name] = p
	}
	return out
}

func TestLocalProcessInfo(t *testing.T) {
	h, e := newEngineHarness(t)

	// Keys, key order and types are those of a Python instance.
	refAll := parseResponse(t, readRef(t, "A", "get_all_local_process_info"))
	gotAll := parseResponse(t, h.answer(t, "supvisors.get_all_local_process_info"))
	if err := sameShape(gotAll, refAll, "get_all_local_process_info"); err != nil {
		t.Error(err)
	}
	refOne := parseResponse(t, readRef(t, "A", "get_local_process_info__chain-p1"))
	gotOne := parseResponse(t, h.answer(t, "supvisors.get_local_process_info", "chain:p1"))
	if err := sameShape(gotOne, refOne, "get_local_process_info"); err != nil {
		t.Error(err)
	}

	v, err := h.call(t, "supvisors.get_all_local_process_info")
	if err != nil {
		t.Fatal(err)
	}
	list, err := wire.ProcessInfoListFromXMLRPC(v)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range list {
		names = append(names, p.Group+":"+p.Name)
	}
	// getAllProcessInfo's order: by group name, then process name.
	want := []string{"chain:p1", "chain:p2", "mobile:roamer", "quiet:quiet", "sys:sys"}
	for _, n := range []int{0, 1, 10, 2, 3, 4, 5, 6, 7, 8, 9} {
		want = append(want, fmt.Sprintf("w:w_%d", n))
	}
	if !slices.Equal(names, want) {
		t.Errorf("processes %v\nwant %v", names, want)
	}

	recs := records(t, v)
	type fixed struct {
		state, index, startsecs, stopwaitsecs int
		program                               string
		stdout, stderr                        bool
	}
	for name, w := range map[string]fixed{
		"chain:p1":      {20, 0, 1, 5, "p1", true, true},
		"chain:p2":      {20, 0, 0, 5, "p2", true, true},
		"mobile:roamer": {0, 0, 1, 5, "roamer", true, true},
		"quiet:quiet":   {0, 0, 1, 10, "quiet", false, false},
		"sys:sys":       {0, 0, 1, 10, "sys", false, true},
		"w:w_0":         {0, 0, 3, 7, "w", true, true},
		"w:w_1":         {0, 1, 3, 7, "w", true, true},
		// Supervisor orders a program's processes by name: w_10 is third.
		"w:w_10": {0, 2, 3, 7, "w", true, true},
		"w:w_2":  {0, 3, 3, 7, "w", true, true},
		"w:w_9":  {0, 10, 3, 7, "w", true, true},
	} {
		p := recs[name]
		got := fixed{p.State, p.ProcessIndex, p.StartSecs, p.StopWaitSecs, p.ProgramName, p.HasStdout, p.HasStderr}
		if got != w {
			t.Errorf("%s: %+v, want %+v", name, got, w)
		}
		if p.ExtraArgs != "" || p.Disabled || !p.Expected || p.Spawnerr != "" {
			t.Errorf("%s: extra_args %q disabled %v expected %v spawnerr %q", name, p.ExtraArgs, p.Disabled, p.Expected, p.Spawnerr)
		}
	}

	// A running process: its times on both clocks agree.
	p1 := recs["chain:p1"]
	if p1.StateName != "RUNNING" || p1.PID <= 0 || p1.Start <= 0 || p1.Stop != 0 || p1.StopMonotonic != 0 {
		t.Errorf("chain:p1 %+v", p1)
	}
	if p1.StartMonotonic <= 0 || p1.StartMonotonic > p1.NowMonotonic || p1.NowMonotonic > mono.Now() {
		t.Errorf("chain:p1 start_monotonic %v, now_monotonic %v", p1.StartMonotonic, p1.NowMonotonic)
	}
	if d := (p1.NowMonotonic - p1.StartMonotonic) - float64(p1.Now-p1.Start); math.Abs(d) > 2 {
		t.Errorf("chain:p1 uptime %v s on the monotonic clock, %d s on the wall clock",
			p1.NowMonotonic-p1.StartMonotonic, p1.Now-p1.Start)
	}
	if want := fmt.Sprintf("pid %d, uptime ", p1.PID); len(p1.Description) < len(want) || p1.Description[:len(want)] != want {
		t.Errorf("chain:p1 description %q", p1.Description)
	}
	// Never started: no times.
	roamer := recs["mobile:roamer"]
	if roamer.StateName != "STOPPED" || roamer.Description != "Not started" || roamer.Start != 0 ||
		roamer.StartMonotonic != 0 || roamer.StopMonotonic != 0 || roamer.Now <= 0 {
		t.Errorf("mobile:roamer %+v", roamer)
	}

	// After a stop, the stop instant is there on both clocks.
	if err := e.StopProcess(t.Context(), "chain:p2", true); err != nil {
		t.Fatal(err)
	}
	one, err := h.call(t, "supvisors.get_local_process_info", "chain:p2")
	if err != nil {
		t.Fatal(err)
	}
	p2, err := wire.LocalProcessInfoFromXMLRPC(one)
	if err != nil {
		t.Fatal(err)
	}
	if p2.StateName != "STOPPED" || p2.Stop < p2.Start || p2.StopMonotonic < p2.StartMonotonic || p2.StartMonotonic <= 0 {
		t.Errorf("chain:p2 after stop %+v", p2)
	}

	// A name alone is its own group.
	if _, err := h.call(t, "supvisors.get_local_process_info", "quiet"); err != nil {
		t.Errorf("get_local_process_info(quiet): %v", err)
	}
	for _, tc := range []struct {
		params []any
		want   string
	}{
		{[]any{"chain:nosuch"}, "BAD_NAME: chain:nosuch"},
		{[]any{"nosuch"}, "BAD_NAME: nosuch"},
		{[]any{"chain:"}, "BAD_NAME: chain:"},
		{[]any{"chain:*"}, "BAD_NAME: chain:*"},
		{[]any{5}, "INCORRECT_PARAMETERS"},
		{nil, "INCORRECT_PARAMETERS"},
		{[]any{"chain:p1", "x"}, "INCORRECT_PARAMETERS"},
	} {
		_, err := h.call(t, "supvisors.get_local_process_info", tc.params...)
		wantFault(t, fmt.Sprintf("get_local_process_info%v", tc.params), err, tc.want)
	}
	_, err = h.call(t, "supvisors.get_all_local_process_info", "x")
	wantFault(t, "get_all_local_process_info(x)", err, "INCORRECT_PARAMETERS")
}

// While the daemon stops, the local process getters fail as Supervisor's
// getProcessInfo does.
func TestLocalProcessInfoWhileShuttingDown(t *testing.T) {
	h, e := newEngineHarness(t)
	e.Shutdown()
	_, err := h.call(t, "supvisors.get_all_local_process_info")
	wantFault(t, "get_all_local_process_info", err, "SHUTDOWN_STATE")
	_, err = h.call(t, "supvisors.get_local_process_info", "chain:p1")
	wantFault(t, "get_local_process_info", err, "SHUTDOWN_STATE")
	// The cluster getters do not depend on the daemon's state.
	if _, err := h.call(t, "supvisors.get_strategies"); err != nil {
		t.Errorf("get_strategies: %v", err)
	}
}
