package ctl

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// DefaultServerURL is where supervisorctl looks for a daemon when neither
// the command line nor a configuration file says otherwise.
const DefaultServerURL = "http://localhost:9001"

// Options is the client's resolved configuration: the command line first,
// then the [supervisorctl] section, then the defaults.
type Options struct {
	// ProgName is argv[0], used in the usage messages.
	ProgName string
	// ConfigFile is the file read, "" when none was found.
	ConfigFile string
	// Here is the directory of ConfigFile.
	Here string

	ServerURL   string
	Username    string
	Password    string
	hasUsername bool
	hasPassword bool
	Prompt      string
	HistoryFile string
	// Interactive is set by -i, and when no command is given.
	Interactive bool

	// Args is the command to run once; empty means the shell.
	Args []string

	// Plugins are the [ctlplugin:x] sections, in file order.
	Plugins []PluginSection
}

// PluginSection is one [ctlplugin:x] section.
type PluginSection struct {
	// Name is x.
	Name string
	// Factory is the value of supervisor.ctl_factory.
	Factory string
	// Extra holds the section's other keys, %-expanded.
	Extra map[string]string
}

// usageError is a command-line or configuration problem: supervisorctl
// prints it as "Error: <msg>" with a pointer to -h, and exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// errHelp asks for the usage text and exit 0.
var errHelp = errors.New("help requested")

// searchPaths lists the files tried when -c is not given, in Supervisor's
// order: two relative to the binary's prefix, two relative to the current
// directory, then the system paths.
func searchPaths(argv0 string) []string {
	// os.path.dirname twice: a bare program name gives "".
	prefix := pyDirname(pyDirname(argv0))
	join := func(elem string) string {
		if prefix == "" {
			return elem
		}
		return strings.TrimSuffix(prefix, "/") + "/" + elem
	}
	return []string{
		join("etc/supervisord.conf"),
		join("supervisord.conf"),
		"supervisord.conf",
		"etc/supervisord.conf",
		"/etc/supervisord.conf",
		"/etc/supervisor/supervisord.conf",
	}
}

// pyDirname is Python's os.path.dirname: the head before the last "/",
// with trailing slashes removed unless the head is all slashes.
func pyDirname(p string) string {
	i := strings.LastIndexByte(p, '/') + 1
	head := p[:i]
	if head != "" && strings.Trim(head, "/") != "" {
		head = strings.TrimRight(head, "/")
	}
	return head
}

// cliOption describes one option for the getopt-style parser.
type cliOption struct {
	short   byte
	long    string
	hasArg  bool
	setting string // the Options field it sets; "" for help
}

var cliOptions = []cliOption{
	{short: 'h', long: "help"},
	{short: '?'},
	{short: 'c', long: "configuration", hasArg: true, setting: "configfile"},
	{short: 'i', long: "interactive", setting: "interactive"},
	{short: 's', long: "serverurl", hasArg: true, setting: "serverurl"},
	{short: 'u', long: "username", hasArg: true, setting: "username"},
	{short: 'p', long: "password", hasArg: true, setting: "password"},
	// The long form really is --history_file (with an underscore).
	{short: 'r', long: "history_file", hasArg: true, setting: "history"},
}

type parsedOpt struct {
	name  string // "-x" or "--long", as getopt reports it
	def   cliOption
	value string
}

