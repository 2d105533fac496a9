package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// updateErr rewrites bad/NAME.err from our own messages; review the diff.
var updateErr = flag.Bool("update-err", false, "rewrite testdata/config/bad/*.err with the current messages")

// corpusDir is testdata/config at the module root.
var corpusDir = filepath.Join("..", "..", "testdata", "config")

// corpusEnv is environment.json: what both Python and Go see as the host.
type corpusEnv struct {
	Hostname string            `json:"hostname"`
	Env      map[string]string `json:"env"`
}

func loadCorpusEnv(t testing.TB) corpusEnv {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(corpusDir, "environment.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ce corpusEnv
	if err := json.Unmarshal(data, &ce); err != nil {
		t.Fatal(err)
	}
	return ce
}

// corpusOptions builds the LoadOptions gen_expected.py reproduces: fixed
// environment and host name, the corpus directory as working directory,
// and the command line of NAME.args.
func corpusOptions(t testing.TB, ce corpusEnv, dir, conf string) LoadOptions {
	t.Helper()
	opts := LoadOptions{Hostname: ce.Hostname, Dir: dir, Env: []string{}}
	for k, v := range ce.Env {
		opts.Env = append(opts.Env, k+"="+v)
	}
	args, err := os.ReadFile(strings.TrimSuffix(conf, ".conf") + ".args")
	if errors.Is(err, os.ErrNotExist) {
		return opts
	}
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(args))
	valued := map[string]*string{
		"-u": &opts.User, "-m": &opts.Umask, "-d": &opts.Directory, "-l": &opts.Logfile,
		"-y": &opts.LogfileMaxbytes, "-z": &opts.LogfileBackups, "-e": &opts.Loglevel,
		"-j": &opts.Pidfile, "-i": &opts.Identifier, "-q": &opts.Childlogdir,
		"-a": &opts.Minfds, "--minprocs": &opts.Minprocs,
	}
	flags := map[string]*bool{"-n": &opts.Nodaemon, "-s": &opts.Silent, "-k": &opts.Nocleanup, "-t": &opts.StripANSI}
	for i := 0; i < len(fields); i++ {
		if p, ok := flags[fields[i]]; ok {
			*p = true
			continue
		}
		p, ok := valued[fields[i]]
		if !ok || i+1 >= len(fields) {
			t.Fatalf("%s: unsupported argument %q in the test's .args reader", conf, fields[i])
		}
		*p = fields[i+1]
		i++
	}
	return opts
}

