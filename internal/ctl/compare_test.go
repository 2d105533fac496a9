package ctl

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// compareCase is one command line given to both clients.
type compareCase struct {
	args string
	// mode is helpMode when the output holds help text, whose sentences
	// are ours, and unorderedMode when the daemon's timing orders the
	// result lines.
	mode textMode
	// setup brings the daemon to the state the command expects, before
	// each client's run.
	setup func(t *testing.T, d *daemon)
}

func running(names ...string) func(*testing.T, *daemon) {
	return func(t *testing.T, d *daemon) {
		for _, n := range names {
			d.call(t, "supervisor.startProcess", n, true)
		}
	}
}

func stopped(names ...string) func(*testing.T, *daemon) {
	return func(t *testing.T, d *daemon) {
		for _, n := range names {
			d.call(t, "supervisor.stopProcess", n, true)
		}
	}
}

func both(fs ...func(*testing.T, *daemon)) func(*testing.T, *daemon) {
	return func(t *testing.T, d *daemon) {
		for _, f := range fs {
			f(t, d)
		}
	}
}

// TestCompareCommands runs every default command, with good and bad
// arguments, through both clients against one daemon.
func TestCompareCommands(t *testing.T) {
	t.Parallel()
	d := startDaemon(t)
	cases := []compareCase{
		// status
		{args: "status"},
		{args: "status sleeper"},
		{args: "status grp:*"},
		{args: "status foo grp:x nog:* sleeper"},
		{args: "status-x"},
		{args: "status a_program_with_a_name_longer_than_thirty"},
		// start
		{args: "start sleeper", setup: stopped("sleeper")},
		{args: "start sleeper", setup: running("sleeper")},
		{args: "start missing"},
		{args: "start notexec"},
		{args: "start nope"},
		{args: "start nog:*"},
		{args: "start", mode: helpMode},
		{args: "start grp:*", setup: stopped("grp:a", "grp:b"), mode: unorderedMode},
		{args: "start grp:* sleeper nope", setup: stopped("grp:b", "sleeper")},
		// stop
		{args: "stop sleeper", setup: running("sleeper")},
		{args: "stop sleeper", setup: stopped("sleeper")},
		{args: "stop nog:*"},
		{args: "stop", mode: helpMode},
		{args: "stop grp:*", setup: running("grp:a", "grp:b"), mode: unorderedMode},
		{args: "stop grp:*", setup: stopped("grp:a", "grp:b")},
		// restart
		{args: "restart sleeper", setup: running("sleeper")},
		{args: "restart sleeper grp:*", setup: both(running("sleeper", "grp:a"), stopped("grp:b")), mode: unorderedMode},
		{args: "restart", mode: helpMode},
		{args: "restart nope"},
		// signal
		{args: "signal HUP", mode: helpMode},
		{args: "signal FOO sleeper", setup: running("sleeper")},
		{args: "signal CONT sleeper", setup: running("sleeper")},
		{args: "signal CONT nope"},
		{args: "signal CONT grp:b", setup: stopped("grp:b")},
		{args: "signal CONT grp:*", setup: both(running("grp:a"), stopped("grp:b"))},
		// pid
		{args: "pid"},
		{args: "pid all"},
		{args: "pid sleeper", setup: running("sleeper")},
		{args: "pid nope sleeper"},
		{args: "pid grp:b", setup: stopped("grp:b")},
		// tail
		{args: "tail echoer"},
		{args: "tail echoer stderr"},
		{args: "tail echoer STDERR"},
		{args: "tail -3 echoer"},
		{args: "tail echoer bad"},
		{args: "tail -x echoer"},
		{args: "tail", mode: helpMode},
		{args: "tail -5"},
		{args: "tail a b c d", mode: helpMode},
		{args: "tail nope"},
		{args: "tail nolog"},
		// maintail
		{args: "maintail -10"},
		{args: "maintail x"},
		{args: "maintail a b", mode: helpMode},
		// clear
		{args: "clear nope"},
		{args: "clear grp:*"},
		{args: "clear", mode: helpMode},
		{args: "clear sleeper grp:a"},
		// configuration
		{args: "avail"},
		{args: "avail x", mode: helpMode},
		{args: "reread"},
		{args: "reread x", mode: helpMode},
		{args: "add x"},
		{args: "add sleeper"},
		{args: "remove x"},
		{args: "remove sleeper", setup: running("sleeper")},
		{args: "update"},
		{args: "update nope"},
		{args: "update sleeper nope"},
		// daemon
		{args: "version"},
		{args: "version x", mode: helpMode},
		{args: "shutdown x", mode: helpMode},
		{args: "reload x", mode: helpMode},
		{args: "open ftp://x"},
		{args: "open " + d.url()},
		{args: "fg", mode: helpMode},
		{args: "fg nope"},
		{args: "fg grp:b", setup: stopped("grp:b")},
		// shell words and syntax
		{args: "foo bar"},
		{args: "!ls"},
		{args: "EOF"},
		{args: "quit"},
		{args: "help foo"},
		{args: "help EOF"},
		{args: "help", mode: helpMode},
		{args: "?start", mode: helpMode},
	}
	// The help of every command, in one piped session: it always exits 0.
	var helps strings.Builder
	for _, topic := range []string{"add", "avail", "clear", "exit", "fg", "maintail", "open", "pid", "quit", "reload",
		"remove", "reread", "restart", "shutdown", "signal", "start", "status", "stop", "tail", "update", "version"} {
		helps.WriteString("help " + topic + "\n")
	}
	t.Run("help topics", func(t *testing.T) {
		t.Parallel()
		compareClients(t, d.dir, helps.String(), nil, helpMode, nil, "-c", d.conf)
	})
	for _, c := range cases {
		t.Run(c.args, func(t *testing.T) {
			var setup func()
			if c.setup != nil {
				setup = func() { c.setup(t, d) }
			} else {
				// Commands that need no particular state run together,
				// after those that do.
				t.Parallel()
			}
			args := append([]string{"-c", d.conf}, strings.Fields(c.args)...)
			if c.args == "" {
				args = []string{"-c", d.conf, ""}
			}
			compareClients(t, d.dir, "", nil, c.mode, setup, args...)
		})
	}
}