// getopt splits args as Python's getopt.getopt does: options stop at the
// first non-option argument or at "--", long options may be abbreviated
// to a unique prefix, short options may be clustered.
func getopt(args []string) ([]parsedOpt, []string, error) {
	var opts []parsedOpt
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" {
		if args[0] == "--" {
			return opts, args[1:], nil
		}
		if strings.HasPrefix(args[0], "--") {
			body := args[0][2:]
			name, value, hasValue := strings.Cut(body, "=")
			def, err := matchLong(name)
			if err != nil {
				return nil, nil, err
			}
			args = args[1:]
			switch {
			case def.hasArg && !hasValue:
				if len(args) == 0 {
					return nil, nil, fmt.Errorf("option --%s requires argument", def.long)
				}
				value, args = args[0], args[1:]
			case !def.hasArg && hasValue:
				return nil, nil, fmt.Errorf("option --%s must not have an argument", def.long)
			}
			opts = append(opts, parsedOpt{name: "--" + def.long, def: def, value: value})
			continue
		}
		cluster := args[0][1:]
		args = args[1:]
		for cluster != "" {
			c := cluster[0]
			cluster = cluster[1:]
			def, ok := matchShort(c)
			if !ok {
				return nil, nil, fmt.Errorf("option -%c not recognized", c)
			}
			value := ""
			if def.hasArg {
				if cluster == "" {
					if len(args) == 0 {
						return nil, nil, fmt.Errorf("option -%c requires argument", c)
					}
					cluster, args = args[0], args[1:]
				}
				value, cluster = cluster, ""
			}
			opts = append(opts, parsedOpt{name: "-" + string(c), def: def, value: value})
		}
	}
	return opts, args, nil
}

func matchShort(c byte) (cliOption, bool) {
	for _, o := range cliOptions {
		if o.short == c {
			return o, true
		}
	}
	return cliOption{}, false
}

func matchLong(name string) (cliOption, error) {
	var candidates []cliOption
	for _, o := range cliOptions {
		if o.long == "" {
			continue
		}
		if o.long == name {
			return o, nil
		}
		if strings.HasPrefix(o.long, name) {
			candidates = append(candidates, o)
		}
	}
	switch len(candidates) {
	case 0:
		return cliOption{}, fmt.Errorf("option --%s not recognized", name)
	case 1:
		return candidates[0], nil
	default:
		return cliOption{}, fmt.Errorf("option --%s not a unique prefix", name)
	}
}

// validURL accepts what Supervisor's url() datatype accepts: a scheme and
// something after it. The transport checks the scheme later.
func validURL(v string) bool {
	scheme, rest, ok := splitScheme(v)
	if !ok || scheme == "" {
		return false
	}
	netloc := ""
	if after, found := strings.CutPrefix(rest, "//"); found {
		end := strings.IndexAny(after, "/?#")
		if end < 0 {
			end = len(after)
		}
		netloc, rest = after[:end], after[end:]
	}
	if end := strings.IndexAny(rest, "?#"); end >= 0 {
		rest = rest[:end]
	}
	return netloc != "" || rest != ""
}

// splitScheme splits "scheme:rest" the way urllib.parse does: the scheme
// starts with a letter and holds only letters, digits, "+", "-" and ".".
func splitScheme(v string) (scheme, rest string, ok bool) {
	i := strings.IndexByte(v, ':')
	if i <= 0 {
		return "", v, false
	}
	if c := v[0]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
		return "", v, false
	}
	for j := 0; j < i; j++ {
		c := v[j]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.') {
			return "", v, false
		}
	}
	return strings.ToLower(v[:i]), v[i+1:], true
}

// parseOptions resolves the command line args (without argv[0]) against
// the configuration file and defaults. environ is the process environment
// as KEY=value strings, for %(ENV_x)s expansion.
func parseOptions(progName string, args []string, environ []string) (*Options, error) {
	o := &Options{ProgName: progName}
	parsed, rest, err := getopt(args)
	if err != nil {
		return nil, &usageError{err.Error()}
	}
	o.Args = rest
	set := map[string]bool{}
	var configFile string
	for _, p := range parsed {
		if p.def.setting == "" {
			return nil, errHelp
		}
		if p.def.setting == "serverurl" && !validURL(p.value) {
			return nil, &usageError{fmt.Sprintf("invalid value for %s %s: value %s is not a URL", p.name, pyfmt.Repr(p.value), pyfmt.Repr(p.value))}
		}
		if set[p.def.setting] {
			return nil, &usageError{fmt.Sprintf("conflicting command line option %s", pyfmt.Repr(p.name))}
		}
		set[p.def.setting] = true
		switch p.def.setting {
		case "configfile":
			configFile = p.value
		case "interactive":
			o.Interactive = true
		case "serverurl":
			o.ServerURL = p.value
		case "username":
			o.Username, o.hasUsername = p.value, true
		case "password":
			o.Password, o.hasPassword = p.value, true
		case "history":
			o.HistoryFile = expandUser(p.value)
		}
	}
	if configFile == "" && !set["configfile"] {
		for _, p := range searchPaths(progName) {
			if _, err := os.Stat(p); err == nil {
				configFile = p
				break
			}
		}
	}
	if configFile != "" {
		if err := o.readConfig(configFile, environ, set); err != nil {
			return nil, err
		}
	}
	if o.ServerURL == "" {
		o.ServerURL = DefaultServerURL
	}
	if o.Prompt == "" && !set["prompt"] {
		o.Prompt = "supervisor"
	}
	if len(o.Args) == 0 {
		o.Interactive = true
	}
	return o, nil
}

