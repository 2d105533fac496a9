package logs

import (
	"bytes"
	"log/slog"
	"log/syslog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder collects what a Channel hands to its callbacks.
type recorder struct {
	mu       sync.Mutex
	logs     [][]byte
	captures [][]byte
	debugs   [][]byte
}

func (r *recorder) onLog(b []byte) { r.mu.Lock(); r.logs = append(r.logs, b); r.mu.Unlock() }
func (r *recorder) onCapture(b []byte) {
	r.mu.Lock()
	r.captures = append(r.captures, b)
	r.mu.Unlock()
}
func (r *recorder) debug(b []byte) { r.mu.Lock(); r.debugs = append(r.debugs, b); r.mu.Unlock() }

func (r *recorder) joinedLogs() string   { return string(bytes.Join(r.logs, nil)) }
func (r *recorder) joinedDebugs() string { return string(bytes.Join(r.debugs, nil)) }
func (r *recorder) captureStrings() []string {
	var out []string
	for _, c := range r.captures {
		out = append(out, string(c))
	}
	return out
}

// newTestChannel returns a channel logging to a file in a temp dir, with
// every callback recorded.
func newTestChannel(t *testing.T, cfg ChannelConfig) (*Channel, *recorder, string) {
	t.Helper()
	rec := &recorder{}
	if cfg.Logfile == "" {
		cfg.Logfile = filepath.Join(t.TempDir(), "out.log")
	}
	if cfg.ProcessName == "" {
		cfg.ProcessName = "cat"
	}
	if cfg.Channel == "" {
		cfg.Channel = "stdout"
	}
	cfg.OnLog = rec.onLog
	cfg.OnCapture = rec.onCapture
	cfg.Debug = rec.debug
	ch, err := NewChannel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.Close() })
	return ch, rec, cfg.Logfile
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestChannelPlain(t *testing.T) {
	ch, rec, path := newTestChannel(t, ChannelConfig{})
	chunks := []string{"hello ", "world\n", "<!--XSUPERVISOR:BEGIN-->not captured\n"}
	for _, c := range chunks {
		if _, err := ch.Write([]byte(c)); err != nil {
			t.Fatal(err)
		}
	}
	want := strings.Join(chunks, "")
	if got := readString(t, path); got != want {
		t.Errorf("log file %q, want %q", got, want)
	}
	// One callback per chunk, not per line.
	if len(rec.logs) != 3 || rec.joinedLogs() != want || rec.joinedDebugs() != want {
		t.Errorf("events %q, debug %q", rec.logs, rec.debugs)
	}
	if len(rec.captures) != 0 {
		t.Errorf("captures without capture mode: %q", rec.captures)
	}
}

func TestChannelCallbacksOwnTheirData(t *testing.T) {
	ch, rec, _ := newTestChannel(t, ChannelConfig{})
	buf := []byte("first\n")
	ch.Write(buf)
	copy(buf, "XXXXX\n")
	if rec.joinedLogs() != "first\n" || rec.joinedDebugs() != "first\n" {
		t.Errorf("callback data changed with the caller's buffer: %q %q", rec.logs, rec.debugs)
	}
}

func TestChannelNoLogfile(t *testing.T) {
	rec := &recorder{}
	ch, err := NewChannel(ChannelConfig{ProcessName: "p", Channel: "stderr", OnLog: rec.onLog})
	if err != nil {
		t.Fatal(err)
	}
	if ch.File() != nil {
		t.Error("a channel without logfile has a file")
	}
	ch.Write([]byte("discarded\n"))
	if rec.joinedLogs() != "discarded\n" {
		t.Errorf("events %q", rec.logs)
	}
	if err := ch.Reopen(); err != nil {
		t.Error(err)
	}
	if err := ch.Clear(); err != nil {
		t.Error(err)
	}
	if err := ch.Close(); err != nil {
		t.Error(err)
	}
}

const (
	begin = "<!--XSUPERVISOR:BEGIN-->"
	end   = "<!--XSUPERVISOR:END-->"
)

// captureStream is a child's output with two captured messages; the
// expected results follow Supervisor (data between markers is not in the
// log file, but it is in PROCESS_LOG events and the debug copy).
var captureStream = "before\n" + begin + "one\n" + end + "middle <!--XSUP looks like a marker\n" +
	begin + "two" + end + "after\n"

