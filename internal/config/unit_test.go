package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// TestPyFormat pins %-expansion results and errors; the expected texts come
// from Python 3.11's str % dict.
func TestPyFormat(t *testing.T) {
	vars := expansions{"a": strVal("x"), "n": intVal(3), "neg": intVal(-5), "w": strVal("word")}
	tests := []struct{ in, want, err string }{
		{"plain", "plain", ""},
		{"%%", "%", ""},
		{"100%%", "100%", ""},
		{"%(a)s", "x", ""},
		{"%(n)s", "3", ""},
		{"%(n)d", "3", ""},
		{"%(n)02d", "03", ""},
		{"%(n)-3d|", "3  |", ""},
		{"%(n)+d", "+3", ""},
		{"%(n) d", " 3", ""},
		{"%(n)i", "3", ""},
		{"%(n)u", "3", ""},
		{"%(n)ld", "3", ""},
		{"%(n).2f", "3.00", ""},
		{"%(n)05.1f", "003.0", ""},
		{"%(n)e", "3.000000e+00", ""},
		{"%(n)g", "3", ""},
		{"%(n)#x", "0x3", ""},
		{"%(n)#o", "0o3", ""},
		{"%(n)X", "3", ""},
		{"%(n).3d", "003", ""},
		{"%(neg)05d", "-0005", ""},
		{"%(a)r", "'x'", ""},
		{"%(n)r", "3", ""},
		{"%(n)a", "3", ""},
		{"%(a)c", "x", ""},
		{"%(n)c", "\x03", ""},
		{"%(a)-5s|", "x    |", ""},
		{"%(a)5s|", "    x|", ""},
		{"%(a).0s|", "|", ""},
		{"%(w).2s", "wo", ""},
		{"%(a)", "", "incomplete format"},
		{"%(a", "", "incomplete format key"},
		{"%", "", "incomplete format"},
		{"abc%", "", "incomplete format"},
		{"%(a)q", "", "unsupported format character 'q' (0x71) at index 4"},
		{"%(a)%", "", "unsupported format character '%' (0x25) at index 4"},
		{"%(a)d", "", "%d format: a real number is required, not str"},
		{"%(a)x", "", "%x format: an integer is required, not str"},
		{"%(a)f", "", "must be real number, not str"},
		{"%(w)c", "", "%c requires int or char"},
		{"%(a)*d", "", "* wants int"},
		{"%(zz)s", "", "'zz'"},
		{"%(a)s %s", "", "not enough arguments for format string"},
	}
	for _, tt := range tests {
		got, err := pyFormat(tt.in, scope{vars})
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("pyFormat(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("pyFormat(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestPyRepr(t *testing.T) {
	tests := map[string]string{
		"abc":        `'abc'`,
		"it's":       `"it's"`,
		`both'"`:     `'both\'"'`,
		"tab\there":  `'tab\there'`,
		"nl\n":       `'nl\n'`,
		"\x01":       `'\x01'`,
		"\ufeff[x]":  `'\ufeff[x]'`,
		"héllo":      `'héllo'`,
		`back\slash`: `'back\\slash'`,
	}
	for in, want := range tests {
		if got := pyfmt.Repr(in); got != want {
			t.Errorf("pyfmt.Repr(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestParseSignal(t *testing.T) {
	good := map[string]syscall.Signal{
		"TERM": syscall.SIGTERM, "sigterm": syscall.SIGTERM, " Hup ": syscall.SIGHUP, "usr2": syscall.SIGUSR2,
		"9": syscall.SIGKILL, "0": 0, "1": 1, "_DFL": 0, "RTMIN": 34, "64": 64, "cld": syscall.SIGCHLD,
	}
	for in, want := range good {
		got, err := ParseSignal(in)
		if err != nil || got != want {
			t.Errorf("ParseSignal(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	bad := map[string]string{
		"FOO": "value 'FOO' is not a valid signal name",
		"40":  "value '40' is not a valid signal number",
		"-1":  "value '-1' is not a valid signal number",
		"":    "value '' is not a valid signal name",
	}
	for in, want := range bad {
		if _, err := ParseSignal(in); err == nil || err.Error() != want {
			t.Errorf("ParseSignal(%q) error = %v, want %q", in, err, want)
		}
	}
	names := map[syscall.Signal]string{syscall.SIGTERM: "TERM", syscall.SIGABRT: "ABRT", 29: "POLL", 40: "signal 40", 0: "signal 0"}
	for sig, want := range names {
		if got := SignalName(sig); got != want {
			t.Errorf("SignalName(%d) = %q, want %q", sig, got, want)
		}
	}
}

func TestDictOfKeyValuePairs(t *testing.T) {
	tests := []struct {
		in   string
		want []EnvVar
		err  string
	}{
		{"", nil, ""},
		{"A=1,B=2", []EnvVar{{"A", "1"}, {"B", "2"}}, ""},
		{"A=1;B=2", []EnvVar{{"A", "1"}, {"B", "2"}}, ""},
		{`A="x,y",B='z'`, []EnvVar{{"A", "x,y"}, {"B", "z"}}, ""},
		{"A=x#y,B=2", []EnvVar{{"A", "x"}}, ""},
		{"A=1,A=2,B=3", []EnvVar{{"A", "2"}, {"B", "3"}}, ""},
		{"P=/usr/bin:/bin", []EnvVar{{"P", "/usr/bin:/bin"}}, ""},
		{"A=1,B", nil, "Unexpected end of key/value pairs in value 'A=1,B'"},
		{"A=foo@bar", nil, "Unexpected end of key/value pairs in value 'A=foo@bar'"},
		{`A="open`, nil, "No closing quotation"},
	}
	for _, tt := range tests {
		got, err := dictOfKeyValuePairs(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%q: error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: got %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestConversions(t *testing.T) {
	if n, err := byteSize("5 mb"); err != nil || n != 5<<20 {
		t.Errorf("byteSize(5 mb) = %d, %v", n, err)
	}
	for _, bad := range []string{"1K", "1.5MB", "", "MB"} {
		if _, err := byteSize(bad); err == nil {
			t.Errorf("byteSize(%q) succeeded", bad)
		}
	}
	if n, err := octalType("0o22"); err != nil || n != 0o22 {
		t.Errorf("octalType(0o22) = %o, %v", n, err)
	}
	if n, err := integer(" 1_000 "); err != nil || n != 1000 {
		t.Errorf("integer(1_000) = %d, %v", n, err)
	}
	for _, bad := range []string{"_1", "1__0", "0x1", "1.0", ""} {
		if _, err := integer(bad); err == nil {
			t.Errorf("integer(%q) succeeded", bad)
		}
	}
	if _, err := boolean("true "); err == nil {
		t.Error("boolean does not strip, like Supervisor")
	}
	if h, p, err := inetAddress("*:80"); err != nil || h != "" || p != 80 {
		t.Errorf("inetAddress(*:80) = %q, %d, %v", h, p, err)
	}
}

// TestIniSyntax covers the configparser rules at the parser level.
func TestIniSyntax(t *testing.T) {
	src := "[DEFAULT]\nd=1\n[s]\nKey = v1 ;c\nmulti=a\n  b\n\n  c\n\n[s]\nkey: v2\n" +
		"odd=a#b #c ;d\nempty=\n[S]\nx=y\n"
	doc := newIniDoc()
	if err := doc.parseIni("/f.conf", []byte(src)); err != nil {
		t.Fatal(err)
	}
	s := doc.section("s")
	want := map[string]string{"key": "v2", "multi": "a\nb\n\nc", "odd": "a#b #c", "empty": ""}
	for k, w := range want {
		v, ok := doc.lookup(s, k)
		if !ok || v.value != w {
			t.Errorf("%s = %q, want %q", k, v.value, w)
		}
	}
	if v, _ := doc.lookup(s, "key"); v.line != 11 {
		t.Errorf("key recorded at line %d, want 11 (the winning definition)", v.line)
	}
	if v, ok := doc.lookup(s, "d"); !ok || v.value != "1" {
		t.Error("[DEFAULT] key not inherited")
	}
	if doc.section("S") == nil || len(doc.sections) != 2 {
		t.Error("section names must be case-sensitive and duplicates merged")
	}
	if got := doc.optionKeys(s); !reflect.DeepEqual(got, []string{"key", "multi", "odd", "empty", "d"}) {
		t.Errorf("optionKeys = %v", got)
	}
}

func TestLoadErrorsAreTyped(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "s.conf")
	if err := os.WriteFile(conf, []byte("[supervisord]\n[program:x]\ncommand=/bin/x\nstartsecs=soon\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(conf, LoadOptions{Dir: dir, Env: []string{}, Hostname: "h"})
	var ce *Error
	if cfg != nil || !errors.As(err, &ce) {
		t.Fatalf("Load = %v, %v; want nil and *Error", cfg, err)
	}
	if ce.File != conf || ce.Line != 4 || ce.Section != "program:x" || ce.Option != "startsecs" {
		t.Errorf("error location = %+v", ce)
	}
	if _, err := Load(filepath.Join(dir, "missing.conf"), LoadOptions{Dir: dir}); err == nil ||
		!strings.HasPrefix(err.Error(), "could not find config file") {
		t.Errorf("missing file error = %v", err)
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "etc", "supervisord.conf")
	if err := os.WriteFile(conf, []byte("[supervisord]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Find(filepath.Join(dir, "bin", "supervisord"))
	if err != nil || got != conf {
		t.Errorf("Find = %q, %v; want %q", got, err, conf)
	}
	paths := SearchPaths("supervisord")
	if paths[0] != "etc/supervisord.conf" || paths[5] != "/etc/supervisor/supervisord.conf" {
		t.Errorf("SearchPaths(bare name) = %v", paths)
	}
}

func TestFindNoFile(t *testing.T) {
	// The host may have a real /etc/supervisor/supervisord.conf, so the
	// search runs over a file system where nothing exists.
	_, err := findIn(SearchPaths("/nonexistent/bin/supervisord"), func(string) bool { return false })
	want := "No config file found at default paths (/nonexistent/etc/supervisord.conf, /nonexistent/supervisord.conf, supervisord.conf, etc/supervisord.conf, /etc/supervisord.conf, /etc/supervisor/supervisord.conf); use the -c option to specify a config file at a different path"
	if err == nil || err.Error() != want {
		t.Errorf("Find error =\n%v\nwant\n%s", err, want)
	}
}

func TestGroupEqual(t *testing.T) {
	dir := t.TempDir()
	load := func(body string) *Config {
		t.Helper()
		conf := filepath.Join(dir, "s.conf")
		if err := os.WriteFile(conf, []byte("[supervisord]\n"+body), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(conf, LoadOptions{Dir: dir, Env: []string{}, Hostname: "h"})
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	base := load("[program:a]\ncommand=/bin/a\nenvironment=X=1,Y=2\n").Groups[0]
	same := load("[program:a]\ncommand=/bin/a\nenvironment=Y=2,X=1\n").Groups[0]
	changed := load("[program:a]\ncommand=/bin/a --new\nenvironment=X=1,Y=2\n").Groups[0]
	logPath := load("[program:a]\ncommand=/bin/a\nenvironment=X=1,Y=2\nstdout_logfile=" + dir + "/a.log\n").Groups[0]
	if !base.Equal(same) {
		t.Error("environment order must not matter")
	}
	if base.Equal(changed) {
		t.Error("a changed command must make groups differ")
	}
	if !base.Equal(logPath) {
		t.Error("AUTO against a path is not compared, as in Supervisor")
	}
	l1 := load("[eventlistener:l]\ncommand=/bin/l\nevents=TICK_5,TICK_60\n").Groups[0]
	l2 := load("[eventlistener:l]\ncommand=/bin/l\nevents=TICK_60,TICK_5\n").Groups[0]
	l3 := load("[eventlistener:l]\ncommand=/bin/l\nevents=TICK_60\n").Groups[0]
	if !l1.Equal(l2) || l1.Equal(l3) {
		t.Error("event lists compare as sets")
	}
}
