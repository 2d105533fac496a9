package options

import (
	"reflect"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/config"
)

func section(kv ...string) config.RawSection {
	s := config.RawSection{Name: SectionName, File: "/etc/s.conf", Line: 10}
	for i := 0; i+1 < len(kv); i += 2 {
		s.Options = append(s.Options, config.Option{Key: kv[i], Value: kv[i+1], File: "/etc/s.conf", Line: 11 + i/2})
	}
	return s
}

// withoutDefaultCore drops the warning that every configuration without
// core_identifiers gets (CORE is in the default synchro_options).
func withoutDefaultCore(ws []Warning) []Warning {
	var out []Warning
	for _, w := range ws {
		if !strings.Contains(w.Message, "CORE removed") {
			out = append(out, w)
		}
	}
	return out
}

var baseEnv = Environment{HTTPPort: 61000, Hostname: "rocky51", LocalNames: []string{"rocky51", "10.0.0.51"}, Home: "/home/u"}

func TestDefaults(t *testing.T) {
	o, warns, err := Parse(section("supvisors_list", "rocky51,rocky52"), baseEnv)
	warns = withoutDefaultCore(warns)
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	want := Options{
		Instances: []Instance{
			{Identifier: "rocky51:61000", Nick: "rocky51", Host: "rocky51", HTTPPort: 61000, EventPort: 61001, Item: "rocky51"},
			{Identifier: "rocky52:61000", Nick: "rocky52", Host: "rocky52", HTTPPort: 61000, EventPort: 61001, Item: "rocky52"},
		},
		ListDeclared: true, LocalBy: o.LocalBy,
		MulticastTTL: 1, SynchroOptions: SynchroSet(0).With(SyncStrict).With(SyncTimeout),
		SynchroTimeout: 15, InactivityTicks: 2, ConciliationStrategy: ConciliateUser,
		HostStatsEnabled: true, ProcessStatsEnabled: true, StatsCollectingPeriod: 5, StatsPeriods: []float64{10},
		StatsHisto: 200, TailLimit: 1024, TailfLimit: 1024, Logfile: "AUTO", LogfileMaxbytes: 50 << 20,
		LogfileBackups: 10, Loglevel: config.LevelInfo,
	}
	if !reflect.DeepEqual(*o, want) {
		t.Errorf("got  %+v\nwant %+v", *o, want)
	}
	if o.SynchroOptions.String() != "STRICT,TIMEOUT" {
		t.Errorf("synchro %s", o.SynchroOptions)
	}
}

