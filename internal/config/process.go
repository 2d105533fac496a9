package config

import (
	"fmt"
	"strings"
)

// processes mirrors ServerOptions._processes_from_section: it reads the
// program-level options once, then expands the per-process options for
// each process number. groupName is the group the processes end up in.
func (l *loader) processes(sec *iniSection, groupName string) ([]*Process, error) {
	_, after, _ := strings.Cut(sec.name, ":")
	programName, err := processOrGroupName(after)
	if err != nil {
		return nil, l.errAt(sec, "", err)
	}
	// common is shared and mutated across the loop below, exactly like the
	// Python dict: per-process names and a program's ENV_* leak from one
	// process number to the next.
	common := expansions{
		"here":           strVal(l.here),
		"program_name":   strVal(programName),
		"host_node_name": strVal(l.hostname),
		"group_name":     strVal(groupName),
	}
	get := func(key, def string) (string, bool, error) {
		return l.get(sec, key, def, common, true)
	}
	p := &Process{ProgramName: programName, Group: groupName, UID: -1, GID: -1, Umask: -1}
	var (
		v   string
		set bool
	)
	conv := func(key, def string, f func(string) error) error {
		if v, _, err = get(key, def); err != nil {
			return err
		}
		if err := f(v); err != nil {
			return l.errAt(sec, key, err)
		}
		return nil
	}
	var (
		numprocs, numprocsStart int
		stdoutCap, stderrCap    int64
		stdoutEv, stderrEv      bool
	)
	steps := []struct {
		key, def string
		f        func(string) error
	}{
		{"priority", "999", func(v string) (e error) { p.Priority, e = integer(v); return }},
		{"autostart", "true", func(v string) (e error) { p.Autostart, e = boolean(v); return }},
		{"autorestart", "unexpected", func(v string) (e error) { p.Autorestart, e = autoRestart(v); return }},
		{"startsecs", "1", func(v string) (e error) { p.Startsecs, e = integer(v); return }},
		{"startretries", "3", func(v string) (e error) { p.Startretries, e = integer(v); return }},
		{"stopsignal", "TERM", func(v string) (e error) { p.Stopsignal, e = ParseSignal(v); return }},
		{"stopwaitsecs", "10", func(v string) (e error) { p.Stopwaitsecs, e = integer(v); return }},
		{"stopasgroup", "false", func(v string) (e error) { p.Stopasgroup, e = boolean(v); return }},
	}
	for _, s := range steps {
		if err := conv(s.key, s.def, s.f); err != nil {
			return nil, err
		}
	}
	killDefault := "False"
	if p.Stopasgroup {
		killDefault = "True"
	}
	steps = []struct {
		key, def string
		f        func(string) error
	}{
		{"killasgroup", killDefault, func(v string) (e error) { p.Killasgroup, e = boolean(v); return }},
		{"exitcodes", "0", func(v string) (e error) { p.Exitcodes, e = listOfExitcodes(v); return }},
		{"redirect_stderr", "false", func(v string) (e error) { p.RedirectStderr, e = boolean(v); return }},
		{"numprocs", "1", func(v string) (e error) { numprocs, e = integer(v); return }},
		{"numprocs_start", "0", func(v string) (e error) { numprocsStart, e = integer(v); return }},
	}
	for _, s := range steps {
		if err := conv(s.key, s.def, s.f); err != nil {
			return nil, err
		}
	}
	envTemplate, _, _ := l.get(sec, "environment", "", nil, false)
	steps = []struct {
		key, def string
		f        func(string) error
	}{
		{"stdout_capture_maxbytes", "0", func(v string) (e error) { stdoutCap, e = byteSize(v); return }},
		{"stdout_events_enabled", "false", func(v string) (e error) { stdoutEv, e = boolean(v); return }},
		{"stderr_capture_maxbytes", "0", func(v string) (e error) { stderrCap, e = byteSize(v); return }},
		{"stderr_events_enabled", "false", func(v string) (e error) { stderrEv, e = boolean(v); return }},
	}
	for _, s := range steps {
		if err := conv(s.key, s.def, s.f); err != nil {
			return nil, err
		}
	}
	p.ServerURL = "AUTO"
	if v, set, err = get("serverurl", ""); err != nil {
		return nil, err
	} else if set && strings.ToUpper(pyStrip(v)) != "AUTO" {
		p.ServerURL = v
	}
	if v, set, err = get("user", ""); err != nil {
		return nil, err
	} else if set {
		p.User = v
		if p.UID, err = nameToUID(v); err != nil {
			return nil, l.errAt(sec, "user", err)
		}
		p.GID = gidForUID(p.UID)
	}
	if v, set, err = get("umask", ""); err != nil {
		return nil, err
	} else if set {
		if p.Umask, err = octalType(v); err != nil {
			return nil, l.errAt(sec, "umask", err)
		}
	}
	nameTemplate, _, _ := l.get(sec, "process_name", "%(program_name)s", nil, false)
	if nameTemplate, err = processOrGroupName(nameTemplate); err != nil {
		return nil, l.errAt(sec, "process_name", err)
	}
	if numprocs > 1 && !strings.Contains(nameTemplate, "%(process_num)") {
		return nil, l.errAt(sec, "process_name", valueError("%(process_num) must be present within process_name when numprocs > 1"))
	}
	if p.Stopasgroup && !p.Killasgroup {
		return nil, l.errAt(sec, "killasgroup", valueError("Cannot set stopasgroup=true and killasgroup=false"))
	}

	var procs []*Process
	for num := numprocsStart; num < numprocsStart+numprocs; num++ {
		common["process_num"] = intVal(num)
		common["numprocs"] = intVal(numprocs)
		// Supervisor updates the dict with its environment here: an ENV_*
		// the previous process's environment= set falls back to the
		// daemon's value, or stays if the daemon has none.
		for k := range common {
			if _, ok := l.environ[k]; ok {
				delete(common, k)
			}
		}
		all := scope{l.environ, common}
		envStr, err := expandScope(envTemplate, all, "environment")
		if err != nil {
			return nil, l.errAt(sec, "environment", err)
		}
		env, err := dictOfKeyValuePairs(envStr)
		if err != nil {
			return nil, l.errAt(sec, "environment", err)
		}
		for _, kv := range env {
			common["ENV_"+kv.Key] = strVal(kv.Value)
		}
		proc := *p
		proc.Exitcodes = append([]int(nil), p.Exitcodes...)
		proc.Environment = env
		if proc.Directory, _, err = get("directory", ""); err != nil {
			return nil, err
		}
		if _, err := l.logConfig(sec, "stdout", &proc.Stdout, all, get); err != nil {
			return nil, err
		}
		stderrNamed, err := l.logConfig(sec, "stderr", &proc.Stderr, all, get)
		if err != nil {
			return nil, err
		}
		proc.Stdout.CaptureMaxbytes, proc.Stdout.EventsEnabled = stdoutCap, stdoutEv
		proc.Stderr.CaptureMaxbytes, proc.Stderr.EventsEnabled = stderrCap, stderrEv
		if proc.RedirectStderr {
			if stderrNamed {
				l.warnings = append(l.warnings, fmt.Sprintf("For [%s], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored", sec.name))
			}
			proc.Stderr.Logfile = ""
		}
		cmd, set, err := get("command", "")
		if err != nil {
			return nil, err
		}
		if !set {
			return nil, l.errAt(sec, "", valueErrorf("program section %s does not specify a command", sec.name))
		}
		proc.Command = cmd
		if proc.Name, err = expandScope(nameTemplate, all, "process_name"); err != nil {
			return nil, l.errAt(sec, "process_name", err)
		}
		procs = append(procs, &proc)
	}
	sortProcesses(procs)
	return procs, nil
}

