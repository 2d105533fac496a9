// Package mono gives the monotonic clock that Supvisors exchanges in its
// now_monotonic, when_monotonic and *_mtime fields: CLOCK_MONOTONIC in
// seconds, the clock Python's time.monotonic() reads on Linux. Using the
// same clock keeps our values comparable with a Python peer's on the same
// host.
package mono

import (
	"time"

	"golang.org/x/sys/unix"
)

// Now returns CLOCK_MONOTONIC in seconds.
func Now() float64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		// CLOCK_MONOTONIC cannot fail on Linux; fall back to a clock that
		// at least never goes backwards within this process.
		return time.Since(processStart).Seconds()
	}
	return float64(ts.Sec) + float64(ts.Nsec)/1e9
}

var processStart = time.Now()

// At converts a wall-clock instant to the monotonic clock, by shifting it
// by the current difference between the two clocks. The zero time gives 0,
// as Supvisors reports a process that never started or stopped.
func At(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return Now() - time.Since(t).Seconds()
}
