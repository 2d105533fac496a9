package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// clockTicksPerSecond is USER_HZ, the unit of the CPU times in
// /proc/<pid>/stat. It is 100 on every Linux architecture Go supports; reading
// it would need sysconf(_SC_CLK_TCK), which the standard library lacks.
const clockTicksPerSecond = 100

// ProcStat is the part of /proc/<pid>/stat the benchmarks use.
type ProcStat struct {
	// CPUSeconds is user plus system time of the process itself, without
	// its waited-for children.
	CPUSeconds float64
	// StartTicks is the process start time since boot, in clock ticks; with
	// the pid it identifies a process even after the pid is reused.
	StartTicks uint64
}

// ReadProcStat reads /proc/<pid>/stat.
func ReadProcStat(pid int) (ProcStat, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ProcStat{}, err
	}
	return parseProcStat(data)
}

// parseProcStat parses the stat line. The command name (field 2) may hold
// spaces and parentheses, so fields are counted from the last ')'.
func parseProcStat(data []byte) (ProcStat, error) {
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return ProcStat{}, fmt.Errorf("bench: malformed stat line %q", data)
	}
	// fields[0] is field 3 (state): utime is field 14, stime 15, starttime 22.
	fields := strings.Fields(string(data[end+1:]))
	if len(fields) < 20 {
		return ProcStat{}, fmt.Errorf("bench: short stat line %q", data)
	}
	utime, err1 := strconv.ParseUint(fields[11], 10, 64)
	stime, err2 := strconv.ParseUint(fields[12], 10, 64)
	start, err3 := strconv.ParseUint(fields[19], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return ProcStat{}, fmt.Errorf("bench: bad numbers in stat line %q", data)
	}
	return ProcStat{
		CPUSeconds: float64(utime+stime) / clockTicksPerSecond,
		StartTicks: start,
	}, nil
}

// ReadRSSBytes returns the resident set size of pid (VmRSS in
// /proc/<pid>/status).
func ReadRSSBytes(pid int) (int64, error) { return readStatusKB(pid, "VmRSS") }

// ReadAnonRSSBytes returns the resident anonymous memory of pid (RssAnon in
// /proc/<pid>/status): its private heap and stacks, without the pages of
// its executable and libraries, which the page cache shares.
func ReadAnonRSSBytes(pid int) (int64, error) { return readStatusKB(pid, "RssAnon") }

func readStatusKB(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return parseStatusKB(f, field)
}

func parseVmRSS(f io.Reader) (int64, error) { return parseStatusKB(f, "VmRSS") }

// parseStatusKB reads the "field:  N kB" line of a /proc/<pid>/status.
func parseStatusKB(f io.Reader, field string) (int64, error) {
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), field+":")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("bench: unexpected %s line %q", field, sc.Text())
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("bench: unexpected %s line %q", field, sc.Text())
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("bench: no %s line (kernel thread or zombie?)", field)
}
