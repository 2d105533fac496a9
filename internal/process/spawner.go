package process

import (
	"io"
	"os"
	"syscall"
)

// SpawnSpec is everything needed to start one child. The engine builds it
// from the configuration; the Spawner only carries it out.
type SpawnSpec struct {
	// Name is the process name, used in error texts only.
	Name string
	// Path is the resolved executable (ResolveCommand); Argv its arguments,
	// Argv[0] included.
	Path string
	Argv []string
	// Env is the complete environment of the child.
	Env []string
	// Dir is the working directory, "" to inherit the daemon's.
	Dir string
	// Umask is the child's umask, -1 to inherit the daemon's.
	Umask int
	// UID and GID switch the child's user when UID >= 0 and differs from
	// the daemon's; Groups are its supplementary groups.
	UID, GID int
	Groups   []uint32
	// RedirectStderr sends fd 2 to the stdout pipe; the child then has no
	// stderr pipe.
	RedirectStderr bool
	// Stdin, when set, becomes the child's fd 0 (the socket of an
	// fcgi-program) and the child gets no stdin pipe.
	Stdin *os.File
}

// Child is a spawned process, as the engine sees it.
type Child interface {
	// PID is the child's process id (and process group id).
	PID() int
	// Stdin is the write end of the child's stdin, nil when it has none.
	Stdin() io.WriteCloser
	// Stdout and Stderr are the read ends of the output pipes; Stderr is
	// nil when stderr is redirected. The caller reads them until EOF and
	// closes them.
	Stdout() io.ReadCloser
	Stderr() io.ReadCloser
	// Signal sends sig to the child, or to its whole process group.
	Signal(sig syscall.Signal, group bool) error
	// Wait blocks until the child is reaped and returns its wait status. It
	// must be called exactly once.
	Wait() syscall.WaitStatus
}

// Spawner starts children. Spawn returns a *SpawnError for a child that
// could not be started; its Msg is Supervisor's spawnerr text.
type Spawner interface {
	Spawn(spec SpawnSpec) (Child, error)
}

// SpawnError is a spawn that produced no child.
type SpawnError struct {
	Msg string
	Err error
}

func (e *SpawnError) Error() string { return e.Msg }
func (e *SpawnError) Unwrap() error { return e.Err }