// TestCompareConnectionFailures covers what happens when nothing answers:
// a closed port, a missing socket, a URL of the wrong kind.
func TestCompareConnectionFailures(t *testing.T) {
	t.Parallel()
	requireTools(t)
	dir := t.TempDir()
	closed := "http://127.0.0.1:" + strconv.Itoa(closedPort(t))
	missing := "unix://" + filepath.Join(dir, "none.sock")
	for _, server := range []string{closed, missing} {
		cmds := []string{"status", "start x", "pid", "tail -f x", "version", "avail", "update", "shutdown", "open " + server}
		if server == closed {
			cmds = append(cmds, "status sleeper", "stop x", "restart x", "signal HUP x", "pid x", "tail x",
				"maintail", "maintail -f", "clear x", "fg x", "reread", "add x", "remove x", "reload")
		}
		for _, cmd := range cmds {
			args := append([]string{"-s", server}, strings.Fields(cmd)...)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				t.Parallel()
				compareClients(t, dir, "", nil, exact, nil, args...)
			})
		}
	}
	for _, args := range [][]string{
		{"-s", "ftp://x", "status"},
		{"-s", "ftp://x", "avail"},
		{"-s", "HTTP://x", "version"},
		{"-s", "localhost:9001", "pid"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			compareClients(t, dir, "", nil, exact, nil, args...)
		})
	}
}

