package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// optionPools are candidate values per option for random configurations,
// some using expansions. "@" stands for the test's directory; a leading "!"
// marks an invalid value, picked rarely so most files get past the first
// option.
var optionPools = map[string][]string{
	"command":                 {"/bin/cat", "/bin/echo %(program_name)s %(process_num)d", "/bin/x %(ENV_FOO)s", "!/bin/x %(nope)s", "/bin/x 100%%", "!/bin/x 50%", "/bin/x %(group_name)s"},
	"process_name":            {"%(program_name)s", "%(program_name)s_%(process_num)02d", "p%(process_num)d", "!bad name", "!x/%(process_num)d", "%(host_node_name)s-%(process_num)d"},
	"numprocs":                {"1", "2", "3", "0", "!x"},
	"numprocs_start":          {"0", "1", "10", "-2", "!1.5"},
	"priority":                {"1", "999", "-5", "0", "!high", " 7 "},
	"autostart":               {"true", "false", "YES", "0", "!maybe"},
	"autorestart":             {"true", "false", "unexpected", "UNEXPECTED", "!sometimes"},
	"startsecs":               {"0", "1", "10", "1_0", "!soon"},
	"startretries":            {"0", "3", "-1", "!x"},
	"exitcodes":               {"0", "0,2", "", "1, 2", "!256", "!a"},
	"stopsignal":              {"TERM", "kill", "SIGHUP", "9", "0", "!40", "!FOO", "usr1"},
	"stopwaitsecs":            {"10", "0", "!ten"},
	"stopasgroup":             {"true", "false"},
	"killasgroup":             {"true", "false"},
	"user":                    {"root", "nobody", "0", "65534", "!no_such_user_here", "%(ENV_USERNAME)s"},
	"redirect_stderr":         {"true", "false"},
	"stdout_logfile":          {"AUTO", "NONE", "@/out-%(process_num)d.log", "!/no/such/dir/x.log", "syslog", "@/p%%%%.log", ""},
	"stderr_logfile":          {"AUTO", "off", "@/err.log", "syslog"},
	"stdout_logfile_maxbytes": {"0", "1KB", "50MB", "!1.5MB", "-1"},
	"stderr_logfile_backups":  {"0", "10", "!x"},
	"stdout_capture_maxbytes": {"0", "1MB", "!bad"},
	"stderr_events_enabled":   {"true", "false", "!2"},
	"stdout_syslog":           {"true", "false"},
	"environment":             {"A=1", "A=1,B=\"x,y\"", "K%(process_num)d=v", "!A=1,B", "!A=\"open", "A=%(ENV_BAR)s", "A=x;B=y", ""},
	"directory":               {"/tmp", "@", "/srv/%(process_num)d", "%(here)s"},
	"umask":                   {"022", "0o7", "!8", "!777"},
	"serverurl":               {"AUTO", "http://localhost:9001", ""},
}

var supervisordPools = map[string][]string{
	"logfile":          {"@/sd.log", "syslog", "!/no/such/dir/sd.log", "sd.log"},
	"logfile_maxbytes": {"1MB", "0", "!x"},
	"loglevel":         {"info", "DEBUG", "blather", "!loud"},
	"pidfile":          {"@/sd.pid", "sd.pid"},
	"umask":            {"022", "!9"},
	"nodaemon":         {"true", "false", "!nah"},
	"minfds":           {"1024", "!lots"},
	"childlogdir":      {"@", "!/no/such/dir", "/tmp"},
	"identifier":       {"sup", "%(ENV_FOO)s", "!%(nope)s"},
	"environment":      {"G=1", "G=%(ENV_FOO)s,H=\"a b\"", "!G=100%%", "FOO=shadow"},
	"user":             {"root", "nobody", "!no_such_user_here"},
}

// sortedKeys keeps the generator deterministic for a given seed.
func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return keys
}

func pick(r *rand.Rand, pool []string, dir string) string {
	var good, bad []string
	for _, v := range pool {
		if b, ok := strings.CutPrefix(v, "!"); ok {
			bad = append(bad, b)
		} else {
			good = append(good, v)
		}
	}
	v := good[r.IntN(len(good))]
	if len(bad) > 0 && r.IntN(12) == 0 {
		v = bad[r.IntN(len(bad))]
	}
	return strings.ReplaceAll(v, "@", dir)
}