const (
	captureWantFile   = "before\nmiddle <!--XSUP looks like a marker\nafter\n"
	captureWantEvents = "before\none\nmiddle <!--XSUP looks like a marker\ntwoafter\n"
)

var captureWantCaptures = []string{"one\n", "two"}

func checkCapture(t *testing.T, label string, ch *Channel, rec *recorder, path string) {
	t.Helper()
	if err := ch.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != captureWantFile {
		t.Errorf("%s: log file %q, want %q", label, got, captureWantFile)
	}
	if got := rec.captureStrings(); !slices.Equal(got, captureWantCaptures) {
		t.Errorf("%s: captures %q, want %q", label, got, captureWantCaptures)
	}
	if got := rec.joinedLogs(); got != captureWantEvents {
		t.Errorf("%s: events %q, want %q", label, got, captureWantEvents)
	}
	if got := rec.joinedDebugs(); got != captureWantEvents {
		t.Errorf("%s: debug copy %q, want %q", label, got, captureWantEvents)
	}
}

func TestChannelCaptureOneChunk(t *testing.T) {
	var logged bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ch, rec, path := newTestChannel(t, ChannelConfig{CaptureMaxBytes: 1 << 20, Logger: logger})
	ch.Write([]byte(captureStream))
	checkCapture(t, "one chunk", ch, rec, path)
	if n := strings.Count(logged.String(), `msg="'cat' stdout emitted a comm event"`); n != 2 {
		t.Errorf("comm event debug lines: %d in %q", n, logged.String())
	}
}

// Markers split across reads at every possible place, and a stream fed
// one byte at a time, give the same result as one read.
func TestChannelCaptureSplitMarkers(t *testing.T) {
	for cut := 1; cut < len(captureStream); cut++ {
		ch, rec, path := newTestChannel(t, ChannelConfig{CaptureMaxBytes: 1 << 20})
		ch.Write([]byte(captureStream[:cut]))
		ch.Write([]byte(captureStream[cut:]))
		checkCapture(t, "cut at "+strconv.Itoa(cut), ch, rec, path)
	}
	ch, rec, path := newTestChannel(t, ChannelConfig{CaptureMaxBytes: 1 << 20})
	for i := range len(captureStream) {
		ch.Write([]byte{captureStream[i]})
	}
	checkCapture(t, "byte by byte", ch, rec, path)
}

// Supervisor loses output shorter than a marker that follows the last
// marker (spec 5.3): "after\n" never reaches the log. We do not.
func TestChannelTrailingOutputNotLost(t *testing.T) {
	ch, _, path := newTestChannel(t, ChannelConfig{CaptureMaxBytes: 100})
	ch.Write([]byte(begin + "x" + end))
	ch.Write([]byte("after\n"))
	// Short output is logged at once, not held until more arrives.
	if got := readString(t, path); got != "after\n" {
		t.Errorf("before close: log file %q, want %q", got, "after\n")
	}
	// A held-back partial marker is written when the stream ends.
	ch.Write([]byte("<!--XSUPERVIS"))
	if got := readString(t, path); got != "after\n" {
		t.Errorf("partial marker not held back: %q", got)
	}
	if err := ch.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != "after\n<!--XSUPERVIS" {
		t.Errorf("after flush: log file %q", got)
	}
}

// An unterminated capture is dropped at end of stream, and the channel
// starts the next stream in normal mode.
func TestChannelFlushResetsCaptureMode(t *testing.T) {
	ch, rec, path := newTestChannel(t, ChannelConfig{CaptureMaxBytes: 100})
	ch.Write([]byte("a" + begin + "never ended"))
	ch.Flush()
	ch.Write([]byte("b\n"))
	if got := readString(t, path); got != "ab\n" {
		t.Errorf("log file %q", got)
	}
	if len(rec.captures) != 0 {
		t.Errorf("captures %q", rec.captures)
	}
}

