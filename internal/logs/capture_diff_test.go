package logs

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// latin1 turns a JSON string holding one byte per character back into
// bytes.
func latin1(s string) []byte {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = append(b, byte(r))
	}
	return b
}

// testdata/capture_cases*.json hold random streams cut into random reads,
// with what Supervisor 4.2.5's own POutputDispatcher wrote to the log file
// and emitted as PROCESS_COMMUNICATION data for them, capture buffer
// overflows included (testdata/gen_capture_cases.py makes them). Each
// stream ends with a read of 30 plain bytes, so that Supervisor's
// hold-back of short output (a bug we do not reproduce) hides nothing. In
// the strip_ansi cases no escape sequence is cut between reads: how a cut
// sequence is stripped depends on how reads are grouped, in both programs.
func TestCaptureMatchesSupervisor(t *testing.T) {
	checkSupervisorCases(t, "capture_cases.json")
}

func checkSupervisorCases(t *testing.T, name string) {
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Chunks          []string `json:"chunks"`
		CaptureMaxbytes int64    `json:"capture_maxbytes"`
		StripANSI       bool     `json:"strip_ansi"`
		File            string   `json:"file"`
		Captures        []string `json:"captures"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i, tc := range cases {
		logfile := filepath.Join(dir, strconv.Itoa(i)+".log")
		rec := &recorder{}
		ch, err := NewChannel(ChannelConfig{ProcessName: "p", Channel: "stdout",
			Logfile: logfile, CaptureMaxBytes: tc.CaptureMaxbytes, StripANSI: tc.StripANSI, OnCapture: rec.onCapture})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range tc.Chunks {
			ch.Write(latin1(c))
		}
		ch.Close()
		gotFile := readString(t, logfile)
		var want []string
		for _, c := range tc.Captures {
			want = append(want, string(latin1(c)))
		}
		if gotFile != string(latin1(tc.File)) || !slices.Equal(rec.captureStrings(), want) {
			t.Errorf("case %d (max %d, chunks %q):\n file %q\n want %q\n captures %q\n want %q",
				i, tc.CaptureMaxbytes, tc.Chunks, gotFile, latin1(tc.File), rec.captureStrings(), want)
		}
	}
}

func TestCaptureStripMatchesSupervisor(t *testing.T) {
	checkSupervisorCases(t, "capture_cases_strip.json")
}
