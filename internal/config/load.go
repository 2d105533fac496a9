// Package config owns Supervisor's configuration dialect: it reads a
// supervisord.conf (Python RawConfigParser syntax, [include], %-expansion)
// into the typed, validated Config of types.go, with Supervisor 4.2.5's
// defaults, conversions, quirks and error wording. It also locates the file
// (Find), compares groups for reread/update (Group.Equal) and parses signal
// names (ParseSignal, SignalName).
//
// Load never returns a partial Config: on any problem it returns nil and one
// *Error, always the first one Supervisor itself would report.
package config

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// LoadOptions carries what the supervisord command line overrides and the
// environment the configuration is read in. Zero values mean "not given".
type LoadOptions struct {
	// Flags of the command line; as in Supervisor they can only switch an
	// option on.
	Nodaemon  bool
	Silent    bool
	Nocleanup bool
	StripANSI bool

	// Valued options of the command line, as typed; "" means not given.
	// They are checked with the same conversions as the file's values.
	User            string
	Umask           string
	Directory       string
	Logfile         string
	LogfileMaxbytes string
	LogfileBackups  string
	Loglevel        string
	Pidfile         string
	Identifier      string
	Childlogdir     string
	Minfds          string
	Minprocs        string

	// Env is the environment ("KEY=value") behind %(ENV_KEY)s; nil means
	// os.Environ().
	Env []string
	// Hostname is %(host_node_name)s; "" means os.Hostname().
	Hostname string
	// Dir is the working directory relative defaults and paths resolve
	// against; "" means os.Getwd().
	Dir string
}

// loader holds the state of one Load, mirroring ServerOptions' fields.
type loader struct {
	opts     LoadOptions
	dir      string
	home     string
	hostname string
	tempdir  string
	path     string
	here     string
	doc      *iniDoc
	// environ is Supervisor's environ_expansions: ENV_* of the process,
	// later extended by [supervisord] environment=. It is shared (and
	// mutated) like the Python dict it mirrors.
	environ   expansions
	criticals []string
	warnings  []string
	infos     []string
}

// Load reads, expands and validates the configuration file at path.
func Load(path string, opts LoadOptions) (*Config, error) {
	l, err := newLoader(opts)
	if err != nil {
		return nil, err
	}
	cfg, err := l.load(path)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

func newLoader(opts LoadOptions) (*loader, error) {
	l := &loader{opts: opts, environ: expansions{}}
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}
	envMap := map[string]string{}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		envMap[k] = v
		l.environ["ENV_"+k] = strVal(v)
	}
	l.home = envMap["HOME"]
	l.dir = opts.Dir
	if l.dir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, &Error{Msg: "cannot determine the working directory: " + err.Error()}
		}
		l.dir = wd
	}
	l.hostname = opts.Hostname
	if l.hostname == "" {
		l.hostname, _ = os.Hostname()
	}
	l.tempdir = pythonTempdir(envMap, l.dir)
	return l, nil
}

// pythonTempdir is tempfile.gettempdir(): the first of $TMPDIR, $TEMP,
// $TMP, /tmp, /var/tmp, /usr/tmp that is an existing directory, made
// absolute.
func pythonTempdir(env map[string]string, dir string) string {
	var candidates []string
	for _, k := range []string{"TMPDIR", "TEMP", "TMP"} {
		if v := env[k]; v != "" {
			candidates = append(candidates, v)
		}
	}
	candidates = append(candidates, "/tmp", "/var/tmp", "/usr/tmp")
	for _, c := range candidates {
		if !filepath.IsAbs(c) {
			c = filepath.Join(dir, c)
		}
		if isDir(c) {
			return filepath.Clean(c)
		}
	}
	return dir
}

