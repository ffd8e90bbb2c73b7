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
// began and has not finished: a record that outlives the process handling
// it. An attempt that is never ended was cut short by a crash, an
// out-of-memory kill or a hang.
type Attempt struct {
	// Event is the event's id.
	Event string `json:"event"`
	// Unfinished counts the attempts begun and never ended, this one
	// included.
	Unfinished int `json:"unfinished"`
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

// BeginAttempt records that the handling of an event begins, and returns
// the record as it stands now: Unfinished is 1 on a first attempt, and one
// more for each earlier attempt that never ended.
func (b *Bus) BeginAttempt(ctx context.Context, eventID string) (Attempt, error) {
	key := attemptKey(eventID)
	a := Attempt{Event: eventID}
	e, err := call(ctx, func(ctx context.Context) (jetstream.KeyValueEntry, error) { return b.attempts.Get(ctx, key) })
	switch {
	case err == nil:
		if uerr := json.Unmarshal(e.Value(), &a); uerr != nil {
			a = Attempt{Event: eventID}
		}
	case errors.Is(err, jetstream.ErrKeyNotFound):
	default:
		return Attempt{}, fmt.Errorf("begin attempt %s: %w", eventID, err)
	}
	a.Unfinished++
	a.Began = time.Now()
	if err := b.putAttempt(ctx, key, a); err != nil {
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

// EndAttempt records that the handling of an event ended, whatever its
// outcome: the event's record is removed.
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
