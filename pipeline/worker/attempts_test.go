package worker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoubao/shoubao/pipeline/bus"
)

// TestQuarantineAfterCutShortAttempts: two deliveries cut short (as by
// two crashes: delivered, never acknowledged; the second begun and its
// file noted, as every delivery after the first is) make the next delivery
// store the message unread, with a dead letter; an ordinary attempt
// leaves no record behind.
func TestQuarantineAfterCutShortAttempts(t *testing.T) {
	tests := []struct {
		name        string
		cutShort    int
		file        string
		quarantined bool
	}{
		{"first delivery", 0, "", false},
		{"one crash", 1, "统计表.xlsx", false},
		{"two crashes", 2, "统计表.xlsx", true},
		{"two crashes before any file", 2, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			b := setup(t)
			b.ackWait = 300 * time.Millisecond
			ev := b.publish(t, 1, fixture(t))
			id := ev.ID()
			cons, err := b.bus.WorkerConsumer(ctx, bus.ConsumerOptions{AckWait: b.ackWait})
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < tt.cutShort; i++ {
				// A worker receives the event and dies while reading it.
				batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
				if err != nil {
					t.Fatal(err)
				}
				msg := <-batch.Messages()
				if msg == nil {
					t.Fatalf("delivery %d: no event", i+1)
				}
				if md, err := msg.Metadata(); err != nil || md.NumDelivered != uint64(i+1) {
					t.Fatalf("delivery %d: metadata %+v %v", i+1, md, err)
				}
				if i == 0 {
					continue // a first delivery writes no record
				}
				a, err := b.bus.BeginAttempt(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if tt.file != "" {
					if err := b.bus.NoteAttemptFile(ctx, a, tt.file); err != nil {
						t.Fatal(err)
					}
				}
			}
			w, _ := b.run(t, 5)
			waitFor(t, "stored", func() bool { return w.Stats().Stored == 1 && b.backlog(t) == 0 })
			m := b.messages(t)[0]
			dls, err := b.store.DeadLetters(ctx)
			if err != nil {
				t.Fatal(err)
			}
			read := 0
			for _, a := range m.Attachments {
				if a.SHA256 != "" {
					read++
				}
			}
			if !tt.quarantined {
				if read == 0 || len(dls) != 0 || strings.Contains(string(m.Findings), "needs_manual_review") {
					t.Fatalf("not quarantined: files read %d, dead letters %+v, findings %s", read, dls, m.Findings)
				}
			} else {
				if read != 0 || len(m.Attachments) != 2 {
					t.Errorf("quarantined message: %d of %d files read, want their names only", read, len(m.Attachments))
				}
				if !strings.Contains(string(m.Findings), "needs_manual_review") || !strings.Contains(string(m.Findings), tt.file) {
					t.Errorf("findings %s: want needs_manual_review naming %q", m.Findings, tt.file)
				}
				if m.Subject == "" || m.Class != "submission" {
					t.Errorf("header not kept: subject %q class %q", m.Subject, m.Class)
				}
				if len(dls) != 1 || !strings.Contains(dls[0].Error, "quarantined") {
					t.Errorf("dead letters %+v", dls)
				}
				if w.Stats().Quarantined != 1 {
					t.Errorf("stats %+v", w.Stats())
				}
			}
			// The attempt ended: a fresh attempt starts from one.
			a, err := b.bus.BeginAttempt(ctx, id)
			if err != nil || a.Unfinished != 1 {
				t.Errorf("after the message was stored: %+v %v, want a clean record", a, err)
			}
		})
	}
}

// TestFailedDeliveriesAreNoCrashes: deliveries that fail and give the
// event back are counted as ended, not as cut short, so that a message
// whose store write failed twice is read normally on its third delivery
// (MaxCrashes is 2), and its record is gone once it is stored.
func TestFailedDeliveriesAreNoCrashes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	b.store.failSaves.Store(2)
	w, _ := b.run(t, 5)
	ev := b.publish(t, 1, fixture(t))
	waitFor(t, "stored", func() bool { return w.Stats().Stored == 1 && b.backlog(t) == 0 })
	if s := w.Stats(); s.Quarantined != 0 || s.Retried != 2 {
		t.Fatalf("stats %+v, want 2 retries and no quarantine", s)
	}
	m := b.messages(t)[0]
	if strings.Contains(string(m.Findings), "needs_manual_review") || len(m.Attachments) == 0 || m.Attachments[0].SHA256 == "" {
		t.Fatalf("message not read normally: findings %s, attachments %+v", m.Findings, m.Attachments)
	}
	if a, found, err := b.bus.LookupAttempt(ctx, ev.ID()); err != nil || found {
		t.Errorf("record after the message was stored: %+v found=%v err=%v", a, found, err)
	}
}

// TestFirstDeliveryLeavesNoRecord: a message stored at its first delivery
// leaves no attempt record; one that fails at every delivery leaves a
// record counting each of them as ended and none unfinished.
func TestFirstDeliveryLeavesNoRecord(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	w, _ := b.run(t, 3)
	ok := b.publish(t, 1, fixture(t))
	waitFor(t, "stored", func() bool { return w.Stats().Stored == 1 && b.backlog(t) == 0 })
	if a, found, err := b.bus.LookupAttempt(ctx, ok.ID()); err != nil || found {
		t.Errorf("stored at once: record %+v found=%v err=%v, want none", a, found, err)
	}
	b.store.failSaves.Store(-1)
	bad := b.publish(t, 2, append([]byte("X-Copy: 2\r\n"), fixture(t)...)) // other bytes
	waitFor(t, "a dead letter", func() bool { return w.Stats().DeadLetters == 1 })
	a, found, err := b.bus.LookupAttempt(ctx, bad.ID())
	if err != nil || !found || a.Ended != 3 || a.Unfinished != 0 {
		t.Errorf("failed deliveries: record %+v found=%v err=%v, want 3 ended and none unfinished", a, found, err)
	}
}