func TestValues(t *testing.T) {
	tests := []struct {
		name  string
		kv    []string
		check func(*Options) bool
		warn  string // substring of a warning, "" for none
	}{
		{"enum case", []string{"starting_strategy", "less_loaded"}, func(o *Options) bool { return o.StartingStrategy == StartLessLoaded }, ""},
		{"bad enum keeps default", []string{"conciliation_strategy", "KILL"}, func(o *Options) bool { return o.ConciliationStrategy == ConciliateUser }, "conciliation_strategy"},
		{"auto_fence", []string{"auto_fence", "on"}, func(o *Options) bool { return o.AutoFence }, ""},
		{"bad bool", []string{"auto_fence", "maybe"}, func(o *Options) bool { return !o.AutoFence }, "not a valid boolean"},
		{"event port", []string{"event_port", "7000"}, func(o *Options) bool { return o.EventPort == 7000 && o.Instances[0].EventPort == 7000 }, ""},
		{"event port range", []string{"event_port", "70000"}, func(o *Options) bool { return o.EventPort == 0 }, "[1;65535]"},
		{"synchro list", []string{"synchro_options", "list, user,LIST"}, func(o *Options) bool { return o.SynchroOptions.String() == "LIST,USER" }, ""},
		{"synchro bad", []string{"synchro_options", "STRICT,FOO"}, func(o *Options) bool { return o.SynchroOptions.String() == "STRICT,TIMEOUT" }, "FOO"},
		{"synchro timeout 0 (0.19.1)", []string{"synchro_timeout", "0"}, func(o *Options) bool { return o.SynchroTimeout == 0 }, ""},
		{"synchro timeout max", []string{"synchro_timeout", "1201"}, func(o *Options) bool { return o.SynchroTimeout == 15 }, "synchro_timeout"},
		{"inactivity", []string{"inactivity_ticks", "5"}, func(o *Options) bool { return o.InactivityTicks == 5 }, ""},
		{"inactivity min", []string{"inactivity_ticks", "1"}, func(o *Options) bool { return o.InactivityTicks == 2 }, "[2;720]"},
		{"timeout forces CONTINUE", []string{"supvisors_failure_strategy", "resync"}, func(o *Options) bool { return o.FailureStrategy == FailureContinue }, "forced to CONTINUE"},
		{"resync kept without TIMEOUT", []string{"supvisors_failure_strategy", "RESYNC", "synchro_options", "STRICT"}, func(o *Options) bool { return o.FailureStrategy == FailureResync }, ""},
		{"core kept", []string{"core_identifiers", "rocky52, @gpu", "stereotypes", "@gpu"}, func(o *Options) bool {
			return o.SynchroOptions.Has(SyncCore) && reflect.DeepEqual(o.CoreResolved, []string{"rocky52:61000", "rocky51:61000"})
		}, ""},
		{"core unknown", []string{"core_identifiers", "nobody"}, func(o *Options) bool { return len(o.CoreResolved) == 0 }, "names no instance"},
		{"multicast", []string{"multicast_group", "239.0.0.1:7777"}, func(o *Options) bool { return o.DiscoveryMode() && o.MulticastGroup.Port == 7777 }, ""},
		{"multicast reserved", []string{"multicast_group", "224.0.0.0:7777"}, func(o *Options) bool { return !o.DiscoveryMode() }, "reserved"},
		{"multicast not multicast", []string{"multicast_group", "10.0.0.1:7777"}, func(o *Options) bool { return !o.DiscoveryMode() }, "224.0.0.0 to 239"},
		{"multicast interface", []string{"multicast_interface", "INADDR_ANY"}, func(o *Options) bool { return o.MulticastInterface == "" }, ""},
		{"ttl", []string{"multicast_ttl", "256"}, func(o *Options) bool { return o.MulticastTTL == 1 }, "multicast_ttl"},
		{"stats bool", []string{"stats_enabled", "false"}, func(o *Options) bool { return !o.HostStatsEnabled && !o.ProcessStatsEnabled }, ""},
		{"stats host", []string{"stats_enabled", "HOST"}, func(o *Options) bool { return o.HostStatsEnabled && !o.ProcessStatsEnabled }, ""},
		{"periods sorted", []string{"stats_periods", "60,5"}, func(o *Options) bool { return reflect.DeepEqual(o.StatsPeriods, []float64{5, 60}) }, ""},
		{"periods too many", []string{"stats_periods", "5,10,20,30"}, func(o *Options) bool { return reflect.DeepEqual(o.StatsPeriods, []float64{10}) }, "1 to 3"},
		{"histo", []string{"stats_histo", "5"}, func(o *Options) bool { return o.StatsHisto == 200 }, "[10;1500]"},
		{"period", []string{"stats_collecting_period", "0.5"}, func(o *Options) bool { return o.StatsCollectingPeriod == 5 }, "stats_collecting_period"},
		{"tail", []string{"tail_limit", "2KB"}, func(o *Options) bool { return o.TailLimit == 2048 }, ""},
		{"logfile", []string{"logfile", "auto", "logfile_maxbytes", "1MB", "loglevel", "DEBUG"}, func(o *Options) bool {
			return o.Logfile == "AUTO" && o.LogfileMaxbytes == 1<<20 && o.Loglevel == config.LevelDebug
		}, ""},
		{"loglevel bad", []string{"loglevel", "loud"}, func(o *Options) bool { return o.Loglevel == config.LevelInfo }, "loglevel"},
		{"disabilities", []string{"disabilities_file", "~/d.json"}, func(o *Options) bool { return o.DisabilitiesFile == "/home/u/d.json" }, ""},
		{"rules", []string{"rules_files", "/a/%(host_node_name)s.xml  /b/*.xml"}, func(o *Options) bool {
			return reflect.DeepEqual(o.RulesFiles, []string{"/a/rocky51.xml", "/b/*.xml"})
		}, ""},
		{"strategies", []string{"auto_fence", "true", "starting_strategy", "LOCAL"}, func(o *Options) bool {
			return o.Strategies() == Strategies{AutoFencing: true, Starting: StartLocal, Conciliation: ConciliateUser}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kv := append([]string{"supvisors_list", "rocky51,rocky52"}, tt.kv...)
			o, warns, err := Parse(section(kv...), baseEnv)
			warns = withoutDefaultCore(warns)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(o) {
				t.Errorf("unexpected options %+v", *o)
			}
			found := tt.warn == ""
			for _, w := range warns {
				if tt.warn != "" && strings.Contains(w.String(), tt.warn) {
					found = true
				}
			}
			if !found || (tt.warn == "" && len(warns) > 0) {
				t.Errorf("warnings %v, want one containing %q", warns, tt.warn)
			}
		})
	}
}

