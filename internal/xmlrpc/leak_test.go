package xmlrpc

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the run when goroutines of ours or of net/http outlive
// the tests: every server, stream and connection must have stopped.
func TestMain(m *testing.M) {
	code := m.Run()
	// Fuzzing processes come and go on the fuzzer's schedule; the check
	// is for ordinary test runs.
	fuzzing := flag.Lookup("test.fuzz") != nil && flag.Lookup("test.fuzz").Value.String() != "" ||
		flag.Lookup("test.fuzzworker") != nil && flag.Lookup("test.fuzzworker").Value.String() == "true"
	if code == 0 && !fuzzing {
		if leaked := lingering(); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines leaked:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

func lingering() string {
	var stacks string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		stacks = ""
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "TestMain") || strings.Contains(g, "lingering") {
				continue
			}
			if strings.Contains(g, "supvisors/internal/") || strings.Contains(g, "net/http.") {
				stacks += g + "\n\n"
			}
		}
		if stacks == "" {
			return ""
		}
	}
	return stacks
}
