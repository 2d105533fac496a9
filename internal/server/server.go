package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/supvisors-go/supvisors/internal/config"
)

// ServerHeader is the Server response header: Supervisor's own value.
const ServerHeader = "Medusa/1.12"

// Defaults for the zero values of Options.
const (
	DefaultMaxBodyBytes  = 16 << 20
	DefaultIdleTimeout   = 30 * time.Minute
	DefaultHeaderTimeout = time.Minute
	DefaultBodyTimeout   = 2 * time.Minute
	DefaultWriteTimeout  = 2 * time.Minute
	maxHeaderBytes       = 64 << 10
)

// RPC runs XML-RPC methods; *xmlrpc.Dispatcher implements it. Errors it
// returns are turned into faults with xmlrpc.FaultOf.
type RPC interface {
	Call(ctx context.Context, method string, params []any) (any, error)
}

// LogPaths tells the log streams where files are; the engine implements
// it. A path of "" or an error means there is nothing to stream (404).
type LogPaths interface {
	// ProcessLogPath returns the log file of channel ("stdout" or
	// "stderr") of the process namespec ("group:name" or "name").
	ProcessLogPath(namespec, channel string) (string, error)
	// MainLogPath returns the daemon's main log file.
	MainLogPath() string
}

// Options configures a Server.
type Options struct {
	// Servers are the configured HTTP server sections.
	Servers []config.HTTPServer
	// RPC serves /RPC2; nil answers every call with UNKNOWN_METHOD.
	RPC RPC
	// Logs serves /logtail and /mainlogtail; nil answers 404.
	Logs LogPaths
	// Fallback serves every other path; nil answers 404.
	Fallback http.Handler
	Logger   *slog.Logger

	MaxBodyBytes  int64
	IdleTimeout   time.Duration
	HeaderTimeout time.Duration
	BodyTimeout   time.Duration
	WriteTimeout  time.Duration
	// TailInterval is how often a log stream looks for new data; 0 means
	// Supervisor's 0.1 s.
	TailInterval time.Duration
}

// Server serves the HTTP front end on every configured listener.
type Server struct {
	opts   Options
	logger *slog.Logger

	// closing is closed when Close starts: log streams end at once.
	closing chan struct{}
	// baseCtx is the parent of every request context; it is cancelled
	// only when a graceful Close runs out of time.
	baseCtx    context.Context
	cancelBase context.CancelFunc

	activeStreams atomic.Int64

	mu        sync.Mutex
	servers   []*http.Server
	listeners []net.Listener
	sockets   []string     // unix socket files to remove on Close
	pprof     *http.Server // the benchmark-only profile listener, nil when off
	serving   sync.WaitGroup
	started   bool
	closed    bool
}

// New returns a Server; nothing is bound until Start.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.HeaderTimeout <= 0 {
		opts.HeaderTimeout = DefaultHeaderTimeout
	}
	if opts.BodyTimeout <= 0 {
		opts.BodyTimeout = DefaultBodyTimeout
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = DefaultWriteTimeout
	}
	if opts.TailInterval <= 0 {
		opts.TailInterval = 100 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		opts:       opts,
		logger:     opts.Logger.With("component", "http"),
		closing:    make(chan struct{}),
		baseCtx:    ctx,
		cancelBase: cancel,
	}
}

// Start binds every configured listener, then serves them all. If one
// cannot be bound, those already bound are released and the error is
// returned (ErrAlreadyListening when the address is taken).
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return errors.New("server: Start called twice or after Close")
	}
	s.started = true
	for _, cfg := range s.opts.Servers {
		l, err := listen(cfg, s.logger)
		if err != nil {
			s.releaseLocked()
			return err
		}
		s.listeners = append(s.listeners, l)
		if cfg.Kind == config.UnixHTTPServer {
			s.sockets = append(s.sockets, cfg.File)
		}
		s.servers = append(s.servers, &http.Server{
			Handler:           s.handler(cfg),
			ReadHeaderTimeout: s.opts.HeaderTimeout,
			IdleTimeout:       s.opts.IdleTimeout,
			MaxHeaderBytes:    maxHeaderBytes,
			BaseContext:       func(net.Listener) context.Context { return s.baseCtx },
			ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelDebug),
		})
	}
	s.pprof = s.startPprof()
	for i, srv := range s.servers {
		l := s.listeners[i]
		// Supervisor's main log says nothing at INFO about its listeners.
		s.logger.Debug("HTTP server listening", "section", s.opts.Servers[i].Section, "address", l.Addr().String())
		s.serving.Add(1)
		go func() {
			defer s.serving.Done()
			if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.logger.Error("HTTP server stopped", "address", l.Addr().String(), "error", err)
			}
		}()
	}
	return nil
}

