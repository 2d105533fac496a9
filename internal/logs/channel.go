package logs

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// Capture-mode markers, as Supervisor's ProcessCommunicationEvent defines
// them.
var (
	BeginToken = []byte("<!--XSUPERVISOR:BEGIN-->")
	EndToken   = []byte("<!--XSUPERVISOR:END-->")
)

// ChannelConfig configures the Channel of one output stream of one process.
type ChannelConfig struct {
	ProcessName string // config name of the process, used in syslog and debug lines
	Channel     string // "stdout" or "stderr"

	Logfile  string // path of the log file; "" for none (NONE / OFF)
	MaxBytes int64  // *_logfile_maxbytes; 0 disables rotation
	Backups  int    // *_logfile_backups

	// CaptureMaxBytes > 0 enables capture mode, with a buffer of about
	// that many bytes. The engine passes 0 for event listeners' stdout.
	CaptureMaxBytes int64
	Syslog          bool // *_syslog: copy each line to syslog as "<name> <line>"
	StripANSI       bool // [supervisord] strip_ansi

	// OnLog, when set, receives every chunk logged, including the chunks
	// inside capture markers: the data of PROCESS_LOG_STDOUT/STDERR. Set it
	// only when *_events_enabled.
	OnLog func(data []byte)
	// OnCapture, when set, receives the captured data when the end marker
	// arrives: the data of PROCESS_COMMUNICATION_STDOUT/STDERR.
	OnCapture func(data []byte)
	// Debug, when set, receives every chunk logged, for the main-log copy
	// at loglevel debug (format it with OutputDebugMessage). Set it only
	// when the daemon's loglevel is debug or lower.
	Debug func(data []byte)

	// Logger receives the DEBG "emitted a comm event" line and log file
	// write errors. nil means slog.Default().
	Logger *slog.Logger
}

// Every callback gets its own copy of the data and may keep it. Callbacks
// run on the goroutine that calls Write (the pipe reader), with the Channel
// locked: they must not block for long nor call the Channel.

// Channel routes the output of one process stream to its destinations, as
// Supervisor's POutputDispatcher does: log file, syslog, capture buffer,
// events and the main-log copy.
type Channel struct {
	cfg    ChannelConfig
	file   *RotatingFile // nil when there is no log file
	logger *slog.Logger

	mu          sync.Mutex
	held        []byte // output held back because it may begin a marker
	capturing   bool   // between a begin and an end marker
	captureBuf  []byte
	closed      bool
	lastErrText string // last write error logged, to log each kind once
}

// NewChannel opens the channel's log file (when it has one) and returns the
// channel.
func NewChannel(cfg ChannelConfig) (*Channel, error) {
	c := &Channel{cfg: cfg, logger: cfg.Logger}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if cfg.Logfile != "" {
		f, err := OpenRotating(cfg.Logfile, cfg.MaxBytes, cfg.Backups)
		if err != nil {
			return nil, err
		}
		c.file = f
	}
	return c, nil
}

// File returns the channel's log file, or nil when it has none.
func (c *Channel) File() *RotatingFile { return c.file }

// Write handles one chunk read from the child. It always consumes all of p
// (held-back bytes are kept internally); the error, if any, is the log
// file's, already reported to the Logger.
func (c *Channel) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, errChannelClosed
	}
	if c.cfg.CaptureMaxBytes <= 0 {
		return len(p), c.logLocked(p)
	}
	data := p
	if len(c.held) > 0 {
		data = append(c.held, p...)
		c.held = data[:0]
	}
	return len(p), c.recordLocked(data)
}

var errChannelClosed = errors.New("logs: channel closed")

// recordLocked looks for capture markers in data, logs what precedes them
// and switches modes; it holds back a tail of data that could be the start
// of the next marker.
//
// Supervisor holds back any buffered output no longer than a marker until
// more output arrives, which delays short lines and loses them when the
// child exits. We keep that rule while capturing (captured data is only
// seen at the end marker, and the capture buffer then drops exactly the
// bytes Supervisor drops), but outside capture mode only a true marker
// prefix is held back, so ordinary output is logged at once. Flush logs
// whatever is held at end of file.
func (c *Channel) recordLocked(data []byte) error {
	var errs []error
	for len(data) > 0 {
		token := BeginToken
		if c.capturing {
			token = EndToken
			if len(data) <= len(token) {
				// Supervisor's rule, kept while capturing so that the
				// capture buffer sees the same writes and drops the same
				// bytes when it overflows.
				c.held = append(c.held[:0], data...)
				break
			}
		}
		if i := bytes.Index(data, token); i >= 0 {
			errs = append(errs, c.logLocked(data[:i]))
			c.toggleCaptureLocked()
			data = data[i+len(token):]
			continue
		}
		keep := markerPrefixAtEnd(data, token)
		errs = append(errs, c.logLocked(data[:len(data)-keep]))
		// data may share storage with c.held; copy handles the overlap.
		c.held = append(c.held[:0], data[len(data)-keep:]...)
		break
	}
	return errors.Join(errs...)
}

