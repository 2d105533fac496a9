package clusterbench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/supvisors-go/supvisors/internal/loopback"
	"github.com/supvisors-go/supvisors/internal/xmlrpc"
)

// MarkerEnv is the environment variable every launched daemon carries (and
// hands down to its programs): "<cluster marker>/<nick>". Scanning
// /proc/*/environ for it finds every process of a run, orphans included.
const MarkerEnv = "SUPVISORS_CLUSTER_MARK"

// callTimeout bounds one observation call; a partitioned instance must not
// hang an observer.
const callTimeout = 10 * time.Second

// Node is one supvisord instance of a Cluster. Set the exported fields
// before Cluster.Start; the rest belongs to the launcher.
type Node struct {
	// Nick is the nick name of the instance in supvisors_list and its
	// supervisord identifier.
	Nick string
	// Host is the address the instance listens on and is declared with.
	Host string
	// Port is its HTTP port.
	Port int
	// Daemon overrides the cluster's daemon for this instance (a mixed
	// cluster, e.g. one Python Supvisors instance among ours).
	Daemon string
	// Wrap prefixes the daemon's command line, e.g. ip netns exec NAME.
	Wrap []string
	// Options are [rpcinterface:supvisors] options of this instance only;
	// they override the cluster's.
	Options map[string]string
	// ObserveAddr is the host:port observers call; Host:Port when empty
	// (an instance in a network namespace is reached through a relay).
	ObserveAddr string

	cluster *Cluster
	dir     string
	mark    string

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	client  *xmlrpc.Client
}

// Identifier is the Supvisors identifier of the instance: host:port.
func (n *Node) Identifier() string { return net.JoinHostPort(n.Host, strconv.Itoa(n.Port)) }

// Dir is the directory holding the instance's configuration and logs.
func (n *Node) Dir() string { return n.dir }

// ConfigPath is the path of the instance's configuration file.
func (n *Node) ConfigPath() string { return filepath.Join(n.dir, "supervisord.conf") }

// OutputPath is the file collecting the daemon's stdout and stderr.
func (n *Node) OutputPath() string { return filepath.Join(n.dir, "daemon.out") }

// LogPath is the daemon's main log file.
func (n *Node) LogPath() string { return filepath.Join(n.dir, "supervisord.log") }

// PID is the pid of the running daemon, 0 when it is not running.
func (n *Node) PID() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil || n.cmd.Process == nil || isClosed(n.done) {
		return 0
	}
	return n.cmd.Process.Pid
}

// Done is closed when the current daemon process has exited (nil before
// the first start).
func (n *Node) Done() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.done
}

// ExitErr is the result of the daemon's wait once Done is closed: nil for
// a clean exit status 0.
func (n *Node) ExitErr() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.waitErr
}

// Running reports whether the daemon process is alive.
func (n *Node) Running() bool { return n.PID() != 0 }

// Exited reports whether the daemon was started and has exited since.
func (n *Node) Exited() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cmd != nil && isClosed(n.done)
}

