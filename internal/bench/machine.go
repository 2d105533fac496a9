package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Machine describes where a report was measured.
type Machine struct {
	Cores     int    `json:"cores"`
	CPUModel  string `json:"cpu_model"`
	MemTotal  string `json:"mem_total"`
	Kernel    string `json:"kernel"`
	OS        string `json:"os"`
	GoVersion string `json:"go_version"`
}

// LoadAverage is the 1-minute load average, or -1 when unreadable. A
// figure well above the core count means other work shared the machine,
// which the report says next to the results.
func LoadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	first, _, _ := strings.Cut(string(b), " ")
	v, err := strconv.ParseFloat(first, 64)
	if err != nil {
		return -1
	}
	return v
}

// DescribeMachine reads the machine's description from /proc and
// /etc/os-release; what it cannot read stays empty.
func DescribeMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), GoVersion: runtime.Version()}
	m.CPUModel = firstValue("/proc/cpuinfo", "model name")
	m.MemTotal = memTotal(firstValue("/proc/meminfo", "MemTotal"))
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	m.OS = strings.Trim(firstValue("/etc/os-release", "PRETTY_NAME"), `"`)
	return m
}

// memTotal turns meminfo's "24684092 kB" into "23.5 GiB".
func memTotal(v string) string {
	kb, ok := strings.CutSuffix(v, " kB")
	if n, err := strconv.ParseInt(strings.TrimSpace(kb), 10, 64); ok && err == nil {
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<20))
	}
	return v
}

// firstValue returns the value of the first "key: value" or "key=value"
// line of path.
func firstValue(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, key)
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		if r, ok := strings.CutPrefix(rest, ":"); ok {
			return strings.TrimSpace(r)
		}
		if r, ok := strings.CutPrefix(rest, "="); ok {
			return strings.TrimSpace(r)
		}
	}
	return ""
}

// binaryVersion runs `binary --version` (both daemons print their version
// that way) and returns its first line, or "unknown".
func binaryVersion(ctx context.Context, binary string) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, "--version").Output()
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if err != nil || line == "" {
		return "unknown"
	}
	return line
}
