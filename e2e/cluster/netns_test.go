package cluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Partitions are made with network namespaces: each instance runs in a
// namespace of its own, whose eth0 is one end of a veth pair; the other
// ends are ports of a bridge in a hub namespace. Cutting an instance off
// sets its port on the hub down, which drops its traffic without a reset
// (as a pulled cable would); healing sets it up again. Nothing is added to
// the namespace the tests run in: observers reach an instance through a
// relay listening on 127.0.0.1 that connects from inside its namespace.

// nsPrefix starts the name of every namespace the tests create; the pid
// that follows tells a crashed earlier run's namespaces from a live one's.
const nsPrefix = "sv-"

// labSerial numbers the labs of one run: namespace names and subnets.
var labSerial atomic.Int32

// netLab is one set of namespaces: a hub and one namespace per member.
type netLab struct {
	t       *testing.T
	hub     string
	members map[string]string // nick -> namespace
	addrs   map[string]string // nick -> IPv4 address on the lab subnet
}

// requireNetns fails the test when network namespaces cannot be made
// here: the partition tests need root and iproute2 (make test installs
// it; CI runs as root).
func requireNetns(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatal("the ip command (iproute2) is missing: run make deps")
	}
	if os.Geteuid() != 0 {
		t.Fatal("network namespaces need root")
	}
}

// ipCmd runs the ip command and returns its error with its output.
func ipCmd(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// newNetLab creates the hub and one namespace per nick, addressed
// 10.213.<lab>.<1..n>/24, all reachable from each other. Everything is
// deleted when the test ends, whatever its outcome.
func newNetLab(t *testing.T, nicks ...string) *netLab {
	t.Helper()
	requireNetns(t)
	serial := labSerial.Add(1)
	base := fmt.Sprintf("%s%d-%d-", nsPrefix, os.Getpid(), serial)
	lab := &netLab{t: t, hub: base + "hub", members: map[string]string{}, addrs: map[string]string{}}
	t.Cleanup(lab.remove)
	steps := [][]string{
		{"netns", "add", lab.hub},
		{"-n", lab.hub, "link", "add", "br0", "type", "bridge"},
		{"-n", lab.hub, "link", "set", "br0", "up"},
	}
	for i, nick := range nicks {
		ns := base + strings.ToLower(nick)
		addr := fmt.Sprintf("10.213.%d.%d", serial, i+1)
		lab.members[nick], lab.addrs[nick] = ns, addr
		port := "v" + nick
		steps = append(steps,
			[]string{"netns", "add", ns},
			[]string{"-n", ns, "link", "set", "lo", "up"},
			[]string{"-n", lab.hub, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns},
			[]string{"-n", lab.hub, "link", "set", port, "master", "br0", "up"},
			[]string{"-n", ns, "addr", "add", addr + "/24", "dev", "eth0"},
			[]string{"-n", ns, "link", "set", "eth0", "up"},
		)
	}
	for _, step := range steps {
		if err := ipCmd(step...); err != nil {
			t.Fatalf("creating the network namespaces: %v", err)
		}
	}
	// ip netns exec mounts /etc/netns/<name>/hosts over /etc/hosts: every
	// member resolves every lab address both ways, as Python Supvisors
	// needs (it reverse-resolves its interfaces' addresses).
	var hosts strings.Builder
	hosts.WriteString("127.0.0.1\tlocalhost\n")
	for _, nick := range nicks {
		fmt.Fprintf(&hosts, "%s\t%s\n", lab.addrs[nick], lab.members[nick])
	}
	for _, ns := range lab.members {
		dir := filepath.Join("/etc/netns", ns)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "hosts"), []byte(hosts.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return lab
}

// remove deletes the lab's namespaces; deleting a namespace also deletes
// the veth ends inside it.
func (lab *netLab) remove() {
	for _, ns := range lab.members {
		_ = os.RemoveAll(filepath.Join("/etc/netns", ns))
		if err := ipCmd("netns", "del", ns); err != nil && !strings.Contains(err.Error(), "No such file") {
			lab.t.Errorf("cleanup: %v", err)
		}
	}
	if err := ipCmd("netns", "del", lab.hub); err != nil && !strings.Contains(err.Error(), "No such file") {
		lab.t.Errorf("cleanup: %v", err)
	}
}

// cut drops every packet to and from the member.
func (lab *netLab) cut(nick string) {
	lab.t.Helper()
	if err := ipCmd("-n", lab.hub, "link", "set", "v"+nick, "down"); err != nil {
		lab.t.Fatal(err)
	}
	lab.t.Logf("network: %s cut off", nick)
}

// heal reconnects the member.
func (lab *netLab) heal(nick string) {
	lab.t.Helper()
	if err := ipCmd("-n", lab.hub, "link", "set", "v"+nick, "up"); err != nil {
		lab.t.Fatal(err)
	}
	lab.t.Logf("network: %s reconnected", nick)
}

// wrap is the command prefix that runs a program in the member's namespace.
func (lab *netLab) wrap(nick string) []string {
	return []string{"ip", "netns", "exec", lab.members[nick]}
}

// removeStaleNamespaces deletes the namespaces left by an earlier run that
// crashed before its cleanup (its pid is gone).
func removeStaleNamespaces() {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return
	}
	for line := range strings.SplitSeq(string(out), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || !strings.HasPrefix(fields[0], nsPrefix) {
			continue
		}
		name := fields[0]
		pidText, _, _ := strings.Cut(strings.TrimPrefix(name, nsPrefix), "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			continue // its run is still going
		}
		_ = ipCmd("netns", "del", name)
	}
	if entries, err := os.ReadDir("/etc/netns"); err == nil {
		for _, e := range entries {
			pidText, _, _ := strings.Cut(strings.TrimPrefix(e.Name(), nsPrefix), "-")
			pid, err := strconv.Atoi(pidText)
			if !strings.HasPrefix(e.Name(), nsPrefix) || err != nil || pid == os.Getpid() {
				continue
			}
			if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
				_ = os.RemoveAll(filepath.Join("/etc/netns", e.Name()))
			}
		}
	}
}

