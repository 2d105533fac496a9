package bench

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestProduceWritesExactlyAndInChunks(t *testing.T) {
	var w chunkRecorder
	res, err := produce(&w, 150_000, 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	if res.Bytes != 150_000 || int64(w.buf.Len()) != 150_000 {
		t.Errorf("wrote %d (reported %d), want 150000", w.buf.Len(), res.Bytes)
	}
	if want := []int{65536, 65536, 18928}; !equalInts(w.writes, want) {
		t.Errorf("write sizes %v, want %v", w.writes, want)
	}
	if !strings.HasPrefix(w.buf.String(), "supvisors-bench producer: ") || !strings.Contains(w.buf.String(), "\n") {
		t.Errorf("output does not look like log lines: %q", w.buf.String()[:80])
	}
}

type chunkRecorder struct {
	buf    bytes.Buffer
	writes []int
}

func (c *chunkRecorder) Write(p []byte) (int, error) {
	c.writes = append(c.writes, len(p))
	return c.buf.Write(p)
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReportRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	if _, err := readReport(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("readReport before writing: %v, want not-exist", err)
	}
	want := ProduceResult{Bytes: 42, Seconds: 0.5}
	if err := writeReport(path, want); err != nil {
		t.Fatal(err)
	}
	if got, err := readReport(path); err != nil || got != want {
		t.Errorf("readReport = %+v, %v; want %+v", got, err, want)
	}
}

// TestHelperProcess runs the helper as a real process (this test binary),
// the way a daemon runs it, once to stdout and once to a file.
func TestHelperProcess(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	report := filepath.Join(dir, "r.json")
	cmd := exec.Command(self, HelperArg, "produce", "-bytes", "100000", "-chunk", "4096", "-report", report)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v", err)
	}
	if len(out) != 100000 {
		t.Errorf("helper wrote %d bytes on stdout, want 100000", len(out))
	}
	if res, err := readReport(report); err != nil || res.Bytes != 100000 || res.Seconds <= 0 {
		t.Errorf("report = %+v, %v", res, err)
	}

	file := filepath.Join(dir, "out")
	cmd = exec.Command(self, HelperArg, "produce", "-bytes", "5000", "-report", report, "-out", file)
	if out, err := cmd.CombinedOutput(); err != nil || len(out) != 0 {
		t.Fatalf("helper -out: %v, output %q", err, out)
	}
	if st, err := os.Stat(file); err != nil || st.Size() != 5000 {
		t.Errorf("helper -out wrote %v, %v; want 5000 bytes", st, err)
	}

	var stderr bytes.Buffer
	if code := RunHelper([]string{"x", HelperArg, "nope"}, &stderr); code != 2 || !strings.Contains(stderr.String(), "usage") {
		t.Errorf("unknown helper: code %d, stderr %q", code, stderr.String())
	}
}
