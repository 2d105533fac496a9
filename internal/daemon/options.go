package daemon

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// usageError is a command-line or configuration error: Run prints it as
// "Error: <msg>" followed by the help hint and exits 2, as Supervisor's
// usage() does.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// commandLine holds what the command line set. Pointer fields are nil when
// the option was not given, so that the configuration file value applies.
type commandLine struct {
	help    bool
	version bool

	configFile *string
	nodaemon   bool
	silent     bool
	user       *string
	umask      *int
	directory  *string
	logfile    *string
	logMaxb    *int64
	logBackups *int
	loglevel   *config.Level
	pidfile    *string
	identifier *string
	childlog   *string
	nocleanup  bool
	minfds     *int
	minprocs   *int
	stripANSI  bool
	profile    *string

	// raw holds each valued option as typed, by long name, for the
	// configuration loader.
	raw map[string]string

	// dieWithDaemon is our extension: children get SIGKILL through
	// PDEATHSIG when the daemon dies abruptly.
	dieWithDaemon bool
}

// optionSpec describes one option: its short letter ("" when none), its long
// name ("" when none), whether it takes a value, and how to store it.
type optionSpec struct {
	short  string
	long   string
	hasArg bool
	// apply converts and stores the value; a returned error becomes
	// "invalid value for <opt> '<arg>': <err>". A set flag reports
	// alreadySet so the caller can report the conflict.
	apply func(cl *commandLine, arg string) (alreadySet bool, err error)
}

// options lists every option of supervisord 4.2.5 in its table order, plus
// our long-only extensions.
var options = []optionSpec{
	{short: "h", long: "help", apply: func(cl *commandLine, _ string) (bool, error) { cl.help = true; return false, nil }},
	{short: "?", apply: func(cl *commandLine, _ string) (bool, error) { cl.help = true; return false, nil }},
	{short: "c", long: "configuration", hasArg: true, apply: func(cl *commandLine, a string) (bool, error) {
		return storeString(&cl.configFile, a), nil
	}},
	{short: "v", long: "version", apply: func(cl *commandLine, _ string) (bool, error) { cl.version = true; return false, nil }},
	{short: "n", long: "nodaemon", apply: func(cl *commandLine, _ string) (bool, error) { return storeFlag(&cl.nodaemon), nil }},
	{short: "u", long: "user", hasArg: true, apply: func(cl *commandLine, a string) (bool, error) {
		return storeString(&cl.user, a), nil
	}},
	{short: "m", long: "umask", hasArg: true, apply: func(cl *commandLine, a string) (bool, error) {
		v, err := parseOctal(a)
		if err != nil {
			return false, err
		}
		return storeValue(&cl.umask, v), nil
	}},
	{short: "d", long: "directory", hasArg: true, apply: func(cl *commandLine, a string) (bool, error) {
		v, err := existingDirectory(a)
		if err != nil {
			return false, err
		}
		return storeString(&cl.directory, v), nil
	}},
	{short: "l", long: "logfile", hasArg: true, apply: func(cl *commandLine, a string) (bool, error) {
		v, err := existingDirpath(a)
		if err != nil {
			return false, err
		}
		return storeString(&cl.logfile, v), nil
	}},
	{short: "y", long: "logfile_maxbytes", hasArg: true, apply: func(cl *commandLine, a string) (bool, error) {
		v, err := parseByteSize(a)
		if err != nil {
			return false, err
		}
		return storeValue(&cl.logMaxb, v), nil
	}},
	{short: "z", long: "logfile_backups", hasArg: true, apply: func(cl *commandLine, a string) (bool, error) {
		v, err := parsePyInt(a)
		if err != nil {
			return false, err
		}
		return storeValue(&cl.logBackups, int(v)), nil
	}},
	{short: "e", long: "loglevel", hasArg: true, apply: func(cl *commandLine, a string) (bool, error) {
		v, err := parseLevel(a)
		if err != nil {
			return false, err
		}
		return storeValue(&cl.loglevel, v), nil
	}},
	{short: "j", long: "pidfile", hasArg: true, apply: func(cl *commandLine, a string) (bool, error) {
		v, err := existingDirpath(a)
		if err != nil {
			return false, err
		}
		return storeString(&cl.pidfile, v), nil
	}},
	{short: "i", long: "identifier", hasArg: true, apply: func(cl *commandLine, a string) (bool, error) {
		return storeString(&cl.identifier, a), nil
	}},
	{short: "q", long: "childlogdir", hasArg: true, apply: func(cl *commandLine, a string) (bool, error) {
		v, err := existingDirectory(a)
		if err != nil {
			return false, err
		}
		return storeString(&cl.childlog, v), nil
	}},
	{short: "a", long: "minfds", hasArg: true, apply: func(cl *commandLine, a string) (bool, error) {
		v, err := parsePyInt(a)
		if err != nil {
			return false, err
		}
		return storeValue(&cl.minfds, int(v)), nil
	}},
	{long: "minprocs", hasArg: true, apply: func(cl *commandLine, a string) (bool, error) {
		v, err := parsePyInt(a)
		if err != nil {
			return false, err
		}
		return storeValue(&cl.minprocs, int(v)), nil
	}},
	{short: "k", long: "nocleanup", apply: func(cl *commandLine, _ string) (bool, error) { return storeFlag(&cl.nocleanup), nil }},
	{short: "t", long: "strip_ansi", apply: func(cl *commandLine, _ string) (bool, error) { return storeFlag(&cl.stripANSI), nil }},
	{long: "profile_options", hasArg: true, apply: func(cl *commandLine, a string) (bool, error) {
		return storeString(&cl.profile, a), nil
	}},
	{short: "s", long: "silent", apply: func(cl *commandLine, _ string) (bool, error) { return storeFlag(&cl.silent), nil }},
	{long: "die_with_daemon", apply: func(cl *commandLine, _ string) (bool, error) { return storeFlag(&cl.dieWithDaemon), nil }},
}

