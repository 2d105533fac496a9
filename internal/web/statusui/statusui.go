package statusui

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/supvisors-go/supvisors/internal/supervisor"
)

// Engine is what the pages need from the engine. *supervisor.Supervisor
// implements it; tests use a fake.
type Engine interface {
	AllProcessInfo() ([]supervisor.ProcessInfo, error)
	StartProcess(ctx context.Context, name string, wait bool) error
	StopProcess(ctx context.Context, name string, wait bool) error
	StartAllProcesses(ctx context.Context, wait bool) ([]supervisor.Result, error)
	StopAllProcesses(ctx context.Context, wait bool) ([]supervisor.Result, error)
	ClearProcessLogs(name string) error
	// ProcessLogPath returns the log file of a channel ("stdout" or
	// "stderr"), "" when the channel logs to no file.
	ProcessLogPath(name, channel string) (string, error)
}

// DefaultVersion is the version shown in the footer when Options.Version
// is empty: the Supervisor release whose behaviour we reproduce.
const DefaultVersion = "4.2.5"

// maxFormBytes bounds a POSTed form: the pages take three short fields.
const maxFormBytes = 64 << 10

// Options configure the handler. The zero value is usable.
type Options struct {
	// Version is shown in the footer (DefaultVersion when empty).
	Version string
	// Logger receives action and rendering failures (slog.Default when nil).
	Logger *slog.Logger
	// Now is the clock for the "... at <ctime>" messages and the footer
	// year (time.Now when nil).
	Now func() time.Time
}

//go:embed assets
var assets embed.FS

// templates are parsed once, on first use.
var templates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").ParseFS(assets, "assets/templates/*.html"))
})

// staticFiles is the assets tree that /stylesheets/ and /images/ serve.
var staticFiles = sync.OnceValue(func() http.Handler {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return http.FileServerFS(sub)
})

// handler serves the pages of one engine.
type handler struct {
	engine  Engine
	version string
	log     *slog.Logger
	now     func() time.Time
}

// New returns the web UI handler. It answers /, /index.html, /tail.html,
// /ok.html, /stylesheets/* and /images/*, and 404 for any other path; the
// HTTP server mounts it behind its authentication.
func New(engine Engine, opts Options) http.Handler {
	h := &handler{engine: engine, version: opts.Version, log: opts.Logger, now: opts.Now}
	if h.version == "" {
		h.version = DefaultVersion
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Supervisor ignores any number of leading slashes, and an empty path
	// is the status page.
	page := strings.TrimLeft(r.URL.Path, "/")
	if page == "" {
		page = "index.html"
	}
	if strings.HasPrefix(page, "stylesheets/") || strings.HasPrefix(page, "images/") {
		h.serveStatic(w, r, page)
		return
	}
	var view func(http.ResponseWriter, *http.Request, form)
	switch page {
	case "index.html":
		view = h.serveStatus
	case "tail.html":
		view = h.serveTail
	case "ok.html":
		view = func(w http.ResponseWriter, _ *http.Request, _ form) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "OK")
		}
	default:
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	f, err := readForm(r)
	if err != nil {
		http.Error(w, "cannot read the form: "+err.Error(), http.StatusBadRequest)
		return
	}
	view(w, r, f)
}

// serveStatic serves an embedded file; directories are not listed.
func (h *handler) serveStatic(w http.ResponseWriter, r *http.Request, page string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if st, err := fs.Stat(assets, "assets/"+page); err != nil || st.IsDir() {
		http.NotFound(w, r)
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = "/" + page
	r2.URL.RawPath = ""
	staticFiles().ServeHTTP(w, r2)
}

// form holds the request's fields as Supervisor's UI sees them: the first
// value of each query parameter, overridden by the POSTed fields, blank
// values dropped.
type form map[string]string

func (f form) get(key string) (string, bool) {
	v, ok := f[key]
	return v, ok
}

// readForm merges the query string and, for a POST, the body, which is
// read as URL-encoded whatever its declared content type (as Supervisor).
func readForm(r *http.Request) (form, error) {
	f := form{}
	parseFormPairs(r.URL.RawQuery, func(k, v string) {
		if _, seen := f[k]; !seen { // the first value of a query key counts
			f[k] = v
		}
	})
	if r.Method != http.MethodPost || r.Body == nil {
		return f, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxFormBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxFormBytes {
		return nil, errFormTooLarge
	}
	parseFormPairs(string(body), func(k, v string) { f[k] = v }) // the last posted value counts
	return f, nil
}

// parseFormPairs decodes "k=v&k=v" as Python's parse_qsl does: pairs are
// split on "&" only, a blank value drops the pair, and a malformed escape
// is kept as typed rather than rejected.
func parseFormPairs(s string, yield func(key, value string)) {
	for pair := range strings.SplitSeq(s, "&") {
		k, v, _ := strings.Cut(pair, "=")
		key, value := unquotePlus(k), unquotePlus(v)
		if value == "" {
			continue
		}
		yield(key, value)
	}
}

// unquotePlus is Python's urllib.parse.unquote_plus: "+" is a space, each
// valid %XX a byte, anything else kept; invalid UTF-8 becomes U+FFFD.
func unquotePlus(s string) string {
	if !strings.ContainsAny(s, "+%") {
		return s
	}
	buf := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			buf = append(buf, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			buf = append(buf, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			buf = append(buf, c)
		}
	}
	return strings.ToValidUTF8(string(buf), "\uFFFD")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// setPageHeaders sets the headers of every rendered page: never cached.
func setPageHeaders(h http.Header) {
	h.Set("Pragma", "no-cache")
	h.Set("Cache-Control", "no-cache")
	h.Set("Expires", "Thu, 01 Jan 1970 00:00:00 GMT")
}

// render executes a template into memory first, so that a failure becomes
// a clean 500 rather than half a page.
func (h *handler) render(w http.ResponseWriter, name string, data any) {
	var buf bytes.Buffer
	if err := templates().ExecuteTemplate(&buf, name, data); err != nil {
		h.log.Error("web UI: cannot render page", "page", name, "err", err)
		http.Error(w, "cannot render the page", http.StatusInternalServerError)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html;charset=utf-8")
	setPageHeaders(hdr)
	_, _ = w.Write(buf.Bytes())
}
