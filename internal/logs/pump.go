package logs

import (
	"errors"
	"io"
)

// pumpChunk is the most Supervisor reads from a child pipe at once.
const pumpChunk = 128 << 10

// Pump copies the output of a child from r (the read end of its stdout or
// stderr pipe) into ch, one read of up to 128 KiB at a time, until end of
// file or a read error; then it flushes ch. It returns nil at end of file.
// To stop it early (a grandchild keeps the pipe open after the child was
// reaped), close r: Pump then returns the read error.
//
// One 128 KiB buffer is reused for the life of the pipe. When nothing
// inspects the bytes (no capture, strip_ansi, syslog, events or debug
// copy), each chunk goes from that buffer to the log file with no copy and
// no allocation. splice(2) from the pipe into the file was tried and
// measured (BenchmarkPumpChild: same CPU per MiB, a lower throughput, since
// the kernel still copies pipe pages into the page cache), so it is not
// used.
//
// Write errors do not stop Pump: the child must never block on a full
// pipe because its log file cannot be written. The Channel reports them.
func Pump(r io.Reader, ch *Channel) error {
	buf := make([]byte, pumpChunk)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			ch.Write(buf[:n])
		}
		if err != nil {
			ch.Flush()
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}
