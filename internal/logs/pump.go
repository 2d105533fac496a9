package logs

import (
	"errors"
	"io"
	"sync"
	"syscall"
)

// pumpChunk is the most Supervisor reads from a child pipe at once.
const pumpChunk = 128 << 10

// pumpBuffers holds the read buffers of every Pump. A buffer is taken only
// while a pipe has data to read, and given back before the Pump waits again,
// so hundreds of quiet children share a handful of buffers instead of each
// pinning 128 KiB of heap (with a buffer per pipe, 500 programs would hold
// 125 MiB of heap, part of it resident, and a GC goal to match).
var pumpBuffers = sync.Pool{New: func() any {
	b := make([]byte, pumpChunk)
	return &b
}}

// Pump copies the output of a child from r (the read end of its stdout or
// stderr pipe) into ch, one read of up to 128 KiB at a time, until end of
// file or a read error; then it flushes ch. It returns nil at end of file.
// To stop it early (a grandchild keeps the pipe open after the child was
// reaped), close r: Pump then returns the read error (os.ErrClosed).
//
// When nothing inspects the bytes (no capture, strip_ansi, syslog, events
// or debug copy), each chunk goes from the read buffer to the log file with
// no copy and no allocation. splice(2) from the pipe into the file was tried
// and measured (BenchmarkPumpChild: same CPU per MiB, a lower throughput,
// since the kernel still copies pipe pages into the page cache), so it is
// not used.
//
// A child that fills its pipe gets a larger one (see growPipe).
//
// Write errors do not stop Pump: the child must never block on a full
// pipe because its log file cannot be written. The Channel reports them.
func Pump(r io.Reader, ch *Channel) error {
	err := pump(r, ch)
	ch.Flush()
	return err
}

func pump(r io.Reader, ch *Channel) error {
	if sc, ok := r.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			err := pumpRaw(rc, ch)
			if err != nil {
				// The raw wait reports a closed file with the poller's
				// own error; an empty Read gets it in the os package's
				// words (os.ErrClosed), as a plain Read would have.
				if _, rerr := r.Read(nil); rerr != nil {
					return rerr
				}
			}
			return err
		}
	}
	bp := pumpBuffers.Get().(*[]byte)
	defer pumpBuffers.Put(bp)
	for {
		n, err := r.Read(*bp)
		if n > 0 {
			ch.Write((*bp)[:n])
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// pumpRaw reads the descriptor behind rc itself, so that no buffer is held
// while it waits: the runtime's poller wakes it when the pipe turns
// readable, and only then is a buffer taken from the pool. A descriptor the
// poller does not watch (a blocking one) simply blocks in read(2), buffer in
// hand, as a plain Read would.
//
// Each chunk is one rc.Read call: rc.Read holds the file's read lock while
// the callback runs, and Close waits for that lock, so the callback returns
// after every chunk; a child that writes without a pause can then still be
// cut off by closing r.
func pumpRaw(rc syscall.RawConn, ch *Channel) error {
	grown := false
	for {
		var readErr error
		eof := false
		err := rc.Read(func(fd uintptr) bool {
			bp := pumpBuffers.Get().(*[]byte)
			defer pumpBuffers.Put(bp)
			for {
				n, err := syscall.Read(int(fd), *bp)
				switch {
				case n > 0:
					ch.Write((*bp)[:n])
					if !grown && n >= defaultPipeSize {
						// The child filled its pipe: it writes faster
						// than we read. See growPipe.
						grown = true
						growPipe(fd)
					}
					return true
				case err == syscall.EINTR:
					continue
				case err == syscall.EAGAIN:
					// Empty: give the buffer back and wait.
					return false
				case err != nil:
					readErr = err
				default:
					eof = true
				}
				return true
			}
		})
		switch {
		case err != nil:
			return err
		case readErr != nil:
			return readErr
		case eof:
			return nil
		}
	}
}

// defaultPipeSize is Linux's default pipe capacity.
const defaultPipeSize = 64 << 10

// grownPipeSize is the capacity given to the pipe of a child that fills
// the default one: Linux's default /proc/sys/fs/pipe-max-size.
const grownPipeSize = 1 << 20

// fcntlSetPipeSize is F_SETPIPE_SZ (Linux), missing from package syscall.
const fcntlSetPipeSize = 1031

// growPipe enlarges the pipe of a chatty child, so that each wake-up of the
// Pump moves up to a full read buffer and the child blocks less often: the
// capture of a fast writer costs fewer context switches. Only pipes that
// were seen full are grown, since Linux counts the capacity of every pipe
// against the user's pipe-user-pages-soft limit (a thousand quiet children
// with 1 MiB pipes would exceed it). A refusal (limits, not a pipe) is
// harmless: the pipe keeps its size.
func growPipe(fd uintptr) {
	_, _, _ = syscall.Syscall(syscall.SYS_FCNTL, fd, fcntlSetPipeSize, grownPipeSize)
}