func randomConfig(r *rand.Rand, dir string) string {
	var b strings.Builder
	if r.IntN(5) == 0 {
		keys := []string{"startsecs", "autostart", "priority", "stopsignal"}
		k := keys[r.IntN(len(keys))]
		fmt.Fprintf(&b, "[DEFAULT]\n%s=%s\n", k, pick(r, optionPools[k], dir))
	}
	b.WriteString("[supervisord]\n")
	for _, k := range sortedKeys(supervisordPools) {
		if pool := supervisordPools[k]; r.IntN(4) == 0 {
			fmt.Fprintf(&b, "%s=%s\n", k, pick(r, pool, dir))
		}
	}
	names := []string{"a", "b", "c"}
	nprog := r.IntN(4)
	for i := range nprog {
		kind := "program"
		switch r.IntN(8) {
		case 0:
			kind = "eventlistener"
		case 1:
			kind = "fcgi-program"
		}
		fmt.Fprintf(&b, "[%s:%s]\n", kind, names[i])
		if r.IntN(12) > 0 {
			fmt.Fprintf(&b, "command=%s\n", pick(r, optionPools["command"], dir))
		}
		for _, k := range sortedKeys(optionPools) {
			if pool := optionPools[k]; k != "command" && r.IntN(6) == 0 {
				fmt.Fprintf(&b, "%s=%s\n", k, pick(r, pool, dir))
			}
		}
		switch kind {
		case "eventlistener":
			evs := []string{"TICK_5", "PROCESS_STATE,tick_60", "", "TICK_5,NOPE"}
			fmt.Fprintf(&b, "events=%s\n", evs[r.IntN(len(evs))])
			if r.IntN(3) == 0 {
				fmt.Fprintf(&b, "buffer_size=%s\n", []string{"0", "5", "x"}[r.IntN(3)])
			}
		case "fcgi-program":
			socks := []string{"tcp://localhost:9000", "unix://" + dir + "/%(program_name)s.sock", "unix://rel.sock", "udp://x:1", ""}
			fmt.Fprintf(&b, "socket=%s\n", socks[r.IntN(len(socks))])
			if r.IntN(3) == 0 {
				fmt.Fprintf(&b, "socket_mode=%s\n", []string{"0600", "9"}[r.IntN(2)])
			}
		}
	}
	if r.IntN(4) == 0 {
		progs := []string{"a", "a,b", "b,a", "zz", ""}
		fmt.Fprintf(&b, "[group:g]\nprograms=%s\n", progs[r.IntN(len(progs))])
	}
	switch r.IntN(6) {
	case 0:
		fmt.Fprintf(&b, "[inet_http_server]\nport=%s\n", []string{"9001", "*:9001", "127.0.0.1:0", "x:70000", "%(ENV_PORT)s"}[r.IntN(5)])
	case 1:
		fmt.Fprintf(&b, "[unix_http_server]\nfile=%%(here)s/s.sock\nusername=%s\n", []string{"u\npassword=p", "u"}[r.IntN(2)])
	}
	return b.String()
}

// TestLoadDifferential loads random configurations with both Load and the
// real Supervisor and requires the same result, or the same error wording.
func TestLoadDifferential(t *testing.T) {
	python := requirePython(t)
	ce := loadCorpusEnv(t)
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(5, 6))
	const count = 400
	var paths []string
	for i := range count {
		p := filepath.Join(dir, fmt.Sprintf("r%03d.conf", i))
		if err := os.WriteFile(p, []byte(randomConfig(r, dir)), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	cmd := exec.Command(python, append([]string{filepath.Join(corpusDir, "gen_expected.py"), "--files"}, paths...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("gen_expected.py --files: %v\n%s", err, stderr.String())
	}
	var want []struct {
		OK  any    `json:"ok"`
		Err string `json:"err"`
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	okCount := 0
	for i, p := range paths {
		data, _ := os.ReadFile(p)
		cfg, err := Load(p, corpusOptions(t, ce, dir, p))
		w := want[i]
		switch {
		case w.Err != "" && err == nil:
			t.Errorf("%s: Supervisor fails with %q, we load it\n%s", filepath.Base(p), w.Err, data)
		case w.Err == "" && err != nil:
			t.Errorf("%s: we fail with %q, Supervisor loads it\n%s", filepath.Base(p), err, data)
		case err != nil:
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("%s: %T is not *Error", p, err)
			}
			if ce.Msg != supervisorWording(w.Err) {
				t.Errorf("%s: message\n ours: %s\n  py: %s\n%s", filepath.Base(p), ce.Msg, w.Err, data)
			}
		default:
			okCount++
			got := normalizeJSON(t, pyShape(cfg), dir, dir)
			if !reflect.DeepEqual(got, normalizeJSON(t, w.OK, dir, dir)) {
				t.Errorf("%s differs from Supervisor\n%s\n--- got\n%s--- want\n%s", filepath.Base(p), data, pretty(got), pretty(w.OK))
			}
		}
	}
	t.Logf("%d of %d random files loaded, the rest failed alike", okCount, count)
}
