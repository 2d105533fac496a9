package supervisor

import (
	"fmt"
	"maps"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/events"
	"github.com/supvisors-go/supvisors/internal/process"
)

// Supvisors' per-program switches on the engine: enable and disable
// (Supervisor issue #591), and autorestart forced off for the programs
// whose failures the cluster layer handles application-wide.
//
// A disabled program keeps its processes: they can neither be started
// (DISABLED) nor spawn by themselves (autostart, autorestart and BACKOFF
// retries wait), but a running one keeps running until someone stops it.

// maySpawn tells whether the process may spawn on its own (autostart,
// autorestart, retries): not when its program is disabled, nor once it is
// obsolete.
func (p *proc) maySpawn() bool { return !p.disabled && !p.obsolete }

// initProgramFlags sets up the program flags from the options and the
// configuration (New).
func (s *Supervisor) initProgramFlags() {
	s.disabled = maps.Clone(s.opts.DisabledPrograms)
	if s.disabled == nil {
		s.disabled = map[string]bool{}
	}
	s.knowPrograms(s.opts.Config)
	s.noAutorestartPrograms = maps.Clone(s.opts.NoAutorestartPrograms)
	if s.noAutorestartPrograms == nil {
		s.noAutorestartPrograms = map[string]bool{}
	}
	s.noAutorestartProcs = map[string]bool{}
}

// knowPrograms records every program of cfg as enabled unless a flag is
// already known for it: a reload keeps the flags by program name.
func (s *Supervisor) knowPrograms(cfg *config.Config) {
	s.disabledMu.Lock()
	defer s.disabledMu.Unlock()
	for _, g := range cfg.Groups {
		for _, pc := range g.Processes {
			if _, ok := s.disabled[pc.ProgramName]; !ok {
				s.disabled[pc.ProgramName] = false
			}
		}
	}
}

// applyProgramFlags gives a new process the flags of its program.
func (s *Supervisor) applyProgramFlags(p *proc) {
	s.disabledMu.Lock()
	p.disabled = s.disabled[p.cfg.ProgramName]
	s.disabledMu.Unlock()
	if s.noAutorestartPrograms[p.cfg.ProgramName] || s.noAutorestartProcs[MakeNamespec(p.group.cfg.Name, p.cfg.Name)] {
		s.forceAutorestartOff(p)
	}
}

// knownProgram tells whether program is a program of an active group or
// of the last configuration read (loop).
func (s *Supervisor) knownProgram(program string) bool {
	for _, g := range s.groups {
		for _, p := range g.procs {
			if p.cfg.ProgramName == program {
				return true
			}
		}
	}
	for _, g := range s.cfg.Groups {
		for _, pc := range g.Processes {
			if pc.ProgramName == program {
				return true
			}
		}
	}
	return false
}

// unknownProgram is the BAD_NAME error of the program-wide methods, worded
// as Supvisors words it.
func unknownProgram(program string) error {
	return errdefs.Newf(errdefs.BadName, "program=%s unknown to Supvisors", program)
}

// SetProgramDisabled sets (or clears) the disabled flag of every process
// of the program (LocalProcessInfo.ProgramName == program), in every group
// that has one, and returns their namespecs in getAllProcessInfo order.
// For each process it publishes PROCESS_DISABLED or PROCESS_ENABLED.
//
// It does not stop running processes: the caller stops them. Enabling
// lets autostart act again, as Supvisors does: a STOPPED process with
// autostart starts at once, and the others resume their automatic
// restarts and retries from the next pass.
//
// Faults: SHUTDOWN_STATE, BAD_NAME when the program is neither active nor
// in the last configuration read. A program of the configuration whose
// groups are not active gets its flag recorded (for when they are added),
// with no namespec.
func (s *Supervisor) SetProgramDisabled(program string, disabled bool) ([]string, error) {
	if !s.moodRunning() {
		return nil, errShutdown()
	}
	var (
		names []string
		err   error
	)
	if cerr := s.call(func() {
		if !s.knownProgram(program) {
			err = unknownProgram(program)
			return
		}
		s.disabledMu.Lock()
		s.disabled[program] = disabled
		s.disabledMu.Unlock()
		change := "ENABLED"
		if disabled {
			change = "DISABLED"
		}
		names = []string{}
		for _, p := range s.snapshotOrder() {
			if p.cfg.ProgramName != program {
				continue
			}
			names = append(names, namespec(p))
			p.disabled = disabled
			s.publish(events.ProcessChange{Change: change, ProcessName: p.cfg.Name, GroupName: p.group.cfg.Name})
			if !disabled {
				s.enabled(p)
			}
		}
		s.dirty = true
	}); cerr != nil {
		return nil, cerr
	}
	return names, err
}

