package poller

import (
	"context"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/sinks"
)

// The state of a message of a sync.
const (
	waiting    = iota // not read yet, or its raw bytes not yet stored
	put               // raw bytes stored: its event is due
	relocating        // a stored copy is to be moved to it: no event
	done              // event acknowledged, or stored copy moved
)

// tracker follows the messages of one sync. Their raw bytes are stored in
// any order; their events are published in UID order by one goroutine
// (publishLoop); the checkpoint moves past the messages done in UID order
// without a gap: a message is done when the bus acknowledged its raw bytes
// and its event, or when its stored copy's relocation is written.
type tracker struct {
	s    *session
	cp   *sinks.Checkpoint
	todo []pending
	// known are the stored copies of the mailbox in an older UIDVALIDITY
	// epoch (raw SHA-256 → size), and sizes their sizes.
	known  map[[32]byte]int64
	sizes  map[int64]bool
	budget *budget

	mu    sync.Mutex
	cond  *sync.Cond // signalled when a message is put, on failure and at the end
	state []uint8
	info  []bus.RawInfo
	// inline holds the bytes of small messages put and not yet published
	// (they go in the event; their memory is released after it).
	inline map[int][]byte
	next   int               // todo[:next] are done
	moves  map[string]uint32 // relocations not yet written: SHA-256 hex → UID
	moved  []int             // their indices in todo
	err    error
	// firstFailed is the index of the first message whose handoff failed
	// (len(todo) while none has).
	firstFailed int
	closed      bool // nothing more will be put
	saved       time.Time
	counted     struct{ published, relocated int }
}

func newTracker(s *session, cp *sinks.Checkpoint, todo []pending, known map[[32]byte]int64) *tracker {
	t := &tracker{s: s, cp: cp, todo: todo, known: known, sizes: map[int64]bool{}, budget: newBudget(bufferBudget),
		state: make([]uint8, len(todo)), info: make([]bus.RawInfo, len(todo)), inline: map[int][]byte{},
		moves: map[string]uint32{}, saved: time.Now(), firstFailed: len(todo)}
	t.cond = sync.NewCond(&t.mu)
	for _, size := range known {
		t.sizes[size] = true
	}
	return t
}

func (t *tracker) hasKnown() bool             { return len(t.known) > 0 }
func (t *tracker) maybeKnown(size int64) bool { return t.sizes[size] }

func (t *tracker) isKnown(sum [32]byte) bool {
	_, ok := t.known[sum]
	return ok
}

// failed returns the first error of the goroutines of the sync.
func (t *tracker) failed() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

func (t *tracker) fail(err error) { t.failAt(0, err) }

// failAt records the failure of todo[i]'s handoff: the messages before it
// are still worth storing (the checkpoint may move up to it), those after
// it are not.
func (t *tracker) failAt(i int, err error) {
	t.mu.Lock()
	if t.err == nil {
		t.err = err
	}
	t.firstFailed = min(t.firstFailed, i)
	t.mu.Unlock()
	t.cond.Broadcast()
}

// skip reports whether todo[i] need not be stored: a message before it
// failed.
func (t *tracker) skip(i int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return i > t.firstFailed
}

// close says that no message will be put any more.
func (t *tracker) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.cond.Broadcast()
}

// put records that todo[i]'s raw bytes are stored; body, if not nil, is
// kept for its event until it is published.
func (t *tracker) put(i int, info bus.RawInfo, body []byte) {
	t.mu.Lock()
	t.state[i], t.info[i] = put, info
	if body != nil {
		t.inline[i] = body
	}
	t.mu.Unlock()
	t.cond.Broadcast()
}

// relocate records that todo[i] has the bytes of a copy stored in an older
// epoch: the copy is to be moved to todo[i]'s UID when the tracker next
// saves.
func (t *tracker) relocate(i int, sum [32]byte) {
	t.mu.Lock()
	t.state[i] = relocating
	t.moves[hex.EncodeToString(sum[:])] = uint32(t.todo[i].uid)
	t.moved = append(t.moved, i)
	t.mu.Unlock()
	t.cond.Broadcast()
}

// finish marks todo[i] done and moves the done prefix on; the caller holds
// t.mu.
func (t *tracker) finish(i int) {
	t.state[i] = done
	for t.next < len(t.todo) && t.state[t.next] == done {
		t.next++
	}
}