func (s *Server) releaseLocked() {
	for _, l := range s.listeners {
		_ = l.Close()
	}
	for _, f := range s.sockets {
		_ = os.Remove(f)
	}
	s.listeners, s.sockets, s.servers = nil, nil, nil
}

// Addrs returns the bound addresses, in configuration order.
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	addrs := make([]net.Addr, len(s.listeners))
	for i, l := range s.listeners {
		addrs[i] = l.Addr()
	}
	return addrs
}

// ActiveLogStreams returns how many /logtail and /mainlogtail streams are
// being served.
func (s *Server) ActiveLogStreams() int { return int(s.activeStreams.Load()) }

// Close stops accepting connections, ends log streams, lets in-flight
// calls answer until ctx is done, then drops whatever is left (their
// contexts are cancelled) and removes the socket files.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.closing)
	servers := s.servers
	if s.pprof != nil {
		// A profile being taken is cut short: it is a benchmark aid.
		_ = s.pprof.Close()
	}
	s.mu.Unlock()

	var wg sync.WaitGroup
	errs := make([]error, len(servers))
	for i, srv := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.Shutdown(ctx); err != nil {
				// Out of time: cut the remaining connections and tell
				// the handlers still running that nobody waits for them.
				s.cancelBase()
				errs[i] = srv.Close()
			}
		}()
	}
	wg.Wait()
	s.cancelBase()
	s.serving.Wait()

	s.mu.Lock()
	for _, f := range s.sockets {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	s.sockets = nil
	s.mu.Unlock()
	return errors.Join(errs...)
}

// handler builds the route table of one listener, behind its section's
// credentials.
func (s *Server) handler(cfg config.HTTPServer) http.Handler {
	rpc := &rpcHandler{rpc: s.opts.RPC, maxBody: s.opts.MaxBodyBytes, bodyTimeout: s.opts.BodyTimeout,
		writeTimeout: s.opts.WriteTimeout, logger: s.logger}
	tail := &tailHandler{logs: s.opts.Logs, interval: s.opts.TailInterval, writeTimeout: s.opts.WriteTimeout,
		closing: s.closing, logger: s.logger, active: &s.activeStreams}
	fallback := s.opts.Fallback
	if fallback == nil {
		fallback = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { writeError(w, http.StatusNotFound) })
	}
	// Supervisor matches handlers by prefix, in this order.
	routes := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch path := r.URL.Path; {
		case strings.HasPrefix(path, "/RPC2"):
			rpc.ServeHTTP(w, r)
		case strings.HasPrefix(path, "/logtail"):
			tail.serveProcess(w, r)
		case strings.HasPrefix(path, "/mainlogtail"):
			tail.serveMain(w, r)
		default:
			fallback.ServeHTTP(w, r)
		}
	})
	authed := requireAuth(cfg.Username, cfg.Password, routes, s.logger)
	writeTimeout := s.opts.WriteTimeout
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Every response must be written in bounded time. This also
		// replaces the deadline a previous request on this keep-alive
		// connection left behind.
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(writeTimeout))
		w.Header().Set("Server", ServerHeader)
		authed.ServeHTTP(w, r)
	})
}

// writeError answers with a short HTML error page, as Supervisor's HTTP
// server does for every error status.
func writeError(w http.ResponseWriter, code int) {
	text := http.StatusText(code)
	body := "<html><head><title>" + text + "</title></head><body><h1>" + strconv.Itoa(code) + " " + text + "</h1></body></html>\n"
	h := w.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	_, _ = w.Write([]byte(body))
}
