package e2e

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// Values that differ between two runs of the same script (pids, clocks,
// temp paths, random log names) are replaced by placeholders, so that a
// transcript compares equal across runs and across daemons.
var normalizers = []struct {
	re   *regexp.Regexp
	repl string
}{
	// Terminal control sequences (the pty used by fg) and CRLF line ends.
	{regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`), ""},
	{regexp.MustCompile(`\r+\n`), "\n"},
	// Main log timestamps: 2026-11-23 22:40:01,123
	{regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} `), "<TS> "},
	// Uptimes in status descriptions: 0:00:07, 1 day, 0:00:01, 5 days, 7:18:14
	{regexp.MustCompile(`uptime (\d+ days?, )?\d+:\d\d:\d\d`), "uptime <UPTIME>"},
	{regexp.MustCompile(`\bpid \d+`), "pid <PID>"},
	// Stop times of STOPPED and EXITED processes (local time).
	{regexp.MustCompile(`\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d\d \d\d:\d\d [AP]M\b`), "<DATE>"},
	// `pid` prints bare pids; 0 (not running) is meaningful and kept.
	{regexp.MustCompile(`(?m)^[1-9]\d*$`), "<PID>"},
	// AUTO child logs: <name>-stdout---<identifier>-<random>.log
	{regexp.MustCompile(`(-(?:stdout|stderr)---[^/\s'"]*-)[A-Za-z0-9_]+(\.log)`), "${1}<RAND>${2}"},
	// supervisorctl's error lines name a file and line of the client's own
	// Python code, which change with the Python version, not the daemon.
	{regexp.MustCompile(`file: /\S+ line: \d+`), "file: <FILE> line: <LINE>"},
	// Our configuration errors also name the line (docs/compatibility.md,
	// "Error location"); Supervisor's name the file only.
	{regexp.MustCompile(`(\(file: '[^']*'), line \d+\)`), "${1})"},
	// Only printed when the daemon runs as root, which CI does and a
	// developer may not.
	{regexp.MustCompile(`(?m)^.*Supervisor is running as root.*\n`), ""},
}

// normalize applies the placeholders to a client's output. The temp dir and
// the port are per-run values known exactly, so they are replaced first.
func normalize(s, tmp string, port int) string {
	s = strings.ReplaceAll(s, tmp, "$TMP")
	s = regexp.MustCompile(fmt.Sprintf(`:%d\b`, port)).ReplaceAllString(s, ":$$PORT")
	for _, n := range normalizers {
		s = n.re.ReplaceAllString(s, n.repl)
	}
	return s
}

// splitWords splits a directive like a shell would for simple quoting:
// words separated by blanks, with '…' and "…" quoting (no escapes).
func splitWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, c := range s {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteRune(c)
			}
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, errors.New("unterminated quote")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// lineDiff renders the differences between two texts line by line, with
// "-" for want and "+" for got, and a few lines of context.
func lineDiff(want, got string) string {
	a, b := splitLines(want), splitLines(got)
	// Longest common subsequence table, from the ends.
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type op struct {
		kind byte
		line string
	}
	var ops []op
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			ops = append(ops, op{' ', a[i]})
			i++
			j++
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, op{'-', a[i]})
			i++
		default:
			ops = append(ops, op{'+', b[j]})
			j++
		}
	}
	const context = 3
	var out strings.Builder
	lastShown := -1
	for k, o := range ops {
		near := false
		for d := max(0, k-context); d <= min(len(ops)-1, k+context); d++ {
			if ops[d].kind != ' ' {
				near = true
				break
			}
		}
		if !near {
			continue
		}
		if lastShown >= 0 && k > lastShown+1 {
			out.WriteString("@@\n")
		}
		lastShown = k
		line := strings.TrimSuffix(o.line, "\n")
		if o.kind != ' ' && strings.TrimRight(line, " ") != line {
			line += "⏎" // make trailing blanks visible where they matter
		}
		fmt.Fprintf(&out, "%c %s\n", o.kind, line)
	}
	return out.String()
}

