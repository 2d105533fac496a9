package bench

import (
	"os"
	"strings"
	"testing"
)

func TestParseProcStat(t *testing.T) {
	// A command name with spaces and parentheses, as a process may choose.
	line := "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 130 7 9 20 0 1 0 987654 1000 10 18446744073709551615\n"
	st, err := parseProcStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if st.CPUSeconds != 3.8 || st.StartTicks != 987654 {
		t.Errorf("parseProcStat = %+v, want 3.8 CPU s (250+130 ticks, children excluded) and start 987654", st)
	}
	for _, bad := range []string{"", "1 (x) S 1 2", "1 (x) S 1 2 3 4 5 6 7 8 9 10 x 1 2 3 4 5 6 7 8 9"} {
		if _, err := parseProcStat([]byte(bad)); err == nil {
			t.Errorf("parseProcStat(%q) succeeded", bad)
		}
	}
}

func TestReadProcStatSelf(t *testing.T) {
	st, err := ReadProcStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if st.StartTicks == 0 {
		t.Errorf("start time of this process is 0: %+v", st)
	}
	again, err := ReadProcStat(os.Getpid())
	if err != nil || again.StartTicks != st.StartTicks {
		t.Errorf("start time changed between reads: %+v then %+v (%v)", st, again, err)
	}
}

func TestParseVmRSS(t *testing.T) {
	got, err := parseVmRSS(strings.NewReader("Name:\tx\nVmPeak:\t  9 kB\nVmRSS:\t   1536 kB\n"))
	if err != nil || got != 1536*1024 {
		t.Errorf("parseVmRSS = %d, %v; want %d", got, err, 1536*1024)
	}
	for _, bad := range []string{"Name:\tkthreadd\n", "VmRSS:\t12 MB\n", "VmRSS:\tx kB\n"} {
		if _, err := parseVmRSS(strings.NewReader(bad)); err == nil {
			t.Errorf("parseVmRSS(%q) succeeded", bad)
		}
	}
	rss, err := ReadRSSBytes(os.Getpid())
	if err != nil || rss <= 0 {
		t.Errorf("ReadRSSBytes(self) = %d, %v", rss, err)
	}
}

func TestParseStatusKBAnon(t *testing.T) {
	status := "Name:\tx\nVmRSS:\t   1536 kB\nRssAnon:\t    512 kB\nRssFile:\t   1024 kB\n"
	got, err := parseStatusKB(strings.NewReader(status), "RssAnon")
	if err != nil || got != 512*1024 {
		t.Errorf("parseStatusKB(RssAnon) = %d, %v; want %d", got, err, 512*1024)
	}
	if _, err := parseStatusKB(strings.NewReader("Name:\tx\n"), "RssAnon"); err == nil {
		t.Error("parseStatusKB found RssAnon in a status without it")
	}
}