// inNetns runs fn on an OS thread that has entered the namespace ns, then
// moves the thread back to its own namespace. Sockets keep the namespace
// they were created in, so the connections and listeners fn makes can be
// used from any goroutine afterwards. Should the way back fail, the
// goroutine ends still locked and Go discards the thread rather than reuse
// it in the wrong namespace. Threads are otherwise never discarded: a
// daemon started with Pdeathsig gets that signal when the thread that
// forked it exits.
func inNetns(ns string, fn func() error) error {
	result := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		home, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			result <- err
			return
		}
		defer home.Close()
		target, err := os.Open("/run/netns/" + ns)
		if err != nil {
			runtime.UnlockOSThread()
			result <- err
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			result <- fmt.Errorf("entering network namespace %s: %w", ns, err)
			return
		}
		err = fn()
		if unix.Setns(int(home.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		result <- err
	}()
	return <-result
}

// dialIn connects to addr from inside the namespace ns.
func dialIn(ctx context.Context, ns, addr string) (net.Conn, error) {
	var conn net.Conn
	err := inNetns(ns, func() error {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		conn = c
		return err
	})
	return conn, err
}

// listenIn listens on addr inside the namespace ns.
func listenIn(ns, addr string) (net.Listener, error) {
	var ln net.Listener
	err := inNetns(ns, func() error {
		l, err := net.Listen("tcp", addr)
		ln = l
		return err
	})
	return ln, err
}

// relay forwards connections accepted on 127.0.0.1 to an address inside a
// namespace, so that the XML-RPC client of the tests reaches an instance
// whatever the state of its network. It stops when the test ends.
type relay struct {
	ln     net.Listener
	ns     string
	target string
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

// startRelay returns the 127.0.0.1 address of a new relay to target in ns.
func startRelay(t *testing.T, ns, target string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{ln: ln, ns: ns, target: target, conns: map[net.Conn]struct{}{}}
	r.wg.Go(r.serve)
	t.Cleanup(r.stop)
	return ln.Addr().String()
}

func (r *relay) serve() {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		if !r.track(c) {
			c.Close()
			return
		}
		r.wg.Go(func() { r.forward(c) })
	}
}

// track registers a connection for stop; false once the relay stopped.
func (r *relay) track(c net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.conns[c] = struct{}{}
	return true
}

func (r *relay) untrack(c net.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.conns, c)
}

func (r *relay) forward(down net.Conn) {
	defer func() { r.untrack(down); down.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	up, err := dialIn(ctx, r.ns, r.target)
	cancel()
	if err != nil {
		return
	}
	if !r.track(up) {
		up.Close()
		return
	}
	defer func() { r.untrack(up); up.Close() }()
	copied := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		copied <- struct{}{}
	}
	go pipe(up, down)
	go pipe(down, up)
	<-copied
	// One direction ended: closing both ends (deferred) ends the other.
	down.Close()
	up.Close()
	<-copied
}

func (r *relay) stop() {
	r.mu.Lock()
	r.closed = true
	r.ln.Close()
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// reachable reports whether a TCP connection from ns to addr completes
// within a few seconds; a cut-off address drops the SYN and never answers.
func reachable(ns, addr string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := dialIn(ctx, ns, addr)
	if err != nil {
		return false
	}
	defer c.Close()
	// The echo proves the bytes crossed, not only the handshake.
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return false
	}
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 5)
	_, err = io.ReadFull(c, buf)
	return err == nil && string(buf) == "ping\n"
}

// TestNetnsPlumbing checks the partition machinery on its own: a plain TCP
// echo server in one namespace is reachable from another, unreachable once
// cut off, reachable again once healed, and reachable through a relay from
// the tests' own namespace all along.
func TestNetnsPlumbing(t *testing.T) {
	t.Parallel()
	lab := newNetLab(t, "A", "B")
	server := net.JoinHostPort(lab.addrs["A"], "7000")
	ln, err := listenIn(lab.members["A"], server)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				_, _ = io.Copy(c, c)
			})
		}
	})

	from := lab.members["B"]
	if !reachable(from, server) {
		t.Fatal("the echo server in A is not reachable from B")
	}
	viaRelay := startRelay(t, lab.members["A"], server)
	checkEcho(t, viaRelay)

	lab.cut("A")
	if reachable(from, server) {
		t.Fatal("the echo server in A is still reachable from B after the cut")
	}
	checkEcho(t, viaRelay)

	lab.heal("A")
	deadline := time.Now().Add(30 * time.Second)
	for !reachable(from, server) {
		if time.Now().After(deadline) {
			t.Fatal("the echo server in A stayed unreachable from B after healing")
		}
	}
}

// checkEcho sends a line through addr and expects it back.
func checkEcho(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 6)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "hello\n" {
		t.Fatalf("echo through the relay: %q, %v", buf, err)
	}
}
