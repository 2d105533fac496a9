package supervisor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/supvisors-go/supvisors/internal/errdefs"
)

// The extra arguments reach the child's argv, stay for the next starts,
// and empty ones bring back the configured command.
func TestStartProcessArgs(t *testing.T) {
	out := filepath.Join(t.TempDir(), "argv")
	cfg := cfgOf(t, groupOf("rec", 999, prog("rec", `sh -c 'echo "$*" > `+out+`; exec sleep 100' rec`)))
	h := start(t, cfg)
	// argv waits for the child to write its arguments (waitArgs).
	argv := func() string {
		t.Helper()
		for h.ctx.Err() == nil {
			if b, err := os.ReadFile(out); err == nil && strings.HasSuffix(string(b), "\n") {
				return strings.TrimSpace(string(b))
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatal("the child never wrote its arguments")
		return ""
	}
	run := func(extra, want string) {
		t.Helper()
		_ = os.Remove(out)
		if err := h.s.StartProcessArgs(h.ctx, "rec", extra, true); err != nil {
			t.Fatalf("StartProcessArgs(%q): %v", extra, err)
		}
		if got := argv(); got != want {
			t.Errorf("extra %q: argv %q, want %q", extra, got, want)
		}
		if got, err := h.s.ExtraArgs("rec"); err != nil || got != extra {
			t.Errorf("ExtraArgs %q %v, want %q", got, err, extra)
		}
		if err := h.s.StopProcess(h.ctx, "rec", true); err != nil {
			t.Fatal(err)
		}
	}
	run("-x 1 two", "-x 1 two")
	run("three", "three")
	run("", "")
	if err := h.s.StartProcessArgs(h.ctx, "rec", "a", true); err != nil {
		t.Fatal(err)
	}
	if err := h.s.StartProcessArgs(h.ctx, "rec", "b", false); !errdefs.Is(err, errdefs.AlreadyStarted) {
		t.Errorf("second start: %v, want ALREADY_STARTED", err)
	}
	if got, _ := h.s.ExtraArgs("rec"); got != "a" {
		t.Errorf("a refused start changed the arguments to %q", got)
	}
	if all, err := h.s.AllExtraArgs(); err != nil || len(all) != 1 || all["rec"] != "a" {
		t.Errorf("AllExtraArgs = %v, %v", all, err)
	}
	if err := h.s.StartProcessArgs(h.ctx, "nosuch", "", false); !errdefs.Is(err, errdefs.BadName) {
		t.Errorf("unknown: %v", err)
	}
	if _, err := h.s.ExtraArgs("nosuch"); !errdefs.Is(err, errdefs.BadName) {
		t.Errorf("unknown: %v", err)
	}
}
