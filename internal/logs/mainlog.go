package logs

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// The slog levels of Supervisor's seven log levels. DEBG, INFO, WARN and
// ERRO are slog's own; CRIT, TRAC and BLAT extend the scale on both sides
// with slog's spacing of 4.
const (
	LevelBlather  = slog.Level(-12)
	LevelTrace    = slog.Level(-8)
	LevelDebug    = slog.LevelDebug
	LevelInfo     = slog.LevelInfo
	LevelWarn     = slog.LevelWarn
	LevelError    = slog.LevelError
	LevelCritical = slog.Level(12)
)

// SlogLevel maps a configured loglevel (a config.Level, Supervisor's
// number: 3 blather ... 50 critical) to its slog level. A number between
// two of Supervisor's levels maps to the next one up, so that filtering
// keeps Supervisor's "level >= configured" meaning. It is generic so that
// this package does not depend on package config.
func SlogLevel[L ~int](l L) slog.Level {
	switch n := int(l); {
	case n <= 3:
		return LevelBlather
	case n <= 5:
		return LevelTrace
	case n <= 10:
		return LevelDebug
	case n <= 20:
		return LevelInfo
	case n <= 30:
		return LevelWarn
	case n <= 40:
		return LevelError
	default:
		return LevelCritical
	}
}

// LevelWord is the four-letter word Supervisor writes for a level.
func LevelWord(l slog.Level) string {
	switch {
	case l >= LevelCritical:
		return "CRIT"
	case l >= LevelError:
		return "ERRO"
	case l >= LevelWarn:
		return "WARN"
	case l >= LevelInfo:
		return "INFO"
	case l >= LevelDebug:
		return "DEBG"
	case l >= LevelTrace:
		return "TRAC"
	default:
		return "BLAT"
	}
}

// SyslogTarget is the MainLogConfig.Logfile value that sends the main log
// to syslog.
const SyslogTarget = "syslog"

// MainLogConfig configures the daemon's activity log.
type MainLogConfig struct {
	// Logfile is the log file path, SyslogTarget, or "" for no file.
	Logfile  string
	MaxBytes int64 // logfile_maxbytes; 0 disables rotation
	Backups  int   // logfile_backups
	// Level is the lowest level written: SlogLevel(cfg.Loglevel).
	Level slog.Level
	// Echo, when set, also receives every line: the daemon passes
	// os.Stdout when nodaemon is set and silent is not.
	Echo io.Writer
}

// MainLog is the daemon's activity log. Its Handler formats records as
// Supervisor does ("2006-01-02 15:04:05,000 INFO message"); one goroutine
// writes them in order, so that logging never waits for the disk and no
// line is dropped however slow the disk is (the queue grows instead).
type MainLog struct {
	cfg MainLogConfig
	// level is read by every logging call and changed by SetLevel
	// (supvisors.change_log_level).
	level    slog.LevelVar
	file     *RotatingFile // nil with syslog or no file
	toSyslog bool

	mu      sync.Mutex
	queue   []mainLogItem
	spare   []mainLogItem // the writer's previous batch, reused
	closing bool
	wake    chan struct{}
	done    chan struct{}
}

// mainLogItem is a formatted line, or a control operation run in order
// with the lines by the writer goroutine.
type mainLogItem struct {
	line     []byte
	msgStart int // where the message begins in line, for syslog
	control  func() error
	result   chan error
}

// OpenMainLog opens the main log and starts its writer goroutine, which
// Close stops.
func OpenMainLog(cfg MainLogConfig) (*MainLog, error) {
	m := &MainLog{
		cfg:  cfg,
		wake: make(chan struct{}, 1),
		done: make(chan struct{}),
	}
	m.level.Set(cfg.Level)
	switch cfg.Logfile {
	case "":
	case SyslogTarget:
		m.toSyslog = true
	default:
		f, err := OpenRotating(cfg.Logfile, cfg.MaxBytes, cfg.Backups)
		if err != nil {
			return nil, err
		}
		m.file = f
	}
	go m.run()
	return m, nil
}

// Handler returns the slog.Handler that writes to this log.
func (m *MainLog) Handler() slog.Handler { return &mainLogHandler{log: m} }

// Path is the configured log file (or "syslog", or "").
func (m *MainLog) Path() string { return m.cfg.Logfile }

// Level is the configured level as a slog level.
func (m *MainLog) Level() slog.Level { return m.level.Level() }

// SetLevel changes the lowest level written, at once for every logger
// built on the log's handler.
func (m *MainLog) SetLevel(l slog.Level) { m.level.Set(l) }

// enqueue hands an item to the writer. It reports false once the log is
// closed.
func (m *MainLog) enqueue(it mainLogItem) bool {
	m.mu.Lock()
	if m.closing {
		m.mu.Unlock()
		return false
	}
	m.queue = append(m.queue, it)
	m.mu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
	return true
}

