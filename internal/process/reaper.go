package process

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Reaper is the single waiter of the daemon when it must reap orphans: when
// it runs as PID 1 (in a container), or as an opt-in child subreaper. In
// that mode nothing else may call wait: the Reaper calls wait4(-1) on every
// SIGCHLD and hands each status to the child registered for that pid, or
// logs `reaped unknown pid N (...)` for an orphan.
//
// Registration happens under the Reaper's lock together with the fork (see
// OSSpawner), so an exit that the reap loop collects before the spawner has
// registered the pid waits for the registration instead of being taken for
// an orphan.
//
// Without a Reaper (the default, as Supervisor does outside PID 1), each
// child is waited for by its own Wait, on its own pid.
//
// Caveat: while a Reaper runs, any other code of the daemon that starts
// processes with os/exec would lose its exits to wait4(-1); the engine's
// OSSpawner is the only spawner of the daemon.
type Reaper struct {
	log *slog.Logger

	mu      sync.Mutex
	waiting map[int]chan syscall.WaitStatus

	sigs chan os.Signal
	stop chan struct{}
	done chan struct{}
}

// prSetChildSubreaper is PR_SET_CHILD_SUBREAPER (linux/prctl.h).
const prSetChildSubreaper = 36

// StartReaper starts the reap loop. With subreaper set, the daemon also
// declares itself a child subreaper, so that orphans of its descendants are
// reparented to it rather than to init. Close stops it.
func StartReaper(log *slog.Logger, subreaper bool) (*Reaper, error) {
	if subreaper {
		if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
			return nil, os.NewSyscallError("prctl(PR_SET_CHILD_SUBREAPER)", errno)
		}
	}
	r := &Reaper{
		log:     log,
		waiting: make(map[int]chan syscall.WaitStatus),
		sigs:    make(chan os.Signal, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	signal.Notify(r.sigs, syscall.SIGCHLD)
	go r.loop()
	return r, nil
}

// ShouldReap reports whether the daemon must reap orphans by default: when
// it is PID 1.
func ShouldReap() bool { return os.Getpid() == 1 }

func (r *Reaper) loop() {
	defer close(r.done)
	for {
		r.reapAll()
		select {
		case <-r.sigs:
		case <-r.stop:
			return
		}
	}
}

func (r *Reaper) reapAll() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil || pid <= 0 {
			return
		}
		r.mu.Lock()
		ch := r.waiting[pid]
		delete(r.waiting, pid)
		r.mu.Unlock()
		if ch != nil {
			ch <- ws // buffered: never blocks
			continue
		}
		_, how := DecodeStatus(ws)
		r.log.Info(fmt.Sprintf("reaped unknown pid %d (%s)", pid, how))
	}
}

// startRegistered runs start (a fork) under the lock and registers the pid
// it returns, so that the reap loop cannot mistake it for an orphan.
func (r *Reaper) startRegistered(start func() (int, error)) (int, <-chan syscall.WaitStatus, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pid, err := start()
	if err != nil {
		return 0, nil, err
	}
	ch := make(chan syscall.WaitStatus, 1)
	r.waiting[pid] = ch
	return pid, ch, nil
}

// Close stops the reap loop and waits for it.
func (r *Reaper) Close() {
	signal.Stop(r.sigs)
	close(r.stop)
	<-r.done
}