func TestItems(t *testing.T) {
	tests := []struct {
		item, id, nick string
		port           int
		err            string
	}{
		{item: "rocky51", id: "rocky51:61000", nick: "rocky51", port: 61000},
		{item: "rocky51:60000", id: "rocky51:60000", nick: "rocky51:60000", port: 60000},
		{item: "<a-1.x:y>10.0.0.1:7000", id: "10.0.0.1:7000", nick: "a-1.x:y", port: 7000},
		{item: "<supervisor>h:7000", id: "h:7000", nick: "h:7000", port: 7000},
		{item: "<supervisor>h", id: "h:61000", nick: "h", port: 61000},
		{item: "h:700", err: "4- or 5-digit"},
		{item: "h:60000:60001", err: "could not define"},
		{item: "h:99999", err: "out of"},
		{item: "<>h", err: "could not define"},
		{item: "h/x", err: "could not define"},
	}
	for _, tt := range tests {
		in, err := ParseItem(tt.item, 61000, 0)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err %v, want %q", tt.item, err, tt.err)
			}
			continue
		}
		if err != nil || in.Identifier != tt.id || in.Nick != tt.nick || in.HTTPPort != tt.port || in.EventPort != tt.port+1 {
			t.Errorf("%q: got %+v, %v", tt.item, in, err)
		}
	}
}

