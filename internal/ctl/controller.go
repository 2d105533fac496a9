package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"github.com/supvisors-go/supvisors/internal/errdefs"
	"github.com/supvisors-go/supvisors/internal/pyfmt"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// Exit statuses, as supervisorctl names them after the LSB init-script
// conventions.
const (
	ExitSuccess                = 0
	ExitGeneric                = 1
	ExitInvalidArgs            = 2
	ExitUnimplementedFeature   = 3
	ExitInsufficientPrivileges = 4
	ExitNotInstalled           = 5
	ExitNotRunning             = 7
)

// Exit statuses that only the status command uses (LSB status actions).
const (
	StatusExitNotRunning = 3
	StatusExitUnknown    = 4
)

// APIVersion is the supervisor namespace version this client speaks.
const APIVersion = "3.0"

// ErrQuit is returned by a command to leave the shell (quit, exit, EOF).
var ErrQuit = errors.New("quit")

// Caller is the XML-RPC surface commands use.
type Caller interface {
	Call(ctx context.Context, method string, params ...any) (any, error)
}

// Completion tells what the shell completes after a command name.
type Completion int

const (
	CompleteNothing   Completion = iota
	CompleteCommands             // command names (help)
	CompleteGroups               // group names (add, remove, update)
	CompleteProcesses            // process names and group:* (start, stop...)
)

// Command is one action of the shell.
type Command struct {
	// Name is the word typed to run it.
	Name string
	// Run does the work. arg is the rest of the line, trimmed. It returns
	// ErrQuit to leave the shell; any other error is reported the way
	// supervisorctl reports an exception (see describeError).
	Run func(ctx context.Context, arg string) error
	// Help prints the command's help; nil leaves the command out of the
	// help listing, as an undocumented command is in supervisorctl.
	Help func()
	// Complete says what to complete after the command name.
	Complete Completion
}

// Plugin is a named set of commands, the equivalent of a supervisorctl
// controller plugin: the default commands are one, the Supvisors commands
// another.
//
// A plugin's name, shown in the help header "<name> commands (type help
// <topic>):", is the name it was registered under, or for a configured
// plugin the x of its [ctlplugin:x] section.
type Plugin interface {
	Commands() []Command
}

// PluginFactory builds a plugin for a controller. extra holds the other
// keys of the plugin's [ctlplugin:x] section (empty for built-in plugins).
type PluginFactory func(c *Controller, extra map[string]string) (Plugin, error)

var (
	registryMu sync.Mutex
	factories  = map[string]PluginFactory{}
	builtins   []builtinPlugin
)

type builtinPlugin struct {
	name    string
	factory PluginFactory
	ref     string
}

// RegisterPlugin makes f available to [ctlplugin:x] sections whose
// supervisor.ctl_factory is ref (for Supvisors,
// "supvisors.supvisorsctl:make_supvisors_controller_plugin"). When builtin
// is set, the plugin is also loaded without any such section, under name,
// so that "-s URL" alone gives its commands. It panics if ref is taken.
// Call it from an init function of the package that holds the commands,
// and import that package from cmd/supvisorsctl.
func RegisterPlugin(ref, name string, builtin bool, f PluginFactory) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := factories[ref]; dup {
		panic("ctl: plugin factory registered twice: " + ref)
	}
	factories[ref] = f
	if builtin {
		builtins = append(builtins, builtinPlugin{name: name, factory: f, ref: ref})
	}
}

func lookupFactory(ref string) (PluginFactory, bool) {
	registryMu.Lock()
	defer registryMu.Unlock()
	f, ok := factories[ref]
	return f, ok
}

func builtinPlugins() []builtinPlugin {
	registryMu.Lock()
	defer registryMu.Unlock()
	return append([]builtinPlugin(nil), builtins...)
}

type loadedPlugin struct {
	name     string
	commands []Command
}

