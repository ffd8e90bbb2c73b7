package report_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/report"
	"github.com/shoubao/shoubao/sinks"
	"github.com/shoubao/shoubao/sinks/sqlstore"
	"github.com/shoubao/shoubao/sinks/sqlstore/pgtest"
)

// BenchmarkReport judges a province-sized campaign: 500 units and 5,000
// messages (each in two mailboxes: 10,000 stored copies, three files
// each), read from the store and judged, on both stores. The reference in
// the same run is the store read alone (Facts + Decisions), so the
// figure shows what the rules add.
//
//	go test -run XXX -bench Report -benchtime 20x ./pipeline/report
func BenchmarkReport(b *testing.B) {
	const units, messages = 500, 5000
	c := &campaign.Campaign{ID: "big", Title: "省级活动", Deadline: time.Date(2026, 6, 9, 0, 0, 0, 0, campaign.ChinaTime()),
		VideoLimit: 180 * time.Second, Materials: []campaign.Material{campaign.MaterialReport, campaign.MaterialStats, campaign.MaterialMedia},
		Delivery: campaign.DeliveryEach, Mailboxes: []campaign.Mailbox{{ID: "big/a@163.com", Address: "a@163.com"}, {ID: "big/b@163.com", Address: "b@163.com"}}}
	for i := 0; i < units; i++ {
		c.Units = append(c.Units, campaign.Unit{Name: fmt.Sprintf("第%03d县科技局", i), Senders: []string{fmt.Sprintf("u%03d@163.com", i)}})
	}
	for _, s := range []struct {
		name string
		open func(b *testing.B) *sqlstore.Store
	}{
		{"sqlite", func(b *testing.B) *sqlstore.Store {
			st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(b.TempDir(), "s.db"))
			if err != nil {
				b.Fatal(err)
			}
			return st
		}},
		{"postgres", func(b *testing.B) *sqlstore.Store {
			st, err := sqlstore.OpenPostgres(context.Background(), pgtest.SchemaURL(b))
			if err != nil {
				b.Fatal(err)
			}
			return st
		}},
	} {
		b.Run(s.name, func(b *testing.B) {
			ctx := context.Background()
			st := s.open(b)
			defer st.Close()
			seed(b, st, c, messages)
			// One reading first: the first read after the writes pays for
			// them (page cache, WAL), in both sub-benchmarks' place.
			if _, err := report.Compute(ctx, st, c, time.Now()); err != nil {
				b.Fatal(err)
			}
			b.Run("store-read-only", func(b *testing.B) {
				for b.Loop() {
					if _, err := st.Facts(ctx, c.ID); err != nil {
						b.Fatal(err)
					}
					if _, err := st.Decisions(ctx, c.ID); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("report", func(b *testing.B) {
				for b.Loop() {
					state, err := report.Compute(ctx, st, c, time.Now())
					if err != nil {
						b.Fatal(err)
					}
					if state.Counts.Messages != messages {
						b.Fatalf("%d messages judged", state.Counts.Messages)
					}
					if err := report.WriteJSON(io.Discard, state, false); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// seed stores n messages from the campaign's units, each in both mailboxes.
func seed(b *testing.B, st *sqlstore.Store, c *campaign.Campaign, n int) {
	b.Helper()
	ctx := context.Background()
	video, _ := json.Marshal(map[string]any{"video": map[string]any{"duration_seconds": 150.0}})
	stats, _ := json.Marshal(map[string]any{"stats": map[string]any{"unit": "", "fields": map[string]any{"科普活动开展次数": map[string]any{"value": 3, "raw": "3"}}}})
	for i := 0; i < n; i++ {
		u := i % len(c.Units)
		at := c.Deadline.Add(time.Duration(i-n/2) * time.Minute)
		for _, mb := range c.Mailboxes {
			m := &sinks.Message{CampaignID: c.ID, MailboxID: mb.ID, UIDValidity: 1, UID: uint32(i + 1),
				RawObject: fmt.Sprintf("%s/1/%d", mb.ID, i+1), RawSHA256: fmt.Sprintf("%064x", i), RawSize: 100_000,
				InternalDate: at, MessageID: fmt.Sprintf("m%d@163.com", i), Subject: c.Units[u].Name + "科技活动周材料",
				From: c.Units[u].Senders[0], Class: "submission", Findings: json.RawMessage(`[]`),
				Analysis: json.RawMessage(`{"message":{"text":"材料见附件。"}}`),
				Attachments: []sinks.Attachment{
					{Index: 0, Parent: -1, Name: "总结.docx", Kind: "report", Size: 30_000, SHA256: fmt.Sprintf("r%063x", i), Findings: json.RawMessage(`[]`)},
					{Index: 1, Parent: -1, Name: "统计表.xlsx", Kind: "stats_table", Size: 9_000, SHA256: fmt.Sprintf("s%063x", i), Details: stats, Findings: json.RawMessage(`[]`)},
					{Index: 2, Parent: -1, Name: "视频.mp4", Kind: "video", Size: 60_000, SHA256: fmt.Sprintf("v%063x", i), Details: video, Findings: json.RawMessage(`[]`)},
				}}
			if _, _, err := st.SaveMessage(ctx, m); err != nil {
				b.Fatal(err)
			}
		}
	}
}