// TestCompareOptions covers the command line and the [supervisorctl]
// section: bad options, bad files, the config search.
func TestCompareOptions(t *testing.T) {
	t.Parallel()
	requireTools(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	noSection := write("nosection.conf", "[supervisord]\n")
	badExpand := write("badexpand.conf", "[supervisorctl]\nserverurl=%(nothere)s\n")
	here := write("here.conf", "[supervisorctl]\nserverurl=unix://%(here)s/x/../s.sock\nprompt=p\n")
	plugin := write("plugin.conf", "[supervisorctl]\n[ctlplugin:x]\nsupervisor.ctl_factory = nope.module:factory\n")
	pluginNoFactory := write("plugin2.conf", "[supervisorctl]\n[ctlplugin:x]\nfoo=bar\n")
	envConf := write("env.conf", "[supervisorctl]\nserverurl=unix://%(ENV_SOCKDIR)s/e.sock\n")
	defaults := write("defaults.conf", "[DEFAULT]\nserverurl=unix:///defaulted.sock\n[supervisorctl]\n")
	for _, args := range [][]string{
		{"-x"},
		{"--nope"},
		{"-c"},
		{"--serverurl"},
		{"--interactive=1", "status"},
		{"--h"},
		{"-s", "foo", "status"},
		{"--serverurl=foo", "status"},
		{"-s", "http://", "status"},
		{"-s", "http://a:1", "-s", "http://b:2", "status"},
		{"-c", "/nonexistent.conf", "status"},
		{"-c", noSection, "status"},
		{"-c", badExpand, "status"},
		{"-c", here, "status"},
		{"-c", here, "shutdown"},
		{"-c", plugin, "status"},
		{"-c", pluginNoFactory, "status"},
		{"-c", envConf, "status"},
		{"-c", defaults, "status"},
		{"--configuration=" + here, "--serv=unix:///other.sock", "status"},
		{"-c", here, "--", "status"},
		{"-c" + here, "status"},
		{"-h"},
		{"-?"},
		{"--help"},
		{"-c", here, "-h", "status"},
	} {
		mode := exact
		if contains(args, "-h") || contains(args, "-?") || contains(args, "--help") {
			mode = usageMode
		}
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			compareClients(t, dir, "", []string{"SOCKDIR=" + dir}, mode, nil, args...)
		})
	}
	// Without -c, both look for ./supervisord.conf first (after the
	// prefix-relative paths, which do not exist here).
	searchDir := filepath.Join(dir, "search")
	if err := os.Mkdir(searchDir, 0o755); err != nil {
		t.Fatal(err)
	}
	write("search/supervisord.conf", "[supervisorctl]\nserverurl=unix://%(here)s/found.sock\n")
	t.Run("search path", func(t *testing.T) {
		compareClients(t, searchDir, "", nil, exact, nil, "status")
	})
}

// TestCompareAuthentication covers a daemon that wants credentials.
func TestCompareAuthentication(t *testing.T) {
	t.Parallel()
	d := startDaemon(t, withAuth("bob", "secret"))
	for _, args := range [][]string{
		{"status"},
		{"avail"},
		{"-u", "bob", "version"},
		{"-u", "bob", "-p", "wrong", "version"},
		{"-u", "bob", "-p", "secret", "version"},
		{"-u", "bob", "-p", "secret", "status", "sleeper"},
		{"-u", "bob", "-p", "secret", "tail", "-f", "nope"},
		{"-u", "bob", "-p", "wrong", "shutdown"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			t.Parallel()
			compareClients(t, d.dir, "", nil, exact, nil, append([]string{"-c", d.conf}, args...)...)
		})
	}
	// In interactive mode the client asks for credentials; at end of input
	// it reports the failed read.
	t.Run("interactive prompt at EOF", func(t *testing.T) {
		t.Parallel()
		compareClients(t, d.dir, "", nil, exact, nil, "-c", d.conf, "-i", "status")
	})
}

// TestComparePipedShell feeds the shell from a pipe: prompts, blank lines,
// unknown commands, and the exit status that is always 0.
func TestComparePipedShell(t *testing.T) {
	t.Parallel()
	d := startDaemon(t)
	for _, stdin := range []string{
		"status sleeper\nfoo\n\nversion\n",
		"pid nope\nquit\nversion\n",
		"help\nexit\n",
		"shutdown\nn\nstatus sleeper\n",
		"reload\nno\n",
		"shutdown\n",
		"  \n\t\nstatus nope\n",
	} {
		t.Run(strings.ReplaceAll(stdin, "\n", "|"), func(t *testing.T) {
			mode := exact
			if stdin == "help\nexit\n" {
				mode = helpMode
			}
			compareClients(t, d.dir, stdin, nil, mode, nil, "-c", d.conf)
		})
	}
}
