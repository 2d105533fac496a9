package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeConf writes a configuration file in a temporary directory and
// returns its path.
func writeConf(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "supervisord.conf")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func processNames(ps []*Process) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestExpandProgramFollowsTemplates(t *testing.T) {
	path := writeConf(t, `
[supervisord]
environment = BASE="b"

[program:worker]
command = sleep %(process_num)d
process_name = w_%(process_num)02d
numprocs = 2
numprocs_start = 5
environment = IDX="%(process_num)d"
stdout_logfile = %(here)s/%(program_name)s_%(process_num)d.log

[group:pair]
programs = worker

[group:other]
programs = worker
`)
	opts := LoadOptions{Env: []string{"HOME=/root"}}
	loaded, err := Load(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ExpandProgram(path, opts, "worker", 4)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("groups %v, want pair and other", got)
	}
	want := []string{"w_05", "w_06", "w_07", "w_08"}
	for _, g := range []string{"pair", "other"} {
		if names := processNames(got[g]); !reflect.DeepEqual(names, want) {
			t.Errorf("%s: %v, want %v", g, names, want)
		}
	}
	last := got["pair"][3]
	if last.Command != "sleep 8" || last.Group != "pair" || last.ProgramName != "worker" {
		t.Errorf("last process %+v", last)
	}
	if last.Stdout.Logfile != filepath.Join(filepath.Dir(path), "worker_8.log") {
		t.Errorf("stdout logfile %q", last.Stdout.Logfile)
	}
	// The [supervisord] environment is merged in, as Load merges it.
	if !reflect.DeepEqual(last.Environment, []EnvVar{{"BASE", "b"}, {"IDX", "8"}}) {
		t.Errorf("environment %v", last.Environment)
	}
	// The processes that exist at load time are expanded identically.
	for i, p := range loaded.Groups[0].Processes {
		if !p.Equal(got[loaded.Groups[0].Name][i]) {
			t.Errorf("%s differs after re-expansion", p.Name)
		}
	}
}

func TestExpandProgramKinds(t *testing.T) {
	path := writeConf(t, `
[supervisord]
[rpcinterface:supvisors]
supervisor.rpcinterface_factory = supvisors.plugin:make_supvisors_rpcinterface

[fcgi-program:web]
command = sleep 1
socket = tcp://127.0.0.1:9999
process_name = web_%(process_num)d

[eventlistener:lis]
command = sleep 1
events = PROCESS_ADDED
process_name = %(program_name)s_%(process_num)d
`)
	for _, tc := range []struct {
		program string
		want    []string
	}{
		{"web", []string{"web_0", "web_1", "web_2"}},
		{"lis", []string{"lis_0", "lis_1", "lis_2"}},
	} {
		got, err := ExpandProgram(path, LoadOptions{}, tc.program, 3)
		if err != nil {
			t.Fatalf("%s: %v", tc.program, err)
		}
		if names := processNames(got[tc.program]); !reflect.DeepEqual(names, tc.want) {
			t.Errorf("%s: %v, want %v", tc.program, names, tc.want)
		}
	}
}

func TestExpandProgramErrors(t *testing.T) {
	path := writeConf(t, `
[supervisord]
[program:single]
command = sleep 1
`)
	_, err := ExpandProgram(path, LoadOptions{}, "single", 2)
	if err == nil || !strings.Contains(err.Error(), "%(process_num) must be present within process_name when numprocs > 1") {
		t.Errorf("numprocs 2 without process_num: %v", err)
	}
	if got, err := ExpandProgram(path, LoadOptions{}, "single", 1); err != nil || len(got["single"]) != 1 {
		t.Errorf("numprocs 1: %v %v", got, err)
	}
	if _, err := ExpandProgram(path, LoadOptions{}, "nothere", 1); err == nil {
		t.Error("unknown program: no error")
	}
	if _, err := ExpandProgram(path, LoadOptions{}, "single", 0); err == nil {
		t.Error("numprocs 0: no error")
	}
	if _, err := ExpandProgram(filepath.Join(t.TempDir(), "absent.conf"), LoadOptions{}, "single", 1); err == nil {
		t.Error("missing file: no error")
	}
}
