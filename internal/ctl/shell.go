package ctl

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"

	"github.com/peterh/liner"
	"golang.org/x/sys/unix"
)

// errInterrupted is Ctrl-C at a prompt.
var errInterrupted = errors.New("interrupted")

// lineSource is where the shell reads its input: a line editor on a
// terminal, plain lines otherwise.
type lineSource interface {
	// ReadLine prints prompt and reads one line without its newline. It
	// returns io.EOF at end of input and errInterrupted on Ctrl-C.
	ReadLine(prompt string) (string, error)
	// ReadLineContext is ReadLine that gives up when ctx is done.
	ReadLineContext(ctx context.Context, prompt string) (string, error)
	// ReadPassword reads a line without echoing it.
	ReadPassword(prompt string) (string, error)
}

// plainSource reads lines from a pipe or file. Like Python's input(), it
// writes the prompt to stdout even though nobody sees it type.
//
// One goroutine owns the reader, so that a read abandoned by
// ReadLineContext does not lose the line to a second reader; it ends when
// the input does.
type plainSource struct {
	out    io.Writer
	errOut io.Writer

	start   sync.Once
	r       *bufio.Reader
	wants   chan struct{}
	results chan readResult
	pending bool // a read was requested and its result not consumed
}

type readResult struct {
	line string
	err  error
}

func newPlainSource(in io.Reader, out, errOut io.Writer) *plainSource {
	return &plainSource{out: out, errOut: errOut, r: bufio.NewReader(in),
		wants: make(chan struct{}), results: make(chan readResult, 1)}
}

func (s *plainSource) loop() {
	for range s.wants {
		line, err := s.r.ReadString('\n')
		if err == io.EOF && line != "" {
			err = nil
		}
		s.results <- readResult{strings.TrimSuffix(line, "\n"), err}
		if err != nil {
			return
		}
	}
}

func (s *plainSource) ReadLine(prompt string) (string, error) {
	return s.ReadLineContext(context.Background(), prompt)
}

func (s *plainSource) ReadLineContext(ctx context.Context, prompt string) (string, error) {
	s.start.Do(func() { go s.loop() })
	if prompt != "" {
		_, _ = io.WriteString(s.out, prompt)
	}
	if !s.pending {
		select {
		case s.wants <- struct{}{}:
			s.pending = true
		case r := <-s.results:
			// The reader already stopped at end of input.
			return "", r.err
		}
	}
	select {
	case r := <-s.results:
		s.pending = false
		if r.err != nil {
			// Keep answering EOF to later reads.
			s.results <- r
			s.pending = true
		}
		return r.line, r.err
	case <-ctx.Done():
		return "", errInterrupted
	}
}

func (s *plainSource) ReadPassword(prompt string) (string, error) {
	// As Python's getpass does without a terminal: warn, then read the
	// answer as a plain line, with the prompt on stderr.
	_, _ = io.WriteString(s.errOut, "Warning: Password input may be echoed.\n")
	_, _ = io.WriteString(s.errOut, prompt)
	return s.ReadLine("")
}

// close stops the reader goroutine when it is idle.
func (s *plainSource) close() {
	if !s.pending {
		close(s.wants)
	}
}

// linerSource edits lines on a terminal with history and completion.
//
// liner keeps the terminal in its editing mode from NewLiner to Close;
// readline only switches while it reads a line. Commands run with the
// terminal as the user had it, so that what they type echoes and Ctrl-C
// shows as ^C, as with supervisorctl.
type linerSource struct {
	state    *liner.State
	userMode liner.ModeApplier // the terminal before liner changed it
	editMode liner.ModeApplier // liner's editing mode
}

// newLinerSource takes over the terminal on stdin.
func newLinerSource() *linerSource {
	s := &linerSource{}
	s.userMode, _ = liner.TerminalMode()
	s.state = liner.NewLiner()
	s.editMode, _ = liner.TerminalMode()
	s.state.SetCtrlCAborts(true)
	s.state.SetTabCompletionStyle(liner.TabPrints)
	s.restore()
	return s
}

func (s *linerSource) restore() {
	if s.userMode != nil {
		_ = s.userMode.ApplyMode()
	}
}

func (s *linerSource) edit() {
	if s.editMode != nil {
		_ = s.editMode.ApplyMode()
	}
}

// close gives the terminal back.
func (s *linerSource) close() {
	s.edit()
	_ = s.state.Close()
}

func (s *linerSource) ReadLine(prompt string) (string, error) {
	s.edit()
	line, err := s.state.Prompt(prompt)
	s.restore()
	switch {
	case errors.Is(err, liner.ErrPromptAborted):
		return "", errInterrupted
	case err != nil:
		return "", err
	}
	if strings.TrimSpace(line) != "" {
		s.state.AppendHistory(line)
	}
	return line, nil
}

// ReadLineContext cannot abandon a read on a terminal once it started;
// Ctrl-C reaches it as a key instead, which ReadLine reports. A Ctrl-C
// that came while no read was going on is honoured before reading.
func (s *linerSource) ReadLineContext(ctx context.Context, prompt string) (string, error) {
	if ctx.Err() != nil {
		return "", errInterrupted
	}
	return s.ReadLine(prompt)
}