// The capture buffer bound is Supervisor's BoundIO: when a write would
// overflow, as many leading bytes as the write is long are dropped. While
// capturing, output no longer than the end marker (22 bytes) is held until
// more arrives, as in Supervisor, so that the same writes reach the buffer.
func TestChannelCaptureBound(t *testing.T) {
	ch, rec, _ := newTestChannel(t, ChannelConfig{CaptureMaxBytes: 50})
	a30, b25, c60 := strings.Repeat("A", 30), strings.Repeat("B", 25), strings.Repeat("C", 60)
	ch.Write([]byte(begin))
	ch.Write([]byte(a30))
	ch.Write([]byte(b25)) // 55 > 50: the first 25 bytes go
	ch.Write([]byte(end))
	ch.Write([]byte(begin))
	ch.Write([]byte(c60)) // longer than the bound: kept whole
	ch.Write([]byte(end))
	ch.Write([]byte(begin))
	ch.Write([]byte("12345678")) // short writes are held and merged
	ch.Write([]byte("abcd"))
	ch.Write([]byte(end))
	want := []string{a30[25:] + b25, c60, "12345678abcd"}
	if got := rec.captureStrings(); !slices.Equal(got, want) {
		t.Errorf("captures %q, want %q", got, want)
	}
}

func TestChannelClearEmptiesCapture(t *testing.T) {
	ch, rec, path := newTestChannel(t, ChannelConfig{CaptureMaxBytes: 100})
	ch.Write([]byte("old\n" + begin + "this is lost: longer than a marker"))
	if err := ch.Clear(); err != nil {
		t.Fatal(err)
	}
	ch.Write([]byte("kept" + end + "new\n"))
	if got := rec.captureStrings(); !slices.Equal(got, []string{"kept"}) {
		t.Errorf("captures %q", got)
	}
	if got := readString(t, path); got != "new\n" {
		t.Errorf("log file %q", got)
	}
}

func TestChannelStripANSI(t *testing.T) {
	ch, rec, path := newTestChannel(t, ChannelConfig{StripANSI: true, CaptureMaxBytes: 100})
	ch.Write([]byte("\x1b[31mred\x1b[0m\n"))
	ch.Write([]byte(begin + "\x1b[1mbold\x1b[0m" + end))
	if got := readString(t, path); got != "red\n" {
		t.Errorf("log file %q", got)
	}
	if got := rec.joinedLogs(); got != "red\nbold" {
		t.Errorf("events %q", got)
	}
	if got := rec.captureStrings(); !slices.Equal(got, []string{"bold"}) {
		t.Errorf("captures %q", got)
	}
}

func TestChannelRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.log")
	ch, _, _ := newTestChannel(t, ChannelConfig{Logfile: path, MaxBytes: 10, Backups: 1})
	ch.Write([]byte("0123456789"))
	ch.Write([]byte("abc"))
	if err := ch.Reopen(); err != nil {
		t.Fatal(err)
	}
	ch.Write([]byte("d"))
	got := dirContents(t, dir)
	if got["out.log"] != "abcd" || got["out.log.1"] != "0123456789" {
		t.Errorf("files %q", got)
	}
}

func TestChannelClosed(t *testing.T) {
	ch, _, _ := newTestChannel(t, ChannelConfig{})
	if err := ch.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ch.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := ch.Write([]byte("x")); err == nil {
		t.Error("Write after Close succeeded")
	}
}

// startSyslogServer points the shared syslog sink at a unixgram socket of
// the test and returns the messages it receives.
func startSyslogServer(t *testing.T) <-chan string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "log.sock")
	conn, err := net.ListenPacket("unixgram", sock)
	if err != nil {
		t.Fatal(err)
	}
	msgs := make(chan string, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65536)
		for {
			n, _, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	saved := syslogDial
	syslogDial = func() (*syslog.Writer, error) {
		return syslog.Dial("unixgram", sock, syslog.LOG_USER|syslog.LOG_INFO, "supvisord")
	}
	sharedSyslog.reset()
	t.Cleanup(func() {
		syslogDial = saved
		sharedSyslog.reset()
		conn.Close()
		<-done
	})
	return msgs
}

// receive returns the next message, with the syslog header cut off.
func receive(t *testing.T, msgs <-chan string) string {
	t.Helper()
	select {
	case m := <-msgs:
		// "<14>Nov 23 22:41:00 supvisord[123]: message\n"
		if i := strings.Index(m, "]: "); i >= 0 {
			m = m[i+3:]
		}
		return strings.TrimSuffix(m, "\n")
	case <-time.After(10 * time.Second):
		t.Fatal("no syslog message received")
		return ""
	}
}

