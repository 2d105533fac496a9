package logs

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is an io.Writer safe to read while the writer goroutine
// writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func openTestMainLog(t *testing.T, cfg MainLogConfig) *MainLog {
	t.Helper()
	m, err := OpenMainLog(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestSlogLevelMapping(t *testing.T) {
	tests := []struct {
		supervisor int
		level      slog.Level
		word       string
	}{
		{3, LevelBlather, "BLAT"},
		{5, LevelTrace, "TRAC"},
		{10, LevelDebug, "DEBG"},
		{20, LevelInfo, "INFO"},
		{30, LevelWarn, "WARN"},
		{40, LevelError, "ERRO"},
		{50, LevelCritical, "CRIT"},
	}
	for _, tt := range tests {
		if got := SlogLevel(tt.supervisor); got != tt.level {
			t.Errorf("SlogLevel(%d) = %v, want %v", tt.supervisor, got, tt.level)
		}
		if got := LevelWord(tt.level); got != tt.word {
			t.Errorf("LevelWord(%v) = %q, want %q", tt.level, got, tt.word)
		}
	}
	// Levels between Supervisor's round up; slog's in-between levels
	// take the word of the level below.
	if SlogLevel(15) != LevelInfo || SlogLevel(1) != LevelBlather || SlogLevel(99) != LevelCritical {
		t.Error("in-between Supervisor levels map wrongly")
	}
	if LevelWord(slog.LevelInfo+2) != "INFO" || LevelWord(-100) != "BLAT" || LevelWord(100) != "CRIT" {
		t.Error("in-between slog levels get the wrong word")
	}
}

func TestMainLogFormat(t *testing.T) {
	echo := &lockedBuffer{}
	path := filepath.Join(t.TempDir(), "supervisord.log")
	m := openTestMainLog(t, MainLogConfig{Logfile: path, Level: LevelBlather, Echo: echo})
	if m.Path() != path {
		t.Errorf("Path() = %q", m.Path())
	}
	h := m.Handler()
	when := time.Date(2026, 1, 2, 3, 4, 5, 678_900_000, time.Local)
	for _, lvl := range []slog.Level{LevelCritical, LevelError, LevelWarn, LevelInfo, LevelDebug, LevelTrace, LevelBlather} {
		r := slog.NewRecord(when, lvl, "spawned: 'cat' with pid 42", 0)
		if err := h.Handle(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	// Attributes follow the message; groups prefix their keys.
	logger := slog.New(h).With("a", 1).WithGroup("g")
	logger.Info("with attrs", "k", "two words", slog.Group("sub", "x", true), "empty", "")
	if err := m.Flush(); err != nil {
		t.Fatal(err)
	}
	got := readString(t, path)
	var want strings.Builder
	for _, w := range []string{"CRIT", "ERRO", "WARN", "INFO", "DEBG", "TRAC", "BLAT"} {
		fmt.Fprintf(&want, "2026-01-02 03:04:05,678 %s spawned: 'cat' with pid 42\n", w)
	}
	if !strings.HasPrefix(got, want.String()) {
		t.Errorf("log file:\n%s\nwant prefix:\n%s", got, want.String())
	}
	last := strings.TrimPrefix(got, want.String())
	re := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO with attrs a=1 g\.k="two words" g\.sub\.x=true g\.empty=""\n$`)
	if !re.MatchString(last) {
		t.Errorf("attribute line %q", last)
	}
	if echo.String() != got {
		t.Errorf("echo %q differs from the file %q", echo.String(), got)
	}
}

func TestMainLogLevelFilter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "supervisord.log")
	m := openTestMainLog(t, MainLogConfig{Logfile: path, Level: SlogLevel(30)})
	logger := slog.New(m.Handler())
	logger.Info("hidden")
	logger.Debug("hidden")
	logger.Warn("shown warn")
	logger.Log(context.Background(), LevelCritical, "shown crit")
	m.Flush()
	got := readString(t, path)
	if strings.Contains(got, "hidden") || !strings.Contains(got, " WARN shown warn\n") || !strings.Contains(got, " CRIT shown crit\n") {
		t.Errorf("log file %q", got)
	}
	if m.Level() != LevelWarn {
		t.Errorf("Level() = %v", m.Level())
	}
}

func TestMainLogSetLevel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "supervisord.log")
	m := openTestMainLog(t, MainLogConfig{Logfile: path, Level: LevelInfo})
	logger := slog.New(m.Handler())
	logger.Debug("before")
	m.SetLevel(LevelDebug)
	logger.Debug("after")
	m.SetLevel(LevelError)
	logger.Warn("muted")
	m.Flush()
	got := readString(t, path)
	if strings.Contains(got, "before") || !strings.Contains(got, " DEBG after\n") || strings.Contains(got, "muted") {
		t.Errorf("log file %q: the level must apply from the call on", got)
	}
	if m.Level() != LevelError {
		t.Errorf("Level() = %v", m.Level())
	}
}

func TestMainLogRotateReopenClear(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "main.log")
	m := openTestMainLog(t, MainLogConfig{Logfile: path, MaxBytes: 100, Backups: 2})
	logger := slog.New(m.Handler())
	for i := range 12 {
		logger.Info(fmt.Sprintf("line %02d", i)) // 37 bytes each
	}
	m.Flush()
	files := dirContents(t, dir)
	if len(files) != 3 || strings.Count(files["main.log.1"], "\n") != 3 || strings.Count(files["main.log"], "\n") != 0 {
		t.Errorf("rotation gave %q", files)
	}
	if !strings.Contains(files["main.log.1"], "line 11") || !strings.Contains(files["main.log.2"], "line 08") {
		t.Errorf("rotation gave %q", files)
	}

	// Lines logged before Clear go to the deleted file, lines after to the
	// new one.
	logger.Info("before clear")
	if err := m.Clear(); err != nil {
		t.Fatal(err)
	}
	logger.Info("after clear")
	m.Flush()
	if got := readString(t, path); !strings.HasSuffix(got, " INFO after clear\n") || strings.Contains(got, "before") {
		t.Errorf("after Clear: %q", got)
	}
	if err := m.Reopen(); err != nil {
		t.Fatal(err)
	}
	logger.Info("after reopen")
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); strings.Count(got, "\n") != 2 {
		t.Errorf("after Reopen: %q", got)
	}
	// After Close, logging is a no-op and controls report ErrClosed.
	logger.Info("dropped")
	if err := m.Flush(); err == nil {
		t.Error("Flush after Close succeeded")
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// Many goroutines log at once: every line arrives whole, in each
// goroutine's order.
func TestMainLogConcurrentWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "main.log")
	m := openTestMainLog(t, MainLogConfig{Logfile: path, MaxBytes: 0})
	logger := slog.New(m.Handler())
	const writers, lines = 8, 500
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range lines {
				logger.Info("msg", "w", w, "i", i)
			}
		})
	}
	wg.Wait()
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	next := map[string]int{}
	re := regexp.MustCompile(`^\S+ \S+ INFO msg w=(\d+) i=(\d+)$`)
	for _, line := range strings.Split(strings.TrimSuffix(readString(t, path), "\n"), "\n") {
		sub := re.FindStringSubmatch(line)
		if sub == nil {
			t.Fatalf("bad line %q", line)
		}
		if want := fmt.Sprint(next[sub[1]]); sub[2] != want {
			t.Fatalf("writer %s: line %s, want %s", sub[1], sub[2], want)
		}
		next[sub[1]]++
	}
	for w := range writers {
		if next[fmt.Sprint(w)] != lines {
			t.Errorf("writer %d: %d lines", w, next[fmt.Sprint(w)])
		}
	}
}

func TestMainLogSyslog(t *testing.T) {
	msgs := startSyslogServer(t)
	m := openTestMainLog(t, MainLogConfig{Logfile: SyslogTarget})
	slog.New(m.Handler()).Warn("two\nlines\n")
	re := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARN (two|lines)$`)
	for _, want := range []string{"two", "lines"} {
		got := receive(t, msgs)
		if sub := re.FindStringSubmatch(got); sub == nil || sub[1] != want {
			t.Errorf("syslog got %q, want a line ending with %q", got, want)
		}
	}
	// Reopen and Clear do nothing on syslog.
	if m.Reopen() != nil || m.Clear() != nil {
		t.Error("Reopen or Clear failed on syslog")
	}
}

func TestMainLogNoFile(t *testing.T) {
	echo := &lockedBuffer{}
	m := openTestMainLog(t, MainLogConfig{Echo: echo})
	slog.New(m.Handler()).Info("to stdout only")
	m.Close()
	if !strings.HasSuffix(echo.String(), " INFO to stdout only\n") {
		t.Errorf("echo %q", echo.String())
	}
}
