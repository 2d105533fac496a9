package supervisor

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/supvisors-go/supvisors/internal/config"
)

// With CPUProfileEnv set, the engine's life is profiled and the profile is
// written when Run returns after a shutdown.
func TestCPUProfileWrittenAtShutdown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.prof")
	t.Setenv(CPUProfileEnv, path)
	h := start(t, cfgOf(t, groupOf("p", 1, prog("p", "/bin/sleep 30", func(p *config.Process) { p.Autostart = true }))))
	h.waitState("p", "RUNNING")
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() == 0 {
		t.Error("the CPU profile is empty")
	}
}
