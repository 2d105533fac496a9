package process

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"runtime"
	"strconv"
	"sync"
	"syscall"
)

// OSSpawnerOptions configure an OSSpawner.
type OSSpawnerOptions struct {
	// Reaper, when set, is the daemon's single waiter (PID 1 or subreaper
	// mode); children are registered with it instead of being waited for
	// one by one.
	Reaper *Reaper
	// DieWithDaemon makes every child receive SIGKILL when the daemon dies,
	// even by SIGKILL (Linux PR_SET_PDEATHSIG). Real supervisord leaves its
	// children running, reparented to init; this option is off by default.
	//
	// The kernel sends the signal when the *thread* that forked the child
	// exits, not the process. Go may run a fork on any thread, and a thread
	// ends when a goroutine that locked it returns. So, with this option,
	// every fork happens on one dedicated goroutine that locks its thread
	// for its whole life; Close ends it (and thus kills the children still
	// alive), so Close must come after every child was reaped. Trade-offs:
	// only the child itself gets the signal (grandchildren in its process
	// group survive, as after killasgroup-less stops); a child that execs a
	// set-user-ID program loses the setting; the kernel clears it also when
	// the child changes its credentials itself.
	DieWithDaemon bool
}

// OSSpawner starts real processes. Each child runs in its own process group
// (so that a Ctrl-C on a foreground daemon does not reach it), with pipes
// on fds 0, 1 and 2 and no other descriptor: Go opens everything
// close-on-exec, and the first NewOSSpawner marks the descriptors the
// daemon inherited likewise, so no per-child descriptor loop is needed.
type OSSpawner struct {
	opts OSSpawnerOptions

	forkReqs chan func()
	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
}

// NewOSSpawner returns a spawner; Close releases it.
func NewOSSpawner(opts OSSpawnerOptions) *OSSpawner {
	inheritedOnce.Do(markInheritedCloseOnExec)
	s := &OSSpawner{opts: opts, stop: make(chan struct{}), done: make(chan struct{})}
	if opts.DieWithDaemon {
		s.forkReqs = make(chan func())
		go s.forkLoop()
	} else {
		close(s.done)
	}
	return s
}

// forkLoop runs every fork on one locked OS thread that stays alive as long
// as the spawner: the parent-death signal is tied to that thread.
func (s *OSSpawner) forkLoop() {
	// Never unlocked: when this goroutine returns, the thread exits with it.
	runtime.LockOSThread()
	defer close(s.done)
	for {
		select {
		case f := <-s.forkReqs:
			f()
		case <-s.stop:
			return
		}
	}
}

// Close stops the fork thread (DieWithDaemon): call it once every child has
// been reaped.
func (s *OSSpawner) Close() {
	s.stopOnce.Do(func() { close(s.stop) })
	<-s.done
}

// onForkThread runs f on the fork thread when there is one.
func (s *OSSpawner) onForkThread(f func()) error {
	if s.forkReqs == nil {
		f()
		return nil
	}
	done := make(chan struct{})
	select {
	case s.forkReqs <- func() { f(); close(done) }:
		<-done
		return nil
	case <-s.stop:
		return errors.New("spawner closed")
	}
}

// SupplementaryGroups returns the group ids of the user with uid, primary
// gid first, as initgroups would set them.
func SupplementaryGroups(uid, gid int) []uint32 {
	groups := []uint32{uint32(gid)}
	u, err := user.LookupId(strconv.Itoa(uid))
	if err != nil {
		return groups
	}
	ids, err := u.GroupIds()
	if err != nil {
		return groups
	}
	for _, id := range ids {
		if n, err := strconv.Atoi(id); err == nil && n != gid {
			groups = append(groups, uint32(n))
		}
	}
	return groups
}

