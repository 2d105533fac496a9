// Package loopback hands out TCP ports on 127.0.0.1 for tests and
// benchmarks that start daemons, which must be told their port before
// they bind it.
//
// A port chosen by binding port 0 comes from the kernel's ephemeral range
// and is free again once the probe closes: until the daemon binds it, any
// outgoing connection on the machine may take it as its local port, and
// the daemon then fails with "address already in use". Under a test run
// that makes thousands of calls between daemons this happens. The ports
// given here lie below the ephemeral range, where the kernel never picks
// local ports, and each is reserved for the life of the calling process
// by a lock file, so that test binaries running in parallel never get the
// same one.
package loopback

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// lowest is the first port handed out: above the well-known and the
// common service ports.
const lowest = 20000

// fallbackEphemeral is Linux's default first ephemeral port, used when
// /proc does not tell.
const fallbackEphemeral = 32768

var (
	mu sync.Mutex
	// held keeps the lock files open: closing one would release the port.
	held []*os.File
)

// FreePort returns one free port; see FreePorts.
func FreePort() (int, error) {
	ports, err := FreePorts(1)
	if err != nil {
		return 0, err
	}
	return ports[0], nil
}

// FreePorts returns n distinct ports that are free on 127.0.0.1 now, lie
// outside the ephemeral range and are reserved for this process until it
// exits.
func FreePorts(n int) ([]int, error) {
	mu.Lock()
	defer mu.Unlock()
	top := ephemeralStart()
	if top <= lowest+n {
		return nil, fmt.Errorf("loopback: the ephemeral range starts at %d, too low to hand out %d ports", top, n)
	}
	dir := filepath.Join(os.TempDir(), "supvisors-go-ports")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, err
	}
	var ports []int
	for misses := 0; len(ports) < n; {
		if misses > 1000 {
			return nil, errors.New("loopback: no free port found below the ephemeral range")
		}
		port := lowest + rand.IntN(top-lowest)
		f, ok := reserve(dir, port)
		if !ok {
			misses++
			continue
		}
		if !bindable(port) {
			f.Close()
			misses++
			continue
		}
		held = append(held, f)
		ports = append(ports, port)
		misses = 0
	}
	return ports, nil
}

// reserve takes the lock of one port; a lock held by another process (or
// already by this one) means the port is taken.
func reserve(dir string, port int) (*os.File, bool) {
	f, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(port)), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, false
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, false
	}
	return f, true
}

// bindable tells whether a listener can be opened on the port now.
func bindable(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// ephemeralStart reads the first port of the kernel's ephemeral range.
func ephemeralStart() int {
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return fallbackEphemeral
	}
	fields := strings.Fields(string(data))
	if len(fields) == 0 {
		return fallbackEphemeral
	}
	v, err := strconv.Atoi(fields[0])
	if err != nil {
		return fallbackEphemeral
	}
	return v
}
