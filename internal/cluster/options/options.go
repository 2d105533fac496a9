// Package options owns the [rpcinterface:supvisors] section: it turns the
// raw options kept by package config into typed, validated Supvisors 0.19
// options, applies Supvisors' consistency fixes, parses supvisors_list and
// identifies the local instance in it.
//
// Like Supvisors, an option whose value cannot be converted keeps its
// default and yields a Warning (Supvisors logs an error and starts anyway);
// only the conditions that stop Supvisors (no usable instance list, no local
// entry, empty synchro_options, no [inet_http_server]) are errors.
//
// The package does no I/O: what it needs to know about the machine (host
// names, NIC addresses) comes in an Environment.
package options

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/supvisors-go/supvisors/internal/config"
)

// SectionName is the name of the section after "rpcinterface:".
const SectionName = "supvisors"

// LocalIdentifierOption is our extension: it names the local entry of
// supvisors_list (by identifier or nick name) when automatic identification
// cannot work. Python Supvisors ignores unknown options, so a configuration
// shared with Python instances may carry it.
const LocalIdentifierOption = "local_identifier"

// defaultSupervisorIdentifier is Supervisor's default identifier, which
// Supvisors treats as "not set".
const defaultSupervisorIdentifier = "supervisor"

// Limits and defaults that other packages refer to.
const (
	// SynchroTimeoutMin is also the hard-coded minimum uptime of the CORE
	// condition and the delay after which OFF logs critically.
	SynchroTimeoutMin      = 15
	SynchroTimeoutDefault  = 15
	SynchroTimeoutMax      = 1200
	InactivityTicksDefault = 2
	InactivityTicksMin     = 2
	InactivityTicksMax     = 720
)

// MulticastGroup is multicast_group.
type MulticastGroup struct {
	Address string
	Port    int
}

// Options is the typed [rpcinterface:supvisors] section.
type Options struct {
	SoftwareName string
	// SoftwareIcon, RulesFiles and CSSFiles are glob patterns (after
	// %(host_node_name)s expansion); resolving them is left to their users.
	SoftwareIcon string
	RulesFiles   []string
	CSSFiles     []string

	// Instances are the supvisors_list entries in written order (or the
	// auto-declared local instance when the list is empty). Local indexes
	// the local entry.
	Instances []Instance
	Local     int
	// ListDeclared is false when supvisors_list was empty or absent.
	ListDeclared bool
	// LocalBy says how the local entry was identified (for diagnostics).
	LocalBy string

	Stereotypes        []string
	MulticastGroup     *MulticastGroup // nil: discovery mode off
	MulticastInterface string          // "" means INADDR_ANY
	MulticastTTL       int

	AutoFence bool
	EventLink EventLink
	// EventPort is the option as written (0 when unset); each Instance
	// carries its effective port.
	EventPort int

	SynchroOptions  SynchroSet
	SynchroTimeout  int // seconds
	InactivityTicks int
	// CoreIdentifiers is the option as written; CoreResolved holds the
	// instance identifiers they name, in order, without duplicates.
	CoreIdentifiers []string
	CoreResolved    []string

	DisabilitiesFile     string
	StartingStrategy     StartingStrategy
	ConciliationStrategy ConciliationStrategy
	FailureStrategy      FailureStrategy

	HostStatsEnabled      bool
	ProcessStatsEnabled   bool
	StatsCollectingPeriod float64
	StatsPeriods          []float64
	StatsHisto            int
	StatsIrixMode         bool
	TailLimit             int64
	TailfLimit            int64

	// Logfile is "AUTO" (share Supervisor's logger), "NONE", or a path.
	Logfile         string
	LogfileMaxbytes int64
	LogfileBackups  int
	Loglevel        config.Level
}

// LocalInstance returns the local entry.
func (o *Options) LocalInstance() Instance { return o.Instances[o.Local] }

// DiscoveryMode reports whether multicast discovery is on.
func (o *Options) DiscoveryMode() bool { return o.MulticastGroup != nil }

// Strategies is what supvisors.get_strategies() answers; peers compare it
// at handshake and isolate each other when it differs.
type Strategies struct {
	AutoFencing  bool
	Starting     StartingStrategy
	Conciliation ConciliationStrategy
	Failure      FailureStrategy
}

