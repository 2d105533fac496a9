package daemon

import (
	"context"
	"log/slog"
	"slices"
	"testing"

	"github.com/supvisors-go/supvisors/internal/config"
	"github.com/supvisors-go/supvisors/internal/logs"
)

func TestServerURL(t *testing.T) {
	inet := config.HTTPServer{Kind: config.InetHTTPServer, Port: 9001}
	local := config.HTTPServer{Kind: config.InetHTTPServer, Host: "127.0.0.1", Port: 9002}
	unix := config.HTTPServer{Kind: config.UnixHTTPServer, File: "/run/s.sock"}
	for _, tt := range []struct {
		servers []config.HTTPServer
		want    string
	}{
		{nil, ""},
		{[]config.HTTPServer{inet}, "http://localhost:9001"},
		{[]config.HTTPServer{local, inet}, "http://127.0.0.1:9002"},
		{[]config.HTTPServer{inet, unix}, "unix:///run/s.sock"},
	} {
		if got := serverURL(&config.Config{HTTPServers: tt.servers}); got != tt.want {
			t.Errorf("serverURL(%v) = %q, want %q", tt.servers, got, tt.want)
		}
	}
}

func TestDebugAsTrace(t *testing.T) {
	var got []slog.Level
	h := debugAsTrace{recordLevels{min: logs.LevelTrace, seen: &got}}
	log := slog.New(h)
	log.Debug("d")
	log.Info("i")
	slog.New(debugAsTrace{recordLevels{min: logs.LevelDebug, seen: &got}}).Debug("hidden at debug")
	if want := []slog.Level{logs.LevelTrace, slog.LevelInfo}; !slices.Equal(got, want) {
		t.Errorf("levels = %v, want %v", got, want)
	}
}

// recordLevels is a handler that records the levels it handles.
type recordLevels struct {
	min  slog.Level
	seen *[]slog.Level
}

func (h recordLevels) Enabled(_ context.Context, l slog.Level) bool { return l >= h.min }
func (h recordLevels) Handle(_ context.Context, r slog.Record) error {
	*h.seen = append(*h.seen, r.Level)
	return nil
}
func (h recordLevels) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h recordLevels) WithGroup(string) slog.Handler      { return h }
