package server

import (
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// tailHead is how much of the existing file a stream starts with.
const (
	tailHead     = 1024
	tailMaxChunk = 64 << 10
	truncatedMsg = "==> File truncated <==\n"
)

// tailHandler serves the never-ending log streams.
type tailHandler struct {
	logs         LogPaths
	interval     time.Duration
	writeTimeout time.Duration
	closing      <-chan struct{}
	logger       *slog.Logger
	active       *atomic.Int64 // streams running now
}

// serveProcess serves /logtail/<namespec>[/stdout|/stderr].
func (h *tailHandler) serveProcess(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusBadRequest)
		return
	}
	// Like Supervisor: drop the leading slashes and the route's own
	// segment; the rest is the (already unquoted) name and channel.
	_, rest, ok := strings.Cut(strings.TrimLeft(r.URL.Path, "/"), "/")
	if !ok || h.logs == nil {
		writeError(w, http.StatusNotFound)
		return
	}
	namespec, channel, hasChannel := strings.Cut(rest, "/")
	if !hasChannel {
		channel = "stdout"
	}
	if channel != "stdout" && channel != "stderr" {
		writeError(w, http.StatusNotFound)
		return
	}
	path, err := h.logs.ProcessLogPath(namespec, channel)
	if err != nil || path == "" {
		writeError(w, http.StatusNotFound)
		return
	}
	h.stream(w, r, path, true)
}

// serveMain serves /mainlogtail.
func (h *tailHandler) serveMain(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, http.StatusBadRequest)
		return
	}
	if h.logs == nil || h.logs.MainLogPath() == "" {
		writeError(w, http.StatusNotFound)
		return
	}
	h.stream(w, r, h.logs.MainLogPath(), false)
}

// stream sends the last tailHead bytes of path, then whatever is
// appended, until the client goes away or the server closes.
func (h *tailHandler) stream(w http.ResponseWriter, r *http.Request, path string, noProxyBuffering bool) {
	t, err := openTail(path)
	if err != nil {
		// A log that does not exist yet is a temporary condition.
		writeError(w, http.StatusNotFound)
		return
	}
	defer t.close()
	h.active.Add(1)
	defer h.active.Add(-1)
	hdr := w.Header()
	hdr.Set("Last-Modified", t.modTime.UTC().Format(http.TimeFormat))
	hdr.Set("Content-Type", "text/plain;charset=utf-8")
	if noProxyBuffering {
		hdr.Set("X-Accel-Buffering", "no")
	}
	// No Content-Length: HTTP/1.1 clients get a chunked body.
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	if err := rc.Flush(); err != nil {
		return
	}
	ticker := time.NewTicker(h.interval)
	defer ticker.Stop()
	buf := make([]byte, tailMaxChunk)
	for {
		for {
			chunk, err := t.more(buf)
			if err != nil {
				h.logger.Debug("log stream read failed", "path", path, "error", err)
				return
			}
			if len(chunk) == 0 {
				break
			}
			_ = rc.SetWriteDeadline(time.Now().Add(h.writeTimeout))
			if _, err := w.Write(chunk); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
		select {
		case <-r.Context().Done():
			return
		case <-h.closing:
			return
		case <-ticker.C:
		}
	}
}

// tail follows one file across rotations (a new inode at the path) and
// truncations, as Supervisor's tail_f producer does.
type tail struct {
	path    string
	file    *os.File
	ino     uint64
	pos     int64 // how much of the current file has been sent
	modTime time.Time
}

func openTail(path string) (*tail, error) {
	t := &tail{path: path}
	if err := t.open(); err != nil {
		return nil, err
	}
	st, err := t.file.Stat()
	if err != nil {
		t.close()
		return nil, err
	}
	t.modTime = st.ModTime()
	t.pos = max(0, st.Size()-tailHead)
	return t, nil
}

func (t *tail) open() error {
	f, err := os.Open(t.path)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return err
	}
	t.file, t.ino, t.pos = f, inode(st), 0
	return nil
}

func (t *tail) close() { _ = t.file.Close() }

func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}

// more returns the next piece to send (at most len(buf) bytes), or nothing
// when the file has not grown.
func (t *tail) more(buf []byte) ([]byte, error) {
	// A new file at the path means the log was rotated: start it over.
	// While the path is missing, keep following the old file.
	if fi, err := os.Stat(t.path); err == nil && inode(fi) != t.ino {
		old := t.file
		if err := t.open(); err == nil {
			_ = old.Close()
		}
	}
	st, err := t.file.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	if size < t.pos {
		t.pos = 0
		return []byte(truncatedMsg), nil
	}
	if size == t.pos {
		return nil, nil
	}
	n := min(int64(len(buf)), size-t.pos)
	got, err := t.file.ReadAt(buf[:n], t.pos)
	if err != nil && err != io.EOF {
		return nil, err
	}
	t.pos += int64(got)
	return buf[:got], nil
}
