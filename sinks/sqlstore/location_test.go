package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/shoubao/shoubao/sinks"
)

// TestRelocate: after a UIDVALIDITY reset the copies located in the old
// epoch are listed by raw SHA-256 and size, and moved to their new UIDs;
// copies of other mailboxes and hashes not held are left alone.
func TestRelocate(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			s := open(t, d.dsn(t))
			ctx := context.Background()
			sums := map[string][32]byte{}
			hexOf := func(raw string) string { sum := sums[raw]; return hex.EncodeToString(sum[:]) }
			save := func(mailbox, raw string, uidValidity, uid uint32) {
				t.Helper()
				sum := sha256.Sum256([]byte(raw))
				sums[raw] = sum
				if _, _, err := s.SaveMessage(ctx, &sinks.Message{CampaignID: "c1", MailboxID: mailbox,
					UIDValidity: uidValidity, UID: uid, RawObject: mailbox + "/" + raw, RawSHA256: hex.EncodeToString(sum[:]),
					RawSize: int64(len(raw)), InternalDate: time.Now(), Class: "submission"}); err != nil {
					t.Fatal(err)
				}
			}
			save("c1/a", "one", 7, 1)
			save("c1/a", "two!", 7, 2)
			save("c1/a", "three", 9, 1) // already in the new epoch
			save("c1/b", "one", 7, 1)   // another mailbox
			got, err := s.CopiesElsewhere(ctx, "c1/a", 9)
			if err != nil {
				t.Fatal(err)
			}
			want := map[[32]byte]int64{sums["one"]: 3, sums["two!"]: 4}
			if len(got) != len(want) || got[sums["one"]] != 3 || got[sums["two!"]] != 4 {
				t.Fatalf("copies elsewhere: %v, want %v", got, want)
			}
			if err := s.Relocate(ctx, "c1/a", 9, map[string]uint32{
				hexOf("one"): 5, hexOf("two!"): 4,
				hex.EncodeToString(make([]byte, 32)): 6, // not held: ignored
			}); err != nil {
				t.Fatal(err)
			}
			if got, err := s.CopiesElsewhere(ctx, "c1/a", 9); err != nil || len(got) != 0 {
				t.Fatalf("after relocating: %v, %v", got, err)
			}
			msgs, err := s.Messages(ctx, "c1")
			if err != nil {
				t.Fatal(err)
			}
			loc := map[string][2]uint32{}
			for _, m := range msgs {
				loc[m.MailboxID+" "+m.RawObject] = [2]uint32{m.UIDValidity, m.UID}
			}
			for key, want := range map[string][2]uint32{
				"c1/a c1/a/one": {9, 5}, "c1/a c1/a/two!": {9, 4}, "c1/a c1/a/three": {9, 1}, "c1/b c1/b/one": {7, 1},
			} {
				if loc[key] != want {
					t.Errorf("%s: location %v, want %v", key, loc[key], want)
				}
			}
			// The post-process queue follows: it lists the new locations.
			items, err := s.PendingPostProcess(ctx, "c1/a", 10)
			if err != nil || len(items) != 3 {
				t.Fatalf("pending post-process: %+v, %v", items, err)
			}
			for _, it := range items {
				if it.UIDValidity != 9 {
					t.Errorf("pending post-process item in epoch %d: %+v", it.UIDValidity, it)
				}
			}
		})
	}
}

// TestSaveAgainMovesForward: a copy stored again moves to where it was
// found this time (same or newer UIDVALIDITY), never back to an older one;
// MoveForward likewise.
func TestSaveAgainMovesForward(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			s := open(t, d.dsn(t))
			ctx := context.Background()
			sum := sha256.Sum256([]byte("raw"))
			sha := hex.EncodeToString(sum[:])
			steps := []struct {
				uidValidity, uid     uint32
				wantValidity, wantID uint32
			}{
				{7, 1, 7, 1},
				{7, 5, 7, 5}, // the same epoch: the copy found later
				{9, 2, 9, 2}, // a newer epoch
				{7, 5, 9, 2}, // an event of the old epoch, late: stays
			}
			for i, st := range steps {
				if _, _, err := s.SaveMessage(ctx, &sinks.Message{CampaignID: "c1", MailboxID: "c1/a", UIDValidity: st.uidValidity,
					UID: st.uid, RawObject: "o", RawSHA256: sha, RawSize: 3, InternalDate: time.Now(), Class: "submission"}); err != nil {
					t.Fatal(err)
				}
				msgs, err := s.Messages(ctx, "c1")
				if err != nil {
					t.Fatal(err)
				}
				if len(msgs) != 1 || msgs[0].UIDValidity != st.wantValidity || msgs[0].UID != st.wantID {
					t.Fatalf("step %d: %d copies, at %d/%d; want one at %d/%d", i, len(msgs), msgs[0].UIDValidity, msgs[0].UID, st.wantValidity, st.wantID)
				}
			}
			for _, mv := range []struct {
				uidValidity, uid uint32
				moved            bool
			}{{8, 1, false}, {9, 4, false}, {10, 3, true}} {
				moved, err := s.MoveForward(ctx, "c1/a", sha, mv.uidValidity, mv.uid)
				if err != nil || moved != mv.moved {
					t.Errorf("MoveForward to %d/%d = %v, %v; want %v", mv.uidValidity, mv.uid, moved, err, mv.moved)
				}
			}
		})
	}
}