// errAt builds an *Error located at key of sec (or at the section header
// when the key is not set), with Supervisor's message err.
func (l *loader) errAt(sec *iniSection, key string, err error) error {
	var ce *Error
	if errors.As(err, &ce) {
		return ce
	}
	e := &Error{Msg: err.Error(), Option: key}
	if sec == nil {
		e.File = l.path
		return e
	}
	e.Section = sec.name
	e.File, e.Line = sec.file, sec.line
	if key != "" {
		if v, ok := l.doc.lookup(sec, key); ok {
			e.File, e.Line = v.file, v.line
		}
	}
	return e
}

// get mirrors UnhosedConfigParser.saneget: the value of key in sec (or
// [DEFAULT]), else def; expanded with the process environment plus extra.
// found tells whether the key was set.
func (l *loader) get(sec *iniSection, key string, def string, extra expansions, doExpand bool) (val string, found bool, err error) {
	v, ok := l.doc.lookup(sec, key)
	if ok {
		val = v.value
	} else {
		val = def
	}
	if doExpand {
		val, err = expandScope(val, scope{l.environ, extra}, sec.name+"."+key)
		if err != nil {
			return "", ok, l.errAt(sec, key, err)
		}
	}
	return val, ok, nil
}

// getOpt is get for an option whose absence means None in Supervisor.
func (l *loader) getOpt(sec *iniSection, key string, extra expansions) (string, bool, error) {
	return l.get(sec, key, "", extra, true)
}

func (l *loader) load(path string) (*Config, error) {
	l.path = l.abs(path)
	l.here = filepath.Dir(l.path)
	st, err := os.Stat(l.path)
	if err != nil {
		return nil, &Error{Msg: "could not find config file " + path}
	}
	data, err := os.ReadFile(l.path)
	if err != nil || st.IsDir() {
		return nil, &Error{Msg: "could not read config file " + path}
	}
	return l.loadData(data)
}

// loadData does the work of load once the main file's bytes are read.
func (l *loader) loadData(data []byte) (*Config, error) {
	var err error
	l.doc = newIniDoc()
	if err := l.doc.parseIni(l.path, data); err != nil {
		return nil, err
	}
	if err := l.processIncludes(); err != nil {
		return nil, err
	}
	sup := l.doc.section("supervisord")
	if sup == nil {
		return nil, &Error{File: l.path, Msg: ".ini file does not include supervisord section"}
	}
	cfg := &Config{Path: l.path, Here: l.here}
	if err := l.checkOverrides(); err != nil {
		return nil, err
	}
	if err := l.readSupervisord(sup, &cfg.Supervisord); err != nil {
		return nil, err
	}
	if cfg.RPCInterfaces, err = l.plugins("rpcinterface:", "supervisor.rpcinterface_factory", true); err != nil {
		return nil, err
	}
	if cfg.Groups, err = l.groups(); err != nil {
		return nil, err
	}
	for _, g := range cfg.Groups {
		for _, p := range g.Processes {
			p.Environment = mergeEnv(cfg.Supervisord.Environment, p.Environment)
		}
	}
	if cfg.HTTPServers, err = l.serverConfigs(); err != nil {
		return nil, err
	}
	if err := l.applyOverrides(&cfg.Supervisord); err != nil {
		return nil, err
	}
	cfg.Supervisorctl = l.supervisorctl()
	cfg.CtlPlugins, _ = l.plugins("ctlplugin:", "supervisor.ctl_factory", false)
	for _, m := range l.criticals {
		cfg.Messages = append(cfg.Messages, Message{Level: "CRIT", Text: m})
	}
	for _, m := range l.warnings {
		cfg.Messages = append(cfg.Messages, Message{Level: "WARN", Text: m})
	}
	for _, m := range l.infos {
		cfg.Messages = append(cfg.Messages, Message{Level: "INFO", Text: m})
	}
	return cfg, nil
}

// mergeEnv is the supervisord environment updated with the program's, in
// Python dict order.
func mergeEnv(base, own []EnvVar) []EnvVar {
	out := append([]EnvVar{}, base...)
	for _, kv := range own {
		found := false
		for i := range out {
			if out[i].Key == kv.Key {
				out[i].Value = kv.Value
				found = true
				break
			}
		}
		if !found {
			out = append(out, kv)
		}
	}
	return out
}

