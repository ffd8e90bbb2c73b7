package bus

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Attempt is what the attempts bucket knows of an event whose handling
// has not succeeded yet: a record that outlives the process handling it.
// An attempt that is begun and never ended was cut short by a crash, an
// out-of-memory kill or a hang.
//
// The worker neither reads nor writes the record of a first delivery
// unless it fails: most messages are stored at once, and cost nothing
// here. From the second delivery on, attempts are begun and their files
// noted before reading.
type Attempt struct {
	// Event is the event's id.
	Event string `json:"event"`
	// Unfinished counts the attempts begun and never ended, this one
	// included.
	Unfinished int `json:"unfinished"`
	// Ended counts the attempts that ended without the message being
	// stored (they failed and the event was given back for a retry).
	Ended int `json:"ended,omitempty"`
	// File is the file being read when the last attempt was last heard of
	// ("" before the first file).
	File string `json:"file,omitempty"`
	// Began is when the last attempt began.
	Began time.Time `json:"began"`
}

// attemptKey turns an event id (which holds '@' and other characters a KV
// key may not) into a key.
func attemptKey(eventID string) string {
	h := sha256.Sum256([]byte(eventID))
	return hex.EncodeToString(h[:16])
}

// LookupAttempt returns the event's record; ok is false when there is
// none (no attempt failed or was begun).
func (b *Bus) LookupAttempt(ctx context.Context, eventID string) (a Attempt, ok bool, err error) {
	e, err := call(ctx, func(ctx context.Context) (jetstream.KeyValueEntry, error) {
		return b.attempts.Get(ctx, attemptKey(eventID))
	})
	switch {
	case err == nil:
		if uerr := json.Unmarshal(e.Value(), &a); uerr != nil {
			return Attempt{Event: eventID}, false, nil
		}
		a.Event = eventID
		return a, true, nil
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return Attempt{Event: eventID}, false, nil
	default:
		return Attempt{}, false, fmt.Errorf("lookup attempt %s: %w", eventID, err)
	}
}

// SaveAttempt writes the event's record as a is (the worker counts how
// an attempt ended).
func (b *Bus) SaveAttempt(ctx context.Context, a Attempt) error {
	if err := b.putAttempt(ctx, attemptKey(a.Event), a); err != nil {
		return fmt.Errorf("save attempt %s: %w", a.Event, err)
	}
	return nil
}

// BeginAttempt records that the handling of an event begins, and returns
// the record as it stands now: Unfinished is 1 on a first attempt, and one
// more for each earlier attempt that never ended.
func (b *Bus) BeginAttempt(ctx context.Context, eventID string) (Attempt, error) {
	a, _, err := b.LookupAttempt(ctx, eventID)
	if err != nil {
		return Attempt{}, fmt.Errorf("begin attempt %s: %w", eventID, err)
	}
	a.Unfinished++
	a.Began = time.Now()
	if err := b.putAttempt(ctx, attemptKey(eventID), a); err != nil {
		return Attempt{}, fmt.Errorf("begin attempt %s: %w", eventID, err)
	}
	return a, nil
}

// NoteAttemptFile records the file an attempt is about to read.
func (b *Bus) NoteAttemptFile(ctx context.Context, a Attempt, file string) error {
	a.File = file
	if err := b.putAttempt(ctx, attemptKey(a.Event), a); err != nil {
		return fmt.Errorf("note attempt file %s: %w", a.Event, err)
	}
	return nil
}

// EndAttempt records that the handling of an event ended with the message
// stored: the event's record is removed.
func (b *Bus) EndAttempt(ctx context.Context, eventID string) error {
	_, err := call(ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, b.attempts.Purge(ctx, attemptKey(eventID))
	})
	if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("end attempt %s: %w", eventID, err)
	}
	return nil
}

func (b *Bus) putAttempt(ctx context.Context, key string, a Attempt) error {
	v, err := json.Marshal(a)
	if err != nil {
		return err
	}
	_, err = call(ctx, func(ctx context.Context) (uint64, error) { return b.attempts.Put(ctx, key, v) })
	return err
}
