// Command supvisord is the daemon: a drop-in replacement for supervisord
// 4.2.5. Everything lives in package daemon.
package main

import (
	"os"

	"github.com/supvisors-go/supvisors/internal/daemon"
)

func main() {
	os.Exit(daemon.Run(os.Args, os.Stdout, os.Stderr))
}