func TestChannelSyslog(t *testing.T) {
	msgs := startSyslogServer(t)
	ch, err := NewChannel(ChannelConfig{ProcessName: "web", Channel: "stdout", Syslog: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	ch.Write([]byte("line one\n\nline three\n\n"))
	for _, want := range []string{"web line one", "web ", "web line three"} {
		if got := receive(t, msgs); got != want {
			t.Errorf("syslog got %q, want %q", got, want)
		}
	}
	ch.Write([]byte("last"))
	if got := receive(t, msgs); got != "web last" {
		t.Errorf("syslog got %q, want %q", got, "web last")
	}
}

// Without a reachable syslog daemon, output is still logged and nothing
// fails.
func TestChannelSyslogUnreachable(t *testing.T) {
	saved := syslogDial
	syslogDial = func() (*syslog.Writer, error) {
		return syslog.Dial("unixgram", filepath.Join(t.TempDir(), "none.sock"), syslog.LOG_USER|syslog.LOG_INFO, "x")
	}
	sharedSyslog.reset()
	t.Cleanup(func() { syslogDial = saved; sharedSyslog.reset() })
	ch, rec, path := newTestChannel(t, ChannelConfig{Syslog: true})
	for range 3 {
		if _, err := ch.Write([]byte("x\n")); err != nil {
			t.Fatal(err)
		}
	}
	if got := readString(t, path); got != "x\nx\nx\n" || rec.joinedLogs() != "x\nx\nx\n" {
		t.Errorf("log file %q, events %q", got, rec.logs)
	}
}

func TestDebugCopy(t *testing.T) {
	echo := &lockedBuffer{}
	m := openTestMainLog(t, MainLogConfig{Echo: echo, Level: LevelDebug})
	ch, err := NewChannel(ChannelConfig{ProcessName: "cat", Channel: "stdout",
		Debug: DebugCopy(slog.New(m.Handler()), "cat", "stdout")})
	if err != nil {
		t.Fatal(err)
	}
	ch.Write([]byte("hello\n"))
	ch.Write([]byte("bad \xff\n"))
	ch.Close()
	m.Flush()
	re := regexp.MustCompile(`^\S+ \S+ DEBG 'cat' stdout output:\nhello\n\n\S+ \S+ DEBG 'cat' stdout output:\nUndecodable: b'bad \\xff\\n'\n$`)
	if !re.MatchString(echo.String()) {
		t.Errorf("main log %q", echo.String())
	}
}

// FuzzChannelChunking checks that how the output is cut into reads does not
// change what reaches the log file and the capture events.
func FuzzChannelChunking(f *testing.F) {
	f.Add([]byte(captureStream), uint64(7))
	f.Add([]byte(begin+begin+end+end), uint64(3))
	f.Add([]byte("<!--<!--XSUPERVISOR:BEGIN--><!--XSUPERVISOR:END<!--XSUPERVISOR:END-->x"), uint64(1))
	f.Fuzz(func(t *testing.T, stream []byte, seed uint64) {
		run := func(chunks [][]byte) (string, []string) {
			dir := t.TempDir()
			rec := &recorder{}
			ch, err := NewChannel(ChannelConfig{ProcessName: "f", Channel: "stdout",
				Logfile: filepath.Join(dir, "f.log"), CaptureMaxBytes: 1 << 20, OnCapture: rec.onCapture})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range chunks {
				ch.Write(c)
			}
			ch.Close()
			return readString(t, filepath.Join(dir, "f.log")), rec.captureStrings()
		}
		wantFile, wantCaptures := run([][]byte{stream})
		var chunks [][]byte
		for rest := stream; len(rest) > 0; {
			seed = seed*6364136223846793005 + 1442695040888963407
			n := min(int(seed>>59)+1, len(rest))
			chunks = append(chunks, rest[:n])
			rest = rest[n:]
		}
		gotFile, gotCaptures := run(chunks)
		if gotFile != wantFile || !slices.Equal(gotCaptures, wantCaptures) {
			t.Errorf("chunked: file %q captures %q; whole: file %q captures %q", gotFile, gotCaptures, wantFile, wantCaptures)
		}
	})
}
