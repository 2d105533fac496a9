package supervisor

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/process"
)

// ProcessInfo is the getProcessInfo struct (spec 3.7).
type ProcessInfo struct {
	Name, Group, Description     string
	Start, Stop, Now             int64
	State                        int
	StateName, SpawnErr          string
	ExitStatus                   int
	StdoutLogfile, StderrLogfile string
	PID                          int
}

// procView is one process as the snapshot holds it.
type procView struct {
	name, group            string
	stdoutPath, stderrPath string
	snap                   process.Snapshot
}

// tableSnapshot is an immutable copy of the table for readers, sorted by
// group name then process name.
type tableSnapshot struct {
	procs []procView
}

// publishSnapshot copies the table for readers (loop goroutine, or New).
// It runs after every loop pass that changed something, so it only copies:
// the order is computed once per change of groups (snapshotOrder).
func (s *Supervisor) publishSnapshot() {
	order := s.snapshotOrder()
	views := make([]procView, len(order))
	for i, p := range order {
		views[i] = procView{
			name: p.cfg.Name, group: p.group.cfg.Name,
			stdoutPath: p.stdoutPath, stderrPath: p.stderrPath,
			snap: p.m.Snapshot(),
		}
	}
	s.snapshot.Store(&tableSnapshot{procs: views})
}

// capTime is a timestamp as Supervisor sends it: whole seconds, capped to
// the signed 32-bit range; 0 for a zero time.
func capTime(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return min(max(t.Unix(), math.MinInt32), math.MaxInt32)
}

func (v *procView) info(now time.Time) ProcessInfo {
	info := ProcessInfo{
		Name: v.name, Group: v.group,
		Start: capTime(v.snap.LastStart), Stop: capTime(v.snap.LastStop), Now: capTime(now),
		State: int(v.snap.State), StateName: v.snap.State.String(),
		SpawnErr: v.snap.SpawnErr, ExitStatus: v.snap.ExitStatus,
		StdoutLogfile: v.stdoutPath, StderrLogfile: v.stderrPath,
		PID: v.snap.PID,
	}
	info.Description = describe(info)
	return info
}

// describe is Supervisor's _interpretProcessInfo.
func describe(info ProcessInfo) string {
	switch process.State(info.State) {
	case process.Running:
		// Built with strconv, not fmt: getAllProcessInfo writes one per
		// running process per call, and fmt would be a fifth of its CPU.
		uptime := max(info.Now-info.Start, 0)
		b := make([]byte, 0, 40)
		b = append(b, "pid "...)
		b = strconv.AppendInt(b, int64(info.PID), 10)
		b = append(b, ", uptime "...)
		return string(appendTimedelta(b, uptime))
	case process.Fatal, process.Backoff:
		if info.SpawnErr != "" {
			return info.SpawnErr
		}
		return fmt.Sprintf("unknown error (try \"tail %s\")", info.Name)
	case process.Stopped, process.Exited:
		if info.Start != 0 {
			return time.Unix(info.Stop, 0).Local().Format("Jan 02 03:04 PM")
		}
		return "Not started"
	}
	return ""
}

// Timedelta formats whole seconds as Python's str(timedelta):
// "0:00:07", "1 day, 0:00:01", "5 days, 7:18:14".
func Timedelta(secs int64) string { return string(appendTimedelta(nil, secs)) }

// appendTimedelta appends Timedelta(secs); a negative count is written as
// 0:00:00 (an uptime never goes below zero).
func appendTimedelta(b []byte, secs int64) []byte {
	secs = max(secs, 0)
	days := secs / 86400
	rest := secs % 86400
	switch days {
	case 0:
	case 1:
		b = append(b, "1 day, "...)
	default:
		b = strconv.AppendInt(b, days, 10)
		b = append(b, " days, "...)
	}
	b = strconv.AppendInt(b, rest/3600, 10)
	b = append(b, ':')
	b = appendTwoDigits(b, rest%3600/60)
	b = append(b, ':')
	return appendTwoDigits(b, rest%60)
}

// appendTwoDigits writes 0 <= n < 100 as %02d does.
func appendTwoDigits(b []byte, n int64) []byte {
	return append(b, byte('0'+n/10), byte('0'+n%10))
}

// ProcessInfo returns the info of one process (not a group spec).
func (s *Supervisor) ProcessInfo(name string) (ProcessInfo, error) {
	if !s.moodRunning() {
		return ProcessInfo{}, errShutdown()
	}
	gname, pname := SplitNamespec(name)
	if pname == "" {
		return ProcessInfo{}, errdefs.New(errdefs.BadName, name)
	}
	snap := s.snapshot.Load()
	for i := range snap.procs {
		v := &snap.procs[i]
		if v.group == gname && v.name == pname {
			return v.info(time.Now()), nil
		}
	}
	return ProcessInfo{}, errdefs.New(errdefs.BadName, name)
}