// logConfig reads the <channel>_logfile* and <channel>_syslog options of
// one process. The logfile name is expanded twice, a Supervisor quirk.
// named tells whether the logfile was given as a file name (even an empty
// one), which is what Supervisor's redirect_stderr warning looks at.
func (l *loader) logConfig(sec *iniSection, ch string, lc *LogConfig, vars scope,
	get func(key, def string) (string, bool, error)) (named bool, err error) {
	lfKey := ch + "_logfile"
	v, set, err := get(lfKey, "")
	if err != nil {
		return false, err
	}
	lc.Logfile = AutoLogfile
	isSyslog := false
	if set {
		if v, err = expandScope(v, vars, lfKey); err != nil {
			return false, l.errAt(sec, lfKey, err)
		}
		switch strings.ToLower(v) {
		case "none", "off":
			lc.Logfile = ""
		case "auto":
			lc.Logfile = AutoLogfile
		case "syslog":
			isSyslog = true
		default:
			named = true
			p, err := l.existingDirpath(v)
			if err != nil {
				return false, l.errAt(sec, lfKey, err)
			}
			if p != "" {
				lc.Logfile = l.abs(p)
			} else {
				// An empty name means no file, as in Supervisor.
				lc.Logfile = ""
			}
		}
	}
	bu, _, err := get(ch+"_logfile_backups", "10")
	if err != nil {
		return false, err
	}
	if lc.Backups, err = integer(bu); err != nil {
		return false, l.errAt(sec, ch+"_logfile_backups", err)
	}
	mb, _, err := get(ch+"_logfile_maxbytes", "50MB")
	if err != nil {
		return false, err
	}
	if lc.Maxbytes, err = byteSize(mb); err != nil {
		return false, l.errAt(sec, ch+"_logfile_maxbytes", err)
	}
	sl, _, err := get(ch+"_syslog", "False")
	if err != nil {
		return false, err
	}
	if lc.Syslog, err = boolean(sl); err != nil {
		return false, l.errAt(sec, ch+"_syslog", err)
	}
	if isSyslog {
		l.warnings = append(l.warnings, fmt.Sprintf("For [%s], %s=syslog but this is deprecated and will be removed.  Use %s_syslog=true to enable syslog instead.", sec.name, lfKey, ch))
		lc.Logfile = ""
		lc.Syslog = true
	}
	if lc.Logfile == AutoLogfile && lc.Maxbytes == 0 {
		l.warnings = append(l.warnings, fmt.Sprintf("For [%s], AUTO logging used for %s without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally", sec.name, lfKey))
	}
	return named, nil
}
