package config

import (
	"syscall"
)

// Config is a whole, validated supervisord configuration: what Supervisor's
// ServerOptions holds after realize() and process_config().
type Config struct {
	// Path is the absolute path of the main configuration file.
	Path string
	// Here is the directory of the main configuration file.
	Here string

	Supervisord Supervisord
	// HTTPServers are the [inet_http_server*] sections, then the
	// [unix_http_server*] ones: Supervisor's order, which its serverurl
	// fallback relies on.
	HTTPServers []HTTPServer
	// Supervisorctl is the [supervisorctl] section, nil when absent.
	Supervisorctl *Supervisorctl
	// Groups are every process group, sorted by (priority, name) as
	// Supervisor sorts them.
	Groups []*Group
	// RPCInterfaces are the [rpcinterface:x] sections in file order; the
	// options are kept raw (after %(here)s / ENV expansion) for the layers
	// that read them (the cluster layer reads [rpcinterface:supvisors]).
	RPCInterfaces []RawSection
	// CtlPlugins are the [ctlplugin:x] sections in file order, raw.
	CtlPlugins []RawSection
	// Messages are the parse-time messages (included files, unmatched
	// globs, deprecations) that the daemon logs once its logger exists.
	Messages []Message
}

// Message is a parse-time log message.
type Message struct {
	Level string // "INFO", "WARN", "CRIT", ...
	Text  string
}

// RawSection is a section kept as raw options, for layers that interpret it
// themselves.
type RawSection struct {
	// Name is the part after the colon ("supervisor", "supvisors").
	Name string
	// Options are the section's keys (lowercased) and values, including
	// [DEFAULT] keys as Supervisor passes them, in file order.
	Options []Option
	// File and Line locate the section header.
	File string
	Line int
}

// Option is one key = value of a RawSection.
type Option struct {
	Key   string
	Value string
	File  string
	Line  int
}

// Get returns the value of key and whether it is set.
func (s RawSection) Get(key string) (string, bool) {
	for i := len(s.Options) - 1; i >= 0; i-- {
		if s.Options[i].Key == key {
			return s.Options[i].Value, true
		}
	}
	return "", false
}

// Level is a main-log level as Supervisor numbers it.
type Level int

// Supervisor's log levels (supervisor/loggers.py LevelsByName).
const (
	LevelBlather  Level = 3
	LevelTrace    Level = 5
	LevelDebug    Level = 10
	LevelInfo     Level = 20
	LevelWarn     Level = 30
	LevelError    Level = 40
	LevelCritical Level = 50
)

// Supervisord is the [supervisord] section after defaults and the command
// line have been applied.
type Supervisord struct {
	Logfile         string // absolute path, or "syslog"
	LogfileMaxbytes int64
	LogfileBackups  int
	Loglevel        Level
	Pidfile         string // absolute path
	Umask           int    // octal value, default 0o022
	Nodaemon        bool
	Silent          bool
	Minfds          int
	Minprocs        int
	Nocleanup       bool
	Childlogdir     string
	User            string // "" when not set
	Directory       string // "" when not set
	StripANSI       bool
	Environment     []EnvVar
	Identifier      string
}

// EnvVar is one KEY=value of an environment= option, in written order.
type EnvVar struct {
	Key   string
	Value string
}

// HTTPServerKind tells the two server section types apart.
type HTTPServerKind int

const (
	InetHTTPServer HTTPServerKind = iota
	UnixHTTPServer
)

// HTTPServer is an [inet_http_server*] or [unix_http_server*] section.
type HTTPServer struct {
	Section string // the full section name, e.g. "inet_http_server"
	Kind    HTTPServerKind
	// Inet: Host is "" for all interfaces; Port is 1..65535.
	Host string
	Port int
	// Unix: File is absolute; Chmod defaults to 0o700; ChownUID/ChownGID
	// are -1 when chown is not set.
	File     string
	Chmod    int
	ChownUID int
	ChownGID int
	// Username and Password are both set or both empty. Password may be
	// "{SHA}" followed by a hex SHA-1.
	Username string
	Password string
}

// Supervisorctl is the [supervisorctl] section.
type Supervisorctl struct {
	ServerURL   string
	Username    string
	Password    string
	Prompt      string
	HistoryFile string
}

// GroupKind tells how a group was declared.
type GroupKind int

const (
	// ProgramGroup is a homogeneous group from [program:x].
	ProgramGroup GroupKind = iota
	// HeterogeneousGroup is a [group:x] section.
	HeterogeneousGroup
	// EventListenerPool is an [eventlistener:x] section.
	EventListenerPool
	// FCGIGroup is an [fcgi-program:x] section.
	FCGIGroup
)

// Group is a process group: the unit of reread/update and of the
// group:* name form.
type Group struct {
	Name      string
	Kind      GroupKind
	Priority  int
	Processes []*Process // Supervisor's order: see Load

	// Event listener pools only.
	Events        []string // uppercased event type names as written
	BufferSize    int
	ResultHandler string

	// FCGI groups only.
	Socket *FCGISocket
}

// FCGISocket is the socket of an [fcgi-program:x].
type FCGISocket struct {
	URL     string // tcp://host:port or unix:///path, as expanded
	Backlog int
	// Unix sockets only; -1 when unset.
	OwnerUID int
	OwnerGID int
	Mode     int
}

// AutoRestart is the autorestart option.
type AutoRestart int

const (
	AutoRestartUnexpected AutoRestart = iota // the default
	AutoRestartFalse
	AutoRestartTrue
)

// Process is the configuration of one process (a ProcessConfig in
// Supervisor), with every expansion done.
type Process struct {
	Name        string // process name (process_name expanded)
	Group       string // the group it ends up in
	ProgramName string // the x of [program:x]
	Command     string // expanded, not yet split nor resolved

	Priority     int
	Autostart    bool
	Autorestart  AutoRestart
	Startsecs    int
	Startretries int
	Exitcodes    []int
	Stopsignal   syscall.Signal
	Stopwaitsecs int
	Stopasgroup  bool
	Killasgroup  bool

	// User is the name as written ("" when unset); UID/GID are resolved at
	// parse time (-1 when unset).
	User string
	UID  int
	GID  int

	Directory   string // "" when unset
	Umask       int    // -1 when unset
	Environment []EnvVar
	ServerURL   string // "AUTO" or a URL

	RedirectStderr bool
	Stdout         LogConfig
	Stderr         LogConfig
}

// LogConfig is the logging configuration of one output channel.
type LogConfig struct {
	// Logfile is an absolute path, "" for NONE/OFF, or AutoLogfile.
	Logfile         string
	Maxbytes        int64
	Backups         int
	CaptureMaxbytes int64
	EventsEnabled   bool
	Syslog          bool
}

// AutoLogfile is the Logfile value of a channel logged to an AUTO file in
// childlogdir; the engine picks the file name when it creates the group.
const AutoLogfile = "AUTO"