func (s *linerSource) ReadPassword(prompt string) (string, error) {
	s.edit()
	line, err := s.state.PasswordPrompt(prompt)
	s.restore()
	if errors.Is(err, liner.ErrPromptAborted) {
		return "", errInterrupted
	}
	return line, err
}

// isTerminal tells whether f is a terminal.
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// completerDelims are readline's default word delimiters without ":",
// "*" and "-", so that "group:*" and "my-prog" complete as one word.
const completerDelims = " \t\n\"\\'`@$><=;|&{("

// completeWord is the liner word completer: it completes the word under
// the cursor from the whole line, as supervisorctl's readline completer.
func (c *Controller) completeWord(line string, pos int) (head string, completions []string, tail string) {
	if pos > len(line) {
		pos = len(line)
	}
	start := strings.LastIndexAny(line[:pos], completerDelims) + 1
	text := line[start:pos]
	return line[:start], c.Complete(text, line[:pos]), line[pos:]
}

// Complete returns the completions of text, the word being typed, given
// the line typed so far. Each completion ends with a space.
func (c *Controller) Complete(text, line string) []string {
	var matches []string
	words := fields(line)
	switch {
	case strings.TrimSpace(line) == "", len(words) == 1 && !strings.HasSuffix(line, " "):
		matches = c.completeActions(text)
	default:
		switch c.completionOf(words[0]) {
		case CompleteCommands:
			matches = c.completeActions(text)
		case CompleteGroups:
			matches = c.completeGroups(text)
		case CompleteProcesses:
			matches = c.completeProcesses(text)
		}
	}
	return matches
}

func (c *Controller) completionOf(name string) Completion {
	if name == "help" {
		return CompleteCommands
	}
	for _, p := range c.plugins {
		for _, cmd := range p.commands {
			if cmd.Name == name {
				return cmd.Complete
			}
		}
	}
	return CompleteNothing
}

func (c *Controller) completeActions(text string) []string {
	var out []string
	for _, a := range c.vocab {
		if strings.HasPrefix(a, text) {
			out = append(out, a+" ")
		}
	}
	return out
}

// completeInfos fetches the process list once per command line: a single
// Tab press may ask for completions many times.
func (c *Controller) completeInfos() []map[string]any {
	if c.completeInfo == nil {
		v, err := c.Call(context.Background(), "supervisor.getAllProcessInfo")
		if err != nil {
			return nil
		}
		infos, err := asStructs(v)
		if err != nil {
			return nil
		}
		c.completeInfo = infos
	}
	return c.completeInfo
}

func (c *Controller) completeGroups(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, info := range c.completeInfos() {
		g := field(info, "group")
		if !seen[g] {
			seen[g] = true
			if strings.HasPrefix(g, text) {
				out = append(out, g+" ")
			}
		}
	}
	return out
}

func (c *Controller) completeProcesses(text string) []string {
	var candidates []string
	for _, info := range c.completeInfos() {
		g, n := field(info, "group"), field(info, "name")
		if strings.Contains(text, ":") || n != g {
			candidates = append(candidates, g+":"+n)
			if !contains(candidates, g+":*") {
				candidates = append(candidates, g+":*")
			}
		} else {
			candidates = append(candidates, n)
		}
	}
	var out []string
	for _, p := range candidates {
		if strings.HasPrefix(p, text) {
			out = append(out, p+" ")
		}
	}
	return out
}

// cmdLoop is the shell: status first, then a prompt until EOF, quit or
// exit. Ctrl-C at the prompt or during a command leaves the shell too, as
// KeyboardInterrupt does in supervisorctl; tail -f and fg take Ctrl-C for
// themselves.
func (c *Controller) cmdLoop(parent context.Context) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	c.shellSigs = sigs
	watcherDone := make(chan struct{})
	go func() {
		defer close(watcherDone)
		for range sigs {
			if !c.ownInterrupt.Load() {
				cancel()
			}
		}
	}()
	defer func() {
		signal.Stop(sigs)
		c.shellSigs = nil
		close(sigs)
		<-watcherDone
	}()

	interrupted := func() {
		// supervisorctl ends the line and leaves; our line editor has
		// already ended it when Ctrl-C came as a key.
		if _, edited := c.in.(*linerSource); !edited || ctx.Err() != nil {
			c.Output("")
		}
	}
	prompt := c.opts.Prompt + "> "
	if c.OneCmd(ctx, "status") {
		if ctx.Err() != nil {
			interrupted()
		}
		return
	}
	for {
		line, err := c.in.ReadLineContext(ctx, prompt)
		switch {
		case errors.Is(err, errInterrupted):
			interrupted()
			return
		case err != nil:
			line = "EOF"
		}
		if c.OneCmd(ctx, line) {
			if ctx.Err() != nil {
				interrupted()
			}
			return
		}
	}
}
