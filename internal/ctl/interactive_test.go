package ctl

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// terminal is a client running in a tmux pseudo-terminal.
type terminal struct {
	t      *testing.T
	socket string // tmux -L name, private to the test
	name   string
}

func requireTmux(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("tmux")
	if err != nil {
		t.Fatalf("tmux is required by this test: %v", err)
	}
	return p
}

// startTerminal runs command in a new 160x50 tmux window.
func startTerminal(t *testing.T, label, dir string, command ...string) *terminal {
	t.Helper()
	requireTmux(t)
	term := &terminal{t: t, socket: fmt.Sprintf("supvisorsctl-%d-%s-%s", os.Getpid(), strings.ReplaceAll(t.Name(), "/", "_"), label), name: label}
	// remain-on-exit keeps the last screen for inspection after the
	// client exits.
	args := []string{"-L", term.socket, "-f", "/dev/null", "new-session", "-d", "-s", label, "-x", "160", "-y", "50",
		"-c", dir, "env", "TERM=xterm", "HOME=" + dir}
	args = append(args, command...)
	args = append(args, ";", "set-option", "-w", "remain-on-exit", "on")
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", term.socket, "kill-server").Run() })
	return term
}

// send types keys (tmux key names: "Tab", "Enter", "C-c", "Up").
func (term *terminal) send(keys ...string) {
	term.t.Helper()
	args := append([]string{"-L", term.socket, "send-keys", "-t", term.name}, keys...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		term.t.Fatalf("tmux send-keys %q: %v\n%s", keys, err, out)
	}
}

// sendText types text literally.
func (term *terminal) sendText(text string) {
	term.t.Helper()
	if out, err := exec.Command("tmux", "-L", term.socket, "send-keys", "-t", term.name, "-l", text).CombinedOutput(); err != nil {
		term.t.Fatalf("tmux send-keys: %v\n%s", err, out)
	}
}

// exited tells whether the client has ended.
func (term *terminal) exited() bool {
	out, err := exec.Command("tmux", "-L", term.socket, "list-panes", "-t", term.name, "-F", "#{pane_dead}").Output()
	return err == nil && strings.TrimSpace(string(out)) == "1"
}

func (term *terminal) screen() string {
	term.t.Helper()
	out, err := exec.Command("tmux", "-L", term.socket, "capture-pane", "-p", "-t", term.name).Output()
	if err != nil {
		term.t.Fatalf("tmux capture-pane: %v", err)
	}
	// Trailing blank lines depend on nothing but the window size.
	return strings.TrimRight(string(out), "\n ") + "\n"
}

