package logs

import (
	"errors"
	"io"
	"math"
	"os"

	"github.com/supvisors-go/supvisors/internal/errdefs"
)

// ReadFile returns up to length bytes of the file at path from offset,
// with Supervisor's rules (readLog, readProcessStdoutLog...):
//
//	offset < 0, length == 0: the last |offset| bytes (all of a shorter file)
//	offset < 0, length != 0: BAD_ARGUMENTS
//	offset >= 0, length < 0: BAD_ARGUMENTS
//	offset >= 0, length == 0: from offset to the end
//	offset >= 0, length > 0: up to length bytes from offset
//
// Reading beyond the end gives no data. A missing file is NO_FILE (with the
// path as extra text, as Supervisor), a file that cannot be opened or read
// FAILED. As in Supervisor the file is opened before the arguments are
// checked, so an unreadable file is FAILED whatever the arguments.
func ReadFile(path string, offset, length int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if missing(path) {
			return nil, errdefs.New(errdefs.NoFile, path)
		}
		return nil, errdefs.New(errdefs.Failed, "")
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		return nil, errdefs.New(errdefs.Failed, "")
	}
	size := st.Size()

	var from, count int64 // count < 0: to the end
	switch {
	case offset < 0 && length != 0, offset >= 0 && length < 0:
		return nil, errdefs.New(errdefs.BadArguments, "")
	case offset < 0:
		back := absInt64(offset)
		from = max(size-back, 0)
		count = back
	case length == 0:
		from, count = offset, -1
	default:
		from, count = offset, length
	}
	data, err := readAt(f, from, count, size)
	if err != nil {
		return nil, errdefs.New(errdefs.Failed, "")
	}
	return data, nil
}

// missing reports whether path does not exist as Python's os.path.exists
// sees it: any stat failure (no such file, a dangling symlink, a directory
// on the way that cannot be searched) counts as missing.
func missing(path string) bool {
	_, err := os.Stat(path)
	return err != nil
}

// absInt64 is |v|, saturated for math.MinInt64.
func absInt64(v int64) int64 {
	if v == math.MinInt64 {
		return math.MaxInt64
	}
	return max(v, -v)
}

// readAt reads count bytes (all when count < 0) from offset. size is the
// file size when it was opened; it only sizes the buffer, since the file
// may grow while it is read.
func readAt(f *os.File, offset, count, size int64) ([]byte, error) {
	if count == 0 || offset < 0 {
		return []byte{}, nil
	}
	r := io.NewSectionReader(f, offset, math.MaxInt64-offset)
	var lr io.Reader = r
	hint := max(size-offset, 0)
	if count > 0 {
		lr = io.LimitReader(r, count)
		hint = min(hint, count)
	}
	buf := make([]byte, 0, hint+1)
	for {
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// TailFile answers tailProcessStdoutLog/tailProcessStderrLog: up to length
// bytes at offset, the new offset (the file size) and whether the file grew
// beyond offset+length (then the data is the end of the file):
//
//  1. sz is the file size;
//  2. if sz > offset+length: overflow, offset = sz-1;
//  3. if offset+length > sz: if offset > sz-1, length = 0; offset = sz-length;
//  4. offset and length are clamped to >= 0;
//  5. length bytes are read at offset, and sz is the new offset.
//
// A missing file gives ("", 0, false, nil). A file that cannot be opened
// or read gives what Supervisor answers then, ("", offset, false), with err
// set only so that the caller can log it: it is not a fault.
func TailFile(path string, offset, length int64) (data []byte, newOffset int64, overflow bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		if missing(path) {
			return []byte{}, 0, false, nil
		}
		return []byte{}, offset, false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err == nil && st.IsDir() {
		err = errors.New("is a directory")
	}
	if err != nil {
		return []byte{}, offset, false, err
	}
	sz := st.Size()

	if sz > satAdd(offset, length) {
		overflow = true
		offset = sz - 1
	}
	if satAdd(offset, length) > sz {
		if offset > sz-1 {
			length = 0
		}
		offset = satSub(sz, length)
	}
	offset = max(offset, 0)
	length = max(length, 0)

	data = []byte{}
	if length > 0 {
		data, err = readAt(f, offset, length, sz)
		if err != nil {
			return []byte{}, offset, false, err
		}
	}
	return data, sz, overflow, nil
}

// satAdd and satSub are a+b and a-b saturated to the int64 range, so that
// huge i8 arguments compare as Python's unbounded integers would.
func satAdd(a, b int64) int64 {
	s := a + b
	if a > 0 && b > 0 && s < 0 {
		return math.MaxInt64
	}
	if a < 0 && b < 0 && s >= 0 {
		return math.MinInt64
	}
	return s
}

func satSub(a, b int64) int64 {
	if b == math.MinInt64 {
		if a >= 0 {
			return math.MaxInt64
		}
		return a - b
	}
	return satAdd(a, -b)
}
