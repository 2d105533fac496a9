package fsm

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/cluster/options"
	"github.com/supvisors-go/supvisors/internal/config"
)

var rewrite = flag.Bool("rewrite", false, "rewrite the expected traces of testdata/cluster/*.txt")

// tickPeriod is Supervisor's TICK period. The first TICK comes 0 to 5 s
// after start-up (ticks are aligned on wall-clock multiples of 5 s); the
// harness puts it half a period after start-up.
const tickPeriod = 5 * time.Second

// node is one simulated supvisord: a Machine plus what its driver would
// hold (tick counter, commanders' jobs).
type node struct {
	name    string
	kv      map[string]string // options as key=value, applied on (re)start
	opts    *options.Options
	m       *Machine
	alive   bool
	counter int
	// Commanders: how many ticks the Starter (Stopper) stays busy after
	// StartDistribution (StopApplications), and whether conflicts exist.
	distTicks, stopTicks int
	startLeft, stopLeft  int
	conflicts            bool
	// stickyConflicts: the conciliation strategy (USER) leaves them.
	stickyConflicts bool
	lastMaster      string
	// restartPending: supervisord restarts at the next round after a
	// RestartLocal.
	restartPending bool
}

// msg is something in flight from one node to another.
type msg struct {
	from, to string
	ev       Event // RemoteTick, PeerState, RestartRequest, ShutdownRequest
	check    *CheckInstance
}

// cluster is the test driver: it runs every node's Machine, carries out
// their actions and delivers their messages, with kills and partitions.
type cluster struct {
	names     []string
	nodes     map[string]*node
	ids       map[string]string // identifier -> name
	queue     []msg
	partition map[string]int // group per name; nil when healed
	out       []string
}

func (c *cluster) printf(format string, args ...any) {
	c.out = append(c.out, fmt.Sprintf(format, args...))
}

// short renders identifiers as node names.
func (c *cluster) short(id string) string {
	if n, ok := c.ids[id]; ok {
		return n
	}
	return id
}

func (c *cluster) shortAll(ids []string) string {
	var s []string
	for _, id := range ids {
		s = append(s, c.short(id))
	}
	return strings.Join(s, " ")
}

func port(i int) int { return 61000 + 1000*i }

// section builds the [rpcinterface:supvisors] section of a node: every
// node runs on 127.0.0.1 with its own port, which options identifies.
func (c *cluster) section(n *node) (config.RawSection, options.Environment) {
	var items []string
	for i, name := range c.names {
		items = append(items, fmt.Sprintf("<%s>127.0.0.1:%d", name, port(i)))
	}
	sec := config.RawSection{Name: "supvisors"}
	sec.Options = append(sec.Options, config.Option{Key: "supvisors_list", Value: strings.Join(items, ",")})
	keys := make([]string, 0, len(n.kv))
	for k := range n.kv {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		sec.Options = append(sec.Options, config.Option{Key: k, Value: n.kv[k]})
	}
	return sec, options.Environment{HTTPPort: port(slices.Index(c.names, n.name)), HTTPHost: "127.0.0.1"}
}

func (c *cluster) start(n *node) error {
	sec, env := c.section(n)
	o, warns, err := options.Parse(sec, env)
	if err != nil {
		return err
	}
	for _, w := range warns {
		if !strings.Contains(w.Message, "CORE removed") {
			c.printf("%s: warning %s", n.name, w)
		}
	}
	m, err := New(ConfigFrom(o))
	if err != nil {
		return err
	}
	n.opts, n.m, n.alive, n.counter, n.restartPending = o, m, true, 0, false
	n.startLeft, n.stopLeft, n.lastMaster = 0, 0, ""
	for _, in := range o.Instances {
		c.ids[in.Identifier] = in.Nick
	}
	return nil
}

// step feeds an event to a node and carries out its actions.
func (c *cluster) step(n *node, ev Event) {
	if err := n.m.Step(ev); err != nil {
		c.printf("%s: error %v", n.name, err)
	}
	c.drain(n)
}

