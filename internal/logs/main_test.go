package logs

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// helperEnv makes the test binary act as a child process that writes a
// pattern to stdout (see runPatternWriter) instead of running tests.
const helperEnv = "LOGS_TEST_HELPER_BYTES"

func TestMain(m *testing.M) {
	if v := os.Getenv(helperEnv); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err == nil {
			err = runPatternWriter(os.Stdout, n)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	before := runtime.NumGoroutine()
	code := m.Run()
	if code == 0 {
		code = checkGoroutines(before)
	}
	os.Exit(code)
}

// checkGoroutines fails the run when goroutines started by the tests are
// still alive: each goroutine of this package must have a way to stop.
func checkGoroutines(before int) int {
	// Goroutines that just finished their work may need a moment to exit;
	// poll instead of asserting a duration.
	for range 200 {
		if runtime.NumGoroutine() <= before {
			return 0
		}
		time.Sleep(10 * time.Millisecond)
	}
	buf := make([]byte, 1<<20)
	// The first stack is this goroutine's own; others running code of this
	// package are leaks (runtime and os/signal goroutines are not ours).
	stacks := strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n")[1:]
	leaked := 0
	for _, s := range stacks {
		if strings.Contains(s, "internal/logs.") {
			fmt.Fprintf(os.Stderr, "goroutine leaked:\n%s\n\n", s)
			leaked++
		}
	}
	if leaked > 0 {
		return 1
	}
	return 0
}

// runtimeGosched yields while a test polls for a condition.
func runtimeGosched() { time.Sleep(time.Millisecond) }
