package daemon

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

func ptr[T any](v T) *T { return &v }

func TestParseCommandLineValues(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want commandLine
	}{
		{"empty", nil, commandLine{}},
		{"short config", []string{"-c", "a.conf"}, commandLine{configFile: ptr("a.conf")}},
		{"glued short config", []string{"-ca.conf"}, commandLine{configFile: ptr("a.conf")}},
		{"long config", []string{"--configuration", "a.conf"}, commandLine{configFile: ptr("a.conf")}},
		{"long config equals", []string{"--configuration=a.conf"}, commandLine{configFile: ptr("a.conf")}},
		{"long prefix", []string{"--conf=a.conf"}, commandLine{configFile: ptr("a.conf")}},
		{"bundled flags", []string{"-nskt"}, commandLine{nodaemon: true, silent: true, nocleanup: true, stripANSI: true}},
		{"bundled with value", []string{"-nc", "a.conf"}, commandLine{nodaemon: true, configFile: ptr("a.conf")}},
		{"long flags", []string{"--nodaemon", "--silent", "--nocleanup", "--strip_ansi"}, commandLine{nodaemon: true, silent: true, nocleanup: true, stripANSI: true}},
		{"help", []string{"-h"}, commandLine{help: true}},
		{"help question", []string{"-?"}, commandLine{help: true}},
		{"help long", []string{"--help"}, commandLine{help: true}},
		{"help wins over later conflict", []string{"-h", "-n", "-n"}, commandLine{help: true}},
		{"version", []string{"-v"}, commandLine{version: true}},
		{"version long", []string{"--version"}, commandLine{version: true}},
		{"user", []string{"-u", "nobody"}, commandLine{user: ptr("nobody")}},
		{"user long", []string{"--user=0"}, commandLine{user: ptr("0")}},
		{"umask", []string{"-m", "027"}, commandLine{umask: ptr(0o27)}},
		{"umask long", []string{"--umask", "0o77"}, commandLine{umask: ptr(0o77)}},
		{"directory", []string{"-d", dir}, commandLine{directory: ptr(dir)}},
		{"directory long", []string{"--directory", dir}, commandLine{directory: ptr(dir)}},
		{"logfile", []string{"-l", "x.log"}, commandLine{logfile: ptr("x.log")}},
		{"logfile long", []string{"--logfile", dir + "/x.log"}, commandLine{logfile: ptr(dir + "/x.log")}},
		{"maxbytes", []string{"-y", "5MB"}, commandLine{logMaxb: ptr(int64(5 << 20))}},
		{"maxbytes long", []string{"--logfile_maxbytes", "1gb"}, commandLine{logMaxb: ptr(int64(1 << 30))}},
		{"maxbytes kb", []string{"-y", "2KB"}, commandLine{logMaxb: ptr(int64(2048))}},
		{"backups", []string{"-z", "-1"}, commandLine{logBackups: ptr(-1)}},
		{"backups long", []string{"--logfile_backups=3"}, commandLine{logBackups: ptr(3)}},
		{"loglevel", []string{"-e", "DEBUG"}, commandLine{loglevel: ptr(config.LevelDebug)}},
		{"loglevel long", []string{"--loglevel", "blather"}, commandLine{loglevel: ptr(config.LevelBlather)}},
		{"pidfile", []string{"-j", "x.pid"}, commandLine{pidfile: ptr("x.pid")}},
		{"pidfile long", []string{"--pidfile", "x.pid"}, commandLine{pidfile: ptr("x.pid")}},
		{"identifier", []string{"-i", "node1"}, commandLine{identifier: ptr("node1")}},
		{"identifier long", []string{"--identifier", "node1"}, commandLine{identifier: ptr("node1")}},
		{"childlogdir", []string{"-q", dir}, commandLine{childlog: ptr(dir)}},
		{"childlogdir long", []string{"--childlogdir", dir}, commandLine{childlog: ptr(dir)}},
		{"minfds", []string{"-a", " 100 "}, commandLine{minfds: ptr(100)}},
		{"minfds long", []string{"--minfds", "100"}, commandLine{minfds: ptr(100)}},
		{"minprocs", []string{"--minprocs", "10"}, commandLine{minprocs: ptr(10)}},
		{"profile", []string{"--profile_options", "cumulative,calls"}, commandLine{profile: ptr("cumulative,calls")}},
		{"die with daemon", []string{"--die_with_daemon"}, commandLine{dieWithDaemon: true}},
		{"double dash ends options", []string{"-n", "--"}, commandLine{nodaemon: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCommandLine(tt.args)
			if err != nil {
				t.Fatalf("parseCommandLine(%q): %v", tt.args, err)
			}
			got.raw = nil
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("parseCommandLine(%q) = %+v, want %+v", tt.args, *got, tt.want)
			}
		})
	}
}

func TestParseCommandLineErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "option --bogus not recognized"},
		{[]string{"-x"}, "option -x not recognized"},
		{[]string{"-nx"}, "option -x not recognized"},
		{[]string{"foo"}, "positional arguments are not supported: ['foo']"},
		{[]string{"-n", "foo", "-s"}, "positional arguments are not supported: ['foo', '-s']"},
		{[]string{"-n", "-"}, "positional arguments are not supported: ['-']"},
		{[]string{"-n", "-n"}, "conflicting command line option '-n'"},
		{[]string{"-c", "a", "--configuration", "b"}, "conflicting command line option '--configuration'"},
		{[]string{"--minprocs", "1", "--minp", "2"}, "conflicting command line option '--minprocs'"},
		{[]string{"-c"}, "option -c requires argument"},
		{[]string{"--configuration"}, "option --configuration requires argument"},
		{[]string{"--nodaemon=1"}, "option --nodaemon must not have an argument"},
		{[]string{"--s"}, "option --s not a unique prefix"},
		{[]string{"-a", "abc"}, "invalid value for -a 'abc': invalid literal for int() with base 10: 'abc'"},
		{[]string{"--minfds", "abc"}, "invalid value for --minfds 'abc': invalid literal for int() with base 10: 'abc'"},
		{[]string{"--minprocs=x"}, "invalid value for --minprocs 'x': invalid literal for int() with base 10: 'x'"},
		{[]string{"-z", "x"}, "invalid value for -z 'x': invalid literal for int() with base 10: 'x'"},
		{[]string{"-y", "abc"}, "invalid value for -y 'abc': invalid literal for int() with base 10: 'abc'"},
		{[]string{"-y", "10XB"}, "invalid value for -y '10XB': invalid literal for int() with base 10: '10xb'"},
		{[]string{"-m", "999"}, "invalid value for -m '999': 999 can not be converted to an octal type"},
		{[]string{"-e", "bogus"}, "invalid value for -e 'bogus': bad logging level name 'bogus'"},
		{[]string{"-d", "/nonexistent"}, "invalid value for -d '/nonexistent': /nonexistent is not an existing directory"},
		{[]string{"-q", file}, "invalid value for -q '" + file + "': " + file + " is not an existing directory"},
		{[]string{"-l", "/nonexistent/x.log"}, "invalid value for -l '/nonexistent/x.log': The directory named as part of the path /nonexistent/x.log does not exist"},
		{[]string{"-j", "/nonexistent/x.pid"}, "invalid value for -j '/nonexistent/x.pid': The directory named as part of the path /nonexistent/x.pid does not exist"},
		{[]string{"-i", "it's"}, ""},
		{[]string{"-a", "it's"}, `invalid value for -a "it's": invalid literal for int() with base 10: "it's"`},
	}
	for _, tt := range tests {
		_, err := parseCommandLine(tt.args)
		if tt.want == "" {
			if err != nil {
				t.Errorf("parseCommandLine(%q): unexpected error %v", tt.args, err)
			}
			continue
		}
		if _, ok := err.(*usageError); !ok || err.Error() != tt.want {
			t.Errorf("parseCommandLine(%q) error = %v, want %q", tt.args, err, tt.want)
		}
	}
}

func TestLoadOptionsCarryTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	cl, err := parseCommandLine([]string{"-n", "-s", "-k", "-t", "-u", "nobody", "-m", "077", "-d", dir,
		"-l", "rel.log", "-y", "1KB", "-z", "2", "-e", "warn", "-j", dir + "/p.pid", "-i", "me",
		"-q", dir, "-a", "64", "--minprocs", "32", "-c", "x.conf"})
	if err != nil {
		t.Fatal(err)
	}
	want := config.LoadOptions{
		Nodaemon: true, Silent: true, Nocleanup: true, StripANSI: true,
		User: "nobody", Umask: "077", Directory: dir, Logfile: "rel.log", LogfileMaxbytes: "1KB",
		LogfileBackups: "2", Loglevel: "warn", Pidfile: dir + "/p.pid", Identifier: "me",
		Childlogdir: dir, Minfds: "64", Minprocs: "32",
	}
	if got := cl.loadOptions(); !reflect.DeepEqual(got, want) {
		t.Errorf("loadOptions:\n got %+v\nwant %+v", got, want)
	}
	if got := (&commandLine{}).loadOptions(); !reflect.DeepEqual(got, config.LoadOptions{}) {
		t.Errorf("empty command line gave %+v", got)
	}
}

func TestPyRepr(t *testing.T) {
	for in, want := range map[string]string{
		"abc":     "'abc'",
		"it's":    `"it's"`,
		`"it's"`:  `'"it\'s"'`,
		"a\tb\\c": `'a\tb\\c'`,
		"\x01":    `'\x01'`,
	} {
		if got := pyfmt.Repr(in); got != want {
			t.Errorf("pyfmt.Repr(%q) = %s, want %s", in, got, want)
		}
	}
}
