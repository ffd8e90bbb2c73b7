package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/shoubao/shoubao/sinks"
	"github.com/shoubao/shoubao/sinks/sqlstore"
	"github.com/shoubao/shoubao/sinks/sqlstore/pgtest"
)

// BenchmarkSaveMessage measures what a worker asks of the store per
// message: HasMessage, then SaveMessage of a message with three
// attachments and a link.
//
//	go test -run '^$' -bench SaveMessage ./sinks/sqlstore/
func BenchmarkSaveMessage(b *testing.B) {
	for _, d := range []struct {
		name string
		dsn  func(b *testing.B) string
	}{
		{"sqlite", func(b *testing.B) string { return b.TempDir() + "/bench.db" }},
		{"postgres", func(b *testing.B) string { return pgtest.SchemaURL(b) }},
	} {
		b.Run(d.name, func(b *testing.B) {
			ctx := context.Background()
			s, err := sqlstore.Open(ctx, d.dsn(b))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			benchSave(b, s)
		})
	}
}

type saver interface {
	HasMessage(ctx context.Context, mailboxID, rawSHA256 string) (bool, error)
	SaveMessage(ctx context.Context, m *sinks.Message) (int64, bool, error)
}

func benchSave(b *testing.B, s saver) {
	ctx := context.Background()
	m := &sinks.Message{
		CampaignID: "c1", MailboxID: "c1/a@x.cn", UIDValidity: 1,
		InternalDate: time.Date(2026, 6, 8, 15, 30, 0, 0, time.UTC), MessageID: "<x@163.com>", Subject: "高平市科技局报送材料",
		From: "gp@163.com", To: []string{"jcskjjptk@163.com"}, Class: "submission", Unit: "高平市发展改革和科技局", UnitBy: "sender",
		Findings: json.RawMessage(`[]`), Analysis: json.RawMessage(`{"kind":"message","size":8192,"parts":[{"kind":"stats_table"},{"kind":"photo"}]}`),
		Attachments: []sinks.Attachment{
			{Index: 0, Parent: -1, Name: "材料.zip", ContentType: "application/zip", Kind: "archive", Size: 1000, SHA256: "aa"},
			{Index: 1, Parent: 0, Name: "统计表.xlsx", Kind: "stats_table", Size: 600, SHA256: "bb", Details: json.RawMessage(`{"unit":"高平市科技局"}`)},
			{Index: 2, Parent: 0, Name: "照片.jpg", Kind: "photo", Size: 400, SHA256: "cc"},
		},
		Links: []sinks.Link{{Provider: "163", URL: "https://mail.163.com/x", Name: "视频.mp4", Size: 300 << 20}},
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.UID = uint32(i + 1)
		m.RawSHA256 = fmt.Sprintf("sha-%d", i)
		m.RawObject = "c1/a@x.cn/1/" + m.RawSHA256
		if ok, err := s.HasMessage(ctx, m.MailboxID, m.RawSHA256); err != nil || ok {
			b.Fatal(ok, err)
		}
		if _, created, err := s.SaveMessage(ctx, m); err != nil || !created {
			b.Fatal(created, err)
		}
	}
}
