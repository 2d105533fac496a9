package logs

import (
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// dirContents maps the names of the files in dir to their contents.
func dirContents(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		got[e.Name()] = string(b)
	}
	return got
}

func mustWrite(t *testing.T, w io.Writer, s string) {
	t.Helper()
	if n, err := w.Write([]byte(s)); err != nil || n != len(s) {
		t.Fatalf("Write(%q) = %d, %v", s, n, err)
	}
}

func TestRotatingFileRotation(t *testing.T) {
	tests := []struct {
		name     string
		existing string // content of the base file before opening
		maxBytes int64
		backups  int
		writes   []string
		want     map[string]string
	}{
		{
			name:     "backups shift and a file exceeds maxBytes by one write",
			maxBytes: 10, backups: 2,
			writes: []string{"aaaaaa", "bbbbbb", "cc", "dddddddddddd", "e"},
			want:   map[string]string{"f.log": "e", "f.log.1": "ccdddddddddddd", "f.log.2": "aaaaaabbbbbb"},
		},
		{
			name:     "the oldest backup is dropped",
			maxBytes: 10, backups: 2,
			writes: []string{"aaaaaaaaaa", "bbbbbbbbbb", "cccccccccc", "d"},
			want:   map[string]string{"f.log": "d", "f.log.1": "cccccccccc", "f.log.2": "bbbbbbbbbb"},
		},
		{
			name:     "no backups truncates",
			maxBytes: 5, backups: 0,
			writes: []string{"abc", "defg", "hi"},
			want:   map[string]string{"f.log": "hi"},
		},
		{
			name:     "existing content counts toward maxBytes",
			existing: "12345678", maxBytes: 10, backups: 1,
			writes: []string{"90", "x"},
			want:   map[string]string{"f.log": "x", "f.log.1": "1234567890"},
		},
		{
			name:     "maxBytes 0 only appends",
			existing: "old\n", maxBytes: 0, backups: 3,
			writes: []string{strings.Repeat("z", 100), "end"},
			want:   map[string]string{"f.log": "old\n" + strings.Repeat("z", 100) + "end"},
		},
		{
			name:     "rotation at exactly maxBytes",
			maxBytes: 4, backups: 3,
			writes: []string{"1111", "2222", "3333", "4444", "5"},
			want:   map[string]string{"f.log": "5", "f.log.1": "4444", "f.log.2": "3333", "f.log.3": "2222"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f.log")
			if tt.existing != "" {
				if err := os.WriteFile(path, []byte(tt.existing), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r, err := OpenRotating(path, tt.maxBytes, tt.backups)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.writes {
				mustWrite(t, r, w)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			if got := dirContents(t, dir); !maps.Equal(got, tt.want) {
				t.Errorf("files %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRotatingFileReopenClearClose(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.log")
	r, err := OpenRotating(path, 100, 2)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, r, "first\n")

	// logrotate with "create": the file is renamed away, then we reopen.
	if err := os.Rename(path, path+".rotated"); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, r, "still old\n")
	if err := r.Reopen(); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, r, "new\n")
	// Reopen does not truncate.
	if err := r.Reopen(); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, r, "again\n")

	// Clear deletes the base file only.
	if err := os.WriteFile(path+".1", []byte("backup"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := r.Clear(); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, r, "after clear\n")
	want := map[string]string{
		"f.log.rotated": "first\nstill old\n",
		"f.log":         "after clear\n",
		"f.log.1":       "backup",
	}
	if got := dirContents(t, dir); !maps.Equal(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}

	// Clear of a file someone deleted is fine.
	os.Remove(path)
	if err := r.Clear(); err != nil {
		t.Errorf("Clear of a deleted file: %v", err)
	}

	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := r.Write([]byte("x")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write after Close: %v, want ErrClosed", err)
	}
	if err := r.Reopen(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Reopen after Close: %v, want ErrClosed", err)
	}
}

func TestRotatingFileSizeAfterReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.log")
	r, err := OpenRotating(path, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mustWrite(t, r, "12345")
	// Someone truncates the file externally; after Reopen the size is
	// learnt again, so rotation happens at 10 bytes of the new file.
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	if err := r.Reopen(); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, r, "abcdefgh")
	if got := dirContents(t, dir); got["f.log"] != "abcdefgh" || len(got) != 1 {
		t.Errorf("files %q", got)
	}
	mustWrite(t, r, "ij")
	if got := dirContents(t, dir); got["f.log.1"] != "abcdefghij" || got["f.log"] != "" {
		t.Errorf("files %q", got)
	}
}

// A log pointed at a FIFO (as at /dev/stdout) is appended to and never
// rotated, whatever maxbytes says: Supervisor fails there with "Illegal
// seek" (#1224).
func TestRotatingFileOnFIFO(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	reader, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	r, err := OpenRotating(path, 4, 2)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, r, "hello ")
	mustWrite(t, r, "world")
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(reader)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "hello world" {
		t.Errorf("read %q from the FIFO", got)
	}
	if names := dirContentsNames(t, dir); len(names) != 1 {
		t.Errorf("files %v, want only the FIFO", names)
	}
}

func dirContentsNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// One goroutine writes while another reopens and clears: no race, no
// failed write, and every write after the last Clear is in the file.
func TestRotatingFileConcurrentControl(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.log")
	r, err := OpenRotating(path, 1000, 3)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			var err error
			if i%2 == 0 {
				err = r.Reopen()
			} else {
				err = r.Clear()
			}
			if err != nil {
				t.Errorf("control: %v", err)
				return
			}
		}
	})
	for range 2000 {
		if _, err := r.Write([]byte("0123456789\n")); err != nil {
			t.Errorf("Write: %v", err)
			break
		}
	}
	close(stop)
	wg.Wait()
	if err := r.Clear(); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, r, "last\n")
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "last\n" {
		t.Errorf("base file %q", b)
	}
}

// When the base file cannot be renamed to .1, it is neither truncated nor
// abandoned: writes go on appending and rotation is retried.
func TestRotatingFileRotationFailureLosesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.log")
	blocker := filepath.Join(dir, "f.log.1")
	if err := os.MkdirAll(filepath.Join(blocker, "busy"), 0o755); err != nil {
		t.Fatal(err)
	}
	r, err := OpenRotating(path, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if n, err := r.Write([]byte("12345")); n != 5 || err == nil {
		t.Errorf("Write = %d, %v; want 5 and a rotation error", n, err)
	}
	r.Write([]byte("678"))
	if got := readString(t, path); got != "12345678" {
		t.Errorf("base file %q, want every byte", got)
	}
	if err := os.RemoveAll(blocker); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, r, "9")
	got := dirContents(t, dir)
	if got["f.log.1"] != "123456789" || got["f.log"] != "" {
		t.Errorf("after the blocker went away: %q", got)
	}
}

// maxbytes=0 logging to /dev/stdout when stdout is a pipe: the path is a
// /proc/self/fd link to a pipe. Appending works and nothing is rotated even
// with maxbytes set.
func TestRotatingFileOnPipePath(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	path := "/proc/self/fd/" + strconv.Itoa(int(w.Fd()))
	for _, maxBytes := range []int64{0, 3} {
		f, err := OpenRotating(path, maxBytes, 1)
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, f, "abcd")
		mustWrite(t, f, "ef\n")
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, 7)
		if _, err := io.ReadFull(r, got); err != nil || string(got) != "abcdef\n" {
			t.Errorf("maxBytes %d: read %q, %v", maxBytes, got, err)
		}
	}
}
