//go:build !race

package hostile

// Race reports whether the race detector is on.
const Race = false