// Controller runs commands against one supervisord: it owns the options,
// the connection, the output streams and the exit status.
type Controller struct {
	opts    *Options
	in      lineSource
	out     io.Writer
	errOut  io.Writer
	plugins []loadedPlugin
	vocab   []string

	exitStatus   int
	completeInfo []map[string]any

	// startResults are result lines that plugins add to the start
	// command, by fault code (see SetStartResult).
	startResults map[errdefs.Code]string

	client    *xmlrpc.Client
	clientKey string

	// ownInterrupt is set while a command (tail -f, fg) handles Ctrl-C
	// itself; otherwise Ctrl-C ends the shell.
	ownInterrupt atomic.Bool
	// shellSigs is the shell's SIGINT channel while the shell runs: a
	// command that takes Ctrl-C for itself unregisters it meanwhile, so
	// that its Ctrl-C never reaches the shell, however late the shell's
	// watcher runs.
	shellSigs chan os.Signal
}

// newController loads the default plugin, the built-in plugins (unless the
// program runs as supervisorctl) and the configured ones, in that order.
func newController(opts *Options, in lineSource, out, errOut io.Writer) (*Controller, error) {
	c := &Controller{opts: opts, in: in, out: out, errOut: errOut, vocab: []string{"help"}}
	c.addPlugin(newDefaultPlugin(c), "default")
	loaded := map[string]bool{}
	builtin := builtinPlugins()
	if filepath.Base(opts.ProgName) == "supervisorctl" {
		// Under supervisorctl's name the client is supervisorctl: only the
		// plugins its configuration declares are loaded.
		builtin = nil
	}
	for _, b := range builtin {
		p, err := b.factory(c, map[string]string{})
		if err != nil {
			return nil, &usageError{fmt.Sprintf("%s: %v", b.name, err)}
		}
		c.addPlugin(p, b.name)
		loaded[b.ref] = true
	}
	for _, s := range opts.Plugins {
		if loaded[s.Factory] {
			continue
		}
		f, ok := lookupFactory(s.Factory)
		if !ok {
			return nil, &usageError{fmt.Sprintf("%s cannot be resolved within [ctlplugin:%s]", s.Factory, s.Name)}
		}
		p, err := f(c, s.Extra)
		if err != nil {
			return nil, &usageError{fmt.Sprintf("%s: %v", s.Name, err)}
		}
		// As in supervisorctl, a configured plugin is named after its
		// section.
		c.addPlugin(p, s.Name)
		loaded[s.Factory] = true
	}
	return c, nil
}