func (c *cluster) drain(n *node) {
	for n.m.HasReady() {
		for _, a := range n.m.Ready() {
			c.act(n, a)
		}
	}
}

func (c *cluster) act(n *node, a Action) {
	switch a := a.(type) {
	case CheckInstance:
		c.queue = append(c.queue, msg{from: n.name, to: c.short(a.Peer), check: &a})
	case SendTick:
		for _, to := range a.To {
			c.queue = append(c.queue, msg{from: n.name, to: c.short(to), ev: RemoteTick{From: n.m.cfg.Local, Counter: n.counter - 1}})
		}
	case PublishState:
		if a.State.Master != n.lastMaster {
			n.lastMaster = a.State.Master
			c.printf("%s: master=%s", n.name, c.short(a.State.Master))
		}
		for _, to := range a.To {
			c.queue = append(c.queue, msg{from: n.name, to: c.short(to), ev: PeerState{From: n.m.cfg.Local, State: a.State}})
		}
	case InstanceChanged:
		c.printf("%s: %s %s -> %s", n.name, c.short(a.Identifier), a.From, a.To)
	case InstancesLost:
		c.printf("%s: lost %s", n.name, c.shortAll(a.Identifiers))
	case LostJobs:
		c.printf("%s: lost-jobs %s redistribute=%t", n.name, c.shortAll(a.Identifiers), a.Redistribute)
	case Isolate:
		c.printf("%s: isolate %s", n.name, c.short(a.Peer))
	case StateChanged:
		c.printf("%s: %s -> %s", n.name, a.From, a.To)
	case TransitionRefused:
		c.printf("%s: refused %s -> %s", n.name, a.From, a.To)
	case AbortJobs:
		n.startLeft, n.stopLeft = 0, 0
	case StartDistribution:
		n.startLeft = n.distTicks
		c.printf("%s: start-distribution", n.name)
		c.step(n, c.workload(n))
	case StopApplications:
		n.stopLeft = n.stopTicks
		c.printf("%s: stop-applications", n.name)
		c.step(n, c.workload(n))
	case Conciliate:
		c.printf("%s: conciliate", n.name)
		n.conflicts = n.stickyConflicts // an automatic strategy solves them
		c.step(n, c.workload(n))
	case RestartLocal:
		// Supervisord restarts: what the machine already published is
		// still delivered; the new instance starts at the next round.
		c.printf("%s: restart-local", n.name)
		n.alive, n.restartPending = false, true
	case ShutdownLocal:
		c.printf("%s: shutdown-local", n.name)
		n.alive = false
	case ForwardRestart:
		c.queue = append(c.queue, msg{from: n.name, to: c.short(a.Master), ev: RestartRequest{}})
		c.printf("%s: forward-restart %s", n.name, c.short(a.Master))
	case ForwardShutdown:
		c.queue = append(c.queue, msg{from: n.name, to: c.short(a.Master), ev: ShutdownRequest{}})
		c.printf("%s: forward-shutdown %s", n.name, c.short(a.Master))
	default:
		panic(fmt.Sprintf("unexpected action %T", a))
	}
}

func (c *cluster) workload(n *node) Workload {
	return Workload{Starting: n.startLeft > 0, Stopping: n.stopLeft > 0, Conflicts: n.conflicts}
}

func (c *cluster) kill(n *node) {
	n.alive, n.restartPending = false, false
	c.queue = slices.DeleteFunc(c.queue, func(m msg) bool { return m.from == n.name })
}

func (c *cluster) connected(a, b string) bool {
	return c.partition == nil || c.partition[a] == c.partition[b]
}

// tick runs one local tick on the named live nodes; nothing is delivered.
func (c *cluster) tick(names []string) {
	for _, name := range names {
		n := c.nodes[name]
		if !n.alive {
			continue
		}
		if n.startLeft > 0 {
			n.startLeft--
		}
		if n.stopLeft > 0 {
			n.stopLeft--
		}
		c.step(n, c.workload(n))
		n.counter++
		c.step(n, LocalTick{Counter: n.counter - 1, Elapsed: time.Duration(n.counter)*tickPeriod - tickPeriod/2})
	}
}

