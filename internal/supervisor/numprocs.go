package supervisor

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/events"
	"github.com/supvisors-go/supvisors/internal/process"
)

// Supvisors' update_numprocs (Supervisor issue #177) on the engine: a
// program's process count changes while the daemon runs, in every group
// that uses the program.
//
// An increase re-expands the program's section with the new count and
// creates the processes the groups lack. A decrease marks the processes
// beyond the new count obsolete: an obsolete process never spawns again,
// and it is removed from its group as soon as it has no child, which the
// loop checks after every change (settle). The group configurations are
// replaced, never modified in place, because the configuration is shared
// with other goroutines.

// UpdateNumprocs re-expands the program (a [program:x], [fcgi-program:x]
// or [eventlistener:x]) with a new numprocs, in every group that uses it.
//
// Increase: the new processes are created STOPPED (autostart then acts as
// for any new process, unless the program is disabled) and
// PROCESS_ADDED is published for each; an obsolete process whose name
// comes back is kept instead (not obsolete anymore, not listed as added).
// Decrease: the processes of highest rank (in the configuration's order)
// beyond the new count become obsolete. Those without a child are removed
// at once; running ones are stopped, then removed once stopped (lazy
// false), or left running and removed when they stop by themselves (lazy
// true). PROCESS_REMOVED is published at each removal. A group left with
// no process stays.
//
// It returns the namespecs added and the namespecs made obsolete, removed
// now or later. Faults: SHUTDOWN_STATE, INCORRECT_PARAMETERS (numprocs
// below 1), BAD_NAME (no active group uses the program), NOT_APPLICABLE
// (the re-expansion fails, for example a process_name without
// %(process_num)s), FAILED (a log file of a new process cannot be
// created).
func (s *Supervisor) UpdateNumprocs(program string, numprocs int, lazy bool) (added, obsolete []string, err error) {
	if !s.moodRunning() {
		return nil, nil, errShutdown()
	}
	if numprocs < 1 {
		return nil, nil, errdefs.Newf(errdefs.IncorrectParameters,
			"program=%s incorrect numprocs=%d - integer > 0 expected", program, numprocs)
	}
	added, obsolete = []string{}, []string{}
	current := 0
	if cerr := s.call(func() {
		users := s.programGroups(program)
		if len(users) == 0 {
			err = unknownProgram(program)
			return
		}
		for _, g := range users {
			current = max(current, len(liveProgramProcs(g, program)))
		}
		if numprocs < current {
			obsolete = s.decreaseNumprocs(users, program, numprocs, lazy)
		}
	}); cerr != nil {
		return nil, nil, cerr
	}
	if err != nil || numprocs <= current {
		return added, obsolete, err
	}
	// The configuration is read on this goroutine: the loop never waits
	// for the disk.
	expanded, xerr := s.expandProgram(program, numprocs)
	if xerr != nil {
		s.log.Error(fmt.Sprintf("cannot set numprocs=%d for program %s: %v", numprocs, program, xerr))
		return nil, nil, errdefs.Newf(errdefs.NotApplicable, "numprocs not applicable to program=%s", program)
	}
	if cerr := s.call(func() {
		added, err = s.increaseNumprocs(program, expanded)
	}); cerr != nil {
		return nil, nil, cerr
	}
	return added, obsolete, err
}

// expandProgram re-expands program with numprocs processes.
func (s *Supervisor) expandProgram(program string, numprocs int) (map[string][]*config.Process, error) {
	if s.opts.ExpandProgram != nil {
		return s.opts.ExpandProgram(program, numprocs)
	}
	cfg := s.opts.Config
	if cfg.Path == "" {
		return nil, fmt.Errorf("no configuration file to expand %s from", program)
	}
	return config.ExpandProgram(cfg.Path, config.LoadOptions{Env: s.opts.Environ, Dir: cfg.Here}, program, numprocs)
}

// programGroups returns the active groups that have a process of program,
// by name (loop).
func (s *Supervisor) programGroups(program string) []*group {
	var out []*group
	for _, g := range s.groups {
		if slices.ContainsFunc(g.procs, func(p *proc) bool { return p.cfg.ProgramName == program }) {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b *group) int { return cmp.Compare(a.cfg.Name, b.cfg.Name) })
	return out
}

// liveProgramProcs returns the processes of program in g that are not
// obsolete, in the configuration's order.
func liveProgramProcs(g *group, program string) []*proc {
	var out []*proc
	for _, p := range g.procs {
		if p.cfg.ProgramName == program && !p.obsolete {
			out = append(out, p)
		}
	}
	return out
}

// decreaseNumprocs marks the processes of program beyond numprocs
// obsolete in every group of users, and stops the running ones unless
// lazy. It returns their namespecs (loop).
func (s *Supervisor) decreaseNumprocs(users []*group, program string, numprocs int, lazy bool) []string {
	var names []string
	now := time.Now()
	for _, g := range users {
		live := liveProgramProcs(g, program)
		if len(live) <= numprocs {
			continue
		}
		for _, p := range live[numprocs:] {
			p.obsolete = true
			s.obsoleteLeft++
			names = append(names, namespec(p))
			switch st := p.m.State(); {
			case st == process.Backoff:
				// No child to wait for: STOPPED now, removed right after.
				acts, _ := p.m.Stop(now)
				s.apply(p, acts, now)
			case !lazy && (st == process.Running || st == process.Starting):
				p.lastStopReport = time.Time{}
				p.signalErr = nil
				acts, _ := p.m.Stop(now)
				s.apply(p, acts, now)
			}
		}
		s.log.Info(fmt.Sprintf("numprocs of %s in group %s decreased to %d", program, g.cfg.Name, numprocs))
	}
	s.dirty = true
	return names
}

