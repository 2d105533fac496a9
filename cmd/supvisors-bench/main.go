// Command supvisors-bench benchmarks two supervisord-compatible daemons side
// by side (by default ./bin/supvisord against Debian's supervisord) through
// XML-RPC on 127.0.0.1; everything lives in package bench. With
// -cluster-app or -cluster-loss it measures a cluster of supvisord
// instances instead (package clusterbench): the start of a managed
// application sequence by sequence, and the move of a RESTART_PROCESS
// program when its instance is killed.
package main

import (
	"os"

	"github.com/supvisors-go/supvisors/internal/bench"
	"github.com/supvisors-go/supvisors/internal/bench/clusterbench"
)

func main() {
	if clusterbench.IsCommand(os.Args) {
		os.Exit(clusterbench.Main(os.Args, os.Stdout, os.Stderr))
	}
	os.Exit(bench.Main(os.Args, os.Stdout, os.Stderr))
}
