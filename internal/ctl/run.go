package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/peterh/liner"
)

// usageText is printed by -h; "%s" becomes the program name. Its layout
// follows supervisorctl's so that users find the options where they
// expect them.
const usageText = `supervisorctl -- drive the programs that supervisord runs, from a shell.

Usage: %s [options] [action [arguments]]

Options:
-c/--configuration FILENAME -- configuration file to read (searched for when omitted)
-h/--help -- show this message and exit
-i/--interactive -- open the interactive shell after running the action
-s/--serverurl URL -- where the supervisord server listens
     (default "http://localhost:9001").
-u/--username USERNAME -- user name for the server's authentication
-p/--password PASSWORD -- password for the server's authentication
-r/--history-file -- keep the shell's command history in this file

action [arguments] -- see below

An action is a command such as "tail" or "stop".  When -i is given, or when no
action is, an interactive shell reads actions from the terminal.  The action
"help" lists the available actions.
`

// Streams are the standard streams of a run.
type Streams struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Run runs supvisorsctl with argv (argv[0] included) and returns the
// exit status. Invoked as "supervisorctl" it behaves as supervisorctl;
// under any name it accepts the same options and commands.
func Run(argv []string, streams Streams) int {
	progName := "supvisorsctl"
	if len(argv) > 0 {
		progName = argv[0]
	}
	var args []string
	if len(argv) > 1 {
		args = argv[1:]
	}
	opts, err := parseOptions(progName, args, os.Environ())
	if err != nil {
		return usageExit(err, progName, streams)
	}
	// Decide where input comes from before building the controller: a
	// terminal gets the line editor, anything else plain lines.
	var (
		in    lineSource
		plain *plainSource
		term  *linerSource
	)
	// liner drives os.Stdin and os.Stdout itself, and needs both to be
	// the terminal.
	if opts.Interactive && len(opts.Args) == 0 && streams.Stdin == io.Reader(os.Stdin) && streams.Stdout == io.Writer(os.Stdout) &&
		isTerminal(os.Stdin) && isTerminal(os.Stdout) {
		term = newLinerSource()
		in = term
	} else {
		plain = newPlainSource(streams.Stdin, streams.Stdout, streams.Stderr)
		in = plain
	}
	c, err := newController(opts, in, streams.Stdout, streams.Stderr)
	if err != nil {
		if term != nil {
			term.close()
		}
		return usageExit(err, progName, streams)
	}
	defer c.close()
	if plain != nil {
		defer plain.close()
	}
	ctx := context.Background()
	if len(opts.Args) > 0 {
		c.OneCmd(ctx, strings.Join(opts.Args, " "))
		return c.ExitStatus()
	}
	if term != nil {
		term.state.SetWordCompleter(c.completeWord)
		loadHistory(term.state, opts.HistoryFile)
		c.cmdLoop(ctx)
		saveHistory(term.state, opts.HistoryFile)
		term.close()
		return ExitSuccess
	}
	c.cmdLoop(ctx)
	// The shell always exits 0, whatever its commands did.
	return ExitSuccess
}

func usageExit(err error, progName string, streams Streams) int {
	if errors.Is(err, errHelp) {
		_, _ = io.WriteString(streams.Stdout, strings.ReplaceAll(usageText, "%s", progName)+"\n")
		return ExitSuccess
	}
	fmt.Fprintf(streams.Stderr, "Error: %s\n", err.Error())
	fmt.Fprintf(streams.Stderr, "For help, use %s -h\n", progName)
	return ExitInvalidArgs
}

func loadHistory(state *liner.State, path string) {
	if path == "" {
		return
	}
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = state.ReadHistory(f)
}

func saveHistory(state *liner.State, path string) {
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = state.WriteHistory(f)
}
