// Command supvisors-bench benchmarks two supervisord-compatible daemons side
// by side (by default ./bin/supvisord against Debian's supervisord) through
// XML-RPC on 127.0.0.1. Everything lives in package bench.
package main

import (
	"os"

	"github.com/supvisors-go/supvisors/internal/bench"
)

func main() {
	os.Exit(bench.Main(os.Args, os.Stdout, os.Stderr))
}
