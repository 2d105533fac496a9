package supervisor

import (
	"log/slog"
	"os"
	"runtime/pprof"
	"sync"
)

// CPUProfileEnv names the environment variable that makes the daemon write a
// CPU profile (the `go tool pprof` format) of its whole life: the profile
// starts when the first engine is created, before the AUTO log files and the
// first spawn, and is written when the engine's Run returns after a shutdown.
// It exists for benchmarks (docs/benchmarks.md); nothing else reads it.
const CPUProfileEnv = "SUPVISORD_CPUPROFILE"

// cpuProfile is the process-wide CPU profile, at most one per process.
var cpuProfile struct {
	sync.Mutex
	started bool // a profile was asked for and started, once per process
	file    *os.File
}

// startCPUProfile starts the CPU profile when CPUProfileEnv asks for one and
// none was started in this process yet (an in-process restart keeps the
// profile that runs).
func startCPUProfile(log *slog.Logger) {
	path := os.Getenv(CPUProfileEnv)
	if path == "" {
		return
	}
	cpuProfile.Lock()
	defer cpuProfile.Unlock()
	if cpuProfile.started {
		return
	}
	cpuProfile.started = true
	f, err := os.Create(path)
	if err != nil {
		log.Warn("cannot write the CPU profile", "path", path, "error", err)
		return
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Warn("cannot start the CPU profile", "path", path, "error", err)
		f.Close()
		return
	}
	cpuProfile.file = f
}

// stopCPUProfile writes out the running CPU profile, if any.
func stopCPUProfile() {
	cpuProfile.Lock()
	defer cpuProfile.Unlock()
	if cpuProfile.file == nil {
		return
	}
	pprof.StopCPUProfile()
	cpuProfile.file.Close()
	cpuProfile.file = nil
}
