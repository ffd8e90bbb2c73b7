package worker_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/worker"
)

// TestDuplicateAfterReset: an event published after a UIDVALIDITY reset for
// a message an event of the old epoch stored meanwhile moves the stored
// copy to its new UID, so post-processing acts on the right mail; a late
// event of the old epoch moves nothing back.
func TestDuplicateAfterReset(t *testing.T) {
	t.Parallel()
	b := setup(t)
	w := worker.New(b.store, b.bus, worker.Options{Campaigns: map[string]*config.Campaign{"c1": {ID: "c1"}}, TempDir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx := context.Background()
	old := b.publish(t, 7, fixture(t)) // UIDVALIDITY 1, UID 7
	if err := w.Handle(ctx, old); err != nil {
		t.Fatal(err)
	}
	fresh := old
	fresh.UIDValidity, fresh.UID = 2, 3
	for _, ev := range []bus.Event{fresh, old} {
		if err := w.Handle(ctx, ev); err != nil {
			t.Fatal(err)
		}
		m := b.messages(t)
		if len(m) != 1 || m[0].UIDValidity != 2 || m[0].UID != 3 {
			t.Fatalf("after event %s: stored %d copies, the first at %d/%d; want one at 2/3", ev.ID(), len(m), m[0].UIDValidity, m[0].UID)
		}
	}
	if s := w.Stats(); s.Stored != 1 || s.Duplicates != 2 {
		t.Errorf("stats %+v, want 1 stored and 2 duplicates", s)
	}
}
