package bench

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// WriteMarkdown writes the report as the Markdown that docs/benchmarks.md
// holds: the machine, the targets, then one table row per metric.
func (r *Report) WriteMarkdown(w io.Writer, command string) error {
	var b strings.Builder
	m := r.Machine
	fmt.Fprintf(&b, "Measured %s on %d cores (%s), %s RAM, %s, kernel %s, %s; %d runs per target, alternating A B; whole run %s.\n\n",
		r.Started.UTC().Format("2006-01-02 15:04 UTC"), m.Cores, orUnknown(m.CPUModel), orUnknown(m.MemTotal),
		orUnknown(m.OS), orUnknown(m.Kernel), m.GoVersion, r.Reps, r.Elapsed.Round(1e9))
	fmt.Fprintf(&b, "Load average (1 min) at start %.1f, at end %.1f", r.LoadStart, r.LoadEnd)
	if max(r.LoadStart, r.LoadEnd) > float64(m.Cores) {
		b.WriteString(": other work shared the machine, so absolute figures are inflated and only same-run ratios mean much")
	}
	b.WriteString(".\n\n")
	if command != "" {
		fmt.Fprintf(&b, "Command: `%s`\n\n", command)
	}
	fmt.Fprintf(&b, "- A: `%s` (%s)\n- B: `%s` (%s)\n\n", r.A, r.Versions[r.A], r.B, r.Versions[r.B])
	b.WriteString("| scenario | unit | better | A median (min-max) | B median (min-max) | A:B | baseline median (min-max) |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, row := range r.Rows {
		better := "lower"
		if row.HigherIsBetter {
			better = "higher"
		}
		ratio := "-"
		if q := row.Ratio(); !math.IsNaN(q) {
			ratio = formatNumber(q)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n",
			row.Label, row.Unit, better, cell(row.A), cell(row.B), ratio, cell(row.Baseline))
	}
	if errs := r.errors(); len(errs) > 0 {
		b.WriteString("\nFailed runs:\n\n")
		for _, e := range errs {
			fmt.Fprintf(&b, "- %s\n", e)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// errors lists each distinct failure once per scenario and target.
func (r *Report) errors() []string {
	var out []string
	seen := map[string]bool{}
	for _, row := range r.Rows {
		for _, t := range []struct {
			name string
			s    Series
		}{{"A", row.A}, {"B", row.B}, {"baseline", row.Baseline}} {
			for _, e := range t.s.Errors {
				line := fmt.Sprintf("%s, %s: %s", row.Scenario, t.name, oneLine(e))
				if !seen[line] {
					seen[line] = true
					out = append(out, line)
				}
			}
		}
	}
	return out
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// cell renders a series: "median (min-max)", the single value of one run,
// "error" when every run failed, "-" when nothing was measured.
func cell(s Series) string {
	sum := s.Summary()
	switch {
	case sum.N == 0 && len(s.Errors) > 0:
		return "error"
	case sum.N == 0:
		return "-"
	case sum.N == 1:
		return formatNumber(sum.Median)
	}
	return fmt.Sprintf("%s (%s-%s)", formatNumber(sum.Median), formatNumber(sum.Min), formatNumber(sum.Max))
}

// formatNumber keeps about three significant digits, which is all the
// noise of a shared machine leaves meaningful, and never uses exponents.
func formatNumber(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 100 || v == 0:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	case a >= 0.01:
		return fmt.Sprintf("%.3f", v)
	default:
		return fmt.Sprintf("%.4f", v)
	}
}