// processIncludes reads the files named by [include] files=, in order,
// each glob's matches sorted, replacing %(here)s textually after each file.
func (l *loader) processIncludes() error {
	inc := l.doc.section("include")
	if inc == nil {
		return nil
	}
	l.doc.expandHere(l.here)
	v, ok := l.doc.lookup(inc, "files")
	if !ok {
		return &Error{File: inc.file, Line: inc.line, Section: "include",
			Msg: ".ini file has [include] section, but no files setting"}
	}
	vars := expansions{"here": strVal(l.here), "host_node_name": strVal(l.hostname)}
	vars.update(l.environ)
	files, err := expand(v.value, vars, "include.files")
	if err != nil {
		return l.errAt(inc, "files", err)
	}
	for _, pattern := range strings.FieldsFunc(files, pyIsSpace) {
		pattern = pyJoin(l.here, pattern)
		matches := pyGlob(pattern)
		if len(matches) == 0 {
			l.warnings = append(l.warnings, fmt.Sprintf("No file matches via include \"%s\"", pattern))
			continue
		}
		sort.Strings(matches)
		for _, name := range matches {
			l.infos = append(l.infos, fmt.Sprintf("Included extra file \"%s\" during parsing", name))
			data, err := os.ReadFile(name)
			if err != nil {
				// configparser.read() skips files it cannot open.
				continue
			}
			if err := l.doc.parseIni(name, data); err != nil {
				return err
			}
			abs := name
			if !filepath.IsAbs(abs) {
				abs = filepath.Join(l.dir, abs)
			}
			l.doc.expandHere(filepath.Dir(filepath.Clean(abs)))
		}
	}
	return nil
}

// pyJoin is os.path.join for two parts: an absolute second part wins, and
// nothing is cleaned.
func pyJoin(base, p string) string {
	if strings.HasPrefix(p, "/") {
		return p
	}
	if base == "" || strings.HasSuffix(base, "/") {
		return base + p
	}
	return base + "/" + p
}

// checkOverrides converts the command-line values first, as Supervisor
// does before it reads the file.
func (l *loader) checkOverrides() error {
	o := l.opts
	// Messages name the flag in its short form (the long one for
	// --minprocs, which has none), as Supervisor names the flag typed.
	steps := []struct {
		name, flag, v string
		conv          func(string) error
	}{
		{"umask", "-m", o.Umask, func(s string) error { _, err := octalType(s); return err }},
		{"directory", "-d", o.Directory, func(s string) error { _, err := l.existingDirectory(s); return err }},
		{"logfile", "-l", o.Logfile, func(s string) error { _, err := l.existingDirpath(s); return err }},
		{"logfile_maxbytes", "-y", o.LogfileMaxbytes, func(s string) error { _, err := byteSize(s); return err }},
		{"logfile_backups", "-z", o.LogfileBackups, func(s string) error { _, err := integer(s); return err }},
		{"loglevel", "-e", o.Loglevel, func(s string) error { _, err := loggingLevel(s); return err }},
		{"pidfile", "-j", o.Pidfile, func(s string) error { _, err := l.existingDirpath(s); return err }},
		{"childlogdir", "-q", o.Childlogdir, func(s string) error { _, err := l.existingDirectory(s); return err }},
		{"minfds", "-a", o.Minfds, func(s string) error { _, err := integer(s); return err }},
		{"minprocs", "--minprocs", o.Minprocs, func(s string) error { _, err := integer(s); return err }},
	}
	for _, s := range steps {
		if s.v == "" {
			continue
		}
		if err := s.conv(s.v); err != nil {
			return &Error{Option: s.name, Msg: fmt.Sprintf("invalid value for %s %s: %s", s.flag, pyfmt.Repr(s.v), err)}
		}
	}
	return nil
}

