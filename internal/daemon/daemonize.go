package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"syscall"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/logs"
	"github.com/supvisors-go/supvisors/internal/pyfmt"
)

// daemonChildEnv marks the re-executed daemon. Its value is the number of
// the fd on which the child reports to its parent.
const daemonChildEnv = "SUPVISORD_DAEMONIZED_CHILD"

// readyToken ends what the child writes on the report pipe once it is
// ready; anything else on the pipe is error text for the parent to print.
var readyToken = []byte("\x00supvisord-ready\n")

// daemonChild is the child side of daemonizing.
type daemonChild struct {
	pipe *os.File
}

// takeDaemonChild recognises the re-executed daemon and removes the marker
// from the environment, so that neither the programs we spawn nor a later
// restart see it.
func takeDaemonChild() *daemonChild {
	v, ok := os.LookupEnv(daemonChildEnv)
	if !ok {
		return nil
	}
	os.Unsetenv(daemonChildEnv)
	var fd int
	if _, err := fmt.Sscanf(v, "%d", &fd); err != nil || fd < 3 {
		return nil
	}
	syscall.CloseOnExec(fd)
	return &daemonChild{pipe: os.NewFile(uintptr(fd), "supvisord-report")}
}

// detach does what the forked child of supervisord does after the fork:
// chdir to directory, umask. setsid and the /dev/null stdio were arranged
// by the parent when it started us.
func (c *daemonChild) detach(sv *config.Supervisord, log *slog.Logger) {
	log.Info("daemonizing the supervisord process")
	if sv.Directory != "" {
		if err := os.Chdir(sv.Directory); err != nil {
			log.Log(context.Background(), logs.LevelCritical,
				fmt.Sprintf("can't chdir into %s: %v", pyfmt.Repr(sv.Directory), err))
		} else {
			log.Info(fmt.Sprintf("set current directory: %s", pyfmt.Repr(sv.Directory)))
		}
	}
	syscall.Umask(sv.Umask)
}

// ready tells the parent that the daemon is listening with its pidfile
// written, and closes the pipe.
func (c *daemonChild) ready() {
	if c.pipe == nil {
		return
	}
	c.pipe.Write(readyToken)
	c.close()
}

func (c *daemonChild) close() {
	if c.pipe != nil {
		c.pipe.Close()
		c.pipe = nil
	}
}

// Write lets the child use the pipe as its stderr until it is ready; after
// that, like a daemon's stderr, it goes nowhere.
func (c *daemonChild) Write(p []byte) (int, error) {
	if c.pipe == nil {
		return len(p), nil
	}
	return c.pipe.Write(p)
}

// daemonize is the parent side: start our own binary again as the daemon,
// in a new session with /dev/null as stdio, and wait until it reports.
func (r *runner) daemonize() int {
	exe, err := os.Executable()
	if err != nil {
		return r.usage(fmt.Errorf("cannot find our own executable to daemonize: %v", err))
	}
	rd, wr, err := os.Pipe()
	if err != nil {
		return r.usage(err)
	}
	defer rd.Close()
	cmd := &exec.Cmd{
		Path:        exe,
		Args:        append([]string{r.progname}, r.args...),
		Env:         append(os.Environ(), daemonChildEnv+"=3"),
		ExtraFiles:  []*os.File{wr},
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	if err := cmd.Start(); err != nil {
		wr.Close()
		return r.usage(fmt.Errorf("cannot start the daemon process: %v", err))
	}
	wr.Close()
	report, _ := io.ReadAll(rd)
	if text, ok := bytes.CutSuffix(report, readyToken); ok {
		r.stderr.Write(text)
		// The daemon runs on; release it without waiting.
		cmd.Process.Release()
		return exitOK
	}
	r.stderr.Write(report)
	err = cmd.Wait()
	if len(report) == 0 {
		// The daemon died without a word (a crash): say so.
		fmt.Fprintf(r.stderr, "Error: the daemon process exited before it was ready (%v)\n", err)
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) && exitErr.ExitCode() > 0 {
		return exitErr.ExitCode()
	}
	if err == nil {
		return exitOK
	}
	return exitUsage
}
