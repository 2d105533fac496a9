package bench

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tinyOptions are the smallest sizes that still exercise every step of
// every scenario.
func tinyOptions(t *testing.T, a, b string) Options {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.A, o.B = a, b
	o.Reps = 1
	o.Programs = 5
	o.RPCPrograms = 3
	o.RPCClients = 2
	o.RPCDuration = 200 * time.Millisecond
	o.StateDuration = 200 * time.Millisecond
	o.CaptureBytes = 4 << 20
	o.CaptureMaxBytes = "1MB"
	o.IdleDuration = 300 * time.Millisecond
	o.ChurnDuration = time.Second
	o.RunTimeout = time.Minute
	o.WorkDir = t.TempDir()
	o.Helper = self
	o.Logger = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	return o
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// TestHarnessEndToEnd runs every scenario once, at tiny sizes, with
// Debian's supervisord as B and, as A, $SUPVISORS_BENCH_A when set (our
// supvisord once it works) or supervisord again. It checks that every metric
// was measured on both sides, never how fast anything was.
func TestHarnessEndToEnd(t *testing.T) {
	checkNoGoroutineLeak(t)
	b := supervisordPath(t)
	a := b
	if env := os.Getenv("SUPVISORS_BENCH_A"); env != "" {
		abs, err := resolveBinary(env)
		if err != nil {
			t.Fatal(err)
		}
		a = abs
	}
	opts := tinyOptions(t, a, b)
	report, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	baselines := map[string]bool{"startup0.seconds": true, "startup0.floor.seconds": true, "stopall.seconds": true, "capture.rate": true, "capture.cat.rate": true}
	keys := map[string]bool{}
	for _, row := range report.Rows {
		keys[row.Key] = true
		for side, s := range map[string]Series{"A": row.A, "B": row.B, "baseline": row.Baseline} {
			if len(s.Errors) > 0 {
				t.Errorf("%s on %s failed: %v", row.Key, side, s.Errors)
			}
		}
		if row.Key == "capture.cat.rate" || row.Key == "startup0.floor.seconds" {
			if len(row.A.Values)+len(row.B.Values) != 0 {
				t.Errorf("%s is a baseline-only row but has daemon values", row.Key)
			}
		} else if len(row.A.Values) != 1 || len(row.B.Values) != 1 {
			t.Errorf("%s: %d values for A and %d for B, want 1 each", row.Key, len(row.A.Values), len(row.B.Values))
		}
		if baselines[row.Key] != (len(row.Baseline.Values) == 1) {
			t.Errorf("%s: %d baseline values", row.Key, len(row.Baseline.Values))
		}
		if row.Key == "shutdown.left" {
			for _, v := range append(row.A.Values, row.B.Values...) {
				if v != 0 {
					t.Errorf("%v children left alive after shutdown", v)
				}
			}
		}
	}
	for _, sc := range Scenarios(&opts) {
		for _, m := range sc.Metrics {
			if !keys[m.Key] {
				t.Errorf("metric %s missing from the report", m.Key)
			}
		}
	}
	var md bytes.Buffer
	if err := report.WriteMarkdown(&md, "test"); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + md.String())
	if left, _ := os.ReadDir(opts.WorkDir); len(left) != 0 {
		t.Errorf("run directories left behind: %v", left)
	}
}

// TestCloseKillsOrphans kills a daemon outright and checks that Close
// kills the children it had, which a SIGKILLed supervisord leaves behind.
func TestCloseKillsOrphans(t *testing.T) {
	checkNoGoroutineLeak(t)
	opts := tinyOptions(t, supervisordPath(t), supervisordPath(t))
	env := &Env{Opts: &opts, Dir: t.TempDir()}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d, err := startDaemon(ctx, env, opts.B, DaemonConfig{Programs: sleepers(3, 0)})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.WaitAll(ctx, stateRunning, 3); err != nil {
		t.Fatal(err)
	}
	infos, err := d.AllProcessInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(d.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-d.done
	if _, err := d.Call(ctx, "supervisor.getState"); err == nil || !strings.Contains(err.Error(), "exited") {
		t.Errorf("call to a dead daemon: %v, want an error saying it exited", err)
	}
	if n := d.Close(); n != 3 {
		t.Errorf("Close killed %d survivors, want 3", n)
	}
	for _, info := range infos {
		if d.childAlive(info.PID) {
			t.Errorf("child %s (pid %d) still alive after Close", info.Name, info.PID)
		}
	}
	if n := d.Close(); n != 0 {
		t.Errorf("second Close found %d survivors", n)
	}
}
