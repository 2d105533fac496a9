package statusui

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// systemPython is Debian's Python, the one Supervisor runs on.
const systemPython = "/usr/bin/python3"

func requirePython(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(systemPython); err != nil {
		t.Fatalf("%s is needed to compare with Python's behaviour: %v", systemPython, err)
	}
}

// pythonJSON runs a Python script that reads JSON on stdin and prints JSON.
func pythonJSON(t *testing.T, script string, in, out any) {
	t.Helper()
	requirePython(t)
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(systemPython, "-c", script)
	cmd.Stdin = strings.NewReader(string(data))
	cmd.Stderr = os.Stderr
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	if err := json.Unmarshal(res, out); err != nil {
		t.Fatalf("python output %q: %v", res, err)
	}
}

func TestQuoteMatchesPython(t *testing.T) {
	inputs := []string{
		"", "plain", "g:a", "g:*", "Page refreshed at Tue Nov  3 22:59:39 2026",
		"ERROR: Process x: unexpected rpc fault [30] FAILED: x", "a/b c", "é ü 日本", "~_.-", "%41+&=?#[]@!$'()*,;",
		"\t\n\x01\x7f", "<script>",
	}
	var want []string
	pythonJSON(t, "import json,sys,urllib.parse; print(json.dumps([urllib.parse.quote(s) for s in json.load(sys.stdin)]))",
		inputs, &want)
	for i, s := range inputs {
		if got := quote(s); got != want[i] {
			t.Errorf("quote(%q) = %q, Python says %q", s, got, want[i])
		}
	}
}

func TestCtimeMatchesPython(t *testing.T) {
	epochs := []int64{0, 1_700_000_000, 1_762_210_779, 1_800_000_000, 951_782_400 /* 29 Feb 2000 */}
	var want []string
	// Python and Go read the same TZ variable and /etc/localtime.
	pythonJSON(t, "import json,sys,time; print(json.dumps([time.ctime(e) for e in json.load(sys.stdin)]))", epochs, &want)
	for i, e := range epochs {
		if got := ctime(time.Unix(e, 0)); got != want[i] {
			t.Errorf("ctime(%d) = %q, Python says %q", e, got, want[i])
		}
	}
}

func TestRedirectWithoutHostHeader(t *testing.T) {
	// An HTTP/1.0 client may send no Host: the redirect then names the
	// listener's own address.
	srv := httptest.NewServer(newTestHandler(&fakeEngine{}))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /index.html?action=refresh HTTP/1.0\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	want := "http://" + srv.Listener.Addr().String() + "/?message=Page%20refreshed%20at%20"
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusMovedPermanently || !strings.HasPrefix(loc, want) {
		t.Errorf("status %d, Location %q, want prefix %q", resp.StatusCode, loc, want)
	}
}

func TestQueryParsingMatchesPython(t *testing.T) {
	queries := []string{
		"processname=g%3Aa&action=start", "processname=a;b&action=stop", "processname=a+b%20c",
		"processname=%zz%4&action=x%2", "processname=&action=refresh", "processname=x&processname=y",
		"=v&k&k2=", "processname=%C3%A9%E6%97%A5", "a=1&&b=2", "processname=%FF",
	}
	// Supervisor's UI: parse_qs, the first value of each key.
	var want []map[string]string
	pythonJSON(t, "import json,sys,urllib.parse\n"+
		"print(json.dumps([{k: v[0] for k, v in urllib.parse.parse_qs(q).items()} for q in json.load(sys.stdin)]))",
		queries, &want)
	for i, q := range queries {
		f, err := readForm(httptest.NewRequest(http.MethodGet, "/?"+q, nil))
		if err != nil {
			t.Fatal(err)
		}
		if len(f) != len(want[i]) {
			t.Errorf("%q: %q, Python says %q", q, f, want[i])
			continue
		}
		for k, v := range want[i] {
			if f[k] != v {
				t.Errorf("%q: %q, Python says %q", q, f, want[i])
			}
		}
	}
}
