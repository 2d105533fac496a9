package supervisor

import (
	"time"

	"github.com/supvisors-go/supvisors/internal/errdefs"
)

// LocalProcessInfo is one process as the cluster layer describes it to its
// peers (Supvisors' local process record): the getProcessInfo struct plus
// what Supvisors reads from the process configuration, and the start and
// stop instants with their monotonic readings, so that the caller can give
// them on Python's monotonic clock.
type LocalProcessInfo struct {
	ProcessInfo
	// ProgramName is the x of the [program:x] (or [eventlistener:x],
	// [fcgi-program:x]) section the process comes from.
	ProgramName string
	// ProcessIndex is the rank of the process among the processes of its
	// program (numprocs), in Supervisor's order (by name): 0 for the first
	// one, and so 0 for a program without numprocs.
	ProcessIndex int
	StartSecs    int
	StopWaitSecs int
	// HasStdout and HasStderr tell whether the channel is logged to a file
	// (syslog alone and NONE are not; redirect_stderr leaves no stderr).
	HasStdout, HasStderr bool
	// LastStart and LastStop are the instants of the last spawn and of the
	// last exit; zero when it never happened. They carry Go's monotonic
	// reading, so that the distance to now does not depend on the wall
	// clock.
	LastStart, LastStop time.Time
	// Disabled is the program's disabled flag (Supvisors' enable and
	// disable): the record's disabled field.
	Disabled bool
}

// LocalProcessInfo returns the record of one process (not a group spec),
// with the faults of getProcessInfo: SHUTDOWN_STATE, BAD_NAME.
func (s *Supervisor) LocalProcessInfo(name string) (LocalProcessInfo, error) {
	if !s.moodRunning() {
		return LocalProcessInfo{}, errShutdown()
	}
	var (
		info  LocalProcessInfo
		found bool
	)
	err := s.call(func() {
		_, p, ok := s.find(name)
		if ok && p != nil {
			info, found = s.localInfo(p, time.Now()), true
		}
	})
	if err != nil {
		return LocalProcessInfo{}, err
	}
	if !found {
		return LocalProcessInfo{}, errdefs.New(errdefs.BadName, name)
	}
	return info, nil
}

// AllLocalProcessInfo returns the records of every process, sorted by group
// name then process name, as getAllProcessInfo.
func (s *Supervisor) AllLocalProcessInfo() ([]LocalProcessInfo, error) {
	if !s.moodRunning() {
		return nil, errShutdown()
	}
	var out []LocalProcessInfo
	err := s.call(func() {
		now := time.Now()
		order := s.snapshotOrder()
		out = make([]LocalProcessInfo, len(order))
		for i, p := range order {
			out[i] = s.localInfo(p, now)
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// localInfo builds the record of p; it runs on the loop goroutine, which
// owns the process table and the configuration.
func (s *Supervisor) localInfo(p *proc, now time.Time) LocalProcessInfo {
	view := procView{
		name: p.cfg.Name, group: p.group.cfg.Name,
		stdoutPath: p.stdoutPath, stderrPath: p.stderrPath,
		snap: p.m.Snapshot(),
	}
	index := 0
	for _, other := range p.group.cfg.Processes {
		if other == p.cfg || other.Name == p.cfg.Name {
			break
		}
		if other.ProgramName == p.cfg.ProgramName {
			index++
		}
	}
	return LocalProcessInfo{
		ProcessInfo:  view.info(now),
		ProgramName:  p.cfg.ProgramName,
		ProcessIndex: index,
		StartSecs:    p.cfg.Startsecs,
		StopWaitSecs: p.cfg.Stopwaitsecs,
		HasStdout:    p.cfg.Stdout.Logfile != "",
		HasStderr:    p.cfg.Stderr.Logfile != "",
		LastStart:    view.snap.LastStart,
		LastStop:     view.snap.LastStop,
		Disabled:     p.disabled,
	}
}
