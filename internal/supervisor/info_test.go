package supervisor

import (
	"math"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
)

func TestTimedelta(t *testing.T) {
	for secs, want := range map[int64]string{
		0: "0:00:00", 7: "0:00:07", 3599: "0:59:59", 3600: "1:00:00",
		86401: "1 day, 0:00:01", 5*86400 + 7*3600 + 18*60 + 14: "5 days, 7:18:14",
	} {
		if got := Timedelta(secs); got != want {
			t.Errorf("Timedelta(%d) = %q, want %q", secs, got, want)
		}
	}
}

func TestDescribe(t *testing.T) {
	stop := time.Date(2026, 11, 23, 20, 40, 0, 0, time.Local).Unix()
	for _, tc := range []struct {
		info ProcessInfo
		want string
	}{
		{ProcessInfo{State: 20, PID: 42, Start: 100, Now: 107}, "pid 42, uptime 0:00:07"},
		{ProcessInfo{State: 20, PID: 42, Start: 100, Now: 90}, "pid 42, uptime 0:00:00"},
		{ProcessInfo{State: 200, Name: "x", SpawnErr: "boom"}, "boom"},
		{ProcessInfo{State: 30, Name: "x"}, `unknown error (try "tail x")`},
		{ProcessInfo{State: 0}, "Not started"},
		{ProcessInfo{State: 100, Start: 1, Stop: stop}, "Nov 23 08:40 PM"},
		{ProcessInfo{State: 10}, ""},
		{ProcessInfo{State: 40}, ""},
		{ProcessInfo{State: 1000}, ""},
	} {
		if got := describe(tc.info); got != tc.want {
			t.Errorf("describe(%+v) = %q, want %q", tc.info, got, tc.want)
		}
	}
	if capTime(time.Unix(1<<40, 0)) != math.MaxInt32 || capTime(time.Time{}) != 0 {
		t.Error("timestamps are not capped")
	}
}

func TestConfigInfoValues(t *testing.T) {
	pc := prog("p", "sleep 1", func(p *config.Process) {
		p.Stdout.Logfile = "/var/log/p.log"
		p.Stderr.Logfile = ""
		p.Exitcodes = []int{0, 2}
	})
	gc := groupOf("g", 7, pc)
	ci := configInfo(gc, pc, false, nil)
	if ci.Directory != nil || ci.UID != nil || ci.ServerURL != nil {
		t.Errorf("unset values should be nil ('none'): %+v", ci)
	}
	if *ci.Stdout.Logfile != "/var/log/p.log" || ci.Stderr.Logfile != nil {
		t.Errorf("logfiles %v %v", ci.Stdout.Logfile, ci.Stderr.Logfile)
	}
	if ci.Stopsignal != 15 || ci.GroupPrio != 7 || ci.ProcessPrio != 999 || ci.Group != "g" || len(ci.Exitcodes) != 2 {
		t.Errorf("values %+v", ci)
	}
	pc.Stdout.Logfile = config.AutoLogfile
	pc.User, pc.UID, pc.Directory, pc.ServerURL = "nobody", 65534, "/tmp", "http://x"
	ci = configInfo(gc, pc, true, nil)
	if *ci.Stdout.Logfile != "auto" || *ci.UID != 65534 || *ci.Directory != "/tmp" || *ci.ServerURL != "http://x" || !ci.InUse {
		t.Errorf("values %+v", ci)
	}
}

func TestSplitNamespec(t *testing.T) {
	for in, want := range map[string][2]string{
		"g:p": {"g", "p"}, "g:": {"g", ""}, "g:*": {"g", ""}, "p": {"p", "p"}, "g:p:q": {"g", "p:q"},
	} {
		if g, p := SplitNamespec(in); g != want[0] || p != want[1] {
			t.Errorf("SplitNamespec(%q) = %q %q", in, g, p)
		}
	}
	if MakeNamespec("a", "a") != "a" || MakeNamespec("g", "p") != "g:p" {
		t.Error("MakeNamespec")
	}
}

// VisitProcessInfo sees what AllProcessInfo returns, in the same order.
func TestVisitProcessInfoMatchesAllProcessInfo(t *testing.T) {
	h := start(t, cfgOf(t, groupOf("g", 1, prog("b", "/bin/true"), prog("a", "/bin/true"), prog("c", "/bin/true"))))
	s := h.s
	all, err := s.AllProcessInfo()
	if err != nil {
		t.Fatal(err)
	}
	var visited []ProcessInfo
	size := -1
	err = s.VisitProcessInfo(func(n int) { size = n }, func(info ProcessInfo) { visited = append(visited, info) })
	if err != nil {
		t.Fatal(err)
	}
	if size != len(all) || len(visited) != len(all) {
		t.Fatalf("size %d, visited %d, want %d", size, len(visited), len(all))
	}
	for i := range all {
		// Now may tick between the two calls; everything else is equal.
		visited[i].Now = all[i].Now
		if visited[i] != all[i] {
			t.Errorf("entry %d: visited %+v, want %+v", i, visited[i], all[i])
		}
	}
}
