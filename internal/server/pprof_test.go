package server

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/loopback"
)

// With PprofEnv set, the profiles are served on their own loopback
// listener, which Close shuts; the configured servers never serve them.
func TestPprofListenerOnlyWhenAsked(t *testing.T) {
	port, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	t.Setenv(PprofEnv, addr)

	s := New(Options{Servers: []config.HTTPServer{inet("", "")}})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	get := func(base string) (int, error) {
		resp, err := http.Get("http://" + base + "/debug/pprof/cmdline")
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	if code, err := get(addr); err != nil || code != http.StatusOK {
		t.Errorf("profile listener: %d, %v; want 200", code, err)
	}
	if code, err := get(s.Addrs()[0].String()); err != nil || code == http.StatusOK {
		t.Errorf("configured server answered the profile route: %d, %v", code, err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	http.DefaultClient.CloseIdleConnections()
	if _, err := get(addr); err == nil {
		t.Error("profile listener still answers after Close")
	}
}

func TestPprofRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "[::]:0", "localhost:0", "6060"} {
		if l, err := ListenLoopback(addr); err == nil {
			l.Close()
			t.Errorf("ListenLoopback(%q) succeeded", addr)
		}
	}
}