// markerPrefixAtEnd returns the length of the longest proper prefix of
// token that data ends with (asynchat's find_prefix_at_end).
func markerPrefixAtEnd(data, token []byte) int {
	for l := min(len(token)-1, len(data)); l > 0; l-- {
		if bytes.HasSuffix(data, token[:l]) {
			return l
		}
	}
	return 0
}

// toggleCaptureLocked enters or leaves capture mode; leaving hands the
// captured data to OnCapture.
func (c *Channel) toggleCaptureLocked() {
	c.capturing = !c.capturing
	if c.capturing {
		return
	}
	data := c.captureBuf
	c.captureBuf = nil
	if c.cfg.OnCapture != nil {
		if data == nil {
			data = []byte{}
		}
		c.cfg.OnCapture(data)
	}
	c.logger.Debug(CommEventDebugMessage(c.cfg.ProcessName, c.cfg.Channel))
}

// captureLocked appends data to the capture buffer with Supervisor's
// approximate bound: when the write would overflow, as many leading bytes
// as the write is long are dropped first.
func (c *Channel) captureLocked(data []byte) {
	if int64(len(c.captureBuf)+len(data)) > c.cfg.CaptureMaxBytes {
		if len(data) >= len(c.captureBuf) {
			c.captureBuf = c.captureBuf[:0]
		} else {
			c.captureBuf = append(c.captureBuf[:0], c.captureBuf[len(data):]...)
		}
	}
	c.captureBuf = append(c.captureBuf, data...)
}

// logLocked sends one piece of output to its destinations, as Supervisor's
// _log: ANSI stripping, then the log file and syslog (or the capture
// buffer), the main-log copy and the PROCESS_LOG event.
func (c *Channel) logLocked(data []byte) error {
	if len(data) == 0 {
		return nil
	}
	if c.cfg.StripANSI {
		// A chunk made only of escapes becomes empty but is still logged,
		// as in Supervisor: an empty event, a "<name> " syslog line.
		data = stripANSI(data)
	}
	var err error
	if c.capturing {
		c.captureLocked(data)
	} else {
		if c.file != nil {
			if _, err = c.file.Write(data); err != nil {
				c.reportLocked(err)
			} else {
				c.lastErrText = ""
			}
		}
		if c.cfg.Syslog {
			prefix := c.cfg.ProcessName + " "
			syslogLines(data, func(line []byte) { sharedSyslog.send(prefix + string(line)) })
		}
	}
	if c.cfg.Debug != nil {
		c.cfg.Debug(bytes.Clone(data))
	}
	if c.cfg.OnLog != nil {
		c.cfg.OnLog(bytes.Clone(data))
	}
	return err
}

// reportLocked logs a write error once until the file works again, so that
// a full disk does not flood the main log.
func (c *Channel) reportLocked(err error) {
	if text := err.Error(); text != c.lastErrText {
		c.lastErrText = text
		c.logger.Error(fmt.Sprintf("could not write %s log of %s: %v", c.cfg.Channel, c.cfg.ProcessName, err))
	}
}

// Flush logs whatever output is held back (a partial marker the child
// will never complete), then returns the channel to normal mode, dropping
// an unterminated capture. Pump calls it at end of file, so that output
// after the last marker is never lost and a Channel can serve the next
// spawn of the process.
func (c *Channel) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errChannelClosed
	}
	return c.flushLocked()
}

func (c *Channel) flushLocked() error {
	held := c.held
	c.held = nil
	err := c.logLocked(held)
	c.capturing = false
	c.captureBuf = nil
	return err
}

// Reopen reopens the log file (SIGUSR2).
func (c *Channel) Reopen() error {
	if c.file == nil {
		return nil
	}
	return c.file.Reopen()
}

// Clear deletes and reopens the log file and empties the capture buffer
// (clearProcessLogs).
func (c *Channel) Clear() error {
	c.mu.Lock()
	c.captureBuf = nil
	c.mu.Unlock()
	if c.file == nil {
		return nil
	}
	return c.file.Clear()
}

// Close flushes held-back output and closes the log file. Later writes
// fail; Close is idempotent.
func (c *Channel) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	err := c.flushLocked()
	c.closed = true
	if c.file != nil {
		err = errors.Join(err, c.file.Close())
	}
	return err
}