// pyShape renders cfg in the normalized JSON shape gen_expected.py writes.
func pyShape(cfg *Config) map[string]any {
	pairs := func(env []EnvVar) []any {
		out := []any{}
		for _, kv := range env {
			out = append(out, []any{kv.Key, kv.Value})
		}
		return out
	}
	logfile := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	channel := func(c LogConfig) map[string]any {
		return map[string]any{
			"logfile": logfile(c.Logfile), "maxbytes": c.Maxbytes, "backups": c.Backups,
			"capture_maxbytes": c.CaptureMaxbytes, "events_enabled": c.EventsEnabled, "syslog": c.Syslog,
		}
	}
	autorestart := map[AutoRestart]string{AutoRestartUnexpected: "unexpected", AutoRestartFalse: "false", AutoRestartTrue: "true"}
	ints := func(xs []int) []any {
		out := []any{}
		for _, x := range xs {
			out = append(out, x)
		}
		return out
	}
	groups := []any{}
	for _, g := range cfg.Groups {
		procs := []any{}
		for _, p := range g.Processes {
			procs = append(procs, map[string]any{
				"name": p.Name, "uid": p.UID, "gid": p.GID, "command": p.Command, "directory": p.Directory,
				"umask": p.Umask, "priority": p.Priority, "autostart": p.Autostart,
				"autorestart": autorestart[p.Autorestart], "startsecs": p.Startsecs, "startretries": p.Startretries,
				"stopsignal": int(p.Stopsignal), "stopwaitsecs": p.Stopwaitsecs, "stopasgroup": p.Stopasgroup,
				"killasgroup": p.Killasgroup, "exitcodes": ints(p.Exitcodes), "redirect_stderr": p.RedirectStderr,
				"environment": pairs(p.Environment), "serverurl": p.ServerURL,
				"stdout": channel(p.Stdout), "stderr": channel(p.Stderr),
			})
		}
		gm := map[string]any{"name": g.Name, "kind": "program", "priority": g.Priority, "processes": procs}
		switch g.Kind {
		case EventListenerPool:
			evs := append([]string(nil), g.Events...)
			sortStrings(evs)
			anyEvs := []any{}
			for _, e := range evs {
				anyEvs = append(anyEvs, e)
			}
			gm["kind"], gm["events"], gm["buffer_size"], gm["result_handler"] = "eventlistener", anyEvs, g.BufferSize, g.ResultHandler
		case FCGIGroup:
			s := g.Socket
			gm["kind"] = "fcgi"
			gm["socket"] = map[string]any{"url": s.URL, "backlog": s.Backlog, "owner": []any{s.OwnerUID, s.OwnerGID}, "mode": s.Mode}
		}
		groups = append(groups, gm)
	}
	servers := []any{}
	for _, hs := range cfg.HTTPServers {
		m := map[string]any{"section": hs.Section, "username": hs.Username, "password": hs.Password}
		if hs.Kind == InetHTTPServer {
			m["kind"], m["host"], m["port"] = "inet", hs.Host, hs.Port
		} else {
			m["kind"], m["file"], m["chmod"], m["chown"] = "unix", hs.File, hs.Chmod, []any{hs.ChownUID, hs.ChownGID}
		}
		servers = append(servers, m)
	}
	plugins := func(secs []RawSection, factoryKey string) []any {
		out := []any{}
		for _, s := range secs {
			factory, _ := s.Get(factoryKey)
			opts := []any{}
			for _, o := range s.Options {
				if o.Key != factoryKey {
					opts = append(opts, []any{o.Key, o.Value})
				}
			}
			out = append(out, map[string]any{"name": s.Name, "factory": factory, "options": opts})
		}
		return out
	}
	var ctl any
	if c := cfg.Supervisorctl; c != nil {
		ctl = map[string]any{"serverurl": c.ServerURL, "prompt": c.Prompt, "username": c.Username,
			"password": c.Password, "history_file": c.HistoryFile}
	}
	msgs := []any{}
	for _, m := range cfg.Messages {
		msgs = append(msgs, []any{m.Level, m.Text})
	}
	s := cfg.Supervisord
	return map[string]any{
		"supervisord": map[string]any{
			"logfile": s.Logfile, "logfile_maxbytes": s.LogfileMaxbytes, "logfile_backups": s.LogfileBackups,
			"loglevel": int(s.Loglevel), "pidfile": s.Pidfile, "umask": s.Umask, "nodaemon": s.Nodaemon,
			"silent": s.Silent, "minfds": s.Minfds, "minprocs": s.Minprocs, "nocleanup": s.Nocleanup,
			"childlogdir": s.Childlogdir, "user": s.User, "directory": s.Directory, "strip_ansi": s.StripANSI,
			"environment": pairs(s.Environment), "identifier": s.Identifier,
		},
		"http_servers":  servers,
		"groups":        groups,
		"rpcinterfaces": plugins(cfg.RPCInterfaces, "supervisor.rpcinterface_factory"),
		"supervisorctl": ctl,
		"ctlplugins":    plugins(cfg.CtlPlugins, "supervisor.ctl_factory"),
		"messages":      msgs,
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// normalizeJSON round-trips v through JSON, replacing the corpus directory
// by token, so both sides compare as plain JSON values.
func normalizeJSON(t testing.TB, v any, base, token string) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return replaceStrings(out, base, token)
}

func replaceStrings(v any, base, token string) any {
	switch x := v.(type) {
	case string:
		return strings.ReplaceAll(x, base, token)
	case []any:
		for i := range x {
			x[i] = replaceStrings(x[i], base, token)
		}
	case map[string]any:
		for k := range x {
			x[k] = replaceStrings(x[k], base, token)
		}
	}
	return v
}

func pretty(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", " ")
	_ = enc.Encode(v)
	return b.String()
}

func corpusFiles(t testing.TB, kind string) (dir string, confs []string) {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join(corpusDir, kind))
	if err != nil {
		t.Fatal(err)
	}
	confs, err = filepath.Glob(filepath.Join(dir, "*.conf"))
	if err != nil {
		t.Fatal(err)
	}
	return dir, confs
}