// waitFor polls the screen until its last non-blank line satisfies ok.
// The bound only protects the test run against a hung client.
func (term *terminal) waitFor(what string, ok func(screen, last string) bool) string {
	term.t.Helper()
	var s string
	for range 300 {
		s = term.screen()
		lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
		if ok(s, lines[len(lines)-1]) {
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
	term.t.Fatalf("%s: screen never showed %s:\n%s", term.name, what, s)
	return s
}

// waitLast waits for a screen other than before whose last line ends
// with suffix: the keys just sent have had their effect.
func (term *terminal) waitLast(suffix, before string) string {
	term.t.Helper()
	// tmux drops trailing spaces from what it captures.
	suffix = strings.TrimRight(suffix, " ")
	return term.waitFor(fmt.Sprintf("a last line ending with %q", suffix), func(screen, last string) bool {
		return screen != before && strings.HasSuffix(strings.TrimRight(last, " "), suffix)
	})
}

// step is one interaction: keys to type, then the text the last line ends
// with once the client is done with them.
type step struct {
	keys    []string // tmux key names
	text    string   // literal text typed before the keys
	waitFor string
	// exited waits for the client to end instead.
	exited bool
	// until, when set, replaces waitFor.
	until func(screen string) bool
	// settle lets the client get back to reading its input after its
	// output showed, before the next keys. Ctrl-C echoes as ^C when it
	// comes between two reads, in both clients.
	settle bool
}

// compareTerminals plays steps in a terminal running the reference
// client and in one running ours, and compares the screens after each.
func compareTerminals(t *testing.T, dir string, args []string, steps []step, after func(label string)) {
	t.Helper()
	screens := map[string][]string{}
	for _, client := range []struct{ label, bin string }{{"reference", referenceClient}, {"ours", ourClient}} {
		term := startTerminal(t, client.label, dir, append([]string{client.bin}, args...)...)
		for _, s := range steps {
			if s.settle {
				time.Sleep(500 * time.Millisecond)
			}
			before := ""
			if len(screens[client.label]) > 0 {
				before = term.screen()
			}
			if s.text != "" {
				term.sendText(s.text)
			}
			if len(s.keys) > 0 {
				term.send(s.keys...)
			}
			var screen string
			if s.until != nil {
				screen = term.waitFor("the expected output", func(screen, _ string) bool { return s.until(screen) })
			} else if s.exited {
				// tmux redraws the last screen of an ended client in its
				// own way; only the end itself is compared.
				term.waitFor("the client's end", func(string, string) bool { return term.exited() })
				screen = "(ended)"
			} else {
				screen = term.waitLast(s.waitFor, before)
			}
			screens[client.label] = append(screens[client.label], normalize(dropDeadPane(screen)))
		}
		if after != nil {
			after(client.label)
		}
	}
	for i := range steps {
		if w, g := screens["reference"][i], screens["ours"][i]; w != g {
			t.Errorf("after step %d (%q %q):\n=== reference\n%s\n=== ours\n%s", i, steps[i].text, steps[i].keys, w, g)
			return
		}
	}
}

// dropDeadPane removes tmux's note about the ended client, which holds the
// time.
func dropDeadPane(screen string) string {
	var keep []string
	for _, line := range strings.Split(screen, "\n") {
		if !strings.HasPrefix(line, "Pane is dead") {
			keep = append(keep, line)
		}
	}
	return strings.TrimRight(strings.Join(keep, "\n"), "\n ") + "\n"
}

// TestInteractiveShell drives both clients through a terminal: the status
// shown first, completion of commands and names, the confirmation of
// shutdown, tail -f and Ctrl-C, the history, and quit.
func TestInteractiveShell(t *testing.T) {
	t.Parallel()
	d := startDaemon(t)
	clientConf := filepath.Join(d.dir, "client.conf")
	conf := "[supervisorctl]\nserverurl=" + d.url() + "\nprompt=test\nhistory_file=%(here)s/history\n"
	if err := os.WriteFile(clientConf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	steps := []step{
		{waitFor: "test> "},
		{text: "stat", keys: []string{"Tab"}, waitFor: "test> status "},
		{text: "slee", keys: []string{"Tab"}, waitFor: "test> status sleeper "},
		{keys: []string{"Enter"}, waitFor: "test> "},
		{text: "status grp:", keys: []string{"Tab"}, waitFor: "test> status grp:"},
		{text: "a", keys: []string{"Tab"}, waitFor: "test> status grp:a "},
		{keys: []string{"Enter"}, waitFor: "test> "},
		{text: "help sh", keys: []string{"Tab"}, waitFor: "test> help shutdown "},
		{keys: []string{"C-u"}, waitFor: "test> "},
		{text: "nosuch command", keys: []string{"Enter"}, waitFor: "test> "},
		{text: "shutdown", keys: []string{"Enter"}, waitFor: "y/N? "},
		{text: "n", keys: []string{"Enter"}, waitFor: "test> "},
		{text: "tail -f echoer", keys: []string{"Enter"}, waitFor: "hello"},
		{keys: []string{"C-c"}, waitFor: "test> "},
		{text: "version", keys: []string{"Enter"}, waitFor: "test> "},
		{keys: []string{"Up", "Up"}, waitFor: "test> tail -f echoer"},
		{keys: []string{"C-u"}, waitFor: "test> "},
		{text: "quit", keys: []string{"Enter"}, exited: true},
	}
	historyFile := filepath.Join(d.dir, "history")
	compareTerminals(t, d.dir, []string{"-c", clientConf}, steps, func(label string) {
		history, err := os.ReadFile(historyFile)
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		for _, want := range []string{"status sleeper", "version", "quit"} {
			if !strings.Contains(string(history), want) {
				t.Errorf("%s: history file lacks %q:\n%s", label, want, history)
			}
		}
		// Each client starts from an empty history.
		if err := os.Remove(historyFile); err != nil {
			t.Fatal(err)
		}
	})
}

// TestInteractiveForeground attaches to a process with fg, types a line
// to it, and detaches with Ctrl-D. (supervisorctl cannot exit after fg
// until the process writes again, so the clients are not asked to quit.)
func TestInteractiveForeground(t *testing.T) {
	t.Parallel()
	d := startDaemon(t)
	d.call(t, "supervisor.startProcess", "cat", true)
	steps := []step{
		{waitFor: "supervisor> "},
		{text: "fg sleeper nope", keys: []string{"Enter"}, waitFor: "supervisor> "},
		{text: "fg grp:b", keys: []string{"Enter"}, waitFor: "supervisor> "},
		{text: "fg cat", keys: []string{"Enter"}, waitFor: "==> Press Ctrl-C to exit <=="},
		// The line typed shows twice: as typed, and as cat writes it back.
		{text: "ping", keys: []string{"Enter"}, until: func(screen string) bool { return strings.Count(screen, "ping\n") == 2 }},
		// Ctrl-D detaches too. (Ctrl-C does, but our line editor shows
		// "^C" where readline shows nothing.)
		{keys: []string{"C-d"}, waitFor: "supervisor> ", settle: true},
		{text: "version", keys: []string{"Enter"}, waitFor: "supervisor> "},
	}
	compareTerminals(t, d.dir, []string{"-c", d.conf}, steps, func(string) {
		d.call(t, "supervisor.clearProcessLogs", "cat")
	})
}

// TestInteractiveCredentials checks the prompt for a user name and a
// password when the daemon answers 401.
func TestInteractiveCredentials(t *testing.T) {
	t.Parallel()
	d := startDaemon(t, withAuth("bob", "secret"))
	steps := []step{
		{waitFor: "Username:"},
		{text: "bob", keys: []string{"Enter"}, waitFor: "Password:"},
		{text: "secret", keys: []string{"Enter"}, waitFor: "supervisor> "},
		{text: "status sleeper", keys: []string{"Enter"}, waitFor: "supervisor> "},
		{keys: []string{"C-d"}, exited: true},
	}
	compareTerminals(t, d.dir, []string{"-c", d.conf}, steps, nil)
}
