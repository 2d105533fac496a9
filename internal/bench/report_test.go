package bench

import (
	"strings"
	"testing"
	"time"
)

func TestFormatNumber(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{0, "0"}, {1234.5, "1234"}, {116.4, "116"}, {41.63, "41.6"}, {5.853, "5.85"},
		{0.1523, "0.152"}, {0.0031, "0.0031"}, {-2.5, "-2.50"},
	} {
		if got := formatNumber(tc.v); got != tc.want {
			t.Errorf("formatNumber(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestWriteMarkdown(t *testing.T) {
	r := &Report{
		A: "/bin/a", B: "/bin/b", Reps: 3,
		Started:   time.Date(2026, 11, 23, 22, 0, 0, 0, time.UTC),
		Elapsed:   90 * time.Second,
		LoadStart: 0.5, LoadEnd: 3.25,
		Machine:  Machine{Cores: 2, CPUModel: "AMD EPYC", MemTotal: "23.5 GiB", OS: "Debian", Kernel: "6.1", GoVersion: "go1.26"},
		Versions: map[string]string{"/bin/a": "0.1", "/bin/b": "4.2.5"},
		Rows: []Row{
			{Scenario: "s", Metric: Metric{Key: "k1", Label: "start-up", Unit: "s"},
				A: Series{Values: []float64{1, 3, 2}}, B: Series{Values: []float64{4, 6, 5}}, Baseline: Series{Values: []float64{0.5}}},
			{Scenario: "s", Metric: Metric{Key: "k2", Label: "calls", Unit: "calls/s", HigherIsBetter: true},
				A: Series{Errors: []string{"daemon exited\n  badly"}}, B: Series{Values: []float64{100}}},
		},
	}
	var b strings.Builder
	if err := r.WriteMarkdown(&b, "supvisors-bench -reps 3"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Measured 2026-11-23 22:00 UTC on 2 cores (AMD EPYC), 23.5 GiB RAM",
		"3 runs per target, alternating A B; whole run 1m30s.",
		"Load average (1 min) at start 0.5, at end 3.2: other work shared the machine",
		"Command: `supvisors-bench -reps 3`",
		"- A: `/bin/a` (0.1)\n- B: `/bin/b` (4.2.5)",
		"| start-up | s | lower | 2.00 (1.00-3.00) | 5.00 (4.00-6.00) | 0.400 | 0.500 |",
		"| calls | calls/s | higher | error | 100 | - | - |",
		"Failed runs:\n\n- s, A: daemon exited badly\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}