func isClosed(ch chan struct{}) bool {
	if ch == nil {
		return true
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Start launches the daemon with the configuration the cluster wrote. The
// output file is appended to, so a restarted instance keeps its history.
func (n *Node) Start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil && !isClosed(n.done) {
		return fmt.Errorf("clusterbench: %s is already running", n.Nick)
	}
	out, err := os.OpenFile(n.OutputPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	daemon := n.Daemon
	if daemon == "" {
		daemon = n.cluster.Daemon
	}
	argv := append(append([]string{}, n.Wrap...), daemon, "-n", "-c", n.ConfigPath())
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = n.dir
	cmd.Env = append(os.Environ(), MarkerEnv+"="+n.mark)
	cmd.Stdout, cmd.Stderr = out, out
	// Its own process group, so that a Ctrl-C on the caller does not reach
	// it before the launcher stops it; and if the caller dies without
	// stopping it, the kernel asks it to stop. The kernel ties that signal
	// to the OS thread that forked, not to the process: a caller must not
	// end threads (a goroutine exiting while locked to its thread) or the
	// daemons forked there are stopped with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("clusterbench: starting %s: %w", n.Nick, err)
	}
	done := make(chan struct{})
	n.cmd, n.done, n.waitErr = cmd, done, nil
	go func() {
		err := cmd.Wait()
		n.mu.Lock()
		n.waitErr = err
		n.mu.Unlock()
		close(done)
	}()
	n.cluster.logger().Info("instance started", "nick", n.Nick, "identifier", n.Identifier(), "pid", cmd.Process.Pid)
	return nil
}

// Kill ends the instance as a machine crash would: SIGKILL to the daemon,
// then to every process it left behind (its programs), so that the peers
// lose the instance and everything it ran at once.
func (n *Node) Kill() {
	n.mu.Lock()
	cmd, done := n.cmd, n.done
	n.mu.Unlock()
	if cmd != nil && !isClosed(done) {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
	}
	for _, p := range markedProcesses(n.mark, true) {
		_ = syscall.Kill(p.PID, syscall.SIGKILL)
	}
	n.cluster.logger().Info("instance killed", "nick", n.Nick)
}

// Stop asks the daemon to shut down (SIGTERM, which also stops its
// programs) and kills it if it has not exited within grace. It reports the
// processes that had to be killed, which an orderly stop never leaves.
func (n *Node) Stop(grace time.Duration) error {
	n.mu.Lock()
	cmd, done := n.cmd, n.done
	n.mu.Unlock()
	var problems []string
	if cmd != nil && !isClosed(done) {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(grace):
			problems = append(problems, fmt.Sprintf("daemon pid %d ignored SIGTERM for %s", cmd.Process.Pid, grace))
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
		}
	}
	for _, p := range markedProcesses(n.mark, true) {
		problems = append(problems, fmt.Sprintf("left behind: pid %d %q", p.PID, p.Cmdline))
		_ = syscall.Kill(p.PID, syscall.SIGKILL)
	}
	n.mu.Lock()
	if n.client != nil {
		n.client.Close()
	}
	n.mu.Unlock()
	if len(problems) > 0 {
		return fmt.Errorf("clusterbench: stopping %s: %s", n.Nick, strings.Join(problems, "; "))
	}
	return nil
}

// Call invokes a method on the instance, bounded by callTimeout.
func (n *Node) Call(ctx context.Context, method string, params ...any) (any, error) {
	n.mu.Lock()
	if n.client == nil {
		addr := n.ObserveAddr
		if addr == "" {
			addr = n.Identifier()
		}
		c, err := xmlrpc.NewClient("http://"+addr+"/RPC2", xmlrpc.ClientOptions{Timeout: callTimeout})
		if err != nil {
			n.mu.Unlock()
			return nil, err
		}
		n.client = c
	}
	c := n.client
	n.mu.Unlock()
	return c.Call(ctx, method, params...)
}

// Cluster is a set of instances declared in one supvisors_list.
type Cluster struct {
	// Daemon is the supvisord binary (or any program taking -n -c FILE).
	Daemon string
	// Dir holds one sub-directory per instance.
	Dir string
	// Nodes are the instances, in supvisors_list order.
	Nodes []*Node
	// Options are [rpcinterface:supvisors] options shared by all instances.
	Options map[string]string
	// Programs is INI text appended to every configuration; when empty,
	// DefaultPrograms is used.
	Programs string
	// Logger receives the launcher's progress; nil discards it.
	Logger *slog.Logger
	// Marker identifies the run's processes (MarkerEnv); a unique value
	// is chosen when empty.
	Marker string
}

// DefaultPrograms are the programs every instance runs unless the cluster
// says otherwise: two sleepers, started automatically.
const DefaultPrograms = `
[program:sleeper]
command=sleep 86400
startsecs=1

[program:napper]
command=sleep 86400
startsecs=1
`

func (c *Cluster) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}

// Node returns the instance with the given nick name or identifier.
func (c *Cluster) Node(name string) *Node {
	for _, n := range c.Nodes {
		if n.Nick == name || n.Identifier() == name {
			return n
		}
	}
	return nil
}

