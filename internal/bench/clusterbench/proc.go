package clusterbench

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicksPerSecond is USER_HZ, the unit of CPU times in /proc/<pid>/stat:
// 100 on every Linux architecture Go supports.
const clockTicksPerSecond = 100

// Process is a live process found by a /proc scan.
type Process struct {
	PID     int
	Cmdline string
	// PPID is the parent's pid: a program whose daemon died is adopted by
	// init or a subreaper, so its PPID no longer names its daemon.
	PPID int
	// Nick is the instance that launched the process (itself or its
	// daemon), from the marker.
	Nick string
	// Program is group:name from SUPERVISOR_GROUP_NAME and
	// SUPERVISOR_PROCESS_NAME, which supervisord gives every program; ""
	// for a daemon.
	Program string
}

// Leftovers lists the live processes launched under the cluster marker
// (daemons and their programs, orphans included).
func Leftovers(marker string) []Process {
	return markedProcesses(marker+"/", false)
}

// markedProcesses scans /proc for processes whose MarkerEnv value equals
// mark (exact) or starts with it. Zombies have an empty environment and are
// not reported: they are gone, only not yet reaped.
func markedProcesses(mark string, exact bool) []Process {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var found []Process
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil {
			continue
		}
		vars := environ(env)
		value, ok := vars[MarkerEnv]
		if !ok || (exact && value != mark) || (!exact && !strings.HasPrefix(value, mark)) {
			continue
		}
		p := Process{PID: pid}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		p.Cmdline = strings.TrimSpace(string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
		if i := strings.LastIndexByte(value, '/'); i >= 0 {
			p.Nick = value[i+1:]
		}
		if name, ok := vars["SUPERVISOR_PROCESS_NAME"]; ok {
			p.Program = vars["SUPERVISOR_GROUP_NAME"] + ":" + name
		}
		if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
			p.PPID, _ = parseStatPPID(stat)
		}
		found = append(found, p)
	}
	return found
}

// environ splits a /proc/PID/environ block into its variables.
func environ(block []byte) map[string]string {
	vars := map[string]string{}
	for kv := range bytes.SplitSeq(block, []byte{0}) {
		if k, v, ok := bytes.Cut(kv, []byte{'='}); ok {
			vars[string(k)] = string(v)
		}
	}
	return vars
}

// RSS is the resident set size of pid, in bytes.
func RSS(pid int) (int64, error) {
	s, err := readProc(pid)
	return s.rssBytes, err
}

// procSample is what one reading of /proc/<pid> gives the benchmark.
type procSample struct {
	cpuSeconds float64 // user + system time of the process itself
	rssBytes   int64
}

// readProc reads the CPU time and resident set size of pid.
func readProc(pid int) (procSample, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procSample{}, err
	}
	cpu, err := parseStatCPU(stat)
	if err != nil {
		return procSample{}, err
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procSample{}, err
	}
	rss, err := parseStatusRSS(status)
	if err != nil {
		return procSample{}, err
	}
	return procSample{cpuSeconds: cpu, rssBytes: rss}, nil
}

// parseStatCPU returns utime+stime in seconds. The command name (field 2)
// may hold spaces and parentheses, so fields are counted from the last ')'.
func parseStatCPU(data []byte) (float64, error) {
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return 0, fmt.Errorf("clusterbench: malformed stat line %q", data)
	}
	// fields[0] is field 3 (state): utime is field 14, stime field 15.
	fields := strings.Fields(string(data[end+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("clusterbench: short stat line %q", data)
	}
	utime, err1 := strconv.ParseUint(fields[11], 10, 64)
	stime, err2 := strconv.ParseUint(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("clusterbench: bad CPU times in stat line %q", data)
	}
	return float64(utime+stime) / clockTicksPerSecond, nil
}

// parseStatPPID returns field 4 of a /proc/PID/stat line, the parent pid.
func parseStatPPID(data []byte) (int, error) {
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return 0, fmt.Errorf("clusterbench: malformed stat line %q", data)
	}
	fields := strings.Fields(string(data[end+1:]))
	if len(fields) < 2 {
		return 0, fmt.Errorf("clusterbench: short stat line %q", data)
	}
	return strconv.Atoi(fields[1])
}

// parseStatusRSS returns VmRSS from /proc/<pid>/status, in bytes.
func parseStatusRSS(data []byte) (int64, error) {
	for line := range strings.SplitSeq(string(data), "\n") {
		rest, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("clusterbench: unexpected VmRSS line %q", line)
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("clusterbench: unexpected VmRSS line %q", line)
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("clusterbench: no VmRSS in status")
}
