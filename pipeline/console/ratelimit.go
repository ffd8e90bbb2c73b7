package console

import (
	"sync"
	"time"
)

// limiter counts failed logins per key (an IP address, a user name) in a
// sliding window: after max failures within window the key is refused
// until the oldest failure leaves the window. Failures of at most
// maxKeys keys are kept; past that the oldest are forgotten.
type limiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu       sync.Mutex
	failures map[string][]time.Time
}

const maxKeys = 10000

func newLimiter(max int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{max: max, window: window, now: now, failures: map[string][]time.Time{}}
}

// blocked reports whether any key is refused now, and for how long.
func (l *limiter) blocked(keys ...string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	for _, k := range keys {
		fs := l.prune(k, now)
		if len(fs) >= l.max {
			wait = max(wait, fs[len(fs)-l.max].Add(l.window).Sub(now))
		}
	}
	return wait > 0, wait
}

// fail records a failure for each key.
func (l *limiter) fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.failures) >= maxKeys {
		for k := range l.failures {
			l.prune(k, now)
		}
		for k := range l.failures {
			if len(l.failures) < maxKeys/2 {
				break
			}
			delete(l.failures, k)
		}
	}
	for _, k := range keys {
		l.failures[k] = append(l.prune(k, now), now)
	}
}

// reset forgets key's failures (a successful login under that name).
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}

// prune drops key's failures older than the window; l.mu is held.
func (l *limiter) prune(key string, now time.Time) []time.Time {
	fs := l.failures[key]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) >= l.window {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(l.failures, key)
		return nil
	}
	l.failures[key] = fs
	return fs
}