// splitLines splits after each newline, without the empty tail.
func splitLines(s string) []string {
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func TestNormalize(t *testing.T) {
	const tmp = "/tmp/golden-123"
	tests := []struct{ in, want string }{
		{"sleeper  RUNNING   pid 4242, uptime 0:00:07\n", "sleeper  RUNNING   pid <PID>, uptime <UPTIME>\n"},
		{"x RUNNING pid 1, uptime 5 days, 7:18:14\n", "x RUNNING pid <PID>, uptime <UPTIME>\n"},
		{"manual STOPPED Nov 23 08:40 PM\n", "manual STOPPED <DATE>\n"},
		{"4242\n0\n", "<PID>\n0\n"},
		{"2026-11-23 22:40:01,123 INFO spawned: 'a' with pid 77\n", "<TS> INFO spawned: 'a' with pid <PID>\n"},
		{"http://127.0.0.1:9123 refused connection\n", "http://127.0.0.1:$PORT refused connection\n"},
		{"unix:///tmp/golden-123/supervisor.sock no such file\n", "unix://$TMP/supervisor.sock no such file\n"},
		{"/tmp/golden-123/a-stdout---golden-k3_x9abc.log\n", "$TMP/a-stdout---golden-<RAND>.log\n"},
		{"a\r\n\x1b[?2004hb\r\n", "a\nb\n"},
		{"error: <class 'X'>, msg: file: /usr/lib/python3.11/socket.py line: 836\n", "error: <class 'X'>, msg: file: <FILE> line: <LINE>\n"},
		{"x\n2026-11-23 22:40:01,123 CRIT Supervisor is running as root.  Privileges...\ny\n", "x\ny\n"},
	}
	for _, tt := range tests {
		if got := normalize(tt.in, tmp, 9123); got != tt.want {
			t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Idempotent: normalising a golden again changes nothing.
	for _, tt := range tests {
		if got := normalize(tt.want, tmp, 9123); got != tt.want {
			t.Errorf("normalize is not idempotent on %q: %q", tt.want, got)
		}
	}
}

func TestRecordFormat(t *testing.T) {
	r := &caseRun{tmp: "/tmp/golden-1", port: 1234}
	got := r.record(commandResult{stdout: "a\nno eol", stderr: "oops\n", exitCode: 7})
	want := "a\nno eol\n(no newline at end)\n--- stderr\noops\n[exit 7]\n"
	if got != want {
		t.Errorf("record = %q, want %q", got, want)
	}
	if got := r.record(commandResult{stdout: "x\n", exitCode: exitInterrupted}); got != "x\n[interrupted]\n" {
		t.Errorf("interrupted record = %q", got)
	}
	if got := sortLines("b\na\nc"); got != "a\nb\nc\n" {
		t.Errorf("sortLines = %q", got)
	}
}

func TestSplitWords(t *testing.T) {
	got, err := splitWords(`ctl-until "==> Press" tail -f 'a b'`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ctl-until", "==> Press", "tail", "-f", "a b"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := splitWords(`a "b`); err == nil {
		t.Error("unterminated quote accepted")
	}
}

func TestParseScript(t *testing.T) {
	script := "> daemon +auth\n> ctl status\nsleeper RUNNING\n[exit 0]\n> # note\n"
	got := parseScript(script)
	want := []string{"daemon +auth", "ctl status", "# note"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestLineDiff(t *testing.T) {
	d := lineDiff("a\nb\nc\n", "a\nB \nc\n")
	want := "  a\n- b\n+ B ⏎\n  c\n"
	if d != want {
		t.Errorf("diff:\n%s\nwant:\n%s", d, want)
	}
	if lineDiff("same\n", "same\n") != "" {
		t.Error("equal texts give a diff")
	}
}

// Help texts are laid out as `syntax<TABs>sentence` lines, continuation
// lines starting with tabs, and a few notes; helpLayout keeps the syntax
// and the tabs and drops the sentences, so that two clients whose help
// says the same things in other words compare equal.
var helpSentences = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`(?m)^([^\t\n]*\t+)[^\t\n]+$`), "${1}<help>"},
	{regexp.MustCompile(`(?m)^Note: .*$`), "Note: <help>"},
	{regexp.MustCompile(`(?m)^(tail \[-f\] <name> \[stdout\|stderr\]) \(.*\)$`), "${1} (<help>)"},
}

func helpLayout(s string) string {
	for _, h := range helpSentences {
		s = h.re.ReplaceAllString(s, h.repl)
	}
	return s
}
