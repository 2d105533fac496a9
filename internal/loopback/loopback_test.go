package loopback

import (
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

const childEnv = "LOOPBACK_TEST_CHILD"

// TestMain lets the test binary act as a second process asking for ports.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		n, _ := strconv.Atoi(os.Getenv(childEnv))
		ports, err := FreePorts(n)
		if err != nil {
			os.Stderr.WriteString(err.Error())
			os.Exit(1)
		}
		for _, p := range ports {
			os.Stdout.WriteString(strconv.Itoa(p) + "\n")
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestPortsAreDistinctBindableAndBelowTheEphemeralRange(t *testing.T) {
	ports, err := FreePorts(50)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if p < lowest || p >= ephemeralStart() {
			t.Errorf("port %d outside [%d, %d)", p, lowest, ephemeralStart())
		}
		if seen[p] {
			t.Errorf("port %d given twice", p)
		}
		seen[p] = true
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			t.Errorf("port %d not bindable: %v", p, err)
			continue
		}
		l.Close()
	}
	more, err := FreePorts(50)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range more {
		if seen[p] {
			t.Errorf("port %d given again to the same process", p)
		}
	}
}

// TestAnotherProcessNeverGetsOurPorts: while this process holds its
// ports, another process asking for many gets none of them.
func TestAnotherProcessNeverGetsOurPorts(t *testing.T) {
	ours, err := FreePorts(200)
	if err != nil {
		t.Fatal(err)
	}
	mine := map[int]bool{}
	for _, p := range ours {
		mine[p] = true
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=2000")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	lines := strings.Fields(string(out))
	if len(lines) != 2000 {
		t.Fatalf("child got %d ports, want 2000", len(lines))
	}
	for _, l := range lines {
		p, _ := strconv.Atoi(l)
		if mine[p] {
			t.Errorf("port %d handed to both processes", p)
		}
	}
}