// readSupervisord reads [supervisord] in Supervisor's order, so the first
// error is the one Supervisor reports.
func (l *loader) readSupervisord(sec *iniSection, s *Supervisord) error {
	here := expansions{"here": strVal(l.here)}
	get := func(key, def string) (string, bool, error) { return l.get(sec, key, def, here, true) }
	fail := func(key string, err error) error { return l.errAt(sec, key, err) }
	var (
		v   string
		set bool
		err error
	)
	conv := func(key, def string, f func(string) error) error {
		if v, _, err = get(key, def); err != nil {
			return err
		}
		if err := f(v); err != nil {
			return fail(key, err)
		}
		return nil
	}
	if err := conv("minfds", "1024", func(v string) (e error) { s.Minfds, e = integer(v); return }); err != nil {
		return err
	}
	if err := conv("minprocs", "200", func(v string) (e error) { s.Minprocs, e = integer(v); return }); err != nil {
		return err
	}
	if v, set, err = get("directory", ""); err != nil {
		return err
	}
	if set {
		if s.Directory, err = l.existingDirectory(v); err != nil {
			return fail("directory", err)
		}
	}
	if s.User, _, err = get("user", ""); err != nil {
		return err
	}
	if err := conv("umask", "022", func(v string) (e error) { s.Umask, e = octalType(v); return }); err != nil {
		return err
	}
	if err := conv("logfile", "supervisord.log", func(v string) (e error) { s.Logfile, e = l.existingDirpath(v); return }); err != nil {
		return err
	}
	if err := conv("logfile_maxbytes", "50MB", func(v string) (e error) { s.LogfileMaxbytes, e = byteSize(v); return }); err != nil {
		return err
	}
	if err := conv("logfile_backups", "10", func(v string) (e error) { s.LogfileBackups, e = integer(v); return }); err != nil {
		return err
	}
	if err := conv("loglevel", "info", func(v string) (e error) { s.Loglevel, e = loggingLevel(v); return }); err != nil {
		return err
	}
	if err := conv("pidfile", "supervisord.pid", func(v string) (e error) { s.Pidfile, e = l.existingDirpath(v); return }); err != nil {
		return err
	}
	if s.Identifier, _, err = get("identifier", "supervisor"); err != nil {
		return err
	}
	if err := conv("nodaemon", "false", func(v string) (e error) { s.Nodaemon, e = boolean(v); return }); err != nil {
		return err
	}
	if err := conv("silent", "false", func(v string) (e error) { s.Silent, e = boolean(v); return }); err != nil {
		return err
	}
	if err := conv("childlogdir", l.tempdir, func(v string) (e error) { s.Childlogdir, e = l.existingDirectory(v); return }); err != nil {
		return err
	}
	if err := conv("nocleanup", "false", func(v string) (e error) { s.Nocleanup, e = boolean(v); return }); err != nil {
		return err
	}
	if err := conv("strip_ansi", "false", func(v string) (e error) { s.StripANSI, e = boolean(v); return }); err != nil {
		return err
	}
	// environment= is expanded a second time, with host_node_name too.
	if v, _, err = get("environment", ""); err != nil {
		return err
	}
	vars := expansions{"here": strVal(l.here), "host_node_name": strVal(l.hostname)}
	vars.update(l.environ)
	if v, err = expand(v, vars, "environment"); err != nil {
		return fail("environment", err)
	}
	if s.Environment, err = dictOfKeyValuePairs(v); err != nil {
		return fail("environment", err)
	}
	for _, kv := range s.Environment {
		l.environ["ENV_"+kv.Key] = strVal(kv.Value)
	}
	return nil
}

