package logs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
)

// patternPeriod is the period of the test pattern: a prime, so that it
// lines up neither with pipe chunks nor with rotation sizes.
const patternPeriod = 65521

// patternBlock returns two periods of the pattern back to back, so that
// any window of up to one period is a contiguous slice.
func patternBlock() []byte {
	b := make([]byte, 2*patternPeriod)
	x := uint64(0x9E3779B97F4A7C15)
	for i := range patternPeriod {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x >> 56)
	}
	copy(b[patternPeriod:], b[:patternPeriod])
	return b
}

// runPatternWriter writes n bytes of the pattern to w, in writes of varied
// sizes (1 byte to one period).
func runPatternWriter(w io.Writer, n int64) error {
	block := patternBlock()
	bw := bufio.NewWriterSize(w, 0) // no buffering: each Write is a write(2)
	seed := uint32(12345)
	for pos := int64(0); pos < n; {
		seed = seed*1664525 + 1013904223
		size := min(int64(seed>>16)%patternPeriod+1, n-pos)
		off := pos % patternPeriod
		if _, err := bw.Write(block[off : off+size]); err != nil {
			return err
		}
		pos += size
	}
	return bw.Flush()
}

// checkPattern verifies that data is the pattern from stream position pos.
func checkPattern(block, data []byte, pos int64) error {
	for len(data) > 0 {
		off := pos % patternPeriod
		m := min(int64(len(data)), patternPeriod)
		if !bytes.Equal(data[:m], block[off:off+m]) {
			return fmt.Errorf("mismatch in the %d bytes at stream position %d", m, pos)
		}
		data = data[m:]
		pos += m
	}
	return nil
}

// startPatternChild starts this test binary as a child writing n pattern
// bytes to the write end of a pipe, and returns the read end.
func startPatternChild(t testing.TB, n int64) (*os.File, *exec.Cmd) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"="+strconv.FormatInt(n, 10))
	cmd.Stdout = w
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return r, cmd
}

// Nothing is lost: a child writes a long deterministic stream through a
// real pipe into a rotating channel (50 MB x 2 backups); the kept files,
// oldest first, hold exactly the end of the stream, each rotated file holds
// at least maxbytes and at most one read more, and the total count of
// bytes written matches. The full 1 GiB, also under -race (about 20 s).
func TestPumpNothingLost(t *testing.T) {
	total := int64(1 << 30)
	const maxBytes = 50_000_000
	dir := t.TempDir()
	path := filepath.Join(dir, "big.log")
	ch, err := NewChannel(ChannelConfig{ProcessName: "big", Channel: "stdout", Logfile: path, MaxBytes: maxBytes, Backups: 2})
	if err != nil {
		t.Fatal(err)
	}
	r, cmd := startPatternChild(t, total)
	if err := Pump(r, ch); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	written := ch.File().written
	if err := ch.Close(); err != nil {
		t.Fatal(err)
	}
	if written != total {
		t.Errorf("%d bytes written to the log, want %d", written, total)
	}

	var kept [][]byte
	var keptLen int64
	for i, name := range []string{path + ".2", path + ".1", path} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if i < 2 && (len(b) < maxBytes || len(b) >= maxBytes+pumpChunk) {
			t.Errorf("%s holds %d bytes, want [%d, %d)", name, len(b), maxBytes, maxBytes+pumpChunk)
		}
		if i == 2 && len(b) >= maxBytes {
			t.Errorf("%s holds %d bytes, not rotated at %d", name, len(b), maxBytes)
		}
		kept = append(kept, b)
		keptLen += int64(len(b))
	}
	if names := dirContentsNames(t, dir); len(names) != 3 {
		t.Errorf("files %v, want 3", names)
	}
	block := patternBlock()
	pos := total - keptLen
	for _, b := range kept {
		if err := checkPattern(block, b, pos); err != nil {
			t.Fatal(err)
		}
		pos += int64(len(b))
	}
}

// The same with every inspection on (capture mode, events, debug copy):
// the slow path loses nothing either.
func TestPumpInspectingPath(t *testing.T) {
	total := int64(64 << 20)
	if raceEnabled {
		total = 16 << 20
	}
	path := filepath.Join(t.TempDir(), "out.log")
	var logged, debugged atomic.Int64
	ch, err := NewChannel(ChannelConfig{
		ProcessName: "p", Channel: "stdout", Logfile: path, CaptureMaxBytes: 1 << 20,
		OnLog: func(b []byte) { logged.Add(int64(len(b))) },
		Debug: func(b []byte) { debugged.Add(int64(len(b))) },
	})
	if err != nil {
		t.Fatal(err)
	}
	r, cmd := startPatternChild(t, total)
	if err := Pump(r, ch); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	ch.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) != total || logged.Load() != total || debugged.Load() != total {
		t.Fatalf("file %d, events %d, debug %d bytes; want %d", len(b), logged.Load(), debugged.Load(), total)
	}
	if err := checkPattern(patternBlock(), b, 0); err != nil {
		t.Fatal(err)
	}
}

// A real shell child using capture mode, through a real pipe.
func TestPumpShellChildCapture(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatalf("sh is required: %v", err)
	}
	ch, rec, path := newTestChannel(t, ChannelConfig{CaptureMaxBytes: 1 << 10})
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	script := `printf 'start\n<!--XSUPERVISOR:BEGIN-->'; printf 'payload<!--XSUPERVISOR:'; printf 'END-->after\n'`
	cmd := exec.Command(sh, "-c", script)
	cmd.Stdout = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if err := Pump(r, ch); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != "start\nafter\n" {
		t.Errorf("log file %q", got)
	}
	if got := rec.captureStrings(); len(got) != 1 || got[0] != "payload" {
		t.Errorf("captures %q", got)
	}
}

// Closing the read end stops a Pump whose pipe a grandchild keeps open.
func TestPumpStopsWhenReaderClosed(t *testing.T) {
	ch, _, path := newTestChannel(t, ChannelConfig{})
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", "echo started; exec sleep 600")
	cmd.Stdout = w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	done := make(chan error, 1)
	go func() { done <- Pump(r, ch) }()
	// Wait until the first line is logged, then cut the pipe.
	for readStringOrEmpty(path) != "started\n" {
		runtimeGosched()
	}
	r.Close()
	if err := <-done; !errors.Is(err, os.ErrClosed) {
		t.Errorf("Pump returned %v, want os.ErrClosed", err)
	}
}

func readStringOrEmpty(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// A channel closed while its child still writes (daemon shutdown) does not
// stop Pump: the pipe is drained to the end so the child never blocks.
func TestPumpDrainsAfterChannelClosed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.log")
	ch, err := NewChannel(ChannelConfig{ProcessName: "p", Channel: "stdout", Logfile: path})
	if err != nil {
		t.Fatal(err)
	}
	const total = 8 << 20
	r, cmd := startPatternChild(t, total)
	// Close the channel once some output has been logged.
	first := make([]byte, 1)
	if _, err := io.ReadFull(r, first); err != nil {
		t.Fatal(err)
	}
	ch.Write(first)
	if err := ch.Close(); err != nil {
		t.Fatal(err)
	}
	if err := Pump(r, ch); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	if got := readStringOrEmpty(path); len(got) != 1 {
		t.Errorf("log file has %d bytes, want the 1 written before Close", len(got))
	}
}