func storeString(p **string, v string) bool { return storeValue(p, v) }

func storeValue[T any](p **T, v T) bool {
	if *p != nil {
		return true
	}
	*p = &v
	return false
}

func storeFlag(p *bool) bool {
	if *p {
		return true
	}
	*p = true
	return false
}

// parsedOption is one option occurrence as written: opt is "-c" or
// "--configuration" (the full long name even when abbreviated, as Python's
// getopt reports it).
type parsedOption struct {
	opt  string
	arg  string
	spec *optionSpec
}

// getopt splits args the way Python's getopt.getopt does (the parser
// supervisord uses): options stop at the first non-option or after "--",
// short options may be bundled ("-nc file", "-cfile"), long options may be
// abbreviated to a unique prefix and take "--opt=value" or "--opt value".
func getopt(args []string) (opts []parsedOption, rest []string, err error) {
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" {
		if args[0] == "--" {
			args = args[1:]
			break
		}
		if strings.HasPrefix(args[0], "--") {
			opts, args, err = getoptLong(opts, args[0][2:], args[1:])
		} else {
			opts, args, err = getoptShorts(opts, args[0][1:], args[1:])
		}
		if err != nil {
			return nil, nil, err
		}
	}
	return opts, args, nil
}

func getoptLong(opts []parsedOption, opt string, args []string) ([]parsedOption, []string, error) {
	name, value, hasValue := strings.Cut(opt, "=")
	var matches []*optionSpec
	var exact *optionSpec
	for i := range options {
		spec := &options[i]
		if spec.long == "" || !strings.HasPrefix(spec.long, name) {
			continue
		}
		matches = append(matches, spec)
		if spec.long == name {
			exact = spec
		}
	}
	switch {
	case len(matches) == 0:
		return nil, nil, usagef("option --%s not recognized", name)
	case exact == nil && len(matches) > 1:
		return nil, nil, usagef("option --%s not a unique prefix", name)
	case exact == nil:
		exact = matches[0]
	}
	if exact.hasArg {
		if !hasValue {
			if len(args) == 0 {
				return nil, nil, usagef("option --%s requires argument", exact.long)
			}
			value, args = args[0], args[1:]
		}
	} else if hasValue {
		return nil, nil, usagef("option --%s must not have an argument", exact.long)
	}
	return append(opts, parsedOption{opt: "--" + exact.long, arg: value, spec: exact}), args, nil
}

func getoptShorts(opts []parsedOption, bundle string, args []string) ([]parsedOption, []string, error) {
	for bundle != "" {
		letter := bundle[:1]
		bundle = bundle[1:]
		var spec *optionSpec
		for i := range options {
			if options[i].short == letter {
				spec = &options[i]
				break
			}
		}
		if spec == nil {
			return nil, nil, usagef("option -%s not recognized", letter)
		}
		value := ""
		if spec.hasArg {
			if bundle == "" {
				if len(args) == 0 {
					return nil, nil, usagef("option -%s requires argument", letter)
				}
				bundle, args = args[0], args[1:]
			}
			value, bundle = bundle, ""
		}
		opts = append(opts, parsedOption{opt: "-" + letter, arg: value, spec: spec})
	}
	return opts, args, nil
}

