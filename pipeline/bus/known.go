package bus

import "sync"

// knownSet remembers up to a fixed number of keys, forgetting the oldest
// first.
type knownSet struct {
	mu   sync.Mutex
	keys map[string]struct{}
	ring []string
	next int
}

func newKnownSet(n int) *knownSet {
	return &knownSet{keys: make(map[string]struct{}, n), ring: make([]string, n)}
}

func (k *knownSet) has(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, ok := k.keys[key]
	return ok
}

func (k *knownSet) add(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.keys[key]; ok {
		return
	}
	if old := k.ring[k.next]; old != "" {
		delete(k.keys, old)
	}
	k.ring[k.next] = key
	k.keys[key] = struct{}{}
	k.next = (k.next + 1) % len(k.ring)
}
