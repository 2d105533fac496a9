// Command supvisorsctl controls supvisord (or supervisord) from the command
// line. Installed or linked as "supervisorctl", it is a drop-in replacement
// for Supervisor's client.
package main

import (
	"os"

	"github.com/supvisors-go/supvisors/internal/ctl"
	// The Supvisors commands, loaded without any [ctlplugin:x] section.
	_ "github.com/supvisors-go/supvisors/internal/ctl/supvisors"
)

func main() {
	os.Exit(ctl.Run(os.Args, ctl.Streams{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