// applyOverrides lets the command line win over the file, then finishes
// the [supervisord] values as ServerOptions.realize does.
func (l *loader) applyOverrides(s *Supervisord) error {
	o := l.opts
	s.Nodaemon = s.Nodaemon || o.Nodaemon
	s.Silent = s.Silent || o.Silent
	s.Nocleanup = s.Nocleanup || o.Nocleanup
	s.StripANSI = s.StripANSI || o.StripANSI
	// The values were checked by checkOverrides.
	if o.User != "" {
		s.User = o.User
	}
	if o.Umask != "" {
		s.Umask, _ = octalType(o.Umask)
	}
	if o.Directory != "" {
		s.Directory, _ = l.existingDirectory(o.Directory)
	}
	if o.Logfile != "" {
		s.Logfile, _ = l.existingDirpath(o.Logfile)
	}
	if o.LogfileMaxbytes != "" {
		s.LogfileMaxbytes, _ = byteSize(o.LogfileMaxbytes)
	}
	if o.LogfileBackups != "" {
		s.LogfileBackups, _ = integer(o.LogfileBackups)
	}
	if o.Loglevel != "" {
		s.Loglevel, _ = loggingLevel(o.Loglevel)
	}
	if o.Pidfile != "" {
		s.Pidfile, _ = l.existingDirpath(o.Pidfile)
	}
	if o.Identifier != "" {
		s.Identifier = o.Identifier
	}
	if o.Childlogdir != "" {
		s.Childlogdir, _ = l.existingDirectory(o.Childlogdir)
	}
	if o.Minfds != "" {
		s.Minfds, _ = integer(o.Minfds)
	}
	if o.Minprocs != "" {
		s.Minprocs, _ = integer(o.Minprocs)
	}
	if s.User != "" {
		if _, err := nameToUID(s.User); err != nil {
			sec := l.doc.section("supervisord")
			if o.User != "" {
				return &Error{Option: "user", Msg: err.Error()}
			}
			return l.errAt(sec, "user", err)
		}
	}
	if s.Logfile != "syslog" {
		s.Logfile = l.normalizePath(s.Logfile)
	}
	s.Pidfile = l.normalizePath(s.Pidfile)
	return nil
}

// plugins reads the [rpcinterface:x] or [ctlplugin:x] sections raw, each
// value expanded with the process environment only. strict reports a
// missing factory key (supervisord does so for rpcinterface; it ignores
// ctlplugin sections, which are read here leniently for supervisorctl).
func (l *loader) plugins(prefix, factoryKey string, strict bool) ([]RawSection, error) {
	var out []RawSection
	for _, sec := range l.doc.sections {
		if !strings.HasPrefix(sec.name, prefix) {
			continue
		}
		_, name, _ := strings.Cut(sec.name, ":")
		if _, ok := l.doc.lookup(sec, factoryKey); !ok && strict {
			return nil, l.errAt(sec, "", valueErrorf("section [%s] does not specify a %s", sec.name, factoryKey))
		}
		raw := RawSection{Name: name, File: sec.file, Line: sec.line}
		for _, k := range l.doc.optionKeys(sec) {
			iv, _ := l.doc.lookup(sec, k)
			val, _, err := l.get(sec, k, "", nil, true)
			if err != nil {
				if strict {
					return nil, err
				}
				val = iv.value
			}
			raw.Options = append(raw.Options, Option{Key: k, Value: val, File: iv.file, Line: iv.line})
		}
		out = append(out, raw)
	}
	return out, nil
}

// supervisorctl reads [supervisorctl] as supervisorctl would. supervisord
// ignores this section, so a problem in it never fails Load: the value is
// kept unexpanded.
func (l *loader) supervisorctl() *Supervisorctl {
	sec := l.doc.section("supervisorctl")
	if sec == nil {
		return nil
	}
	here := expansions{"here": strVal(l.here)}
	get := func(key, def string, vars expansions) string {
		v, _, err := l.get(sec, key, def, vars, true)
		if err != nil {
			iv, _ := l.doc.lookup(sec, key)
			return iv.value
		}
		return v
	}
	c := &Supervisorctl{
		ServerURL: get("serverurl", "http://localhost:9001", here),
		Prompt:    get("prompt", "supervisor", nil),
		Username:  get("username", "", nil),
		Password:  get("password", "", nil),
	}
	if rest, ok := strings.CutPrefix(c.ServerURL, "unix://"); ok {
		c.ServerURL = "unix://" + l.normalizePath(rest)
	}
	if h := get("history_file", "", here); h != "" {
		c.HistoryFile = l.normalizePath(h)
	}
	return c
}