func (c *Controller) addPlugin(p Plugin, name string) {
	lp := loadedPlugin{name: name, commands: p.Commands()}
	sort.Slice(lp.commands, func(i, j int) bool { return lp.commands[i].Name < lp.commands[j].Name })
	c.plugins = append(c.plugins, lp)
	for _, cmd := range lp.commands {
		if !contains(c.vocab, cmd.Name) {
			c.vocab = append(c.vocab, cmd.Name)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Output prints one line, as every supervisorctl message is printed.
func (c *Controller) Output(line string) {
	_, _ = io.WriteString(c.out, line+"\n")
}

// Stdout is where command output goes, for commands that stream.
func (c *Controller) Stdout() io.Writer { return c.out }

// Stderr is where stream errors go.
func (c *Controller) Stderr() io.Writer { return c.errOut }

// ExitStatus is the status the one-shot mode exits with.
func (c *Controller) ExitStatus() int { return c.exitStatus }

// SetExitStatus records the exit status.
func (c *Controller) SetExitStatus(code int) { c.exitStatus = code }

// SetStartResult makes the start command print "<name>: <text>" for a
// process whose start fails with code, a code supervisorctl does not know
// (it would stop on "Unknown result code"). Supvisors' plugin adds
// DISABLED this way.
func (c *Controller) SetStartResult(code errdefs.Code, text string) {
	if c.startResults == nil {
		c.startResults = map[errdefs.Code]string{}
	}
	c.startResults[code] = text
}

// SetExitStatusFromFault applies supervisorctl's rule for a fault code in
// a result: success and the ignored code leave the status alone, the codes
// that mean the program is dead give 7, anything else 1.
func (c *Controller) SetExitStatusFromFault(code errdefs.Code, ignored ...errdefs.Code) {
	if code == errdefs.Success {
		return
	}
	for _, ig := range ignored {
		if code == ig {
			return
		}
	}
	switch code {
	case errdefs.SpawnError, errdefs.AbnormalTermination, errdefs.NotRunning:
		c.exitStatus = ExitNotRunning
	default:
		c.exitStatus = ExitGeneric
	}
}

// Interactive reports whether the user can be asked questions (-i, or the
// shell).
func (c *Controller) Interactive() bool { return c.opts.Interactive }

// ServerURL is the URL of the daemon in use.
func (c *Controller) ServerURL() string { return c.opts.ServerURL }

// Ask prints prompt and reads one line of input.
func (c *Controller) Ask(prompt string) (string, error) {
	return c.in.ReadLine(prompt)
}

// Supervisor returns the client for the current server URL and
// credentials. It fails like supervisorctl's transport does on a URL that
// is neither http:// nor unix://.
func (c *Controller) Supervisor() (Caller, error) {
	key := c.opts.ServerURL + "\x00" + c.opts.Username + "\x00" + c.opts.Password
	if c.client != nil && c.clientKey == key {
		return c.client, nil
	}
	if c.client != nil {
		c.client.Close()
		c.client = nil
	}
	cl, err := c.newClient(c.opts.ServerURL)
	if err != nil {
		return nil, err
	}
	c.client, c.clientKey = cl, key
	return cl, nil
}

// newClient opens a client to serverURL (an http:// or unix:// URL as -s
// takes it) with the credentials of the options.
func (c *Controller) newClient(serverURL string) (*xmlrpc.Client, error) {
	endpoint, err := clientEndpoint(serverURL)
	if err != nil {
		return nil, err
	}
	opts := xmlrpc.ClientOptions{UserAgent: "supvisorsctl"}
	// Supervisor's transport sends credentials only when both are set.
	if c.opts.hasUsername && c.opts.hasPassword {
		opts.Username, opts.Password = c.opts.Username, c.opts.Password
	}
	return xmlrpc.NewClient(endpoint, opts)
}

// close drops the connection.
func (c *Controller) close() {
	if c.client != nil {
		c.client.Close()
		c.client = nil
	}
}

// clientEndpoint maps a supervisorctl server URL to what the XML-RPC
// client dials: Supervisor ignores the path of an http:// URL (it always
// posts to /RPC2) and takes everything after unix:// as the socket path.
func clientEndpoint(serverURL string) (string, error) {
	switch {
	case strings.HasPrefix(serverURL, "http://"):
		u, err := url.Parse(serverURL)
		if err != nil || u.Host == "" {
			return "", &pyError{class: "ValueError", msg: "Unknown protocol for serverurl " + serverURL, file: supervisorXMLRPCFile, line: 505}
		}
		return "http://" + u.Host + "/RPC2", nil
	case strings.HasPrefix(serverURL, "unix://"):
		path := serverURL[len("unix://"):]
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		return "unix://" + path, nil
	default:
		return "", &pyError{class: "ValueError", msg: "Unknown protocol for serverurl " + serverURL, file: supervisorXMLRPCFile, line: 505}
	}
}

// Call invokes method on the current server.
func (c *Controller) Call(ctx context.Context, method string, params ...any) (any, error) {
	s, err := c.Supervisor()
	if err != nil {
		return nil, err
	}
	return s.Call(ctx, method, params...)
}

// Upcheck checks that the daemon answers with the expected API version.
// When it does not, it prints why, sets the exit status and returns false;
// an unexpected failure is returned as an error.
func (c *Controller) Upcheck(ctx context.Context) (bool, error) {
	v, err := c.Call(ctx, "supervisor.getVersion")
	if err != nil {
		var f *xmlrpc.Fault
		switch {
		case errors.As(err, &f):
			if f.Code == errdefs.UnknownMethod {
				c.Output("Sorry, supervisord responded but did not recognize the supervisor namespace " +
					"commands that supervisorctl uses to control it.  Please check that the " +
					"[rpcinterface:supervisor] section is enabled in the configuration file (see sample.conf).")
				c.exitStatus = ExitUnimplementedFeature
				return false, nil
			}
			c.exitStatus = ExitGeneric
			return false, err
		case isConnRefused(err):
			c.Output(c.opts.ServerURL + " refused connection")
			c.exitStatus = ExitInsufficientPrivileges
			return false, nil
		case isNoSuchFile(err):
			c.Output(c.opts.ServerURL + " no such file")
			c.exitStatus = ExitNotRunning
			return false, nil
		case isSocketError(err):
			c.exitStatus = ExitGeneric
		}
		return false, err
	}
	if s := pyfmt.Str(v); s != APIVersion {
		c.Output(fmt.Sprintf("Sorry, this version of supervisorctl expects to talk to a server with API "+
			"version %s, but the remote version is %s.", APIVersion, s))
		c.exitStatus = ExitNotInstalled
		return false, nil
	}
	return true, nil
}

// parseLine splits a line as Python's cmd.Cmd does: "?" means help, the
// command is the leading run of letters, digits and underscores, the
// argument is the trimmed rest. ok is false when no command can be read.
func parseLine(line string) (cmd, arg, whole string, ok bool) {
	whole = strings.TrimFunc(line, unicode.IsSpace)
	if whole == "" {
		return "", "", "", false
	}
	if whole[0] == '?' {
		whole = "help " + whole[1:]
	} else if whole[0] == '!' {
		// supervisorctl has no shell escape.
		return "", "", whole, false
	}
	i := 0
	for i < len(whole) && isIdentChar(whole[i]) {
		i++
	}
	return whole[:i], strings.TrimFunc(whole[i:], unicode.IsSpace), whole, true
}

func isIdentChar(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '_'
}

// lookup finds the command called name: the controller's own (help, EOF)
// first, then each plugin's in load order.
func (c *Controller) lookup(name string) func(ctx context.Context, arg string) error {
	switch name {
	case "help":
		return c.doHelp
	case "EOF":
		return c.doEOF
	}
	for _, p := range c.plugins {
		for _, cmd := range p.commands {
			if cmd.Name == name {
				return cmd.Run
			}
		}
	}
	return nil
}

// OneCmd runs one command line and reports whether the shell should end.
// Errors are printed, never returned: that is supervisorctl's contract.
func (c *Controller) OneCmd(ctx context.Context, line string) (stop bool) {
	cmd, arg, whole, ok := parseLine(line)
	if whole == "" {
		return false
	}
	if !ok || cmd == "" {
		c.unknownSyntax(whole)
		return false
	}
	c.completeInfo = nil
	run := c.lookup(cmd)
	if run == nil {
		c.unknownSyntax(whole)
		return false
	}
	err := run(ctx, arg)
	if err == nil {
		return false
	}
	if errors.Is(err, ErrQuit) {
		return true
	}
	if ctx.Err() != nil {
		// Ctrl-C stopped the command: the shell ends (see cmdLoop).
		return true
	}
	if errors.Is(err, errInterrupted) {
		// Ctrl-C at a question ends the shell, as KeyboardInterrupt does.
		c.Output("")
		return true
	}
	var he *xmlrpc.HTTPError
	if errors.As(err, &he) && he.StatusCode == 401 {
		c.Output("Server requires authentication")
		if c.opts.Interactive {
			user, err := c.in.ReadLine("Username:")
			if err != nil {
				c.reportError(err)
				return false
			}
			pass, err := c.in.ReadPassword("Password:")
			if err != nil {
				c.reportError(err)
				return false
			}
			c.Output("")
			c.opts.Username, c.opts.hasUsername = user, true
			c.opts.Password, c.opts.hasPassword = pass, true
			return c.OneCmd(ctx, whole)
		}
		c.exitStatus = ExitGeneric
		// supervisorctl 4.2.5 runs the command a second time after this
		// message; it fails the same way and that failure is reported too.
		err = run(ctx, arg)
		if err == nil {
			return false
		}
		if errors.Is(err, ErrQuit) {
			return true
		}
	}
	c.reportError(err)
	return false
}

func (c *Controller) unknownSyntax(line string) {
	c.Output("*** Unknown syntax: " + line)
	c.exitStatus = ExitGeneric
}

func (c *Controller) reportError(err error) {
	c.Output(describeError(err))
	c.exitStatus = ExitGeneric
}

func (c *Controller) doEOF(context.Context, string) error {
	c.Output("")
	return ErrQuit
}

// doHelp prints help for one command, or the command list of every
// plugin. Like supervisorctl, each plugin answers "help <cmd>" in turn,
// so a name unknown to one plugin gets that plugin's "no help" line.
func (c *Controller) doHelp(_ context.Context, arg string) error {
	if strings.TrimSpace(arg) == "help" {
		c.Output("help\t\tShow the list of commands")
		c.Output("help <action>\tShow how to use <action>")
		return nil
	}
	for _, p := range c.plugins {
		if arg != "" {
			found := false
			for _, cmd := range p.commands {
				if cmd.Name == arg && cmd.Help != nil {
					cmd.Help()
					found = true
					break
				}
			}
			if !found {
				c.Output("*** No help on " + arg)
			}
			continue
		}
		var names []string
		for _, cmd := range p.commands {
			if cmd.Help != nil {
				names = append(names, cmd.Name)
			}
		}
		c.Output("")
		c.printTopics(p.name+" commands (type help <topic>):", names, 80)
	}
	return nil
}

// printTopics prints a header, a ruler and the names in columns, the
// layout of Python's cmd.Cmd.print_topics.
func (c *Controller) printTopics(header string, names []string, maxCol int) {
	if len(names) == 0 {
		return
	}
	var b strings.Builder
	b.WriteString(header + "\n")
	b.WriteString(strings.Repeat("=", len(header)) + "\n")
	columnize(&b, names, maxCol-1)
	b.WriteString("\n")
	_, _ = io.WriteString(c.out, b.String())
}

// columnize lays names out in as few rows as fit in width, column-major,
// with two spaces between columns, as Python's cmd.Cmd.columnize does
// (including its trailing padding).
func columnize(b *strings.Builder, names []string, width int) {
	size := len(names)
	if size == 1 {
		b.WriteString(names[0] + "\n")
		return
	}
	nrows, ncols := size, 1
	colWidths := []int{0}
	for rows := 1; rows < size; rows++ {
		cols := (size + rows - 1) / rows
		widths := []int{}
		total := -2
		for col := 0; col < cols; col++ {
			w := 0
			for row := 0; row < rows; row++ {
				i := row + rows*col
				if i >= size {
					break
				}
				w = max(w, len(names[i]))
			}
			widths = append(widths, w)
			total += w + 2
			if total > width {
				break
			}
		}
		if total <= width {
			nrows, ncols, colWidths = rows, cols, widths
			break
		}
	}
	for row := 0; row < nrows; row++ {
		var texts []string
		for col := 0; col < ncols; col++ {
			i := row + nrows*col
			if i >= size {
				texts = append(texts, "")
			} else {
				texts = append(texts, names[i])
			}
		}
		for len(texts) > 0 && texts[len(texts)-1] == "" {
			texts = texts[:len(texts)-1]
		}
		for col := range texts {
			texts[col] += strings.Repeat(" ", max(0, colWidths[col]-len(texts[col])))
		}
		b.WriteString(strings.Join(texts, "  ") + "\n")
	}
}
