package hostile

import (
	"runtime"
	"runtime/metrics"
	"time"
)

// TimeLimit is how long a hostile input may take: 2 s, or 10 s when the
// race detector (which slows code down 5–10×) is on.
func TimeLimit() time.Duration {
	if Race {
		return 10 * time.Second
	}
	return 2 * time.Second
}

// HeapLimit is the heap ceiling the tests hold the readers to.
const HeapLimit = 64 << 20

// heapMetric counts the bytes of heap objects, live or not yet swept: an
// upper bound of what the heap holds at a moment.
const heapMetric = "/memory/classes/heap/objects:bytes"

// Measure runs fn and returns its wall time and the largest heap sampled
// every half millisecond meanwhile (after a GC before the start, so that
// earlier garbage does not count).
func Measure(fn func()) (elapsed time.Duration, peakHeap uint64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: heapMetric}}
	read := func() uint64 {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return sample[0].Value.Uint64()
	}
	done := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		top := read()
		t := time.NewTicker(500 * time.Microsecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				peak <- max(top, read())
				return
			case <-t.C:
				top = max(top, read())
			}
		}
	}()
	start := time.Now()
	fn()
	elapsed = time.Since(start)
	close(done)
	return elapsed, <-peak
}
