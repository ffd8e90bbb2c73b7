//go:build !race

package sheets

// raceEnabled: the tests run under the race detector.
const raceEnabled = false