// Strategies returns the options compared at handshake.
func (o *Options) Strategies() Strategies {
	return Strategies{o.AutoFence, o.StartingStrategy, o.ConciliationStrategy, o.FailureStrategy}
}

// Warning is a non-fatal problem: a value that kept its default, or a
// consistency fix that changed an option.
type Warning struct {
	Option  string
	Message string
}

func (w Warning) String() string { return w.Option + ": " + w.Message }

// Environment is what Parse needs to know about the local supervisord and
// machine.
type Environment struct {
	// SupervisordIdentifier is [supervisord] identifier (or -i).
	SupervisordIdentifier string
	// HTTPHost and HTTPPort come from the first [inet_http_server]; a zero
	// port means there is none.
	HTTPHost string
	HTTPPort int
	// Hostname is gethostname(), used to declare the local instance when
	// supvisors_list is empty, and for %(host_node_name)s.
	Hostname string
	// LocalNames are the host names, aliases and IPv4 addresses of the
	// machine's non-loopback interfaces: Supvisors' way of recognising its
	// own entry.
	LocalNames []string
	// Home expands a leading ~ in disabilities_file.
	Home string
}

// EnvironmentFrom fills the supervisord part of an Environment from a
// parsed configuration; the machine part is left to the caller.
func EnvironmentFrom(cfg *config.Config) Environment {
	env := Environment{SupervisordIdentifier: cfg.Supervisord.Identifier}
	for _, s := range cfg.HTTPServers {
		if s.Kind == config.InetHTTPServer {
			env.HTTPHost, env.HTTPPort = s.Host, s.Port
			break
		}
	}
	return env
}

// Find returns the [rpcinterface:supvisors] section of cfg, if any.
func Find(cfg *config.Config) (config.RawSection, bool) {
	for _, s := range cfg.RPCInterfaces {
		if s.Name == SectionName {
			return s, true
		}
	}
	return config.RawSection{}, false
}

// ConfigError is a fatal problem with the section: Supvisors would not
// start.
type ConfigError struct {
	Option string
	File   string
	Line   int
	Msg    string
}

func (e *ConfigError) Error() string {
	loc := ""
	if e.File != "" {
		loc = fmt.Sprintf("%s:%d: ", e.File, e.Line)
	}
	return fmt.Sprintf("%s[rpcinterface:supvisors] %s: %s", loc, e.Option, e.Msg)
}

// parser carries the section being read and the warnings collected.
type parser struct {
	sec      config.RawSection
	env      Environment
	warnings []Warning
}

func (p *parser) warn(option, format string, args ...any) {
	p.warnings = append(p.warnings, Warning{Option: option, Message: fmt.Sprintf(format, args...)})
}

func (p *parser) fail(option, format string, args ...any) error {
	e := &ConfigError{Option: option, File: p.sec.File, Line: p.sec.Line, Msg: fmt.Sprintf(format, args...)}
	for _, o := range p.sec.Options {
		if o.Key == option {
			e.File, e.Line = o.File, o.Line
		}
	}
	return e
}

// value returns the option's value when set; conversion failures are
// reported by the callers through warn.
func (p *parser) value(key string) (string, bool) { return p.sec.Get(key) }

// convert runs fn on the option's value when set, and keeps the default
// (with a warning) when fn fails.
func convert[T any](p *parser, key string, def T, fn func(string) (T, error)) T {
	v, ok := p.value(key)
	if !ok {
		return def
	}
	t, err := fn(v)
	if err != nil {
		p.warn(key, "%v; default %v used", err, def)
		return def
	}
	return t
}

