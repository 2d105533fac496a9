package process

import (
	"io"
	"sync"
	"syscall"
	"time"
)

// FakeBehaviour scripts what a FakeChild does.
type FakeBehaviour struct {
	// ExitAfter, when > 0, makes the child exit on its own with ExitStatus
	// after that long (a timer: under testing/synctest it is virtual time).
	ExitAfter  time.Duration
	ExitStatus syscall.WaitStatus
	// IgnoreSignals makes the child survive every signal but SIGKILL.
	IgnoreSignals bool
	// Unkillable makes it survive SIGKILL too (a process stuck in the
	// kernel).
	Unkillable bool
	// SignalErr, when set, is what every Signal returns (nothing is
	// delivered).
	SignalErr error
}

// FakeSpawner is an in-memory Spawner for unit tests: children are
// goroutine-free records that die when told (Exit), when signalled (unless
// they ignore it), or after a scripted delay.
type FakeSpawner struct {
	// Behave, when set, scripts each child from its spec.
	Behave func(SpawnSpec) FakeBehaviour
	// Fail, when set, makes Spawn fail with its non-nil result.
	Fail func(SpawnSpec) *SpawnError

	mu       sync.Mutex
	nextPID  int
	children []*FakeChild
}

// Children returns every child spawned so far, in spawn order.
func (f *FakeSpawner) Children() []*FakeChild {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*FakeChild(nil), f.children...)
}

// Spawn implements Spawner.
func (f *FakeSpawner) Spawn(spec SpawnSpec) (Child, error) {
	if f.Fail != nil {
		if err := f.Fail(spec); err != nil {
			return nil, err
		}
	}
	var b FakeBehaviour
	if f.Behave != nil {
		b = f.Behave(spec)
	}
	f.mu.Lock()
	f.nextPID++
	c := &FakeChild{Spec: spec, SpawnedAt: time.Now(), pid: 1000 + f.nextPID, behaviour: b, exited: make(chan struct{})}
	f.children = append(f.children, c)
	f.mu.Unlock()
	c.stdoutR, c.stdoutW = io.Pipe()
	if !spec.RedirectStderr {
		c.stderrR, c.stderrW = io.Pipe()
	}
	if b.ExitAfter > 0 {
		time.AfterFunc(b.ExitAfter, func() { c.Exit(b.ExitStatus) })
	}
	return c, nil
}

// FakeChild is a child of FakeSpawner.
type FakeChild struct {
	Spec      SpawnSpec
	SpawnedAt time.Time
	pid       int
	behaviour FakeBehaviour

	stdoutR, stderrR *io.PipeReader
	stdoutW, stderrW *io.PipeWriter

	mu      sync.Mutex
	signals []syscall.Signal
	sigAt   []time.Time
	status  syscall.WaitStatus
	once    sync.Once
	exited  chan struct{}
}

// PID implements Child.
func (c *FakeChild) PID() int { return c.pid }

// Stdin implements Child: the fake has no stdin.
func (c *FakeChild) Stdin() io.WriteCloser { return nil }

// Stdout implements Child.
func (c *FakeChild) Stdout() io.ReadCloser { return c.stdoutR }

// Stderr implements Child.
func (c *FakeChild) Stderr() io.ReadCloser {
	if c.stderrR == nil {
		return nil
	}
	return c.stderrR
}

// Signals returns the signals received so far.
func (c *FakeChild) Signals() []syscall.Signal {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]syscall.Signal(nil), c.signals...)
}

// SignalTimes returns when each signal of Signals arrived.
func (c *FakeChild) SignalTimes() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Time(nil), c.sigAt...)
}

// Signal implements Child: the child dies of sig unless it ignores it.
func (c *FakeChild) Signal(sig syscall.Signal, _ bool) error {
	select {
	case <-c.exited:
		return syscall.ESRCH
	default:
	}
	if c.behaviour.SignalErr != nil {
		return c.behaviour.SignalErr
	}
	c.mu.Lock()
	c.signals = append(c.signals, sig)
	c.sigAt = append(c.sigAt, time.Now())
	c.mu.Unlock()
	if c.behaviour.Unkillable {
		return nil
	}
	if sig == syscall.SIGKILL || (sig != 0 && !c.behaviour.IgnoreSignals) {
		c.Exit(KilledBy(sig))
	}
	return nil
}

// Exit makes the child die with ws (only the first call counts).
func (c *FakeChild) Exit(ws syscall.WaitStatus) {
	c.once.Do(func() {
		c.status = ws
		c.stdoutW.Close()
		if c.stderrW != nil {
			c.stderrW.Close()
		}
		close(c.exited)
	})
}

// Write makes the child print data on its stdout (blocks until read).
func (c *FakeChild) Write(data string) (int, error) { return io.WriteString(c.stdoutW, data) }

// Wait implements Child.
func (c *FakeChild) Wait() syscall.WaitStatus {
	<-c.exited
	return c.status
}
