package statusui

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/supervisor"
)

// fakeEngine records the calls it gets and answers from its fields.
type fakeEngine struct {
	mu       sync.Mutex
	infos    []supervisor.ProcessInfo
	infoErr  error
	allErr   error            // StopAllProcesses / StartAllProcesses
	startErr map[string]error // by namespec
	stopErr  map[string]error
	clearErr map[string]error
	logPath  map[string]string // stdout log path by namespec
	logErr   map[string]error
	calls    []string
}

func (e *fakeEngine) record(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = append(e.calls, fmt.Sprintf(format, args...))
}

func (e *fakeEngine) recorded() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.calls...)
}

func (e *fakeEngine) AllProcessInfo() ([]supervisor.ProcessInfo, error) {
	if e.infoErr != nil {
		return nil, e.infoErr
	}
	return e.infos, nil
}

func (e *fakeEngine) StartProcess(_ context.Context, name string, wait bool) error {
	e.record("start %s wait=%t", name, wait)
	return e.startErr[name]
}

func (e *fakeEngine) StopProcess(_ context.Context, name string, wait bool) error {
	e.record("stop %s wait=%t", name, wait)
	return e.stopErr[name]
}

func (e *fakeEngine) StartAllProcesses(_ context.Context, wait bool) ([]supervisor.Result, error) {
	e.record("startall wait=%t", wait)
	return nil, e.allErr
}

func (e *fakeEngine) StopAllProcesses(_ context.Context, wait bool) ([]supervisor.Result, error) {
	e.record("stopall wait=%t", wait)
	return nil, e.allErr
}

func (e *fakeEngine) ClearProcessLogs(name string) error {
	e.record("clearlog %s", name)
	return e.clearErr[name]
}

func (e *fakeEngine) ProcessLogPath(name, channel string) (string, error) {
	e.record("logpath %s %s", name, channel)
	if err := e.logErr[name]; err != nil {
		return "", err
	}
	return e.logPath[name], nil
}

// fixedNow is the clock of the handler under test: a Tuesday with a
// single-digit day, to see ctime's space padding.
var fixedNow = time.Date(2026, time.November, 3, 22, 59, 39, 0, time.Local)

func newTestHandler(e Engine) http.Handler {
	return New(e, Options{Version: "4.2.5", Now: func() time.Time { return fixedNow }})
}

// do runs one request against h and returns the recorded response.
func do(t *testing.T, h http.Handler, method, target string, body io.Reader) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// messageOf checks that resp is the action redirect and returns its
// decoded message.
func messageOf(t *testing.T, resp *http.Response) string {
	t.Helper()
	if resp.StatusCode != http.StatusMovedPermanently {
		t.Fatalf("status %d, want 301; body %q", resp.StatusCode, readBody(t, resp))
	}
	loc := resp.Header.Get("Location")
	const prefix = "http://example.com/?message="
	if !strings.HasPrefix(loc, prefix) {
		t.Fatalf("Location %q does not start with %q", loc, prefix)
	}
	msg, err := url.PathUnescape(strings.TrimPrefix(loc, prefix))
	if err != nil {
		t.Fatalf("Location %q: %v", loc, err)
	}
	if quote(msg) != strings.TrimPrefix(loc, prefix) {
		t.Errorf("Location %q is not quoted as Python would", loc)
	}
	return msg
}

// node is a parsed element, enough to look at the pages' structure.
type node struct {
	name     string
	attr     map[string]string
	children []*node
	text     strings.Builder // all the text inside, descendants included
}

// parseXHTML parses a page strictly as XML, which also proves that it is
// well formed for scripts that scrape it with an XML parser.
func parseXHTML(t *testing.T, page string) *node {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(page))
	dec.Strict = true
	dec.Entity = xml.HTMLEntity
	root := &node{name: "#document"}
	stack := []*node{root}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("page is not well-formed XML: %v\n%s", err, page)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local, attr: map[string]string{}}
			for _, a := range tok.Attr {
				n.attr[a.Name.Local] = a.Value
			}
			top := stack[len(stack)-1]
			top.children = append(top.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			for _, n := range stack {
				n.text.Write(tok)
			}
		}
	}
	return root
}

// find returns the descendants of n that match.
func (n *node) find(match func(*node) bool) []*node {
	var out []*node
	for _, c := range n.children {
		if match(c) {
			out = append(out, c)
		}
		out = append(out, c.find(match)...)
	}
	return out
}

func byName(name string) func(*node) bool { return func(n *node) bool { return n.name == name } }

func byClass(class string) func(*node) bool {
	return func(n *node) bool { return n.attr["class"] == class }
}

func byID(id string) func(*node) bool { return func(n *node) bool { return n.attr["id"] == id } }

// one returns the only descendant of n that matches, or fails.
func (n *node) one(t *testing.T, what string, match func(*node) bool) *node {
	t.Helper()
	got := n.find(match)
	if len(got) != 1 {
		t.Fatalf("%d elements %s, want 1", len(got), what)
	}
	return got[0]
}

func (n *node) content() string { return strings.TrimSpace(n.text.String()) }

func newRequest(method, target string, body io.Reader) *http.Request {
	return httptest.NewRequest(method, target, body)
}

func serve(h http.Handler, req *http.Request) *http.Response {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}