// SupvisorsList is the supvisors_list value: <nick>host:port, in order.
func (c *Cluster) SupvisorsList() string {
	items := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		items[i] = "<" + n.Nick + ">" + n.Identifier()
	}
	return strings.Join(items, ",")
}

// Config is the configuration file of one instance.
func (c *Cluster) Config(n *Node) string {
	opts := map[string]string{}
	for k, v := range c.Options {
		opts[k] = v
	}
	for k, v := range n.Options {
		opts[k] = v
	}
	keys := make([]string, 0, len(opts))
	for k := range opts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "[supervisord]\nidentifier=%s\nlogfile=%s\npidfile=%s\nchildlogdir=%s\nloglevel=info\n\n",
		n.Nick, n.LogPath(), filepath.Join(n.dir, "supervisord.pid"), n.dir)
	fmt.Fprintf(&b, "[inet_http_server]\nport=%s\n\n", n.Identifier())
	b.WriteString("[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n")
	b.WriteString("[rpcinterface:supvisors]\nsupervisor.rpcinterface_factory = supvisors.plugin:make_supvisors_rpcinterface\n")
	fmt.Fprintf(&b, "supvisors_list = %s\n", c.SupvisorsList())
	for _, k := range keys {
		fmt.Fprintf(&b, "%s = %s\n", k, opts[k])
	}
	programs := c.Programs
	if programs == "" {
		programs = DefaultPrograms
	}
	b.WriteString(programs)
	return b.String()
}

// Prepare writes every instance's directory and configuration. Start calls
// it; call it yourself to start the instances one by one.
func (c *Cluster) Prepare() error {
	if c.Daemon == "" || c.Dir == "" || len(c.Nodes) == 0 {
		return errors.New("clusterbench: a cluster needs a daemon, a directory and instances")
	}
	if c.Marker == "" {
		c.Marker = fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano())
	}
	for _, n := range c.Nodes {
		n.cluster = c
		n.dir = filepath.Join(c.Dir, n.Nick)
		n.mark = c.Marker + "/" + n.Nick
		if err := os.MkdirAll(n.dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(n.ConfigPath(), []byte(c.Config(n)), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Start prepares and launches every instance. On error, the instances
// already launched keep running: call Stop.
func (c *Cluster) Start() error {
	if err := c.Prepare(); err != nil {
		return err
	}
	for _, n := range c.Nodes {
		if err := n.Start(); err != nil {
			return err
		}
	}
	return nil
}

// Stop stops every instance (in parallel, each with the grace period) and
// then kills whatever process of the run is still alive. The error lists
// what an orderly stop should not have left.
func (c *Cluster) Stop(grace time.Duration) error {
	errs := make([]error, len(c.Nodes))
	var wg sync.WaitGroup
	for i, n := range c.Nodes {
		if n.cluster == nil {
			continue
		}
		wg.Go(func() { errs[i] = n.Stop(grace) })
	}
	wg.Wait()
	if c.Marker != "" {
		for _, p := range markedProcesses(c.Marker+"/", false) {
			errs = append(errs, fmt.Errorf("clusterbench: left behind: pid %d %q", p.PID, p.Cmdline))
			_ = syscall.Kill(p.PID, syscall.SIGKILL)
		}
	}
	return errors.Join(errs...)
}

// FreePorts returns n distinct TCP ports free on 127.0.0.1, reserved for
// this process (see package loopback).
func FreePorts(n int) ([]int, error) { return loopback.FreePorts(n) }

// LocalCluster describes size instances on 127.0.0.1 with free ports,
// nick-named A, B, ... Z, then Z026, Z027, ...
func LocalCluster(daemon, dir string, size int) (*Cluster, error) {
	ports, err := FreePorts(size)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Daemon: daemon, Dir: dir}
	for i, p := range ports {
		c.Nodes = append(c.Nodes, &Node{Nick: NickOf(i), Host: "127.0.0.1", Port: p})
	}
	return c, nil
}

// NickOf is the nick name of the i-th instance of a generated cluster.
// Nick names order like the instances, which makes the elected Master (the
// lowest nick name) predictable.
func NickOf(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return fmt.Sprintf("Z%03d", i)
}
