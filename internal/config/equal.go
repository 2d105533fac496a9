package config

import (
	"maps"
	"slices"
)

// Equal reports whether two groups are the same for reread/update: when
// they differ, Supervisor stops the old group and starts the new one.
//
// It follows Supervisor's comparison, including its quirk that a logfile
// set to AUTO on either side is not compared (so switching between AUTO
// and a path alone does not restart a group). The user name as written is
// not compared, only the resolved uid, as in Supervisor.
func (g *Group) Equal(o *Group) bool {
	if g == nil || o == nil {
		return g == o
	}
	if g.Kind != o.Kind || g.Name != o.Name || g.Priority != o.Priority {
		return false
	}
	if !slices.EqualFunc(g.Processes, o.Processes, func(a, b *Process) bool { return a.Equal(b) }) {
		return false
	}
	switch g.Kind {
	case EventListenerPool:
		if g.BufferSize != o.BufferSize || g.ResultHandler != o.ResultHandler {
			return false
		}
		// Supervisor keeps the pool's events in a set.
		a, b := slices.Clone(g.Events), slices.Clone(o.Events)
		slices.Sort(a)
		slices.Sort(b)
		return slices.Equal(a, b)
	case FCGIGroup:
		if (g.Socket == nil) != (o.Socket == nil) {
			return false
		}
		// Supervisor compares sockets by URL only.
		return g.Socket == nil || g.Socket.URL == o.Socket.URL
	}
	return true
}

// Equal compares two process configurations as Supervisor's
// ProcessConfig.__eq__ does.
func (p *Process) Equal(o *Process) bool {
	if p == nil || o == nil {
		return p == o
	}
	if p.Name != o.Name || p.UID != o.UID || p.Command != o.Command ||
		p.Directory != o.Directory || p.Umask != o.Umask || p.Priority != o.Priority ||
		p.Autostart != o.Autostart || p.Autorestart != o.Autorestart ||
		p.Startsecs != o.Startsecs || p.Startretries != o.Startretries ||
		p.Stopsignal != o.Stopsignal || p.Stopwaitsecs != o.Stopwaitsecs ||
		p.Stopasgroup != o.Stopasgroup || p.Killasgroup != o.Killasgroup ||
		p.RedirectStderr != o.RedirectStderr || p.ServerURL != o.ServerURL ||
		!slices.Equal(p.Exitcodes, o.Exitcodes) {
		return false
	}
	return p.Stdout.equal(o.Stdout) && p.Stderr.equal(o.Stderr) && envEqual(p.Environment, o.Environment)
}

func (c LogConfig) equal(o LogConfig) bool {
	if c.Logfile != o.Logfile && c.Logfile != AutoLogfile && o.Logfile != AutoLogfile {
		return false
	}
	return c.Maxbytes == o.Maxbytes && c.Backups == o.Backups && c.CaptureMaxbytes == o.CaptureMaxbytes &&
		c.EventsEnabled == o.EventsEnabled && c.Syslog == o.Syslog
}

// envEqual compares environments as dicts: order does not matter.
func envEqual(a, b []EnvVar) bool {
	toMap := func(env []EnvVar) map[string]string {
		m := make(map[string]string, len(env))
		for _, kv := range env {
			m[kv.Key] = kv.Value
		}
		return m
	}
	return maps.Equal(toMap(a), toMap(b))
}