// Spawn starts spec.
func (s *OSSpawner) Spawn(spec SpawnSpec) (Child, error) {
	if spec.Dir != "" {
		// Go's fork reports only an errno, not the step that failed: check
		// the directory here so that the message names the chdir.
		if fi, err := os.Stat(spec.Dir); err != nil || !fi.IsDir() {
			errno := syscall.ENOTDIR
			if err != nil {
				errors.As(err, &errno)
			}
			return nil, &SpawnError{Msg: fmt.Sprintf("couldn't chdir to %s: %s", spec.Dir, ErrnoName(errno)), Err: err}
		}
	}
	attr := &syscall.SysProcAttr{Setpgid: true}
	if spec.UID >= 0 && spec.UID != os.Getuid() {
		if os.Getuid() != 0 {
			return nil, &SpawnError{Msg: fmt.Sprintf("couldn't setuid to %d: Can't drop privilege as nonroot user", spec.UID)}
		}
		groups := spec.Groups
		if groups == nil {
			groups = SupplementaryGroups(spec.UID, spec.GID)
		}
		attr.Credential = &syscall.Credential{Uid: uint32(spec.UID), Gid: uint32(spec.GID), Groups: groups}
	}
	if s.opts.DieWithDaemon {
		attr.Pdeathsig = syscall.SIGKILL
	}

	c := &osChild{}
	var childEnds []*os.File
	closeAll := func(fs ...*os.File) {
		for _, f := range fs {
			if f != nil {
				f.Close()
			}
		}
	}
	pipe := func() (r, w *os.File, err error) {
		r, w, err = os.Pipe()
		if err != nil {
			if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				return nil, nil, &SpawnError{Msg: fmt.Sprintf("too many open files to spawn '%s'", spec.Name), Err: err}
			}
			return nil, nil, &SpawnError{Msg: fmt.Sprintf("unknown error making dispatchers for '%s': %v", spec.Name, err), Err: err}
		}
		return r, w, nil
	}
	files := make([]*os.File, 3)
	fail := func(err error) (Child, error) {
		closeAll(childEnds...)
		closeAll(c.stdin, c.stdout, c.stderr)
		return nil, err
	}
	if spec.Stdin != nil {
		files[0] = spec.Stdin
	} else {
		r, w, err := pipe()
		if err != nil {
			return fail(err)
		}
		files[0], c.stdin = r, w
		childEnds = append(childEnds, r)
	}
	r, w, err := pipe()
	if err != nil {
		return fail(err)
	}
	files[1], c.stdout = w, r
	childEnds = append(childEnds, w)
	if spec.RedirectStderr {
		files[2] = w
	} else {
		r, w, err := pipe()
		if err != nil {
			return fail(err)
		}
		files[2], c.stderr = w, r
		childEnds = append(childEnds, w)
	}

	path, argv := spec.Path, spec.Argv
	if spec.Umask >= 0 {
		self, err := selfExecutable()
		if err != nil {
			return fail(&SpawnError{Msg: fmt.Sprintf("unknown error during fork for '%s': %v", spec.Name, err), Err: err})
		}
		ts := trampolineSpec{umask: spec.Umask, uid: -1, gid: -1, pdeathsig: s.opts.DieWithDaemon, ppid: os.Getpid()}
		if cred := attr.Credential; cred != nil {
			// The trampoline switches user itself (see trampoline.go).
			ts.uid, ts.gid, ts.groups = int(cred.Uid), int(cred.Gid), cred.Groups
			attr.Credential = nil
		}
		argv = trampolineArgv(ts, path, argv)
		path = self
	}
	procAttr := &os.ProcAttr{Dir: spec.Dir, Env: spec.Env, Files: files, Sys: attr}

	var proc *os.Process
	start := func() (int, error) {
		var err error
		if ferr := s.onForkThread(func() { proc, err = os.StartProcess(path, argv, procAttr) }); ferr != nil {
			return 0, ferr
		}
		if err != nil {
			return 0, err
		}
		return proc.Pid, nil
	}
	if s.opts.Reaper != nil {
		_, c.reaped, err = s.opts.Reaper.startRegistered(start)
	} else {
		_, err = start()
	}
	if err != nil {
		return fail(spawnFailure(spec, err))
	}
	closeAll(childEnds...)
	c.proc = proc
	c.pid = proc.Pid
	if s.opts.Reaper == nil {
		if fd, err := openPidfd(c.pid); err == nil {
			// Wait uses our pidfd: release the one os.Process may hold,
			// so that a child costs no more descriptors than before.
			c.pidfd = fd
			proc.Release()
			c.proc = nil
		}
		// Otherwise Wait blocks a thread in os.Process.Wait.
	}
	return c, nil
}

// spawnFailure turns a fork/exec error into Supervisor's spawnerr text.
func spawnFailure(spec SpawnSpec, err error) *SpawnError {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if errno == syscall.EAGAIN {
			return &SpawnError{Msg: fmt.Sprintf("Too many processes in process table to spawn '%s'", spec.Name), Err: err}
		}
		return &SpawnError{Msg: fmt.Sprintf("couldn't exec %s: %s", spec.Argv[0], ErrnoName(errno)), Err: err}
	}
	return &SpawnError{Msg: fmt.Sprintf("unknown error during fork for '%s': %v", spec.Name, err), Err: err}
}

type osChild struct {
	proc   *os.Process
	pid    int
	stdin  *os.File
	stdout *os.File
	stderr *os.File
	reaped <-chan syscall.WaitStatus // Reaper mode
	pidfd  *os.File                  // otherwise, when the kernel gives one (pidfd.go)
}

func (c *osChild) PID() int { return c.pid }

func (c *osChild) Stdin() io.WriteCloser {
	if c.stdin == nil {
		return nil
	}
	return c.stdin
}

func (c *osChild) Stdout() io.ReadCloser { return c.stdout }

func (c *osChild) Stderr() io.ReadCloser {
	if c.stderr == nil {
		return nil
	}
	return c.stderr
}

func (c *osChild) Signal(sig syscall.Signal, group bool) error {
	pid := c.pid
	if group {
		pid = -pid
	}
	return syscall.Kill(pid, sig)
}

func (c *osChild) Wait() syscall.WaitStatus {
	if c.reaped != nil {
		ws := <-c.reaped
		c.proc.Release()
		return ws
	}
	if c.pidfd != nil {
		ws, err := waitPidfd(c.pidfd, c.pid)
		c.pidfd = nil
		if errors.Is(err, errNotPollable) {
			ws, err = waitBlocking(c.pid)
		}
		if err != nil {
			// ECHILD: someone else reaped it; report an unknown death.
			return syscall.WaitStatus(0xffff)
		}
		return ws
	}
	for {
		st, err := c.proc.Wait()
		if err == nil {
			return st.Sys().(syscall.WaitStatus)
		}
		if !errors.Is(err, syscall.EINTR) {
			// ECHILD: someone else reaped it; report an unknown death.
			return syscall.WaitStatus(0xffff)
		}
	}
}
