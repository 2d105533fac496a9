package supervisor

import (
	"strings"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/process"
)

// programEnv is the [supervisord] environment overlaid by the program's.
func (s *Supervisor) programEnv(pc *config.Process) []string {
	var env []string
	for _, kv := range s.opts.Config.Supervisord.Environment {
		env = setEnv(env, kv.Key, kv.Value)
	}
	for _, kv := range pc.Environment {
		env = setEnv(env, kv.Key, kv.Value)
	}
	return env
}

// setEnv sets key in a KEY=value list, in place when present.
func setEnv(env []string, key, value string) []string {
	for i, kv := range env {
		if k, _, ok := strings.Cut(kv, "="); ok && k == key {
			env[i] = key + "=" + value
			return env
		}
	}
	return append(env, key+"="+value)
}

// childEnv is Supervisor's child environment: the daemon's, then
// SUPERVISOR_ENABLED, SUPERVISOR_SERVER_URL (when known),
// SUPERVISOR_PROCESS_NAME and SUPERVISOR_GROUP_NAME, then the merged
// program environment (which may override the SUPERVISOR_* variables).
func (s *Supervisor) childEnv(p *proc, programEnv []string) []string {
	env := append([]string(nil), s.opts.Environ...)
	env = setEnv(env, "SUPERVISOR_ENABLED", "1")
	url := p.cfg.ServerURL
	if url == "" || url == "AUTO" {
		url = s.opts.ServerURL
	}
	if url != "" {
		env = setEnv(env, "SUPERVISOR_SERVER_URL", url)
	}
	env = setEnv(env, "SUPERVISOR_PROCESS_NAME", p.cfg.Name)
	env = setEnv(env, "SUPERVISOR_GROUP_NAME", p.group.cfg.Name)
	for _, kv := range programEnv {
		k, v, _ := strings.Cut(kv, "=")
		env = setEnv(env, k, v)
	}
	return env
}

// spawnSpec resolves p's command and builds what the spawner needs.
func (s *Supervisor) spawnSpec(p *proc) (process.SpawnSpec, error) {
	pc := p.cfg
	penv := s.programEnv(pc)
	path, argv, err := process.ResolveCommand(pc.Command, penv, s.opts.Environ)
	if err != nil {
		return process.SpawnSpec{}, err
	}
	spec := process.SpawnSpec{
		Name:           pc.Name,
		Path:           path,
		Argv:           argv,
		Env:            s.childEnv(p, penv),
		Dir:            pc.Directory,
		Umask:          pc.Umask,
		UID:            pc.UID,
		GID:            pc.GID,
		RedirectStderr: pc.RedirectStderr,
	}
	if pc.User == "" {
		spec.UID, spec.GID = -1, -1
	}
	if p.group.socket != nil {
		f, err := p.group.socket.acquire()
		if err != nil {
			return process.SpawnSpec{}, err
		}
		p.sockHeld = true
		spec.Stdin = f
	}
	return spec, nil
}
