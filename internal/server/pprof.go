package server

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"
)

// PprofEnv names the environment variable that opens the runtime profiles
// (net/http/pprof: /debug/pprof/profile, /heap, /goroutine...) on a listener
// of their own, for benchmarks only: SUPVISORD_PPROF=127.0.0.1:6060. Only a
// loopback address is accepted; the configured HTTP servers never serve
// these routes.
const PprofEnv = "SUPVISORD_PPROF"

// startPprof opens the profile listener when PprofEnv asks for one. The
// returned server is nil when none was asked for or it could not be opened
// (logged).
func (s *Server) startPprof() *http.Server {
	addr := os.Getenv(PprofEnv)
	if addr == "" {
		return nil
	}
	l, err := ListenLoopback(addr)
	if err != nil {
		s.logger.Warn("profile listener not opened", "address", addr, "error", err)
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	s.serving.Add(1)
	go func() {
		defer s.serving.Done()
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.Warn("profile listener stopped", "error", err)
		}
	}()
	s.logger.Info("runtime profiles served", "address", l.Addr().String())
	return srv
}

// listenLoopback listens on addr, which must be a literal loopback IP and a
// port.
func ListenLoopback(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("%s is not a loopback address", host)
	}
	return net.Listen("tcp", addr)
}
