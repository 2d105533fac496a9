//go:build race

package ctl

// raceEnabled makes TestMain build the client binary with the race
// detector too, so that its goroutines (fg, tail -f) are checked.
const raceEnabled = true