// enabled runs the process's transition right after its program was
// enabled. Supvisors clears the last start time for this, so that
// autostart acts again even on a process started and stopped before; the
// start is made here directly, which is the same for a STOPPED process.
func (s *Supervisor) enabled(p *proc) {
	if !s.moodRunning() || p.obsolete {
		return
	}
	now := time.Now()
	if p.m.State() == process.Stopped && p.m.Policy().Autostart && p.m.CanStart() {
		s.apply(p, p.m.Start(now), now)
	}
	s.apply(p, p.m.Tick(now, true), now)
}

// Disabilities returns every program known to the engine with its
// disabled flag (false when enabled): what Supvisors' disabilities file
// persists. Programs named in Options.DisabledPrograms stay listed even
// when no configuration defines them, as Supvisors keeps the file's
// entries. It may be called at any time, before Run too.
func (s *Supervisor) Disabilities() map[string]bool {
	s.disabledMu.Lock()
	defer s.disabledMu.Unlock()
	return maps.Clone(s.disabled)
}

// ForceAutorestartOff forces autorestart=false on every process of the
// program, now and for the processes created later (a numprocs increase,
// a group added again), as Supvisors does for the programs whose running
// failure strategy is STOP_APPLICATION or RESTART_APPLICATION: the cluster
// layer, not the engine, reacts to their exits. A warning is logged for
// each process whose autorestart it changes. The configuration itself
// (getAllConfigInfo) is left as read.
//
// Faults: SHUTDOWN_STATE, BAD_NAME when the program is unknown.
func (s *Supervisor) ForceAutorestartOff(program string) error {
	if !s.moodRunning() {
		return errShutdown()
	}
	var err error
	if cerr := s.call(func() {
		if !s.knownProgram(program) {
			err = unknownProgram(program)
			return
		}
		s.noAutorestartPrograms[program] = true
		for _, p := range s.snapshotOrder() {
			if p.cfg.ProgramName == program {
				s.forceAutorestartOff(p)
			}
		}
	}); cerr != nil {
		return cerr
	}
	return err
}

// ForceProcessAutorestartOff is ForceAutorestartOff for one process
// (Supvisors applies its rules per namespec, and a rules pattern may
// match only some processes of a program). Faults: SHUTDOWN_STATE,
// BAD_NAME.
func (s *Supervisor) ForceProcessAutorestartOff(name string) error {
	if !s.moodRunning() {
		return errShutdown()
	}
	var err error
	if cerr := s.call(func() {
		_, p, ok := s.find(name)
		if !ok || p == nil {
			err = errdefs.New(errdefs.BadName, name)
			return
		}
		s.noAutorestartProcs[namespec(p)] = true
		s.forceAutorestartOff(p)
	}); cerr != nil {
		return cerr
	}
	return err
}

// forceAutorestartOff turns p's autorestart off, with a warning when it
// was on.
func (s *Supervisor) forceAutorestartOff(p *proc) {
	policy := p.m.Policy()
	if policy.Autorestart == config.AutoRestartFalse {
		return
	}
	policy.Autorestart = config.AutoRestartFalse
	p.m.SetPolicy(policy)
	s.log.Warn(fmt.Sprintf("autorestart of %s forced off: its running failure strategy acts on the whole application",
		MakeNamespec(p.group.cfg.Name, p.cfg.Name)))
}