// deliver empties the queue. Publications of a tick reach every node
// before the handshakes they trigger complete, as in a real cluster whose
// nodes tick within milliseconds of each other.
func (c *cluster) deliver() {
	for len(c.queue) > 0 {
		var checks []msg
		for len(c.queue) > 0 {
			m := c.queue[0]
			c.queue = c.queue[1:]
			if m.check != nil {
				checks = append(checks, m)
				continue
			}
			c.deliverOne(m)
		}
		for _, m := range checks {
			c.handshake(m)
		}
	}
}

// unreachable handles a message whose target is down: a transport error
// for the sender when the target is active in its view. Partitions drop
// silently (no answer at all), so only inactivity detects them.
func (c *cluster) reachable(m msg) bool {
	from, to := c.nodes[m.from], c.nodes[m.to]
	if !c.connected(m.from, m.to) {
		return false
	}
	if !to.alive {
		if !from.alive {
			return false
		}
		id := to.opts.LocalInstance().Identifier
		if s, _ := from.m.InstanceState(id); s.Active() {
			c.step(from, TransportFailure{Peer: id})
		}
		return false
	}
	return true
}

func (c *cluster) deliverOne(m msg) {
	if !c.reachable(m) {
		return
	}
	c.step(c.nodes[m.to], m.ev)
}

// handshake plays the five getters of the handshake against the target.
func (c *cluster) handshake(m msg) {
	if !c.reachable(m) {
		return
	}
	from, to := c.nodes[m.from], c.nodes[m.to]
	if !from.alive {
		return
	}
	res := HandshakeResult{Peer: m.check.Peer, Gen: m.check.Gen}
	if s, ok := to.m.InstanceState(from.opts.LocalInstance().Identifier); !ok {
		res.Auth = AuthUnknown
	} else if s == Isolated {
		res.Auth = NotAuthorized
	} else if from.opts.Strategies() != to.opts.Strategies() {
		res.Auth = Inconsistent
	} else {
		res.Auth = Authorized
		modes := to.m.Modes()
		res.PeerState = &modes
	}
	c.step(from, res)
}

func (c *cluster) alive() []string {
	var names []string
	for _, name := range c.names {
		if c.nodes[name].alive {
			names = append(names, name)
		}
	}
	return names
}

func (c *cluster) status() {
	for _, name := range c.names {
		n := c.nodes[name]
		if !n.alive {
			c.printf("%s: down", name)
			continue
		}
		var view []string
		for _, other := range c.names {
			s, _ := n.m.InstanceState(c.nodes[other].opts.LocalInstance().Identifier)
			view = append(view, other+"="+s.String())
		}
		c.printf("%s: %s master=%s degraded=%t [%s]", name, n.m.State(), c.short(n.m.Master()), n.m.Modes().DegradedMode, strings.Join(view, " "))
	}
}

