//go:build race

package logs

// raceEnabled tells the "nothing is lost" test to move less data: the race
// detector slows the byte checks several times.
const raceEnabled = true
