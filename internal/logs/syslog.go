package logs

import (
	"bytes"
	"log/syslog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// syslogRedialDelay bounds how often a missing syslog daemon is looked for
// again, so that a chatty child does not cost one failed dial per line.
const syslogRedialDelay = 5 * time.Second

// syslogDial opens the connection to the local syslog daemon with what
// Python's syslog.syslog() uses by default: facility USER, priority INFO,
// ident the program name. Tests replace it to point at their own socket.
var syslogDial = func() (*syslog.Writer, error) {
	return syslog.New(syslog.LOG_USER|syslog.LOG_INFO, filepath.Base(os.Args[0]))
}

// syslogSink is the one syslog connection the process shares. Like libc's
// syslog(3), it never fails its caller: when no daemon is reachable the
// message is dropped.
type syslogSink struct {
	mu       sync.Mutex
	w        *syslog.Writer
	lastDial time.Time
}

var sharedSyslog syslogSink

// send writes one message at priority INFO.
func (s *syslogSink) send(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == nil {
		if !s.lastDial.IsZero() && time.Since(s.lastDial) < syslogRedialDelay {
			return
		}
		s.lastDial = time.Now()
		w, err := syslogDial()
		if err != nil {
			return
		}
		s.w = w
	}
	if err := s.w.Info(msg); err != nil {
		// log/syslog already retried once with a fresh connection.
		s.w.Close()
		s.w = nil
	}
}

// reset drops the connection so that the next send dials again at once.
func (s *syslogSink) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w != nil {
		s.w.Close()
	}
	s.w = nil
	s.lastDial = time.Time{}
}

// syslogLines calls emit with each line of data as Supervisor's syslog
// handler splits it: trailing newlines are dropped, then the text is cut at
// every newline (so an empty line in the middle is sent as an empty line).
func syslogLines(data []byte, emit func(line []byte)) {
	data = bytes.TrimRight(data, "\n")
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			emit(data)
			return
		}
		emit(data[:i])
		data = data[i+1:]
	}
}
