package logs

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestCreateAutoLog(t *testing.T) {
	dir := t.TempDir()
	seen := map[string]bool{}
	for range 20 {
		path, err := CreateAutoLog(dir, "sleeper", "stdout", "testident")
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		if !regexp.MustCompile(`^sleeper-stdout---testident-[a-z0-9_]{8}\.log$`).MatchString(name) {
			t.Errorf("AUTO name %q has the wrong shape", name)
		}
		if seen[name] {
			t.Errorf("AUTO name %q given twice", name)
		}
		seen[name] = true
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() != 0 || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: size %d mode %v, want empty 0600", name, st.Size(), st.Mode().Perm())
		}
	}
	if _, err := CreateAutoLog(filepath.Join(dir, "missing"), "p", "stdout", "x"); err == nil {
		t.Error("CreateAutoLog in a missing directory succeeded")
	}
}

// The verdicts below are those of Supervisor 4.2.5's clear_autochildlogdir
// regexp with identifier "supervisor".
func TestAutoLogPatternMatchesSupervisor(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"cat-stdout---supervisor-abc12345.log", true},
		{"cat-stdout---supervisor-abc12345.log.1", true},
		{"cat-stdout---supervisor-abc12345.log.10000", true},
		{"x---supervisor-a.logger", true},
		{"---supervisor-a.log", false},
		{"a---supervisor-.log", false},
		{"a---supervisor-x y.log", false},
		{"a---supervisor-x\vy.log", false},
		{"a---supervisor-x\u00a0y.log", false},
		{"a---supervisorX-y.log", false},
		{"a---supervisor-y.txt", false},
		{"a-b---supervisor-q.log.bak", true},
		{"a---other-q.log", false},
		{"a---supervisor--.log", true},
		{"a\n---supervisor-q.log", false},
	}
	re := autoLogPattern("supervisor")
	for _, tt := range tests {
		if got := re.MatchString(tt.name); got != tt.want {
			t.Errorf("match(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
	// The identifier is quoted: its dot matches only a dot.
	re = autoLogPattern("a.b")
	if !re.MatchString("p-stdout---a.b-xyz.log") || re.MatchString("p-stdout---aXb-xyz.log") {
		t.Error("identifier a.b is not matched literally")
	}
}

func TestCleanupAutoLogs(t *testing.T) {
	dir := t.TempDir()
	mine, err := CreateAutoLog(dir, "cat", "stdout", "ident")
	if err != nil {
		t.Fatal(err)
	}
	files := []string{
		filepath.Base(mine),
		filepath.Base(mine) + ".1",
		"cat-stderr---ident-zzzzzzzz.log.3",
		"cat-stdout---other-zzzzzzzz.log",
		"unrelated.log",
	}
	for _, f := range files[1:] {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "d---ident-dir.log"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := CleanupAutoLogs(dir, "ident"); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	want := []string{"cat-stdout---other-zzzzzzzz.log", "d---ident-dir.log", "unrelated.log"}
	if !slices.Equal(left, want) {
		t.Errorf("left %v, want %v", left, want)
	}
	if err := CleanupAutoLogs(filepath.Join(dir, "missing"), "ident"); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("cleanup of a missing dir: %v", err)
	}
}