// AllProcessInfo returns the info of every process, sorted by group name
// then process name, from the latest snapshot.
func (s *Supervisor) AllProcessInfo() ([]ProcessInfo, error) {
	if !s.moodRunning() {
		return nil, errShutdown()
	}
	snap := s.snapshot.Load()
	now := time.Now()
	out := make([]ProcessInfo, len(snap.procs))
	for i := range snap.procs {
		out[i] = snap.procs[i].info(now)
	}
	return out, nil
}

// VisitProcessInfo is AllProcessInfo without the slice: it tells size how
// many processes the latest snapshot holds, then calls visit with the info
// of each, in AllProcessInfo's order. getAllProcessInfo, which every client
// polls, converts each entry to its wire form anyway, and the slice would
// be a third of what each call allocates.
func (s *Supervisor) VisitProcessInfo(size func(n int), visit func(info ProcessInfo)) error {
	if !s.moodRunning() {
		return errShutdown()
	}
	snap := s.snapshot.Load()
	now := time.Now()
	size(len(snap.procs))
	for i := range snap.procs {
		visit(snap.procs[i].info(now))
	}
	return nil
}

// ConfigInfo is one getAllConfigInfo entry (spec 3.8). Nil pointers are
// the values Supervisor sends as the string 'none'. A log file that is
// still AUTO (group not active, or configuration re-read since) is the
// string "auto", which the API layer sends as is; "" stands for none.
type ConfigInfo struct {
	Name, Group    string
	InUse          bool
	Autostart      bool
	Command        string
	Directory      *string
	UID            *int
	ServerURL      *string
	Exitcodes      []int
	GroupPrio      int
	ProcessPrio    int
	Killasgroup    bool
	RedirectStderr bool
	Startretries   int
	Startsecs      int
	Stopsignal     int
	Stopwaitsecs   int
	Stdout, Stderr ConfigLogInfo
	// Autorestart is the key 4.4.0.dev0 adds (not sent by 4.2.5).
	Autorestart config.AutoRestart
}

// ConfigLogInfo is the six per-channel keys of ConfigInfo.
type ConfigLogInfo struct {
	CaptureMaxbytes int64
	EventsEnabled   bool
	Logfile         *string // nil: 'none'; "auto": an AUTO file not resolved
	LogfileBackups  int
	LogfileMaxbytes int64
	Syslog          bool
}

// AllConfigInfo describes every process of the last configuration read,
// sorted by process name.
func (s *Supervisor) AllConfigInfo() ([]ConfigInfo, error) {
	if !s.moodRunning() {
		return nil, errShutdown()
	}
	var out []ConfigInfo
	err := s.call(func() {
		for _, gc := range s.cfg.Groups {
			active := s.groups[gc.Name]
			for _, pc := range gc.Processes {
				var ap *proc
				if active != nil && active.cfg == gc {
					for _, p := range active.procs {
						if p.cfg == pc {
							ap = p
						}
					}
				}
				out = append(out, configInfo(gc, pc, active != nil, ap))
			}
		}
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b ConfigInfo) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

func strPtr(s string) *string { return &s }

func configInfo(gc *config.Group, pc *config.Process, inUse bool, ap *proc) ConfigInfo {
	ci := ConfigInfo{
		Name: pc.Name, Group: gc.Name, InUse: inUse, Autostart: pc.Autostart,
		Command: pc.Command, Exitcodes: slices.Clone(pc.Exitcodes),
		GroupPrio: gc.Priority, ProcessPrio: pc.Priority,
		Killasgroup: pc.Killasgroup, RedirectStderr: pc.RedirectStderr,
		Startretries: pc.Startretries, Startsecs: pc.Startsecs,
		Stopsignal: int(pc.Stopsignal), Stopwaitsecs: pc.Stopwaitsecs,
		Autorestart: pc.Autorestart,
	}
	if pc.Directory != "" {
		ci.Directory = strPtr(pc.Directory)
	}
	if pc.User != "" && pc.UID >= 0 {
		uid := pc.UID
		ci.UID = &uid
	}
	if pc.ServerURL != "" && pc.ServerURL != "AUTO" {
		ci.ServerURL = strPtr(pc.ServerURL)
	}
	logInfo := func(lc config.LogConfig, resolved string) ConfigLogInfo {
		li := ConfigLogInfo{
			CaptureMaxbytes: lc.CaptureMaxbytes, EventsEnabled: lc.EventsEnabled,
			LogfileBackups: lc.Backups, LogfileMaxbytes: lc.Maxbytes, Syslog: lc.Syslog,
		}
		switch {
		case lc.Logfile == config.AutoLogfile && ap != nil:
			li.Logfile = strPtr(resolved)
		case lc.Logfile == config.AutoLogfile:
			li.Logfile = strPtr("auto")
		case lc.Logfile != "":
			li.Logfile = strPtr(lc.Logfile)
		}
		return li
	}
	var outPath, errPath string
	if ap != nil {
		outPath, errPath = ap.stdoutPath, ap.stderrPath
	}
	ci.Stdout = logInfo(pc.Stdout, outPath)
	ci.Stderr = logInfo(pc.Stderr, errPath)
	return ci
}