// run executes one command line.
func (c *cluster) run(line string) error {
	f := strings.Fields(line)
	cmd, args := f[0], f[1:]
	names := func() []string {
		var ns []string
		for _, a := range args {
			if !strings.Contains(a, "=") {
				ns = append(ns, a)
			}
		}
		if len(ns) == 0 {
			return c.alive()
		}
		return ns
	}
	kvs := func() map[string]string {
		kv := map[string]string{}
		for _, a := range args {
			if k, v, ok := strings.Cut(a, "="); ok {
				kv[k] = v
			}
		}
		return kv
	}
	switch cmd {
	case "add-instances":
		kv := kvs()
		for _, name := range names() {
			c.names = append(c.names, name)
			c.nodes[name] = &node{name: name, kv: maps(kv)}
		}
		for _, name := range c.names {
			if err := c.start(c.nodes[name]); err != nil {
				return err
			}
		}
	case "set":
		for _, name := range names() {
			for k, v := range kvs() {
				c.nodes[name].kv[k] = v
			}
		}
	case "jobs":
		kv := kvs()
		for _, name := range names() {
			n := c.nodes[name]
			n.distTicks, _ = strconv.Atoi(kv["distribution"])
			n.stopTicks, _ = strconv.Atoi(kv["stop"])
			n.conflicts = kv["conflicts"] == "true" || kv["conflicts"] == "sticky"
			n.stickyConflicts = kv["conflicts"] == "sticky"
		}
	case "tick":
		c.tick(names())
	case "deliver":
		c.deliver()
	case "round":
		count := 1
		if len(args) > 0 {
			count, _ = strconv.Atoi(args[0])
		}
		for i := 0; i < count; i++ {
			mark := len(c.out)
			for _, name := range c.names {
				if n := c.nodes[name]; n.restartPending {
					c.printf("%s: supervisord restarted", name)
					if err := c.start(n); err != nil {
						return err
					}
				}
			}
			c.tick(c.alive())
			c.deliver()
			if len(c.out) > mark {
				c.out = slices.Insert(c.out, mark, fmt.Sprintf("-- tick %d", c.maxCounter()))
			}
		}
	case "kill":
		for _, name := range names() {
			c.kill(c.nodes[name])
		}
	case "restart":
		for _, name := range names() {
			c.kill(c.nodes[name])
			if err := c.start(c.nodes[name]); err != nil {
				return err
			}
		}
	case "partition":
		c.partition = map[string]int{}
		group := 0
		for _, a := range args {
			if a == "|" {
				group++
				continue
			}
			c.partition[a] = group
		}
	case "heal":
		c.partition = nil
	case "end-sync":
		master := ""
		if len(args) > 1 {
			master = c.nodes[args[1]].opts.LocalInstance().Identifier
		}
		c.step(c.nodes[args[0]], EndSync{Master: master})
	case "restart-request":
		c.step(c.nodes[args[0]], RestartRequest{})
	case "shutdown-request":
		c.step(c.nodes[args[0]], ShutdownRequest{})
	case "status":
	default:
		return fmt.Errorf("unknown command %q", cmd)
	}
	if cmd == "status" {
		c.status()
	}
	return nil
}

// maxCounter is the tick number of the last round (1 for the first).
func (c *cluster) maxCounter() int {
	most := 0
	for _, n := range c.nodes {
		most = max(most, n.counter)
	}
	return most
}

func maps(kv map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range kv {
		out[k] = v
	}
	return out
}

// block is one command and its trace in a script.
type block struct {
	comments []string
	cmd      string
	want     []string
}

func parseScript(t *testing.T, text string) []block {
	var blocks []block
	var cur block
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.TrimSpace(l) == "":
		case strings.HasPrefix(l, "#"):
			cur.comments = append(cur.comments, l)
		case cur.cmd == "":
			cur.cmd = l
			if i+1 >= len(lines) || lines[i+1] != "----" {
				t.Fatalf("line %d: %q must be followed by ----", i+1, l)
			}
			i++
			for i+1 < len(lines) && lines[i+1] != "" {
				i++
				cur.want = append(cur.want, lines[i])
			}
			blocks = append(blocks, cur)
			cur = block{}
		}
	}
	return blocks
}

func TestScripts(t *testing.T) {
	files, err := filepath.Glob("../../../testdata/cluster/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts found: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			c := &cluster{nodes: map[string]*node{}, ids: map[string]string{}}
			var rewritten strings.Builder
			for i, b := range parseScript(t, string(data)) {
				if i > 0 {
					rewritten.WriteString("\n")
				}
				c.out = nil
				if err := c.run(b.cmd); err != nil {
					c.printf("error: %v", err)
				}
				for _, l := range b.comments {
					rewritten.WriteString(l + "\n")
				}
				rewritten.WriteString(b.cmd + "\n----\n")
				for _, l := range c.out {
					rewritten.WriteString(l + "\n")
				}
				if !*rewrite && !slices.Equal(c.out, b.want) {
					t.Errorf("%s: %s\ngot:\n%s\nwant:\n%s", file, b.cmd, strings.Join(c.out, "\n"), strings.Join(b.want, "\n"))
				}
			}
			if *rewrite {
				if err := os.WriteFile(file, []byte(rewritten.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
