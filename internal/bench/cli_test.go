package bench

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMainUsageErrors(t *testing.T) {
	sd := supervisordPath(t)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"help", []string{"-h"}, 0, "alternating A and B"},
		{"unknown flag", []string{"-nope"}, 2, "flag provided but not defined"},
		{"extra argument", []string{"-a", sd, "-b", sd, "x"}, 2, "unexpected arguments"},
		{"missing target", []string{"-a", "/nonexistent/supvisord", "-b", sd}, 2, "make build"},
		{"directory target", []string{"-a", "/", "-b", sd}, 2, "not an executable file"},
		{"unknown scenario", []string{"-a", sd, "-b", sd, "-scenarios", "warp"}, 2, `unknown scenario "warp"`},
		{"bad sizes", []string{"-a", sd, "-b", sd, "-reps", "0", "-programs", "0"}, 2, "reps must be at least 1"},
		{"bad cluster size", []string{"-a", sd, "-b", sd, "-cluster", "3,x"}, 2, `-cluster: "x" is not a cluster size`},
		{"zero cluster size", []string{"-a", sd, "-b", sd, "-cluster", "0"}, 2, `-cluster: "0" is not a cluster size`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(append([]string{"supvisors-bench"}, tc.args...), &stdout, &stderr)
			if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr.String(), tc.code, tc.want)
			}
		})
	}
}

// TestMainCapture runs the command itself on the smallest scenario and
// checks both of its outputs.
func TestMainCapture(t *testing.T) {
	checkNoGoroutineLeak(t)
	sd := supervisordPath(t)
	dir := t.TempDir()
	jsonPath, mdPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.md")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"supvisors-bench", "-a", sd, "-b", sd, "-reps", "1", "-scenarios", "capture",
		"-capture-bytes", "1048576", "-workdir", dir, "-json", jsonPath, "-o", mdPath}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s\nstdout:\n%s", code, stderr.String(), stdout.String())
	}
	if !strings.Contains(stdout.String(), "| stdout capture of 1MiB in 65536-byte writes, rotation 50MB x 2") {
		t.Errorf("table lacks the capture row:\n%s", stdout.String())
	}
	if md, err := os.ReadFile(mdPath); err != nil || string(md) != stdout.String() {
		t.Errorf("-o file differs from stdout (%v)", err)
	}
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var report Report
	if err := json.Unmarshal(data, &report); err != nil {
		t.Fatal(err)
	}
	if len(report.Rows) != 3 || report.Rows[0].Key != "capture.rate" || len(report.Rows[0].A.Values) != 1 {
		t.Errorf("JSON report rows: %+v", report.Rows)
	}
}