// serverConfigs reads [inet_http_server*] then [unix_http_server*], the
// order in which Supervisor lists them.
func (l *loader) serverConfigs() ([]HTTPServer, error) {
	var out []HTTPServer
	auth := func(sec *iniSection, hs *HTTPServer) error {
		u, uset, err := l.getOpt(sec, "username", nil)
		if err != nil {
			return err
		}
		p, pset, err := l.getOpt(sec, "password", nil)
		if err != nil {
			return err
		}
		if uset != pset {
			return l.errAt(sec, "", valueErrorf("Section [%s] contains incomplete authentication: If a username or a password is specified, both the username and password must be specified", sec.name))
		}
		hs.Username, hs.Password = u, p
		return nil
	}
	for _, sec := range l.doc.sections {
		if !strings.HasPrefix(sec.name, "inet_http_server") {
			continue
		}
		hs := HTTPServer{Section: sec.name, Kind: InetHTTPServer, ChownUID: -1, ChownGID: -1}
		if err := auth(sec, &hs); err != nil {
			return nil, err
		}
		port, set, err := l.getOpt(sec, "port", nil)
		if err != nil {
			return nil, err
		}
		if !set {
			return nil, l.errAt(sec, "", valueErrorf("section [%s] has no port value", sec.name))
		}
		if hs.Host, hs.Port, err = inetAddress(port); err != nil {
			return nil, l.errAt(sec, "port", err)
		}
		out = append(out, hs)
	}
	for _, sec := range l.doc.sections {
		if !strings.HasPrefix(sec.name, "unix_http_server") {
			continue
		}
		hs := HTTPServer{Section: sec.name, Kind: UnixHTTPServer, ChownUID: -1, ChownGID: -1, Chmod: 0o700}
		file, set, err := l.getOpt(sec, "file", expansions{"here": strVal(l.here)})
		if err != nil {
			return nil, err
		}
		if !set {
			return nil, l.errAt(sec, "", valueErrorf("section [%s] has no file value", sec.name))
		}
		hs.File = l.normalizePath(pyStrip(file))
		if err := auth(sec, &hs); err != nil {
			return nil, err
		}
		chown, set, err := l.getOpt(sec, "chown", nil)
		if err != nil {
			return nil, err
		}
		if set {
			if hs.ChownUID, hs.ChownGID, err = colonSeparatedUserGroup(chown); err != nil {
				return nil, l.errAt(sec, "chown", valueErrorf("Invalid sockchown value %s", chown))
			}
		}
		chmod, set, err := l.getOpt(sec, "chmod", nil)
		if err != nil {
			return nil, err
		}
		if set {
			if hs.Chmod, err = octalType(chmod); err != nil {
				return nil, l.errAt(sec, "chmod", valueErrorf("Invalid chmod value %s", chmod))
			}
		}
		out = append(out, hs)
	}
	return out, nil
}

// sortGroups orders groups by (priority, name), stably, as Config.__lt__.
func sortGroups(gs []*Group) {
	slices.SortStableFunc(gs, func(a, b *Group) int {
		if a.Priority != b.Priority {
			return cmp.Compare(a.Priority, b.Priority)
		}
		return strings.Compare(a.Name, b.Name)
	})
}

// sortProcesses orders a section's processes by (priority, name), stably.
func sortProcesses(ps []*Process) {
	slices.SortStableFunc(ps, func(a, b *Process) int {
		if a.Priority != b.Priority {
			return cmp.Compare(a.Priority, b.Priority)
		}
		return strings.Compare(a.Name, b.Name)
	})
}
