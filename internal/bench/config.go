package bench

import (
	"fmt"
	"strings"
)

// Program is one [program:x] section of a generated configuration. Only the
// options the scenarios vary are fields; everything else keeps Supervisor's
// default, so both daemons read exactly the same file.
type Program struct {
	Name      string
	Command   string
	Autostart bool
	// Autorestart is written as given ("true", "false", "unexpected");
	// empty keeps the default.
	Autorestart string
	StartSecs   int
	// StdoutLogfile is "NONE", "AUTO" or a path; empty keeps the default
	// (AUTO). StderrLogfile likewise.
	StdoutLogfile  string
	StderrLogfile  string
	StdoutMaxBytes string // e.g. "50MB"; empty keeps the default
	StdoutBackups  int    // used only when StdoutMaxBytes is set
}

// DaemonConfig is the whole generated configuration of one daemon run.
type DaemonConfig struct {
	Dir      string // holds the main log, child logs, pid file and socket
	Port     int    // inet_http_server on 127.0.0.1
	Unix     bool   // also serve on Dir/s.sock
	MinFDs   int
	Programs []Program
}

// SocketPath is the unix socket a configuration with Unix set serves on.
func (c DaemonConfig) SocketPath() string { return c.Dir + "/s.sock" }

// Render writes the configuration in Supervisor's INI dialect. It refuses
// paths with '%' or newlines, which the dialect would expand or split.
func (c DaemonConfig) Render() (string, error) {
	if strings.ContainsAny(c.Dir, "%\n;") {
		return "", fmt.Errorf("bench: work directory %q has a character the INI dialect would mangle", c.Dir)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[supervisord]\n")
	fmt.Fprintf(&b, "nodaemon=true\n")
	fmt.Fprintf(&b, "logfile=%s/supervisord.log\n", c.Dir)
	fmt.Fprintf(&b, "pidfile=%s/supervisord.pid\n", c.Dir)
	fmt.Fprintf(&b, "childlogdir=%s\n", c.Dir)
	fmt.Fprintf(&b, "loglevel=info\n")
	if c.MinFDs > 0 {
		fmt.Fprintf(&b, "minfds=%d\n", c.MinFDs)
	}
	fmt.Fprintf(&b, "\n[inet_http_server]\nport=127.0.0.1:%d\n", c.Port)
	if c.Unix {
		fmt.Fprintf(&b, "\n[unix_http_server]\nfile=%s\n", c.SocketPath())
	}
	fmt.Fprintf(&b, "\n[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n")
	for _, p := range c.Programs {
		if strings.ContainsAny(p.Command, "%\n") || strings.ContainsAny(p.Name, " :%\n[]") {
			return "", fmt.Errorf("bench: program %q has a character the INI dialect would mangle", p.Name)
		}
		fmt.Fprintf(&b, "\n[program:%s]\n", p.Name)
		fmt.Fprintf(&b, "command=%s\n", p.Command)
		fmt.Fprintf(&b, "autostart=%t\n", p.Autostart)
		if p.Autorestart != "" {
			fmt.Fprintf(&b, "autorestart=%s\n", p.Autorestart)
		}
		fmt.Fprintf(&b, "startsecs=%d\n", p.StartSecs)
		if p.StdoutLogfile != "" {
			fmt.Fprintf(&b, "stdout_logfile=%s\n", p.StdoutLogfile)
		}
		if p.StdoutMaxBytes != "" {
			fmt.Fprintf(&b, "stdout_logfile_maxbytes=%s\n", p.StdoutMaxBytes)
			fmt.Fprintf(&b, "stdout_logfile_backups=%d\n", p.StdoutBackups)
		}
		if p.StderrLogfile != "" {
			fmt.Fprintf(&b, "stderr_logfile=%s\n", p.StderrLogfile)
		}
	}
	return b.String(), nil
}

// sleepers returns n programs named p000, p001, ... running sleep, the
// fleet most scenarios use. An hour outlives any scenario, and a leaked
// sleeper (the harness kills those it saw) still ends by itself.
func sleepers(n, startSecs int) []Program {
	progs := make([]Program, n)
	for i := range progs {
		progs[i] = Program{
			Name:      fmt.Sprintf("p%03d", i),
			Command:   "/bin/sleep 3600",
			Autostart: true,
			StartSecs: startSecs,
		}
	}
	return progs
}