// TestGoodCorpus is the differential proof: every good/NAME.conf loads to
// exactly what the real Supervisor 4.2.5 realized (good/NAME.json).
func TestGoodCorpus(t *testing.T) {
	ce := loadCorpusEnv(t)
	dir, confs := corpusFiles(t, "good")
	if len(confs) < 60 {
		t.Fatalf("the good corpus has %d files, want at least 60", len(confs))
	}
	for _, conf := range confs {
		name := strings.TrimSuffix(filepath.Base(conf), ".conf")
		t.Run(name, func(t *testing.T) {
			cfg, err := Load(conf, corpusOptions(t, ce, dir, conf))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			for _, g := range cfg.Groups {
				for _, p := range g.Processes {
					if p.Group != g.Name || p.ProgramName == "" {
						t.Errorf("process %s: Group %q, ProgramName %q in group %q", p.Name, p.Group, p.ProgramName, g.Name)
					}
				}
			}
			got := normalizeJSON(t, pyShape(cfg), dir, "<GOOD>")
			data, err := os.ReadFile(filepath.Join(dir, name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var want any
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("mismatch with Supervisor\n--- got\n%s\n--- want\n%s", pretty(got), pretty(want))
			}
		})
	}
}

// TestBadCorpus checks each bad/NAME.conf fails with exactly NAME.err, and
// that our message starts with Supervisor's own wording (NAME.pyerr, less
// the location suffix Supervisor adds to program sections).
func TestBadCorpus(t *testing.T) {
	ce := loadCorpusEnv(t)
	dir, confs := corpusFiles(t, "bad")
	if len(confs) < 30 {
		t.Fatalf("the bad corpus has %d files, want at least 30", len(confs))
	}
	for _, conf := range confs {
		name := strings.TrimSuffix(filepath.Base(conf), ".conf")
		t.Run(name, func(t *testing.T) {
			cfg, err := Load(conf, corpusOptions(t, ce, dir, conf))
			if err == nil {
				t.Fatalf("Load succeeded, want an error: %+v", cfg)
			}
			if cfg != nil {
				t.Fatal("Load returned both a config and an error")
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not a *config.Error", err)
			}
			got := strings.ReplaceAll(err.Error(), dir, "<BAD>")
			if *updateErr {
				if err := os.WriteFile(filepath.Join(dir, name+".err"), []byte(got+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, rerr := os.ReadFile(filepath.Join(dir, name+".err"))
			if rerr != nil {
				t.Fatalf("%v (got message: %s)", rerr, got)
			}
			if got != strings.TrimSuffix(string(want), "\n") {
				t.Errorf("message\n got: %s\nwant: %s", got, want)
			}
			pyerr, rerr := os.ReadFile(filepath.Join(dir, name+".pyerr"))
			if rerr != nil {
				t.Fatal(rerr)
			}
			py := supervisorWording(strings.TrimSuffix(string(pyerr), "\n"))
			if !strings.HasPrefix(got, py) {
				t.Errorf("our message does not start with Supervisor's wording\n ours: %s\n  py: %s", got, py)
			}
		})
	}
}

// supervisorWording drops the " in section ... (file: ...)" suffix
// Supervisor puts on errors of program sections.
func supervisorWording(msg string) string {
	if i := strings.LastIndex(msg, " in section '"); i >= 0 && strings.HasSuffix(msg, "')") {
		return msg[:i]
	}
	return msg
}

// TestExpectedCurrent re-runs gen_expected.py with the real Supervisor and
// checks the committed expectations are up to date. In CI a missing Python
// or supervisor module is a failure.
func TestExpectedCurrent(t *testing.T) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import supervisor.options").Run(); err != nil {
		t.Fatalf("%s with the supervisor module is required (make deps installs it): %v", python, err)
	}
	out := t.TempDir()
	cmd := exec.Command(python, filepath.Join(corpusDir, "gen_expected.py"), out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen_expected.py: %v\n%s", err, msg)
	}
	for _, kind := range []string{"good", "bad"} {
		generated, err := filepath.Glob(filepath.Join(out, kind, "*"))
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range generated {
			fresh, _ := os.ReadFile(g)
			committed, err := os.ReadFile(filepath.Join(corpusDir, kind, filepath.Base(g)))
			if err != nil {
				t.Errorf("%s/%s is not committed: run /usr/bin/python3 testdata/config/gen_expected.py", kind, filepath.Base(g))
				continue
			}
			if !bytes.Equal(fresh, committed) {
				t.Errorf("%s/%s is stale: run /usr/bin/python3 testdata/config/gen_expected.py", kind, filepath.Base(g))
			}
		}
	}
}