// Parse reads the section. The warnings are to be logged at error level
// (conversion failures) or warning level (consistency fixes); they never
// stop Supvisors. An error means Supvisors cannot start.
func Parse(sec config.RawSection, env Environment) (*Options, []Warning, error) {
	p := &parser{sec: sec, env: env}
	o := &Options{}
	if env.HTTPPort == 0 {
		return nil, nil, p.fail("supvisors_list", "an [inet_http_server] section is required by Supvisors")
	}
	str := func(s string) (string, error) { return s, nil }
	o.SoftwareName = convert(p, "software_name", "", str)
	o.SoftwareIcon = convert(p, "software_icon", "", func(s string) (string, error) {
		return p.expandNode(strings.TrimSpace(s)), nil
	})
	o.RulesFiles = convert(p, "rules_files", []string(nil), p.patterns)
	o.CSSFiles = convert(p, "css_files", []string(nil), p.patterns)
	o.Stereotypes = convert(p, "stereotypes", []string(nil), func(s string) ([]string, error) { return listOfStrings(s), nil })
	o.MulticastGroup = convert(p, "multicast_group", (*MulticastGroup)(nil), parseMulticastGroup)
	o.MulticastInterface = convert(p, "multicast_interface", "", func(s string) (string, error) {
		s = strings.TrimSpace(s)
		if s == "ANY" || s == "INADDR_ANY" {
			return "", nil
		}
		if _, ok := parseIPv4(s); !ok {
			return "", fmt.Errorf("invalid value for multicast_interface: %q: IPv4 address or ANY expected", s)
		}
		return s, nil
	})
	o.MulticastTTL = convert(p, "multicast_ttl", 1, func(s string) (int, error) { return parseIntRange("multicast_ttl", s, 0, 255) })
	o.AutoFence = convert(p, "auto_fence", false, func(s string) (bool, error) { return parseBool("auto_fence", s) })
	o.EventLink = convert(p, "event_link", EventLinkNone, func(s string) (EventLink, error) {
		i, err := parseEnum("event_link", s, eventLinkNames)
		return EventLink(i), err
	})
	o.EventPort = convert(p, "event_port", 0, func(s string) (int, error) { return parseIntRange("event_port", s, 1, 65535) })
	o.SynchroOptions = convert(p, "synchro_options", DefaultSynchro, func(s string) (SynchroSet, error) {
		var set SynchroSet
		for _, item := range listOfStrings(s) {
			i, err := parseEnum("synchro_options", item, synchroNames)
			if err != nil {
				return 0, err
			}
			set = set.With(SynchroOption(i))
		}
		return set, nil
	})
	// Supvisors 0.19.1 accepts 0 as the lower bound of synchro_timeout.
	o.SynchroTimeout = convert(p, "synchro_timeout", SynchroTimeoutDefault, func(s string) (int, error) {
		return parseIntRange("synchro_timeout", s, 0, SynchroTimeoutMax)
	})
	o.InactivityTicks = convert(p, "inactivity_ticks", InactivityTicksDefault, func(s string) (int, error) {
		return parseIntRange("inactivity_ticks", s, InactivityTicksMin, InactivityTicksMax)
	})
	o.CoreIdentifiers = convert(p, "core_identifiers", []string(nil), func(s string) ([]string, error) { return listOfStrings(s), nil })
	o.DisabilitiesFile = convert(p, "disabilities_file", "", func(s string) (string, error) {
		s = strings.TrimSpace(s)
		if s == "~" || strings.HasPrefix(s, "~/") {
			if p.env.Home == "" {
				return "", fmt.Errorf("invalid value for disabilities_file: %q: cannot expand ~ without a home directory", s)
			}
			s = filepath.Join(p.env.Home, strings.TrimPrefix(s, "~"))
		}
		return s, nil
	})
	o.StartingStrategy = convert(p, "starting_strategy", StartConfig, func(s string) (StartingStrategy, error) {
		i, err := parseEnum("starting_strategy", s, startingNames)
		return StartingStrategy(i), err
	})
	o.ConciliationStrategy = convert(p, "conciliation_strategy", ConciliateUser, func(s string) (ConciliationStrategy, error) {
		i, err := parseEnum("conciliation_strategy", s, conciliationNames)
		return ConciliationStrategy(i), err
	})
	o.FailureStrategy = convert(p, "supvisors_failure_strategy", FailureContinue, func(s string) (FailureStrategy, error) {
		i, err := parseEnum("supvisors_failure_strategy", s, failureNames)
		return FailureStrategy(i), err
	})
	stats := convert(p, "stats_enabled", [2]bool{true, true}, func(s string) ([2]bool, error) {
		h, pr, err := parseStats(s)
		return [2]bool{h, pr}, err
	})
	o.HostStatsEnabled, o.ProcessStatsEnabled = stats[0], stats[1]
	o.StatsCollectingPeriod = convert(p, "stats_collecting_period", 5.0, func(s string) (float64, error) {
		return parseFloatRange("stats_collecting_period", s, 1, 3600)
	})
	o.StatsPeriods = convert(p, "stats_periods", []float64{10}, parsePeriods)
	o.StatsHisto = convert(p, "stats_histo", 200, func(s string) (int, error) { return parseIntRange("stats_histo", s, 10, 1500) })
	o.StatsIrixMode = convert(p, "stats_irix_mode", false, func(s string) (bool, error) { return parseBool("stats_irix_mode", s) })
	o.TailLimit = convert(p, "tail_limit", int64(1024), func(s string) (int64, error) { return parseByteSize("tail_limit", s) })
	o.TailfLimit = convert(p, "tailf_limit", int64(1024), func(s string) (int64, error) { return parseByteSize("tailf_limit", s) })
	o.Logfile = convert(p, "logfile", "AUTO", func(s string) (string, error) {
		s = strings.TrimSpace(s)
		switch strings.ToUpper(s) {
		case "AUTO", "NONE":
			return strings.ToUpper(s), nil
		case "":
			return "", fmt.Errorf("invalid value for logfile: empty path")
		}
		return s, nil
	})
	o.LogfileMaxbytes = convert(p, "logfile_maxbytes", int64(50<<20), func(s string) (int64, error) { return parseByteSize("logfile_maxbytes", s) })
	o.LogfileBackups = convert(p, "logfile_backups", 10, func(s string) (int, error) { return parseIntRange("logfile_backups", s, 0, 1<<31-1) })
	o.Loglevel = convert(p, "loglevel", config.LevelInfo, func(s string) (config.Level, error) { return parseLevel("loglevel", s) })

	if err := p.instances(o); err != nil {
		return nil, nil, err
	}
	o.CoreResolved = o.Resolve(o.CoreIdentifiers, func(name string) {
		p.warn("core_identifiers", "%q names no instance of supvisors_list nor a local stereotype; ignored", name)
	})
	if err := p.consistency(o); err != nil {
		return nil, nil, err
	}
	return o, p.warnings, nil
}

