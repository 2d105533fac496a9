package supervisor

import (
	"context"
	"sync"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/errdefs"
)

// configuredCommands keeps the command of each program as configured,
// before any extra arguments were appended to it. Keyed by the process
// configuration; written and read on the engine loop only, the mutex
// guards the map against engines of other tests in the same process.
var configuredCommands = struct {
	sync.Mutex
	m map[*config.Process]string
}{m: map[*config.Process]string{}}

// StartProcessArgs starts one process with extraArgs appended to its
// configured command (Supvisors' start_args). The command keeps them for
// the later starts of the process, as Supvisors leaves them in the
// program's configuration, until another call sets other ones; empty
// extraArgs bring back the configured command. A group spec or an
// unknown name is BAD_NAME; the rest is StartProcess.
func (s *Supervisor) StartProcessArgs(ctx context.Context, name, extraArgs string, wait bool) error {
	return s.singleProc(ctx, name, wait, func(ctx context.Context, p *proc, wait bool, notify func(error)) (bool, error) {
		if p.disabled {
			return false, errdefs.New(errdefs.Disabled, namespec(p))
		}
		if p.m.State().IsRunning() {
			// Refused before anything changes: the running process keeps
			// the arguments it was started with.
			return false, errdefs.New(errdefs.AlreadyStarted, namespec(p))
		}
		setExtraArgs(p.cfg, extraArgs)
		return s.startProc(ctx, p, wait, notify)
	})
}

// ExtraArgs returns the extra arguments the process was last started
// with through StartProcessArgs ("" when none). While no process of any
// engine has extra arguments, it answers from the snapshot without
// waiting for the loop: the cluster driver asks on every process event.
func (s *Supervisor) ExtraArgs(name string) (string, error) {
	if !anyExtraArgs() {
		_, err := s.ProcessInfo(name)
		return "", err
	}
	var args string
	var err error
	if cerr := s.call(func() {
		_, p, ok := s.find(name)
		if !ok || p == nil {
			err = errdefs.New(errdefs.BadName, name)
			return
		}
		args = extraArgsOf(p.cfg)
	}); cerr != nil {
		return "", cerr
	}
	return args, err
}

// AllExtraArgs returns the extra arguments of every process that has
// some, by namespec; nil when none has.
func (s *Supervisor) AllExtraArgs() (map[string]string, error) {
	if !anyExtraArgs() {
		return nil, nil
	}
	var out map[string]string
	err := s.call(func() {
		for _, g := range s.groups {
			for _, p := range g.procs {
				if args := extraArgsOf(p.cfg); args != "" {
					if out == nil {
						out = map[string]string{}
					}
					out[namespec(p)] = args
				}
			}
		}
	})
	return out, err
}

func anyExtraArgs() bool {
	configuredCommands.Lock()
	defer configuredCommands.Unlock()
	return len(configuredCommands.m) > 0
}

func setExtraArgs(pc *config.Process, extraArgs string) {
	configuredCommands.Lock()
	defer configuredCommands.Unlock()
	ref, saved := configuredCommands.m[pc]
	if !saved {
		ref = pc.Command
	}
	if extraArgs == "" {
		pc.Command = ref
		delete(configuredCommands.m, pc)
		return
	}
	configuredCommands.m[pc] = ref
	pc.Command = ref + " " + extraArgs
}

func extraArgsOf(pc *config.Process) string {
	configuredCommands.Lock()
	defer configuredCommands.Unlock()
	ref, saved := configuredCommands.m[pc]
	if !saved || len(pc.Command) <= len(ref) {
		return ""
	}
	return pc.Command[len(ref)+1:]
}

// forgetExtraArgs drops what is kept about the command of a process
// configuration that is going away.
func forgetExtraArgs(pc *config.Process) {
	configuredCommands.Lock()
	defer configuredCommands.Unlock()
	delete(configuredCommands.m, pc)
}
