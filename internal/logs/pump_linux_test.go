package logs

import (
	"os"
	"syscall"
	"testing"
)

// fcntlGetPipeSize is F_GETPIPE_SZ (Linux).
const fcntlGetPipeSize = 1032

func pipeSize(t *testing.T, f *os.File) int {
	t.Helper()
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var size uintptr
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		size, _, errno = syscall.Syscall(syscall.SYS_FCNTL, fd, fcntlGetPipeSize, 0)
	}); err != nil {
		t.Fatal(err)
	}
	if errno != 0 {
		t.Fatalf("F_GETPIPE_SZ: %v", errno)
	}
	return int(size)
}

// pumpPipe pumps what was written to a fresh pipe (n bytes, written before
// Pump starts) and returns the read end, still open, and the log file.
func pumpPipe(t *testing.T, n int) (*os.File, string) {
	t.Helper()
	ch, _, path := newTestChannel(t, ChannelConfig{})
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if got := pipeSize(t, r); got != defaultPipeSize {
		t.Fatalf("a new pipe holds %d bytes, want Linux's default %d", got, defaultPipeSize)
	}
	// A write of up to the pipe's capacity into an empty pipe never blocks.
	if _, err := w.Write(make([]byte, n)); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if err := Pump(r, ch); err != nil {
		t.Fatal(err)
	}
	return r, path
}

// A child that fills its pipe gets a larger one; the output is unchanged.
func TestPumpGrowsAFullPipe(t *testing.T) {
	r, path := pumpPipe(t, defaultPipeSize)
	if got := pipeSize(t, r); got != grownPipeSize {
		t.Errorf("pipe holds %d bytes after a full read, want %d", got, grownPipeSize)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != defaultPipeSize {
		t.Errorf("log file: %v, %v; want %d bytes", fi, err, defaultPipeSize)
	}
}

// A quiet child keeps the default pipe (the user's pipe budget is shared).
func TestPumpKeepsAQuietPipe(t *testing.T) {
	r, _ := pumpPipe(t, 100)
	if got := pipeSize(t, r); got != defaultPipeSize {
		t.Errorf("pipe holds %d bytes after a short read, want %d", got, defaultPipeSize)
	}
}