func TestLocalIdentification(t *testing.T) {
	loop := "<A>127.0.0.1:61000,<B>127.0.0.1:62000,<C>127.0.0.1:63000"
	tests := []struct {
		name string
		list string
		env  Environment
		more []string
		want string // local identifier
		err  string
	}{
		{name: "supvisors rule", list: "rocky51,rocky52", env: baseEnv, want: "rocky51:61000"},
		{name: "supvisors rule by ip", list: "10.0.0.51:61000,10.0.0.52:61000", env: baseEnv, want: "10.0.0.51:61000"},
		{name: "loopback by port", list: loop, env: Environment{HTTPPort: 62000}, want: "127.0.0.1:62000"},
		{name: "localhost", list: "<A>localhost:61000,<B>localhost:62000", env: Environment{HTTPPort: 61000}, want: "localhost:61000"},
		{name: "container by identifier", list: "<web>web:9001,<db>db:9001", env: Environment{HTTPPort: 9001, SupervisordIdentifier: "db"}, want: "db:9001"},
		{name: "inet host", list: "<web>web:9001,<db>db:9001", env: Environment{HTTPPort: 9001, HTTPHost: "web"}, want: "web:9001"},
		{name: "explicit nick", list: "<web>web:9001,<db>db:9001", env: Environment{HTTPPort: 9001}, more: []string{"local_identifier", "db"}, want: "db:9001"},
		{name: "explicit identifier", list: loop, env: Environment{HTTPPort: 9}, more: []string{"local_identifier", "127.0.0.1:63000"}, want: "127.0.0.1:63000"},
		{name: "explicit unknown", list: loop, env: Environment{HTTPPort: 61000}, more: []string{"local_identifier", "Z"}, err: `local_identifier: "Z" names no entry`},
		{name: "not found", list: "<web>web:9001,<db>db:9001", env: Environment{HTTPPort: 9001}, err: "could not find the local Supvisors instance"},
		{name: "wrong port", list: loop, env: Environment{HTTPPort: 64000}, err: "0 candidates"},
		{name: "empty list", list: "", env: Environment{HTTPPort: 9001, Hostname: "box", SupervisordIdentifier: "me"}, want: "box:9001"},
		{name: "no inet server", list: loop, env: Environment{}, err: "[inet_http_server]"},
		{name: "bad item", list: "good,b@d", env: baseEnv, err: `supvisors_list: could not define a Supvisors identification from "b@d"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, _, err := Parse(section(append([]string{"supvisors_list", tt.list}, tt.more...)...), tt.env)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := o.LocalInstance().Identifier; got != tt.want {
				t.Errorf("local %s, want %s (by %s)", got, tt.want, o.LocalBy)
			}
		})
	}
}

func TestConsistencyFatal(t *testing.T) {
	// CORE without core_identifiers and STRICT without a list leave nothing.
	_, _, err := Parse(section("synchro_options", "STRICT,CORE"), Environment{HTTPPort: 9001, Hostname: "h"})
	if err == nil || !strings.Contains(err.Error(), "synchro_options shall not be empty") {
		t.Fatalf("err %v", err)
	}
	var ce *ConfigError
	if !asConfigError(err, &ce) || ce.Line != 11 || ce.Option != "synchro_options" {
		t.Errorf("error does not locate the option: %#v", err)
	}
}

func asConfigError(err error, target **ConfigError) bool {
	ce, ok := err.(*ConfigError)
	if ok {
		*target = ce
	}
	return ok
}

func TestDuplicates(t *testing.T) {
	o, warns, err := Parse(section("supvisors_list", "rocky51, rocky51:61000, <x>rocky52, <x>rocky53"), baseEnv)
	warns = withoutDefaultCore(warns)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Instances) != 3 || len(warns) != 2 {
		t.Errorf("instances %v warnings %v", o.Instances, warns)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("<A>127.0.0.1:61000,<B>127.0.0.1:62000", "STRICT,CORE", "A", "2")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, list, synchro, core, ticks string) {
		o, _, err := Parse(section("supvisors_list", list, "synchro_options", synchro, "core_identifiers", core, "inactivity_ticks", ticks),
			Environment{HTTPPort: 61000, Hostname: "h"})
		if (o == nil) == (err == nil) {
			t.Fatalf("exactly one of options and error must be set: %v %v", o, err)
		}
		if o != nil && (o.SynchroOptions == 0 || o.Local < 0 || o.Local >= len(o.Instances)) {
			t.Fatalf("invalid options %+v", o)
		}
	})
}

func TestEnvironmentFromConfig(t *testing.T) {
	cfg := &config.Config{
		Supervisord: config.Supervisord{Identifier: "web"},
		HTTPServers: []config.HTTPServer{
			{Kind: config.UnixHTTPServer, File: "/tmp/s.sock"},
			{Kind: config.InetHTTPServer, Host: "127.0.0.1", Port: 9001},
		},
		RPCInterfaces: []config.RawSection{{Name: "supervisor"}, section("supvisors_list", "<web>web:9001,<db>db:9001")},
	}
	env := EnvironmentFrom(cfg)
	if env.HTTPPort != 9001 || env.HTTPHost != "127.0.0.1" || env.SupervisordIdentifier != "web" {
		t.Fatalf("env %+v", env)
	}
	sec, ok := Find(cfg)
	if !ok {
		t.Fatal("section not found")
	}
	o, _, err := Parse(sec, env)
	if err != nil || o.LocalInstance().Nick != "web" {
		t.Fatalf("%v %+v", err, o)
	}
	if _, ok := Find(&config.Config{}); ok {
		t.Error("found a section in an empty config")
	}
}