// publishLoop publishes the events of the messages put, in UID order,
// until every message is handled, a publish fails, or nothing more will be
// put and the next message is not. With an asyncPublisher, up to
// ackWindow events are in flight and their acknowledgements are awaited
// in order; the window is emptied before waiting for a message to be put.
func (t *tracker) publishLoop(ctx context.Context) {
	s := t.s
	// Once it stops, the bodies put and not published (t.inline) are no
	// longer released: the reading goroutine, which stops at the failure,
	// must not wait for them.
	defer t.budget.abort()
	async, _ := s.p.pub.(asyncPublisher)
	type inFlight struct {
		i    int
		ev   bus.Event
		wait func(context.Context) (bool, error)
	}
	var window []inFlight
	drain := func() error {
		defer func() { window = window[:0] }()
		for _, f := range window {
			dup, err := f.wait(ctx)
			if err != nil {
				return err
			}
			t.acked(f.i, f.ev, dup)
		}
		return nil
	}
	for i := range t.todo {
		t.mu.Lock()
		// After a failure elsewhere, the messages already put are still
		// published, up to the first that will not be.
		for t.state[i] == waiting && !t.closed {
			if len(window) > 0 {
				t.mu.Unlock()
				if err := drain(); err != nil {
					t.fail(err)
					return
				}
				t.mu.Lock()
				continue
			}
			t.cond.Wait()
		}
		st, info, body := t.state[i], t.info[i], t.inline[i]
		t.info[i] = bus.RawInfo{} // its hash string goes with the event
		delete(t.inline, i)
		t.mu.Unlock()
		if st == waiting {
			break
		}
		if st != put {
			continue // relocated: done when the relocation is written
		}
		ev := s.event(t.todo[i], info, body)
		var perr error
		if async != nil {
			var wait func(context.Context) (bool, error)
			if wait, perr = async.PublishAsync(ev); perr == nil {
				window = append(window, inFlight{i, ev, wait})
				if len(window) == ackWindow {
					perr = drain()
				}
			}
		} else {
			var dup bool
			if dup, perr = s.p.pub.Publish(ctx, ev); perr == nil {
				t.acked(i, ev, dup)
			}
		}
		t.budget.release(int64(len(body))) // the event holds its own copy
		if perr != nil {
			t.fail(perr)
			return
		}
	}
	if err := drain(); err != nil {
		t.fail(err)
	}
}

// acked records that the event of todo[i] is acknowledged.
func (t *tracker) acked(i int, ev bus.Event, dup bool) {
	t.mu.Lock()
	t.finish(i)
	t.counted.published++
	t.mu.Unlock()
	t.s.published(ev, dup)
}

// maybeSave saves when saveEvery has passed since the last save, or when
// many relocations wait.
func (t *tracker) maybeSave(ctx context.Context) error {
	t.mu.Lock()
	due := time.Since(t.saved) >= saveEvery || len(t.moved) >= batchMessages
	t.mu.Unlock()
	if !due {
		return nil
	}
	return t.save(ctx)
}

// save writes the waiting relocations, then the checkpoint if it moved. It
// is called by one goroutine at a time.
func (t *tracker) save(ctx context.Context) error {
	t.mu.Lock()
	moves, moved := t.moves, t.moved
	t.moves, t.moved = map[string]uint32{}, nil
	t.mu.Unlock()
	if len(moves) > 0 {
		if err := t.s.p.store.Relocate(ctx, t.s.p.mb.ID, t.s.uidVal, moves); err != nil {
			return fmt.Errorf("relocate stored copies: %w", err)
		}
	}
	t.mu.Lock()
	for _, i := range moved {
		t.finish(i)
	}
	t.counted.relocated += len(moved)
	t.saved = time.Now()
	last := t.cp.LastUID
	if t.next > 0 {
		last = uint32(t.todo[t.next-1].uid)
	}
	t.mu.Unlock()
	if last == t.cp.LastUID {
		return nil
	}
	cp := *t.cp
	cp.LastUID = last
	if err := t.s.p.store.SaveCheckpoint(ctx, cp); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	t.cp.LastUID = last
	return nil
}

// budget bounds the bytes of messages held in memory between the reading
// goroutine and the events that carry them.
type budget struct {
	mu      sync.Mutex
	cond    *sync.Cond
	free    int64
	aborted bool // acquire no longer waits
}

func newBudget(n int64) *budget {
	b := &budget{free: n}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// acquire waits until n bytes are free and takes them (n is at most the
// budget), or returns at once after abort.
func (b *budget) acquire(n int64) {
	b.mu.Lock()
	for b.free < n && !b.aborted {
		b.cond.Wait()
	}
	b.free -= n
	b.mu.Unlock()
}

// abort makes acquire return without waiting: the memory it would wait
// for may never be released.
func (b *budget) abort() {
	b.mu.Lock()
	b.aborted = true
	b.mu.Unlock()
	b.cond.Broadcast()
}

func (b *budget) release(n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	b.free += n
	b.mu.Unlock()
	b.cond.Broadcast()
}
