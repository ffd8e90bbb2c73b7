package sqlstore_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/shoubao/shoubao/sinks"
)

// TestOldDatabase: a database made by the former sinks/postgres or
// sinks/sqlite (their 001_init.sql and schema_migrations, frozen in
// testdata/, rows written the way they wrote them) opens with this store
// and keeps working: its rows read back, a redelivery of a stored message
// is recognised, new rows are added, and no migration runs twice.
func TestOldDatabase(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			dsn := d.dsn(t)
			db := rawDB(t, d.name, dsn)
			ddl, err := os.ReadFile("testdata/old_" + d.name + "_001_init.sql")
			if err != nil {
				t.Fatal(err)
			}
			internal := time.Date(2026, 6, 8, 7, 30, 0, 123456789, time.UTC)
			failed := time.Date(2026, 6, 9, 1, 0, 0, 0, time.UTC)
			var script []string
			var args [][]any
			add := func(q string, a ...any) { script, args = append(script, q), append(args, a) }
			if d.name == "postgres" {
				// As sinks/postgres did: the table, 001, its row (default applied_at).
				add(`CREATE TABLE IF NOT EXISTS schema_migrations (
					version INT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`)
				add(string(ddl))
				add(`INSERT INTO schema_migrations (version) VALUES ($1)`, 1)
				add(`INSERT INTO mailbox_state (mailbox_id, campaign_id, address, uid_validity, last_uid, last_sync, last_error, last_error_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, "c1/a@x.cn", "c1", "a@x.cn", int64(4000000000), int64(12), internal, "", nil)
				add(`INSERT INTO messages (campaign_id, mailbox_id, uid_validity, uid, raw_object, raw_sha256, raw_size,
					internal_date, message_id, subject, from_addr, to_addrs, cc_addrs, date_header, class, unit, unit_by, late, findings, analysis)
					VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)`,
					"c1", "c1/a@x.cn", int64(1), int64(5), "c1/a@x.cn/1/5", "sha-old", int64(2048), internal, "<m@163.com>", "高平市科技局报送材料",
					"gp@163.com", []byte(`["jcskjjptk@163.com"]`), []byte(`[]`), nil, "submission", "高平市发展改革和科技局", "sender", true,
					[]byte(`[{"code":"x"}]`), []byte(`{"kind":"message"}`))
				add(`INSERT INTO attachments (message_id, idx, parent_idx, name, content_type, kind, size, sha256, details, findings)
					VALUES ((SELECT id FROM messages), 0, -1, '视频.mp4', 'video/mp4', 'video', 400, 'cc', '{"duration_seconds":200.5}', '[]')`)
				add(`INSERT INTO links (message_id, idx, provider, url, name, size, expires)
					VALUES ((SELECT id FROM messages), 0, '163', 'https://mail.163.com/x', '视频.mp4', 300, '2026-06-23')`)
				add(`INSERT INTO dead_letters (campaign_id, mailbox_id, raw_object, uid_validity, uid, error, attempts, failed_at)
					VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, "c1", "c1/a@x.cn", "c1/a@x.cn/1/6", int64(1), int64(6), "boom", 5, failed)
			} else {
				// As sinks/sqlite did: times in Unix nanoseconds, JSON as text.
				add(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`)
				add(string(ddl))
				add(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, 1, time.Now().UnixNano())
				add(`INSERT INTO mailbox_state (mailbox_id, campaign_id, address, uid_validity, last_uid, last_sync, last_error, last_error_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, "c1/a@x.cn", "c1", "a@x.cn", int64(4000000000), int64(12), internal.UnixNano(), "", nil)
				add(`INSERT INTO messages (campaign_id, mailbox_id, uid_validity, uid, raw_object, raw_sha256, raw_size,
					internal_date, message_id, subject, from_addr, to_addrs, cc_addrs, date_header, class, unit, unit_by, late, findings, analysis, stored_at)
					VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
					"c1", "c1/a@x.cn", int64(1), int64(5), "c1/a@x.cn/1/5", "sha-old", int64(2048), internal.UnixNano(), "<m@163.com>", "高平市科技局报送材料",
					"gp@163.com", `["jcskjjptk@163.com"]`, `[]`, nil, "submission", "高平市发展改革和科技局", "sender", true,
					`[{"code":"x"}]`, `{"kind":"message"}`, time.Now().UnixNano())
				add(`INSERT INTO attachments (message_id, idx, parent_idx, name, content_type, kind, size, sha256, details, findings)
					VALUES ((SELECT id FROM messages), 0, -1, '视频.mp4', 'video/mp4', 'video', 400, 'cc', '{"duration_seconds":200.5}', '[]')`)
				add(`INSERT INTO links (message_id, idx, provider, url, name, size, expires)
					VALUES ((SELECT id FROM messages), 0, '163', 'https://mail.163.com/x', '视频.mp4', 300, '2026-06-23')`)
				add(`INSERT INTO dead_letters (campaign_id, mailbox_id, raw_object, uid_validity, uid, error, attempts, failed_at)
					VALUES (?,?,?,?,?,?,?,?)`, "c1", "c1/a@x.cn", "c1/a@x.cn/1/6", int64(1), int64(6), "boom", 5, failed.UnixNano())
			}
			for i, q := range script {
				if _, err := db.Exec(q, args[i]...); err != nil {
					t.Fatalf("old store, statement %d: %v", i+1, err)
				}
			}
			db.Close()

			s := open(t, dsn)
			ctx := context.Background()
			cps, err := s.Checkpoints(ctx)
			if err != nil || len(cps) != 1 || cps[0].UIDValidity != 4000000000 || cps[0].LastUID != 12 ||
				!cps[0].LastSync.Equal(internal.Truncate(time.Microsecond)) || !cps[0].LastErrorAt.IsZero() {
				t.Fatalf("old checkpoint: %+v, %v", cps, err)
			}
			msgs, err := s.Messages(ctx, "c1")
			if err != nil || len(msgs) != 1 {
				t.Fatalf("old messages: %+v, %v", msgs, err)
			}
			m := msgs[0]
			if m.Subject != "高平市科技局报送材料" || len(m.To) != 1 || m.To[0] != "jcskjjptk@163.com" || len(m.Cc) != 0 || !m.Late ||
				!m.InternalDate.Equal(internal.Truncate(time.Microsecond)) || !m.Date.IsZero() || m.StoredAt.IsZero() ||
				string(m.Analysis) == "" || len(m.Attachments) != 1 || m.Attachments[0].Name != "视频.mp4" ||
				m.Attachments[0].Parent != -1 || len(m.Links) != 1 || m.Links[0].Size != 300 {
				t.Fatalf("old message read back: %+v", m)
			}
			dls, err := s.DeadLetters(ctx)
			if err != nil || len(dls) != 1 || !dls[0].FailedAt.Equal(failed) || dls[0].Attempts != 5 {
				t.Fatalf("old dead letter: %+v, %v", dls, err)
			}
			if c, err := s.CampaignCounts(ctx); err != nil || len(c) != 1 ||
				c[0] != (sinks.CampaignCount{CampaignID: "c1", Messages: 1, Submissions: 1, Units: 1, Late: 1, DeadLetters: 1}) {
				t.Fatalf("old counts: %+v, %v", c, err)
			}

			// The old row is recognised on redelivery, and moved.
			again := &sinks.Message{CampaignID: "c1", MailboxID: "c1/a@x.cn", UIDValidity: 2, UID: 1, RawObject: "c1/a@x.cn/2/1",
				RawSHA256: "sha-old", InternalDate: internal, Class: "submission"}
			id, created, err := s.SaveMessage(ctx, again)
			if err != nil || created || id != m.ID {
				t.Fatalf("redelivery of the old message = %d, %v, %v; want %d, false", id, created, err, m.ID)
			}
			// New rows go in beside the old ones.
			fresh := *again
			fresh.RawSHA256, fresh.UID = "sha-new", 2
			id2, created, err := s.SaveMessage(ctx, &fresh)
			if err != nil || !created || id2 <= id {
				t.Fatalf("new message in the old database = %d, %v, %v", id2, created, err)
			}
			items, err := s.PendingPostProcess(ctx, "c1/a@x.cn", 10)
			if err != nil || len(items) != 2 || items[0].UIDValidity != 2 || items[0].UID != 1 {
				t.Fatalf("post-process in the old database: %+v, %v", items, err)
			}
			if err := s.MarkPostProcessed(ctx, []int64{id, id2}); err != nil {
				t.Fatal(err)
			}
			s.Close()
			// Reopened, nothing is migrated again.
			open(t, dsn).Close()
			assertMigrations(t, d.name, dsn)
		})
	}
}
