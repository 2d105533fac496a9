package logs

import (
	"errors"
	"io/fs"
	"os"
	"strconv"
	"sync"
)

// RotatingFile is an append-only log file with Supervisor's size-based
// rotation. After each Write, when the file holds at least maxBytes bytes,
// it is closed, the backups are shifted (path.N-1 -> path.N ... path ->
// path.1) and path is reopened empty; with no backups the file is simply
// truncated. A file can therefore exceed maxBytes by at most one write,
// exactly as in Supervisor. With maxBytes 0, or when path is not a regular
// file (/dev/stdout, a pipe), the file is only appended to.
//
// One goroutine may Write while others call Reopen, Clear and Close.
type RotatingFile struct {
	path     string
	maxBytes int64
	backups  int

	mu      sync.Mutex
	f       *os.File // nil after a failed reopen; the next Write retries
	size    int64    // bytes in the current base file, as Python's tell()
	regular bool     // rotation only makes sense on a regular file
	closed  bool
	written int64 // total bytes ever accepted, across rotations
}

// OpenRotating opens (creating it if needed) the log file at path for
// appending. maxBytes <= 0 disables rotation; backups is the number of
// rotated files kept (path.1 ... path.backups).
func OpenRotating(path string, maxBytes int64, backups int) (*RotatingFile, error) {
	r := &RotatingFile{path: path, maxBytes: maxBytes, backups: max(backups, 0)}
	if err := r.openLocked(false); err != nil {
		return nil, err
	}
	return r, nil
}

// Path returns the base file name.
func (r *RotatingFile) Path() string { return r.path }

// openLocked opens the base file for appending, truncating it when asked
// (Supervisor reopens with "wb" after a rotation), and learns its size.
func (r *RotatingFile) openLocked(truncate bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	if truncate {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(r.path, flags, 0o666)
	if err != nil {
		return err
	}
	r.f = f
	r.size = 0
	r.regular = false
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		r.regular = true
		r.size = st.Size()
	}
	return nil
}

// Write appends p to the file, then rotates if the file reached maxBytes.
// A failed rotation is reported but the data was written: n is len(p).
func (r *RotatingFile) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, os.ErrClosed
	}
	if r.f == nil {
		if err := r.openLocked(false); err != nil {
			return 0, err
		}
	}
	n, err := r.f.Write(p)
	r.size += int64(n)
	r.written += int64(n)
	if err != nil {
		return n, err
	}
	return n, r.maybeRotateLocked()
}

// rotating reports whether this file is subject to size-based rotation.
func (r *RotatingFile) rotating() bool { return r.maxBytes > 0 && r.regular }

// maybeRotateLocked rotates when the base file reached maxBytes.
func (r *RotatingFile) maybeRotateLocked() error {
	if !r.rotating() || r.size < r.maxBytes {
		return nil
	}
	return r.rotateLocked()
}

// rotateLocked shifts the backups and reopens an empty base file. Renames
// whose source vanished (someone deleted a log) are not errors, as in
// Supervisor; any other failure is returned, but the base file is reopened
// in every case so that logging goes on (Supervisor stops logging to the
// file for good when a rename fails).
func (r *RotatingFile) rotateLocked() error {
	var errs []error
	if err := r.closeFileLocked(); err != nil {
		errs = append(errs, err)
	}
	if r.backups > 0 {
		for i := r.backups - 1; i > 0; i-- {
			src := r.backupName(i)
			if _, err := os.Lstat(src); err == nil {
				errs = append(errs, replaceFile(src, r.backupName(i+1)))
			}
		}
		if err := replaceFile(r.path, r.backupName(1)); err != nil {
			// The base file is still there: keep appending to it rather
			// than truncate it, so that nothing is lost; rotation is
			// tried again after the next write.
			errs = append(errs, err, r.openLocked(false))
			return errors.Join(errs...)
		}
	}
	errs = append(errs, r.openLocked(true))
	return errors.Join(errs...)
}

func (r *RotatingFile) backupName(i int) string { return r.path + "." + strconv.Itoa(i) }

// replaceFile renames src over dst, ignoring a source or destination that
// disappeared in the meantime.
func replaceFile(src, dst string) error {
	if err := os.Remove(dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Rename(src, dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Reopen closes and reopens the base file without truncating it, so that
// an external logrotate (with "create") takes effect: SIGUSR2.
func (r *RotatingFile) Reopen() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return os.ErrClosed
	}
	r.closeFileLocked()
	return r.openLocked(false)
}

// Clear deletes the base file (not the backups) and reopens it empty:
// clearProcessLogs and clearLog.
func (r *RotatingFile) Clear() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return os.ErrClosed
	}
	r.closeFileLocked()
	var rmErr error
	if r.regular {
		// Never unlink a device or a pipe someone pointed the log at.
		if err := os.Remove(r.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			rmErr = err
		}
	}
	return errors.Join(rmErr, r.openLocked(false))
}

// Close closes the file. Later writes fail with os.ErrClosed; Close is
// idempotent.
func (r *RotatingFile) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	return r.closeFileLocked()
}

// closeFileLocked closes the base file, if open.
func (r *RotatingFile) closeFileLocked() error {
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}
