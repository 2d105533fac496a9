package process

import (
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"

	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

func TestSplitCommand(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  string
	}{
		{"sleep 10", []string{"sleep", "10"}, ""},
		{"  a\t b\n", []string{"a", "b"}, ""},
		{`sh -c 'echo "x y"; exit 1'`, []string{"sh", "-c", `echo "x y"; exit 1`}, ""},
		{`a "b \"c\" \d" e\ f`, []string{"a", `b "c" \d`, "e f"}, ""},
		{`a '' ""`, []string{"a", "", ""}, ""},
		{`a$HOME #not-a-comment`, []string{"a$HOME", "#not-a-comment"}, ""},
		{`x'y'z`, []string{"xyz"}, ""},
		{"", nil, ""},
		{`a "b`, nil, "No closing quotation"},
		{`a 'b`, nil, "No closing quotation"},
		{`a \`, nil, "No escaped character"},
	} {
		got, err := SplitCommand(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("SplitCommand(%q) error %v, want %s", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitCommand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestPyRepr(t *testing.T) {
	for in, want := range map[string]string{
		"abc":        `'abc'`,
		"it's":       `"it's"`,
		`it's "x"`:   `'it\'s "x"'`,
		"a\\b\n\x01": `'a\\b\n\x01'`,
	} {
		if got := pyfmt.Repr(in); got != want {
			t.Errorf("pyfmt.Repr(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestResolveCommand(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "tool")
	os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755)
	plain := filepath.Join(dir, "plain")
	os.WriteFile(plain, []byte("x"), 0o644)

	path, argv, err := ResolveCommand("tool --flag 'a b'", []string{"PATH=/nonexistent:" + dir}, []string{"PATH=/usr/bin"})
	if err != nil || path != exe || !reflect.DeepEqual(argv, []string{"tool", "--flag", "a b"}) {
		t.Errorf("program PATH: %s %q %v", path, argv, err)
	}
	if path, _, err = ResolveCommand("tool", nil, []string{"PATH=" + dir}); err != nil || path != exe {
		t.Errorf("daemon PATH: %s %v", path, err)
	}
	if path, _, err = ResolveCommand("sh -c true", nil, nil); err != nil || (path != "/bin/sh" && path != "/usr/bin/sh") {
		t.Errorf("default PATH: %s %v", path, err)
	}
	for _, tc := range []struct {
		cmd  string
		code errdefs.Code
		text string
	}{
		{"nothere", errdefs.NoFile, "can't find command 'nothere'"},
		{dir + "/nothere x", errdefs.NoFile, "can't find command '" + dir + "/nothere'"},
		{dir, errdefs.NotExecutable, "command at '" + dir + "' is a directory"},
		{plain, errdefs.NotExecutable, "command at '" + plain + "' is not executable"},
		{"", errdefs.NotExecutable, "command is empty"},
		{"a 'b", errdefs.NotExecutable, `can't parse command "a 'b": No closing quotation`},
	} {
		_, _, err := ResolveCommand(tc.cmd, []string{"PATH=" + dir}, nil)
		if !errdefs.Is(err, tc.code) || CommandErrorText(err) != tc.text {
			t.Errorf("ResolveCommand(%q) = %v, want %s: %s", tc.cmd, err, tc.code, tc.text)
		}
	}
}

func TestDecodeStatus(t *testing.T) {
	for _, tc := range []struct {
		ws   syscall.WaitStatus
		code int
		text string
	}{
		{ExitedWith(0), 0, "exit status 0"},
		{ExitedWith(3), 3, "exit status 3"},
		{KilledBy(syscall.SIGTERM), -1, "terminated by SIGTERM"},
		{KilledBy(syscall.SIGSEGV) | 0x80, -1, "terminated by SIGSEGV (core dumped)"},
		{KilledBy(syscall.SIGIO), -1, "terminated by SIGPOLL"},
	} {
		code, text := DecodeStatus(tc.ws)
		if code != tc.code || text != tc.text {
			t.Errorf("DecodeStatus(%#x) = %d %q, want %d %q", uint32(tc.ws), code, text, tc.code, tc.text)
		}
	}
	if SignalName(64) != "signal 64" {
		t.Errorf("SignalName(64) = %s", SignalName(64))
	}
}