// parseCommandLine parses args (without the program name) into a
// commandLine, with Supervisor's error texts. Help and version stop the
// parsing at once, as their handlers exit in Supervisor.
func parseCommandLine(args []string) (*commandLine, error) {
	opts, rest, err := getopt(args)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, usagef("positional arguments are not supported: %s", pyStringList(rest))
	}
	cl := &commandLine{}
	for _, o := range opts {
		conflict, err := o.spec.apply(cl, o.arg)
		if err != nil {
			return nil, usagef("invalid value for %s %s: %s", o.opt, pyfmt.Repr(o.arg), err)
		}
		if cl.help || cl.version {
			return cl, nil
		}
		if conflict {
			return nil, usagef("conflicting command line option %s", pyfmt.Repr(o.opt))
		}
		if o.spec.hasArg {
			if cl.raw == nil {
				cl.raw = map[string]string{}
			}
			cl.raw[o.spec.long] = o.arg
		}
	}
	return cl, nil
}

// loadOptions hands the command line to the configuration loader, which
// gives it priority over the file. Values are passed as typed: parsing
// already checked them with Supervisor's conversions.
func (cl *commandLine) loadOptions() config.LoadOptions {
	return config.LoadOptions{
		Nodaemon:        cl.nodaemon,
		Silent:          cl.silent,
		Nocleanup:       cl.nocleanup,
		StripANSI:       cl.stripANSI,
		User:            cl.raw["user"],
		Umask:           cl.raw["umask"],
		Directory:       cl.raw["directory"],
		Logfile:         cl.raw["logfile"],
		LogfileMaxbytes: cl.raw["logfile_maxbytes"],
		LogfileBackups:  cl.raw["logfile_backups"],
		Loglevel:        cl.raw["loglevel"],
		Pidfile:         cl.raw["pidfile"],
		Identifier:      cl.raw["identifier"],
		Childlogdir:     cl.raw["childlogdir"],
		Minfds:          cl.raw["minfds"],
		Minprocs:        cl.raw["minprocs"],
	}
}

// parseOctal mirrors Python's int(arg, 8).
func parseOctal(a string) (int, error) {
	s := strings.TrimSpace(a)
	neg := false
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) > 2 && (s[:2] == "0o" || s[:2] == "0O") {
		s = s[2:]
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 8, 64)
	if err != nil || s == "" || strings.HasPrefix(s, "_") || strings.HasSuffix(s, "_") {
		return 0, fmt.Errorf("%s can not be converted to an octal type", a)
	}
	if neg {
		v = -v
	}
	return int(v), nil
}

// parsePyInt mirrors Python's int(value) and its error text.
func parsePyInt(a string) (int64, error) {
	s := strings.TrimSpace(a)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid literal for int() with base 10: %s", pyfmt.Repr(a))
	}
	return v, nil
}

// parseByteSize mirrors Supervisor's byte_size: an integer with an optional
// case-insensitive kb, mb or gb suffix.
func parseByteSize(a string) (int64, error) {
	v := strings.ToLower(a)
	mult := int64(1)
	for suffix, m := range map[string]int64{"kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30} {
		if strings.HasSuffix(v, suffix) {
			v, mult = strings.TrimSuffix(v, suffix), m
			break
		}
	}
	n, err := parsePyInt(v)
	if err != nil {
		return 0, err
	}
	return n * mult, nil
}

// parseLevel accepts Supervisor's level descriptions, case-insensitively.
func parseLevel(a string) (config.Level, error) {
	levels := map[string]config.Level{
		"critical": config.LevelCritical, "error": config.LevelError, "warn": config.LevelWarn,
		"info": config.LevelInfo, "debug": config.LevelDebug, "trace": config.LevelTrace,
		"blather": config.LevelBlather,
	}
	if l, ok := levels[strings.ToLower(a)]; ok {
		return l, nil
	}
	return 0, fmt.Errorf("bad logging level name %s", pyfmt.Repr(a))
}

// expandUser mirrors os.path.expanduser for "~" and "~/...".
func expandUser(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		home := os.Getenv("HOME")
		if home == "" {
			if u, err := user.Current(); err == nil {
				home = u.HomeDir
			}
		}
		if home != "" {
			return home + p[1:]
		}
	}
	return p
}

func existingDirectory(a string) (string, error) {
	p := expandUser(a)
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		return p, nil
	}
	return "", fmt.Errorf("%s is not an existing directory", a)
}

func existingDirpath(a string) (string, error) {
	p := expandUser(a)
	dir, _ := filepath.Split(p)
	if dir == "" {
		return p, nil
	}
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return p, nil
	}
	//lint:ignore ST1005 Supervisor's exact message, which users and scripts see.
	return "", fmt.Errorf("The directory named as part of the path %s does not exist", a)
}

// pyStringList formats a list of strings as Python's str() of a list.
func pyStringList(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = pyfmt.Repr(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}
