package logs

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/supvisors-go/supvisors/internal/errdefs"
)

const (
	maxI64 = math.MaxInt64
	minI64 = math.MinInt64
)

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f.log")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// readTailCase is one call of readFile and of tailFile; the expectations
// were produced by Supervisor 4.2.5's supervisor.options functions.
type readTailCase struct {
	content        string
	offset, length int64
	read           string // "" plus readErr for a fault
	readErr        errdefs.Code
	tail           string
	tailOffset     int64
	overflow       bool
}

const f15 = "0123456789abcde"

var readTailCases = []readTailCase{
	// The examples of the spec (5.6).
	{f15, 0, 5, "01234", 0, "abcde", 15, true},
	{"abcdef", 1000, 10, "", 0, "", 6, false},
	{"abcdef", 6, 100, "", 0, "", 6, false},
	// More, on the 15-byte file.
	{f15, 1000, 10, "", 0, "", 15, false},
	{f15, 6, 100, "6789abcde", 0, f15, 15, false},
	{f15, 15, 0, "", 0, "", 15, false},
	{f15, 14, 1, "e", 0, "e", 15, false},
	{f15, 10, 5, "abcde", 0, "abcde", 15, false},
	{f15, 10, 10, "abcde", 0, "56789abcde", 15, false},
	{f15, -5, 0, "abcde", 0, "", 15, true},
	{f15, -100, 0, f15, 0, "", 15, true},
	{f15, 0, 0, f15, 0, "", 15, true},
	{f15, 3, 0, "3456789abcde", 0, "", 15, true},
	{f15, 3, 4, "3456", 0, "bcde", 15, true},
	{f15, 20, 0, "", 0, "", 15, false},
	{f15, 20, 5, "", 0, "", 15, false},
	{f15, -1, 5, "", errdefs.BadArguments, "abcde", 15, true},
	{f15, 0, -1, "", errdefs.BadArguments, "", 15, true},
	{f15, 5, -3, "", errdefs.BadArguments, "", 15, true},
	{f15, -3, -3, "", errdefs.BadArguments, "", 15, true},
	{f15, 0, 15, f15, 0, f15, 15, false},
	{f15, 0, 16, f15, 0, f15, 15, false},
	{f15, 14, 0, "e", 0, "", 15, true},
	{f15, 16, -20, "", errdefs.BadArguments, "", 15, true},
	{f15, -20, 5, "", errdefs.BadArguments, "abcde", 15, true},
	{f15, -20, 40, "", errdefs.BadArguments, f15, 15, false},
	{f15, 0, 14, "0123456789abcd", 0, "123456789abcde", 15, true},
	// A 6-byte file.
	{"abcdef", 0, 6, "abcdef", 0, "abcdef", 6, false},
	{"abcdef", 0, 3, "abc", 0, "def", 6, true},
	{"abcdef", 5, 1, "f", 0, "f", 6, false},
	{"abcdef", -6, 0, "abcdef", 0, "", 6, true},
	{"abcdef", 0, 0, "abcdef", 0, "", 6, true},
	{"abcdef", 2, 2, "cd", 0, "ef", 6, true},
	// An empty file.
	{"", 1000, 10, "", 0, "", 0, false},
	{"", 0, 6, "", 0, "", 0, false},
	{"", -6, 0, "", 0, "", 0, true},
	{"", 0, 0, "", 0, "", 0, false},
	// 64-bit extremes: Python's tailFile answers these (its readFile
	// crashes; ours reads what the rules say).
	{f15, maxI64, maxI64, "", 0, "", 15, false},
	{f15, minI64, 0, f15, 0, "", 15, true},
	{f15, maxI64, 0, "", 0, "", 15, false},
	{f15, minI64, minI64, "", errdefs.BadArguments, "", 15, true},
	{f15, 0, minI64, "", errdefs.BadArguments, "", 15, true},
	{f15, maxI64, minI64, "", errdefs.BadArguments, "", 15, true},
	{f15, 5, minI64, "", errdefs.BadArguments, "", 15, true},
	{f15, 0, maxI64, f15, 0, f15, 15, false}, // Python: OverflowError
}

func TestReadFile(t *testing.T) {
	for _, tt := range readTailCases {
		path := writeTemp(t, tt.content)
		got, err := ReadFile(path, tt.offset, tt.length)
		if tt.readErr != 0 {
			if !errdefs.Is(err, tt.readErr) {
				t.Errorf("ReadFile(%d bytes, %d, %d) error %v, want %v", len(tt.content), tt.offset, tt.length, err, tt.readErr)
			}
			continue
		}
		if err != nil || string(got) != tt.read {
			t.Errorf("ReadFile(%d bytes, %d, %d) = %q, %v; want %q", len(tt.content), tt.offset, tt.length, got, err, tt.read)
		}
	}
}

func TestTailFile(t *testing.T) {
	for _, tt := range readTailCases {
		path := writeTemp(t, tt.content)
		data, off, overflow, err := TailFile(path, tt.offset, tt.length)
		if err != nil || string(data) != tt.tail || off != tt.tailOffset || overflow != tt.overflow {
			t.Errorf("TailFile(%d bytes, %d, %d) = %q, %d, %v, %v; want %q, %d, %v",
				len(tt.content), tt.offset, tt.length, data, off, overflow, err, tt.tail, tt.tailOffset, tt.overflow)
		}
	}
}

func TestReadTailMissingAndUnreadable(t *testing.T) {
	dir := t.TempDir()
	missingPath := filepath.Join(dir, "nope.log")
	_, err := ReadFile(missingPath, 0, 0)
	if !errdefs.Is(err, errdefs.NoFile) || err.Error() != "NO_FILE: "+missingPath {
		t.Errorf("ReadFile(missing) error %v, want NO_FILE: path", err)
	}
	data, off, overflow, err := TailFile(missingPath, 10, 20)
	if len(data) != 0 || off != 0 || overflow || err != nil {
		t.Errorf("TailFile(missing) = %q, %d, %v, %v; want '', 0, false", data, off, overflow, err)
	}

	// A directory exists but cannot be read as a file: FAILED, and tail
	// answers ('', offset, false).
	if _, err := ReadFile(dir, 0, 0); !errdefs.Is(err, errdefs.Failed) {
		t.Errorf("ReadFile(dir) error %v, want FAILED", err)
	}
	data, off, overflow, err = TailFile(dir, 7, 20)
	if len(data) != 0 || off != 7 || overflow || err == nil {
		t.Errorf("TailFile(dir) = %q, %d, %v, %v; want '', 7, false and an error", data, off, overflow, err)
	}
}