// increaseNumprocs gives every active group that uses program the
// processes of the re-expansion it lacks, and returns the namespecs of
// the processes created (loop).
func (s *Supervisor) increaseNumprocs(program string, expanded map[string][]*config.Process) ([]string, error) {
	type change struct {
		g     *group
		want  []*config.Process
		fresh map[string]*proc // new processes by name
	}
	var changes []change
	closeAll := func() {
		for _, c := range changes {
			for _, p := range c.fresh {
				p.closeChannels()
			}
		}
	}
	// Create everything first, so that a failure leaves the groups as
	// they were.
	for _, name := range slices.Sorted(maps.Keys(expanded)) {
		g := s.groups[name]
		if g == nil || !slices.ContainsFunc(g.procs, func(p *proc) bool { return p.cfg.ProgramName == program }) {
			continue
		}
		c := change{g: g, want: expanded[name], fresh: map[string]*proc{}}
		changes = append(changes, c)
		for _, pc := range c.want {
			if slices.ContainsFunc(g.procs, func(p *proc) bool { return p.cfg.Name == pc.Name }) {
				continue
			}
			p, err := s.newProc(g, pc)
			if err != nil {
				closeAll()
				return nil, errdefs.Newf(errdefs.Failed, "program=%s: %v", program, err)
			}
			c.fresh[pc.Name] = p
		}
	}
	var added []string
	for _, c := range changes {
		added = append(added, s.regroup(c.g, program, c.want, c.fresh)...)
	}
	if added == nil {
		added = []string{}
	}
	return added, nil
}

// regroup rebuilds g with the processes of program named by want, in
// want's order: the existing ones (revived when obsolete), then fresh
// ones; obsolete processes that want does not name stay after them until
// they are removed. It publishes PROCESS_ADDED for the fresh ones and
// returns their namespecs (loop).
func (s *Supervisor) regroup(g *group, program string, want []*config.Process, fresh map[string]*proc) []string {
	byName := map[string]*proc{}
	for _, p := range g.procs {
		if p.cfg.ProgramName == program {
			byName[p.cfg.Name] = p
		}
	}
	var block []*proc
	for _, pc := range want {
		if p, ok := byName[pc.Name]; ok {
			if p.obsolete {
				p.obsolete = false
				s.obsoleteLeft--
				s.log.Info(fmt.Sprintf("process %s of group %s is no longer obsolete", p.cfg.Name, g.cfg.Name))
			}
			block = append(block, p)
			delete(byName, pc.Name)
		} else if p := fresh[pc.Name]; p != nil {
			block = append(block, p)
		}
	}
	// What want does not name (obsolete leftovers, or processes the file
	// no longer describes) keeps its place after the block.
	for _, p := range g.procs {
		if byName[p.cfg.Name] == p {
			block = append(block, p)
		}
	}
	// The block takes the place of the program's first process.
	var procs []*proc
	placed := false
	for _, p := range g.procs {
		if p.cfg.ProgramName != program {
			procs = append(procs, p)
			continue
		}
		if !placed {
			procs = append(procs, block...)
			placed = true
		}
	}
	s.setGroupProcs(g, procs)

	var added []string
	for _, p := range block {
		if fresh[p.cfg.Name] != p {
			continue
		}
		s.log.Info(fmt.Sprintf("added process %s to group %s", p.cfg.Name, g.cfg.Name))
		s.publish(events.ProcessChange{Change: "ADDED", ProcessName: p.cfg.Name, GroupName: g.cfg.Name})
		added = append(added, namespec(p))
	}
	return added
}

// setGroupProcs makes procs the processes of g, in this order, and gives g
// a new configuration listing them; the configuration last read follows
// when it holds g's old one, so that getAllConfigInfo lists the processes
// as they are.
func (s *Supervisor) setGroupProcs(g *group, procs []*proc) {
	g.procs = procs
	g.byPriority = slices.Clone(procs)
	sortProcs(g.byPriority)
	old := g.cfg
	gc := *old
	gc.Processes = make([]*config.Process, len(procs))
	for i, p := range procs {
		gc.Processes[i] = p.cfg
	}
	g.cfg = &gc
	if i := slices.Index(s.cfg.Groups, old); i >= 0 {
		cfg := *s.cfg
		cfg.Groups = slices.Clone(s.cfg.Groups)
		cfg.Groups[i] = &gc
		s.cfg = &cfg
	}
	s.groupsChanged()
}

// removeFinishedObsolete removes the obsolete processes that have no child
// anymore, publishing PROCESS_REMOVED for each (loop, from settle: never
// while a pass walks the groups).
func (s *Supervisor) removeFinishedObsolete() {
	// The count is made again here, so that a group removed with its
	// obsolete processes cannot leave it wrong.
	left := 0
	defer func() { s.obsoleteLeft = left }()
	for _, g := range s.sortedGroups() {
		var gone []*proc
		for _, p := range g.procs {
			switch {
			case p.obsolete && p.child == nil:
				gone = append(gone, p)
			case p.obsolete:
				left++
			}
		}
		if len(gone) == 0 {
			continue
		}
		s.setGroupProcs(g, slices.DeleteFunc(slices.Clone(g.procs), func(p *proc) bool {
			return slices.Contains(gone, p)
		}))
		for _, p := range gone {
			p.closeChannels()
			p.releaseSocket()
			forgetExtraArgs(p.cfg)
			s.log.Warn(fmt.Sprintf("removed obsolete process %s from group %s", p.cfg.Name, g.cfg.Name))
			s.publish(events.ProcessChange{Change: "REMOVED", ProcessName: p.cfg.Name, GroupName: g.cfg.Name})
		}
	}
}