// control runs op on the writer goroutine after every line queued so far,
// and returns its error.
func (m *MainLog) control(op func() error) error {
	result := make(chan error, 1)
	if !m.enqueue(mainLogItem{control: op, result: result}) {
		return os.ErrClosed
	}
	return <-result
}

// Flush waits until every line logged so far is written.
func (m *MainLog) Flush() error { return m.control(func() error { return nil }) }

// Reopen reopens the log file (SIGUSR2); lines logged before are written to
// the old file.
func (m *MainLog) Reopen() error {
	if m.file == nil {
		return nil
	}
	return m.control(m.file.Reopen)
}

// Clear deletes the log file and reopens it empty (clearLog); lines logged
// before are written first.
func (m *MainLog) Clear() error {
	if m.file == nil {
		return nil
	}
	return m.control(m.file.Clear)
}

// Close writes every queued line, stops the writer and closes the file.
// Lines logged afterwards are discarded.
func (m *MainLog) Close() error {
	m.mu.Lock()
	already := m.closing
	m.closing = true
	m.mu.Unlock()
	if !already {
		select {
		case m.wake <- struct{}{}:
		default:
		}
	}
	<-m.done
	if m.file != nil {
		return m.file.Close()
	}
	return nil
}

// run is the writer goroutine.
func (m *MainLog) run() {
	defer close(m.done)
	for {
		m.mu.Lock()
		batch := m.queue
		m.queue = m.spare[:0]
		closing := m.closing
		m.mu.Unlock()
		for i := range batch {
			m.writeItem(&batch[i])
			batch[i] = mainLogItem{} // let the line be collected
		}
		m.spare = batch
		if closing && len(batch) == 0 {
			return
		}
		if len(batch) == 0 {
			<-m.wake
		}
	}
}

func (m *MainLog) writeItem(it *mainLogItem) {
	if it.control != nil {
		it.result <- it.control()
		return
	}
	// Write errors are ignored as Supervisor's handlers do (they print a
	// traceback): there is nowhere left to report them.
	if m.file != nil {
		m.file.Write(it.line)
	}
	if m.toSyslog {
		prefix := string(it.line[:it.msgStart])
		syslogLines(it.line[it.msgStart:], func(line []byte) {
			sharedSyslog.send(prefix + string(line))
		})
	}
	if m.cfg.Echo != nil {
		m.cfg.Echo.Write(it.line)
	}
}

// mainLogHandler is the slog.Handler of a MainLog.
type mainLogHandler struct {
	log    *MainLog
	attrs  []byte // pre-formatted attributes from WithAttrs
	prefix string // open groups from WithGroup, "g1.g2."
}

func (h *mainLogHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.log.level.Level()
}

// mainLogTimeLayout is Supervisor's asctime, milliseconds after a comma.
const mainLogTimeLayout = "2006-01-02 15:04:05,000"

func (h *mainLogHandler) Handle(_ context.Context, r slog.Record) error {
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	line := make([]byte, 0, 32+len(r.Message)+len(h.attrs))
	line = t.Local().AppendFormat(line, mainLogTimeLayout)
	line = append(line, ' ')
	line = append(line, LevelWord(r.Level)...)
	line = append(line, ' ')
	msgStart := len(line)
	line = append(line, r.Message...)
	line = append(line, h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		line = appendAttr(line, h.prefix, a)
		return true
	})
	line = append(line, '\n')
	h.log.enqueue(mainLogItem{line: line, msgStart: msgStart})
	return nil
}

func (h *mainLogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	h2.attrs = bytes.Clone(h.attrs)
	for _, a := range attrs {
		h2.attrs = appendAttr(h2.attrs, h.prefix, a)
	}
	return &h2
}

func (h *mainLogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.prefix = h.prefix + name + "."
	return &h2
}

// appendAttr appends " key=value", with group members as "group.key".
func appendAttr(b []byte, prefix string, a slog.Attr) []byte {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return b
	}
	if a.Value.Kind() == slog.KindGroup {
		if a.Key != "" {
			prefix += a.Key + "."
		}
		for _, g := range a.Value.Group() {
			b = appendAttr(b, prefix, g)
		}
		return b
	}
	b = append(b, ' ')
	b = append(b, prefix...)
	b = append(b, a.Key...)
	b = append(b, '=')
	var s string
	if a.Value.Kind() == slog.KindTime {
		s = a.Value.Time().Format(time.RFC3339Nano)
	} else {
		s = a.Value.String()
	}
	if needsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

// needsQuoting reports whether a value would be ambiguous unquoted.
func needsQuoting(s string) bool {
	if s == "" {
		return true
	}
	for _, r := range s {
		if r == '=' || r == '"' || r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
	}
	return false
}