// readConfig applies the [supervisorctl] section of path to the options
// the command line did not set.
func (o *Options) readConfig(path string, environ []string, set map[string]bool) error {
	abs := normalizePath(path)
	o.ConfigFile = path
	o.Here = filepath.Dir(abs)
	if _, err := os.Stat(path); err != nil {
		return &usageError{"could not find config file " + path}
	}
	fh, err := os.Open(path)
	if err != nil {
		return &usageError{"could not read config file " + path}
	}
	defer fh.Close()
	ini, err := parseINI(fh, path)
	if err != nil {
		return &usageError{err.Error()}
	}
	if ini.byName["supervisorctl"] == nil {
		return &usageError{".ini file does not include supervisorctl section"}
	}
	envVars := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			envVars["ENV_"+k] = v
		}
	}
	withHere := map[string]string{"here": o.Here}
	for k, v := range envVars {
		withHere[k] = v
	}
	get := func(key, def string, vars map[string]string) (string, bool, error) {
		v, ok := ini.get("supervisorctl", key)
		if !ok {
			return def, false, nil
		}
		v, err := expandPercent(v, vars, "supervisorctl."+key)
		if err != nil {
			return "", false, &usageError{err.Error()}
		}
		return v, true, nil
	}
	serverURL, _, err := get("serverurl", DefaultServerURL, withHere)
	if err != nil {
		return err
	}
	if rest, ok := strings.CutPrefix(serverURL, "unix://"); ok {
		serverURL = "unix://" + normalizePath(rest)
	}
	prompt, _, err := get("prompt", "supervisor", envVars)
	if err != nil {
		return err
	}
	username, hasUser, err := get("username", "", envVars)
	if err != nil {
		return err
	}
	password, hasPass, err := get("password", "", envVars)
	if err != nil {
		return err
	}
	history, _, err := get("history_file", "", withHere)
	if err != nil {
		return err
	}
	if !set["serverurl"] {
		o.ServerURL = serverURL
	}
	o.Prompt = prompt
	if !set["username"] && hasUser {
		o.Username, o.hasUsername = username, true
	}
	if !set["password"] && hasPass {
		o.Password, o.hasPassword = password, true
	}
	if !set["history"] && history != "" {
		o.HistoryFile = normalizePath(history)
	}
	for _, s := range ini.sections {
		name, ok := strings.CutPrefix(s.name, "ctlplugin:")
		if !ok {
			continue
		}
		sec := PluginSection{Name: name, Extra: map[string]string{}}
		factory, ok := ini.get(s.name, "supervisor.ctl_factory")
		if !ok {
			return &usageError{fmt.Sprintf("section [%s] does not specify a supervisor.ctl_factory", s.name)}
		}
		if sec.Factory, err = expandPercent(factory, envVars, s.name+".supervisor.ctl_factory"); err != nil {
			return &usageError{err.Error()}
		}
		for _, k := range ini.options(s.name) {
			if k == "supervisor.ctl_factory" {
				continue
			}
			v, _ := ini.get(s.name, k)
			if sec.Extra[k], err = expandPercent(v, envVars, s.name+"."+k); err != nil {
				return &usageError{err.Error()}
			}
		}
		o.Plugins = append(o.Plugins, sec)
	}
	return nil
}

// normalizePath is Supervisor's normalize_path: "~" expanded, made
// absolute and cleaned.
func normalizePath(p string) string {
	p = expandUser(p)
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return filepath.Clean(p)
}

func expandUser(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return home + p[1:]
		}
	}
	return p
}
