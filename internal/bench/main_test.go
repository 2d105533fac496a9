package bench

import (
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary serve as the helper programs, as the
// supvisors-bench executable does.
func TestMain(m *testing.M) {
	if IsHelper(os.Args) {
		os.Exit(RunHelper(os.Args, os.Stderr))
	}
	// Main uses signal.NotifyContext, whose first use starts os/signal's
	// watcher goroutine for the life of the process. Start it here, so the
	// leak checks do not count it against the first test that runs Main.
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR2)
	signal.Stop(c)
	os.Exit(m.Run())
}

// supervisordPath returns Debian's supervisord. When it is missing the test
// fails: `make test` installs it, and a benchmark harness test that skips
// proves nothing.
func supervisordPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("supervisord")
	if err != nil {
		p = "/usr/bin/supervisord"
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("Debian's supervisord is needed (apt-get install supervisor): %v", err)
	}
	return p
}

// checkNoGoroutineLeak fails the test if goroutines started during it are
// still alive once it is over. Connection goroutines of the HTTP client end
// asynchronously after Close, so it waits for them a little.
func checkNoGoroutineLeak(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		var now int
		for range 200 {
			if now = runtime.NumGoroutine(); now <= before {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		t.Errorf("goroutine leak: %d before, %d after:\n%s", before, now, strings.TrimSpace(stacks))
	})
}