// consistency applies Supvisors' check_options fixes, in its order.
func (p *parser) consistency(o *Options) error {
	if len(o.CoreIdentifiers) == 0 && o.SynchroOptions.Has(SyncCore) {
		o.SynchroOptions = o.SynchroOptions.Without(SyncCore)
		p.warn("synchro_options", "CORE removed because core_identifiers is empty")
	}
	if !o.ListDeclared && o.SynchroOptions.Has(SyncStrict) {
		o.SynchroOptions = o.SynchroOptions.Without(SyncStrict)
		p.warn("synchro_options", "STRICT removed because supvisors_list is empty")
	}
	if o.SynchroOptions == 0 {
		return p.fail("synchro_options", "synchro_options shall not be empty (after removing CORE without core_identifiers and STRICT without supvisors_list)")
	}
	if o.SynchroOptions.Has(SyncTimeout) && o.FailureStrategy != FailureContinue {
		p.warn("supvisors_failure_strategy", "forced to CONTINUE because it is incompatible with synchro_options TIMEOUT (was %s)", o.FailureStrategy)
		o.FailureStrategy = FailureContinue
	}
	return nil
}

// patterns splits a whitespace-separated list of globs.
func (p *parser) patterns(s string) ([]string, error) {
	return strings.Fields(p.expandNode(s)), nil
}

func (p *parser) expandNode(s string) string {
	return strings.ReplaceAll(s, "%(host_node_name)s", p.env.Hostname)
}

func parsePeriods(s string) ([]float64, error) {
	items := strings.Split(s, ",")
	var out []float64
	for _, item := range items {
		if strings.TrimSpace(item) == "" {
			continue
		}
		f, err := parseFloatRange("stats_periods", item, 1, 3600)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	if len(out) < 1 || len(out) > 3 {
		return nil, fmt.Errorf("invalid value for stats_periods: %q: 1 to 3 periods expected, got %d", s, len(out))
	}
	for i := 1; i < len(out); i++ { // tiny insertion sort, as Supvisors sorts
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}
