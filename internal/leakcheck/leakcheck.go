// Package leakcheck is test support: it fails a package's test run when
// goroutines of ours or of net/http outlive its tests, so that every server,
// stream and connection is proven to stop.
package leakcheck

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Main runs the tests of m, then checks for lingering goroutines and exits.
// Call it from TestMain.
func Main(m *testing.M) {
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
			if strings.Contains(g, "TestMain") || strings.Contains(g, "leakcheck.") {
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
