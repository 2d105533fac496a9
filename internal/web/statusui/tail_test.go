package statusui

import (
	"bytes"
	"fmt"
	"image/gif"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supvisors-go/supvisors/internal/errdefs"
)

// tailFixture writes a stdout log of 3000 bytes: 30 numbered lines of 100.
func tailFixture(t *testing.T) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	for i := range 30 {
		line := strings.Repeat(string(rune('a'+i%26)), 96)
		fmt.Fprintf(&buf, "%02d %s\n", i, line)
	}
	path := filepath.Join(t.TempDir(), "web-stdout.log")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, buf.Bytes()
}

func TestTailPage(t *testing.T) {
	path, data := tailFixture(t)
	html := filepath.Join(t.TempDir(), "html.log")
	if err := os.WriteFile(html, []byte("<script>alert('x')</script>\n\xff\xfe bad bytes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := &fakeEngine{
		logPath: map[string]string{
			"web": path, "g:a b": path, "html": html,
			"gone":  filepath.Join(t.TempDir(), "missing.log"),
			"nolog": "",
		},
		logErr: map[string]error{
			"zz":  errdefs.New(errdefs.BadName, "zz"),
			"g:*": errdefs.New(errdefs.BadName, "g:*"),
		},
	}
	h := newTestHandler(e)
	tests := []struct {
		name, query  string
		title, body  string
		refresh      string // "" for no Refresh link
		bodyContains string
	}{
		{name: "default limit", query: "processname=web", title: "web", body: string(data[len(data)-1024:]),
			refresh: "tail.html?processname=web&limit=1024"},
		{name: "small limit is raised", query: "processname=web&limit=5", title: "web", body: string(data[len(data)-1024:]),
			refresh: "tail.html?processname=web&limit=1024"},
		{name: "larger limit", query: "processname=web&limit=2000", title: "web", body: string(data[len(data)-2000:]),
			refresh: "tail.html?processname=web&limit=2000"},
		{name: "limit beyond the file", query: "processname=web&limit=99999999999999999999999", title: "web", body: string(data),
			refresh: "tail.html?processname=web&limit=9223372036854775807"},
		{name: "non-numeric limit", query: "processname=web&limit=-5", title: "web", body: string(data[len(data)-1024:]),
			refresh: "tail.html?processname=web&limit=1024"},
		{name: "quoted name", query: "processname=g%3Aa%20b", title: "g:a b", body: string(data[len(data)-1024:]),
			refresh: "tail.html?processname=g%3Aa%20b&limit=1024"},
		{name: "no log file", query: "processname=nolog", title: "nolog", body: "No file for nolog",
			refresh: "tail.html?processname=nolog&limit=1024"},
		{name: "missing log file", query: "processname=gone", title: "gone", body: "No file for gone",
			refresh: "tail.html?processname=gone&limit=1024"},
		{name: "unknown process", query: "processname=zz", title: "zz", body: "ERROR: unexpected rpc fault [10] BAD_NAME: zz",
			refresh: "tail.html?processname=zz&limit=1024"},
		{name: "group spec", query: "processname=g:*", title: "g:*", body: "ERROR: unexpected rpc fault [10] BAD_NAME: g:*",
			refresh: "tail.html?processname=g%3A%2A&limit=1024"},
		{name: "no name", query: "", title: "None", body: "No process name found"},
		{name: "blank name", query: "processname=", title: "None", body: "No process name found"},
		{name: "markup and bad bytes", query: "processname=html", title: "html",
			body:    "<script>alert('x')</script>\n\ufffd bad bytes\n",
			refresh: "tail.html?processname=html&limit=1024"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(t, h, http.MethodGet, "/tail.html?"+tt.query, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			checkPageHeaders(t, resp, "text/html;charset=utf-8")
			raw := readBody(t, resp)
			doc := parseXHTML(t, raw)
			if got := doc.one(t, "title", byName("title")).content(); got != "Supervisor tail of process "+tt.title {
				t.Errorf("title %q", got)
			}
			pre := doc.one(t, "tail body", byID("tailbody"))
			if got := pre.text.String(); got != tt.body {
				t.Errorf("tail body %q, want %q", got, tt.body)
			}
			refresh := doc.find(func(n *node) bool { return n.name == "a" && n.content() == "Refresh" })
			switch {
			case tt.refresh == "" && len(refresh) != 0:
				t.Errorf("a Refresh link with no process")
			case tt.refresh != "" && (len(refresh) != 1 || refresh[0].attr["href"] != tt.refresh):
				t.Errorf("Refresh links %v, want one to %q", refresh, tt.refresh)
			}
			if strings.Contains(raw, "<script>") {
				t.Error("log text was not escaped")
			}
		})
	}
}

func TestOKAndStatic(t *testing.T) {
	h := newTestHandler(&fakeEngine{})
	resp := do(t, h, http.MethodGet, "/ok.html", nil)
	if body := readBody(t, resp); resp.StatusCode != 200 || body != "OK" || resp.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("ok.html: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}

	resp = do(t, h, http.MethodGet, "/stylesheets/supervisor.css", nil)
	css := readBody(t, resp)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("css: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, class := range []string{".statusrunning", ".statuserror", ".statusnominal", ".shade", ".status_msg", ".hidden"} {
		if !strings.Contains(css, class) {
			t.Errorf("the style sheet has no %s rule", class)
		}
	}

	decoders := map[string]func([]byte) error{
		".png": func(b []byte) error { _, err := png.Decode(bytes.NewReader(b)); return err },
		".gif": func(b []byte) error { _, err := gif.Decode(bytes.NewReader(b)); return err },
	}
	for _, name := range []string{"icon.png", "supervisor.gif", "rule.gif", "state0.gif", "state1.gif", "state2.gif", "state3.gif"} {
		resp := do(t, h, http.MethodGet, "/images/"+name, nil)
		body := readBody(t, resp)
		if resp.StatusCode != 200 {
			t.Errorf("%s: status %d", name, resp.StatusCode)
			continue
		}
		if err := decoders[filepath.Ext(name)]([]byte(body)); err != nil {
			t.Errorf("%s does not decode: %v", name, err)
		}
	}

	for _, target := range []string{"/images/", "/stylesheets/", "/images/nosuch.gif", "/templates/status.html",
		"/images/../templates/status.html", "/status.html", "/nosuch"} {
		if resp := do(t, h, http.MethodGet, target, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", target, resp.StatusCode)
		}
	}
	for _, target := range []string{"/", "/tail.html", "/ok.html", "/images/icon.png"} {
		if resp := do(t, h, http.MethodPut, target, nil); resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") == "" {
			t.Errorf("PUT %s: status %d, Allow %q", target, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
}
