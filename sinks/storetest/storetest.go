// Package storetest is the conformance suite of shoubao's store:
// sinks/sqlstore runs it on PostgreSQL and on SQLite, so the embedded
// default behaves like production. A new store method gets its tests here.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/shoubao/shoubao/sinks"
)

// Store is the whole method set of a shoubao store.
type Store interface {
	Ping(ctx context.Context) error
	LoadCheckpoint(ctx context.Context, mailboxID string) (sinks.Checkpoint, error)
	SaveCheckpoint(ctx context.Context, cp sinks.Checkpoint) error
	Checkpoints(ctx context.Context) ([]sinks.Checkpoint, error)
	HasMessage(ctx context.Context, mailboxID, rawSHA256 string) (bool, error)
	SaveMessage(ctx context.Context, m *sinks.Message) (id int64, created bool, err error)
	Messages(ctx context.Context, campaignID string) ([]sinks.Message, error)
	RecordDeadLetter(ctx context.Context, d sinks.DeadLetter) error
	DeadLetters(ctx context.Context) ([]sinks.DeadLetter, error)
	CampaignCounts(ctx context.Context) ([]sinks.CampaignCount, error)
	PendingPostProcess(ctx context.Context, mailboxID string, limit int) ([]sinks.PostProcessItem, error)
	MarkPostProcessed(ctx context.Context, ids []int64) error
	AddDecision(ctx context.Context, d sinks.Decision) (int64, error)
	Decisions(ctx context.Context, campaignID string) ([]sinks.Decision, error)
	ReplaceFacts(ctx context.Context, id int64, m *sinks.Message) error
	Facts(ctx context.Context, campaignID string) ([]sinks.Message, error)
	ClaimJobs(ctx context.Context, limit int, lease time.Duration) ([]sinks.Job, error)
	FinishJob(ctx context.Context, j sinks.Job) error
	RetryJob(ctx context.Context, j sinks.Job, next time.Time) error
	Jobs(ctx context.Context, campaignID string) ([]sinks.Job, error)
	SentTo(ctx context.Context, recipient string, since time.Time) (int, error)
	UnfinishedJobs(ctx context.Context) (int, error)
	AddJobs(ctx context.Context, jobs []sinks.Job) (int, error)
}

// Run runs the suite. newStore returns a fresh, empty store for one subtest
// and must arrange its cleanup with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) Store) {
	tests := []struct {
		name string
		f    func(t *testing.T, s Store)
	}{
		{"Checkpoint", testCheckpoint},
		{"SaveMessageRoundTrip", testSaveMessageRoundTrip},
		{"SaveMessageIdempotent", testSaveMessageIdempotent},
		{"SaveMessageConcurrent", testSaveMessageConcurrent},
		{"DeadLetters", testDeadLetters},
		{"CampaignCounts", testCampaignCounts},
		{"PostProcess", testPostProcess},
		{"TimePrecision", testTimePrecision},
		{"MessageDefaults", testMessageDefaults},
		{"Decisions", testDecisions},
		{"ReplaceFacts", testReplaceFacts},
		{"FactsFirstCopies", testFactsFirstCopies},
		{"Outbox", testOutbox},
		{"OutboxConcurrentClaims", testOutboxConcurrentClaims},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.f(t, newStore(t))
		})
	}
}

func testCheckpoint(t *testing.T, s Store) {
	ctx := context.Background()
	if _, err := s.LoadCheckpoint(ctx, "c/a@x.cn"); !errors.Is(err, sinks.ErrNotFound) {
		t.Fatalf("LoadCheckpoint on empty store: err = %v, want ErrNotFound", err)
	}
	at := time.Date(2026, 6, 1, 10, 0, 0, 123000000, time.UTC)
	cp := sinks.Checkpoint{MailboxID: "c/a@x.cn", CampaignID: "c", Address: "a@x.cn", UIDValidity: 4000000000, LastUID: 17, LastSync: at}
	if err := s.SaveCheckpoint(ctx, cp); err != nil {
		t.Fatal(err)
	}
	got, err := s.LoadCheckpoint(ctx, cp.MailboxID)
	if err != nil {
		t.Fatal(err)
	}
	if got.UIDValidity != cp.UIDValidity || got.LastUID != 17 || !got.LastSync.Equal(at) || got.LastError != "" || !got.LastErrorAt.IsZero() {
		t.Errorf("checkpoint round trip: got %+v, want %+v", got, cp)
	}
	cp.LastError, cp.LastErrorAt, cp.LastUID = "dial tcp: refused", at.Add(time.Minute), 20
	if err := s.SaveCheckpoint(ctx, cp); err != nil {
		t.Fatal(err)
	}
	all, err := s.Checkpoints(ctx)
	if err != nil || len(all) != 1 {
		t.Fatalf("Checkpoints = %v, %v", all, err)
	}
	if all[0].LastUID != 20 || all[0].LastError != "dial tcp: refused" || !all[0].LastErrorAt.Equal(at.Add(time.Minute)) {
		t.Errorf("checkpoint update: got %+v", all[0])
	}
}

func sampleMessage(campaign, mailbox, sha string, uid uint32) *sinks.Message {
	return &sinks.Message{
		CampaignID: campaign, MailboxID: mailbox, UIDValidity: 1, UID: uid,
		RawObject: fmt.Sprintf("%s/1/%d", mailbox, uid), RawSHA256: sha, RawSize: 2048,
		InternalDate: time.Date(2026, 6, 8, 15, 30, 0, 0, time.UTC),
		MessageID:    "<" + sha + "@163.com>", Subject: "高平市科技局报送材料", From: "gp@163.com",
		To: []string{"jcskjjptk@163.com"}, Cc: nil, Date: time.Date(2026, 6, 8, 23, 29, 0, 0, time.FixedZone("CST", 8*3600)),
		Class: "submission", Unit: "高平市发展改革和科技局", UnitBy: "sender", Late: false,
		Findings: json.RawMessage(`[{"code":"x","message":"问题"}]`),
		Analysis: json.RawMessage(`{"kind":"message","size":2048}`),
		Attachments: []sinks.Attachment{
			{Index: 0, Parent: -1, Name: "材料.zip", ContentType: "application/zip", Kind: "archive", Size: 1000, SHA256: "aa"},
			{Index: 1, Parent: 0, Name: "总结报告.docx", Kind: "report", Size: 600, SHA256: "bb"},
			{Index: 2, Parent: 0, Name: "视频.mp4", Kind: "video", Size: 400, SHA256: "cc",
				Details:  json.RawMessage(`{"container":"mp4","duration_seconds":200.5}`),
				Findings: json.RawMessage(`[{"code":"video_too_long","message":"视频过长"}]`)},
		},
		Links: []sinks.Link{{Provider: "163", URL: "https://mail.163.com/large-attachment-download/?file=x", Name: "视频.mp4", Size: 300 << 20, Expires: "2026-06-23"}},
	}
}

func testSaveMessageRoundTrip(t *testing.T, s Store) {
	ctx := context.Background()
	m := sampleMessage("c1", "c1/a@x.cn", "sha-1", 5)
	id, created, err := s.SaveMessage(ctx, m)
	if err != nil || !created || id == 0 {
		t.Fatalf("SaveMessage = %d, %v, %v", id, created, err)
	}
	got, err := s.Messages(ctx, "c1")
	if err != nil || len(got) != 1 {
		t.Fatalf("Messages = %v, %v", got, err)
	}
	g := got[0]
	if g.ID != id || g.Subject != m.Subject || g.From != m.From || len(g.To) != 1 || g.To[0] != m.To[0] || len(g.Cc) != 0 ||
		!g.InternalDate.Equal(m.InternalDate) || !g.Date.Equal(m.Date) || g.Unit != m.Unit || g.UnitBy != "sender" ||
		g.Class != "submission" || g.RawSize != 2048 || g.UID != 5 || g.StoredAt.IsZero() {
		t.Errorf("message round trip:\n got %+v\nwant %+v", g, m)
	}
	assertJSON(t, "findings", g.Findings, m.Findings)
	assertJSON(t, "analysis", g.Analysis, m.Analysis)
	if len(g.Attachments) != 3 {
		t.Fatalf("attachments: got %d, want 3", len(g.Attachments))
	}
	a := g.Attachments[2]
	if a.Name != "视频.mp4" || a.Parent != 0 || a.Kind != "video" || a.Size != 400 || a.SHA256 != "cc" {
		t.Errorf("attachment round trip: %+v", a)
	}
	assertJSON(t, "details", a.Details, m.Attachments[2].Details)
	assertJSON(t, "attachment findings", a.Findings, m.Attachments[2].Findings)
	if g.Attachments[0].Details != nil || g.Attachments[0].Parent != -1 {
		t.Errorf("attachment without details: %+v", g.Attachments[0])
	}
	if len(g.Links) != 1 || g.Links[0] != m.Links[0] {
		t.Errorf("links: got %+v, want %+v", g.Links, m.Links)
	}
	if other, _ := s.Messages(ctx, "other"); len(other) != 0 {
		t.Errorf("Messages(other) = %d messages, want 0", len(other))
	}
	if all, _ := s.Messages(ctx, ""); len(all) != 1 {
		t.Errorf("Messages(\"\") = %d messages, want 1", len(all))
	}
}

func assertJSON(t *testing.T, what string, got, want json.RawMessage) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Errorf("%s: stored JSON %q does not parse: %v", what, got, err)
		return
	}
	_ = json.Unmarshal(want, &w)
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Errorf("%s: got %s, want %s", what, gb, wb)
	}
}

func testSaveMessageIdempotent(t *testing.T, s Store) {
	ctx := context.Background()
	m := sampleMessage("c1", "c1/a@x.cn", "sha-dup", 5)
	id1, created, err := s.SaveMessage(ctx, m)
	if err != nil || !created {
		t.Fatalf("first save: %v %v", created, err)
	}
	if ok, err := s.HasMessage(ctx, m.MailboxID, m.RawSHA256); err != nil || !ok {
		t.Fatalf("HasMessage after save = %v, %v", ok, err)
	}
	if ok, _ := s.HasMessage(ctx, "c1/other@x.cn", m.RawSHA256); ok {
		t.Fatal("HasMessage matched another mailbox")
	}
	// The same bytes again after a UIDVALIDITY reset: one row, new location.
	again := sampleMessage("c1", "c1/a@x.cn", "sha-dup", 99)
	again.UIDValidity = 2
	id2, created, err := s.SaveMessage(ctx, again)
	if err != nil || created || id2 != id1 {
		t.Fatalf("second save = %d, %v, %v; want %d, false, nil", id2, created, err, id1)
	}
	got, _ := s.Messages(ctx, "c1")
	if len(got) != 1 || len(got[0].Attachments) != 3 || got[0].UID != 99 || got[0].UIDValidity != 2 {
		t.Fatalf("after duplicate save: %d messages, %+v", len(got), got)
	}
	// The same bytes in the campaign's other mailbox (分别报送) are a second row.
	if _, created, err := s.SaveMessage(ctx, sampleMessage("c1", "c1/b@x.cn", "sha-dup", 1)); err != nil || !created {
		t.Fatalf("save in second mailbox: %v %v", created, err)
	}
}

func testSaveMessageConcurrent(t *testing.T, s Store) {
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	createdCount := 0
	ids := map[int64]bool{}
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, created, err := s.SaveMessage(ctx, sampleMessage("c1", "c1/a@x.cn", "sha-race", 7))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			ids[id] = true
			if created {
				createdCount++
			}
		}()
	}
	wg.Wait()
	if createdCount != 1 || len(ids) != 1 {
		t.Fatalf("8 concurrent saves of one message: created %d times, %d ids; want 1, 1", createdCount, len(ids))
	}
}

func testDeadLetters(t *testing.T, s Store) {
	ctx := context.Background()
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	d := sinks.DeadLetter{CampaignID: "c1", MailboxID: "c1/a@x.cn", RawObject: "c1/a@x.cn/1/3", UIDValidity: 1, UID: 3, Error: "boom", Attempts: 5, FailedAt: at}
	if err := s.RecordDeadLetter(ctx, d); err != nil {
		t.Fatal(err)
	}
	d.Error, d.Attempts, d.FailedAt = "boom again", 6, at.Add(time.Hour)
	if err := s.RecordDeadLetter(ctx, d); err != nil {
		t.Fatal(err)
	}
	got, err := s.DeadLetters(ctx)
	if err != nil || len(got) != 1 {
		t.Fatalf("DeadLetters = %v, %v", got, err)
	}
	if got[0].Error != "boom again" || got[0].Attempts != 6 || !got[0].FailedAt.Equal(at.Add(time.Hour)) || got[0].UID != 3 || got[0].RawObject != d.RawObject {
		t.Errorf("dead letter: %+v", got[0])
	}
}

func testCampaignCounts(t *testing.T, s Store) {
	ctx := context.Background()
	mk := func(sha, unit, class string, late bool) {
		m := sampleMessage("c1", "c1/a@x.cn", sha, 1)
		m.Unit, m.Class, m.Late = unit, class, late
		if _, _, err := s.SaveMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	mk("1", "甲", "submission", false)
	mk("2", "甲", "submission", true)
	mk("3", "乙", "submission", false)
	mk("4", "", "submission", false)
	mk("5", "", "auto_reply", false)
	if err := s.RecordDeadLetter(ctx, sinks.DeadLetter{CampaignID: "c2", MailboxID: "c2/a", RawObject: "o", FailedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	got, err := s.CampaignCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []sinks.CampaignCount{
		{CampaignID: "c1", Messages: 5, Submissions: 4, Units: 2, Late: 1},
		{CampaignID: "c2", DeadLetters: 1},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("CampaignCounts = %+v, want %+v", got, want)
	}
}

func testPostProcess(t *testing.T, s Store) {
	ctx := context.Background()
	var ids []int64
	for i := uint32(1); i <= 3; i++ {
		id, _, err := s.SaveMessage(ctx, sampleMessage("c1", "c1/a@x.cn", fmt.Sprint("pp", i), i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	items, err := s.PendingPostProcess(ctx, "c1/a@x.cn", 10)
	if err != nil || len(items) != 3 || items[0].UID != 1 || items[2].MessageID != ids[2] {
		t.Fatalf("PendingPostProcess = %+v, %v", items, err)
	}
	if err := s.MarkPostProcessed(ctx, ids[:2]); err != nil {
		t.Fatal(err)
	}
	items, _ = s.PendingPostProcess(ctx, "c1/a@x.cn", 10)
	if len(items) != 1 || items[0].MessageID != ids[2] {
		t.Fatalf("after marking: %+v", items)
	}
	if items, _ := s.PendingPostProcess(ctx, "c1/b@x.cn", 10); len(items) != 0 {
		t.Fatalf("other mailbox: %+v", items)
	}
}

// testTimePrecision: every time comes back as written, truncated to
// microseconds, whatever the database; a zero time stays zero.
func testTimePrecision(t *testing.T, s Store) {
	ctx := context.Background()
	at := time.Date(2026, 6, 8, 15, 59, 59, 123456789, time.FixedZone("CST", 8*3600))
	want := at.Truncate(time.Microsecond)
	if err := s.SaveCheckpoint(ctx, sinks.Checkpoint{MailboxID: "c/a", CampaignID: "c", Address: "a", LastSync: at}); err != nil {
		t.Fatal(err)
	}
	cp, err := s.LoadCheckpoint(ctx, "c/a")
	if err != nil {
		t.Fatal(err)
	}
	if !cp.LastSync.Equal(want) || !cp.LastErrorAt.IsZero() {
		t.Errorf("checkpoint times: last_sync %v, last_error_at %v; want %v and zero", cp.LastSync, cp.LastErrorAt, want)
	}
	m := sampleMessage("c1", "c1/a@x.cn", "sha-time", 1)
	m.InternalDate, m.Date = at, time.Time{}
	before := time.Now().Truncate(time.Microsecond)
	if _, _, err := s.SaveMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	if err := s.RecordDeadLetter(ctx, sinks.DeadLetter{CampaignID: "c1", MailboxID: "c1/a", RawObject: "o", FailedAt: at}); err != nil {
		t.Fatal(err)
	}
	msgs, err := s.Messages(ctx, "c1")
	if err != nil || len(msgs) != 1 {
		t.Fatalf("Messages = %v, %v", msgs, err)
	}
	g := msgs[0]
	if !g.InternalDate.Equal(want) || !g.Date.IsZero() {
		t.Errorf("message times: internal_date %v, date %v; want %v and zero", g.InternalDate, g.Date, want)
	}
	// stored_at is the store's clock at the save (Go's, not the database's).
	if g.StoredAt.Before(before) || g.StoredAt.After(after) || !g.StoredAt.Equal(g.StoredAt.Truncate(time.Microsecond)) {
		t.Errorf("stored_at %v, want within [%v, %v] in whole microseconds", g.StoredAt, before, after)
	}
	dl, err := s.DeadLetters(ctx)
	if err != nil || len(dl) != 1 || !dl[0].FailedAt.Equal(want) {
		t.Errorf("dead letter failed_at: %+v, %v; want %v", dl, err, want)
	}
}

// testMessageDefaults: a message with nothing optional set round-trips with
// empty findings, no analysis, no addresses, no attachments or links.
func testMessageDefaults(t *testing.T, s Store) {
	ctx := context.Background()
	m := &sinks.Message{CampaignID: "c1", MailboxID: "c1/a", UIDValidity: 4294967295, UID: 4294967295, RawObject: "o", RawSHA256: "s",
		InternalDate: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Class: "malformed", Late: true}
	id, created, err := s.SaveMessage(ctx, m)
	if err != nil || !created {
		t.Fatalf("SaveMessage = %d, %v, %v", id, created, err)
	}
	got, err := s.Messages(ctx, "c1")
	if err != nil || len(got) != 1 {
		t.Fatalf("Messages = %v, %v", got, err)
	}
	g := got[0]
	if g.UIDValidity != m.UIDValidity || g.UID != m.UID || !g.Late || len(g.To) != 0 || len(g.Cc) != 0 ||
		g.Analysis != nil || g.Attachments != nil || g.Links != nil {
		t.Errorf("defaults: %+v", g)
	}
	assertJSON(t, "findings", g.Findings, json.RawMessage(`[]`))
	if err := s.MarkPostProcessed(ctx, nil); err != nil {
		t.Errorf("MarkPostProcessed(nil): %v", err)
	}
	if items, err := s.PendingPostProcess(ctx, "c1/a", 10); err != nil || len(items) != 1 || items[0].UID != m.UID {
		t.Errorf("PendingPostProcess = %+v, %v", items, err)
	}
}

func testDecisions(t *testing.T, s Store) {
	ctx := context.Background()
	until := time.Date(2026, 6, 12, 0, 0, 0, 0, time.UTC)
	at := time.Date(2026, 6, 9, 10, 30, 0, 123456000, time.UTC)
	in := []sinks.Decision{
		{CampaignID: "c1", Kind: "assign", Message: "a@163.com", Unit: "泽州县科技局", By: "王科长", Reason: "电话确认", At: at},
		{CampaignID: "c1", Kind: "extension", Unit: "泽州县科技局", Until: until, By: "王科长"},
		{CampaignID: "c2", Kind: "not_submission", Message: "b@163.com", By: "李"},
		{CampaignID: "c2", Kind: "rename_unit", Unit: "高平市科技局", NewName: "高平市发展改革和科技局", Contact: "张三", Phone: "0356-5220000", By: "李"},
	}
	for i, d := range in {
		id, err := s.AddDecision(ctx, d)
		if err != nil || id <= 0 {
			t.Fatalf("AddDecision %d: id %d, %v", i, id, err)
		}
		in[i].ID = id
	}
	got, err := s.Decisions(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("Decisions(c1) = %d, want 2", len(got))
	}
	if d := got[0]; d.ID != in[0].ID || d.Kind != "assign" || d.Message != "a@163.com" || d.Unit != "泽州县科技局" ||
		d.By != "王科长" || d.Reason != "电话确认" || !d.At.Equal(at) || !d.Until.IsZero() {
		t.Errorf("first decision round-trip: %+v", d)
	}
	if d := got[1]; !d.Until.Equal(until) || d.At.IsZero() {
		t.Errorf("extension round-trip: until %v at %v (a zero At is stamped by the store)", d.Until, d.At)
	}
	if other, _ := s.Decisions(ctx, "c2"); len(other) != 2 || other[0].Kind != "not_submission" ||
		other[1].NewName != "高平市发展改革和科技局" || other[1].Contact != "张三" || other[1].Phone != "0356-5220000" {
		t.Errorf("Decisions(c2) = %+v", other)
	}
}

func testReplaceFacts(t *testing.T, s Store) {
	ctx := context.Background()
	m := sampleMessage("c1", "c1/a@x.cn", "sha-1", 5)
	id, _, err := s.SaveMessage(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	re := sampleMessage("c1", "c1/other@x.cn", "sha-other", 99)
	re.Subject = "重新读取后的主题"
	re.Attachments = re.Attachments[:1]
	re.Attachments[0].Kind = "stats_table"
	re.Links = nil
	if err := s.ReplaceFacts(ctx, id, re); err != nil {
		t.Fatal(err)
	}
	// Twice is the same as once.
	if err := s.ReplaceFacts(ctx, id, re); err != nil {
		t.Fatal(err)
	}
	got, err := s.Messages(ctx, "c1")
	if err != nil || len(got) != 1 {
		t.Fatalf("Messages = %d, %v", len(got), err)
	}
	g := got[0]
	if g.Subject != "重新读取后的主题" || len(g.Attachments) != 1 || g.Attachments[0].Kind != "stats_table" || len(g.Links) != 0 {
		t.Errorf("facts not replaced: subject %q, attachments %+v, links %+v", g.Subject, g.Attachments, g.Links)
	}
	// Where it came from is kept; judgments of older versions are cleared.
	if g.MailboxID != "c1/a@x.cn" || g.UID != 5 || g.RawSHA256 != "sha-1" || !g.InternalDate.Equal(m.InternalDate) || g.Unit != "" {
		t.Errorf("location changed or old judgment kept: %+v", g)
	}
	if err := s.ReplaceFacts(ctx, id+1000, re); !errors.Is(err, sinks.ErrNotFound) {
		t.Errorf("ReplaceFacts of a missing message: %v, want ErrNotFound", err)
	}
}

func testFactsFirstCopies(t *testing.T, s Store) {
	ctx := context.Background()
	// One message in two mailboxes, received in the second one first.
	a := sampleMessage("c1", "c1/a@x.cn", "sha-1", 5)
	b := sampleMessage("c1", "c1/b@x.cn", "sha-1", 7)
	a.MessageID, b.MessageID = "m1@x.cn", "m1@x.cn"
	b.Analysis = json.RawMessage(`{"kind":"message","message":{"text":"材料见附件","headers":{"Auto-Submitted":"no"}},"parts":[{"kind":"report","size":9}]}`)
	b.InternalDate = a.InternalDate.Add(-time.Minute)
	other := sampleMessage("c1", "c1/a@x.cn", "sha-2", 6)
	other.MessageID = ""
	for _, m := range []*sinks.Message{a, b, other} {
		if _, _, err := s.SaveMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Facts(ctx, "c1")
	if err != nil || len(got) != 3 {
		t.Fatalf("Facts = %d rows, %v", len(got), err)
	}
	with := map[string]int{}
	for _, g := range got {
		if len(g.Attachments) > 0 {
			with[g.MailboxID+"/"+g.RawSHA256] = len(g.Attachments)
		}
	}
	if len(with) != 2 || with["c1/b@x.cn/sha-1"] != 3 || with["c1/a@x.cn/sha-2"] != 3 {
		t.Errorf("files carried by %v, want the first-received copy of each message", with)
	}
	all, _ := s.Messages(ctx, "c1")
	for _, m := range all {
		if len(m.Attachments) != 3 {
			t.Errorf("Messages: copy %s has %d attachments, want all 3", m.MailboxID, len(m.Attachments))
		}
	}
	// Facts keep the message part of the inspection tree, not the rest,
	// of the first copy; the other copies say where and when they arrived.
	for _, g := range got {
		if g.RawSHA256 != "sha-1" {
			continue
		}
		if g.MailboxID == "c1/a@x.cn" {
			if g.Subject != "" || g.Analysis != nil || g.UID != 5 || !g.InternalDate.Equal(a.InternalDate) || g.MessageID != "m1@x.cn" {
				t.Errorf("second copy: %+v, want only its location", g)
			}
			continue
		}
		var tree map[string]json.RawMessage
		if err := json.Unmarshal(g.Analysis, &tree); err != nil {
			t.Fatalf("Facts analysis %s: %v", g.Analysis, err)
		}
		var msg struct {
			Text    string            `json:"text"`
			Headers map[string]string `json:"headers"`
		}
		if err := json.Unmarshal(tree["message"], &msg); err != nil || msg.Text != "材料见附件" || msg.Headers["Auto-Submitted"] != "no" || tree["parts"] != nil {
			t.Errorf("Facts analysis %s, want only the message part", g.Analysis)
		}
	}
}

func receiptJob(key, state string) sinks.Job {
	return sinks.Job{CampaignID: "c1", Kind: "receipt", Key: key, MailboxID: "c1/a@x.cn", Recipient: "unit@163.com", State: state}
}

func testOutbox(t *testing.T, s Store) {
	ctx := context.Background()
	// The job is inserted with the message; the same message's second copy
	// does not add another.
	a := sampleMessage("c1", "c1/a@x.cn", "sha-1", 5)
	a.Jobs = []sinks.Job{receiptJob("m1@x.cn", sinks.JobPending)}
	b := sampleMessage("c1", "c1/b@x.cn", "sha-1", 6)
	b.Jobs = []sinks.Job{receiptJob("m1@x.cn", sinks.JobPending)}
	robot := sampleMessage("c1", "c1/a@x.cn", "sha-2", 7)
	robot.Jobs = []sinks.Job{{CampaignID: "c1", Kind: "receipt", Key: "m2@x.cn", State: sinks.JobSkipped, Reason: "robot"}}
	for _, m := range []*sinks.Message{a, b, robot} {
		if _, _, err := s.SaveMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	jobs, err := s.Jobs(ctx, "c1")
	if err != nil || len(jobs) != 2 {
		t.Fatalf("Jobs = %d, %v, want 2 (one per message)", len(jobs), err)
	}
	if jobs[1].State != sinks.JobSkipped || jobs[1].Reason != "robot" || jobs[1].DoneAt.IsZero() {
		t.Errorf("skipped job: %+v", jobs[1])
	}
	if n, _ := s.UnfinishedJobs(ctx); n != 1 {
		t.Errorf("UnfinishedJobs = %d, want 1", n)
	}
	claimed, err := s.ClaimJobs(ctx, 10, time.Minute)
	if err != nil || len(claimed) != 1 || claimed[0].Attempts != 1 || claimed[0].State != sinks.JobSending || claimed[0].Recipient != "unit@163.com" {
		t.Fatalf("ClaimJobs = %+v, %v", claimed, err)
	}
	if again, _ := s.ClaimJobs(ctx, 10, time.Minute); len(again) != 0 {
		t.Fatalf("a claimed job was claimed again: %+v", again)
	}
	// A temporary failure puts it back, due later.
	j := claimed[0]
	j.Reason = "451 MI:SFQ"
	if err := s.RetryJob(ctx, j, time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	claimed, _ = s.ClaimJobs(ctx, 10, -time.Second) // a lease that has already lapsed
	if len(claimed) != 1 || claimed[0].Attempts != 2 || claimed[0].Reason != "451 MI:SFQ" {
		t.Fatalf("retry: %+v", claimed)
	}
	// Its claim lapsed (the sender died): another sender takes it over.
	claimed, _ = s.ClaimJobs(ctx, 10, time.Minute)
	if len(claimed) != 1 || claimed[0].Attempts != 3 {
		t.Fatalf("lapsed claim not taken over: %+v", claimed)
	}
	j = claimed[0]
	j.State, j.Reason, j.Subject, j.Body, j.MessageID = sinks.JobSent, "", "自动回执：材料", "已收到", "r1@shoubao"
	if err := s.FinishJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	jobs, _ = s.Jobs(ctx, "c1")
	if g := jobs[0]; g.State != sinks.JobSent || g.Subject != "自动回执：材料" || g.MessageID != "r1@shoubao" || g.DoneAt.IsZero() {
		t.Errorf("finished job: %+v", g)
	}
	if n, _ := s.SentTo(ctx, "unit@163.com", time.Now().Add(-time.Hour)); n != 1 {
		t.Errorf("SentTo = %d, want 1", n)
	}
	if n, _ := s.UnfinishedJobs(ctx); n != 0 {
		t.Errorf("UnfinishedJobs = %d, want 0", n)
	}
	// Jobs decided outside a message (a digest): once per key.
	digest := sinks.Job{CampaignID: "c1", Kind: "digest", Key: "daily/2026-06-05", MailboxID: "c1/a@x.cn", State: sinks.JobPending}
	for i, want := range []int{1, 0} {
		if n, err := s.AddJobs(ctx, []sinks.Job{digest}); err != nil || n != want {
			t.Errorf("AddJobs #%d = %d, %v; want %d", i+1, n, err, want)
		}
	}
}

func testOutboxConcurrentClaims(t *testing.T, s Store) {
	ctx := context.Background()
	const n = 40
	for i := 0; i < n; i++ {
		m := sampleMessage("c1", "c1/a@x.cn", fmt.Sprintf("sha-%d", i), uint32(i+1))
		m.Jobs = []sinks.Job{receiptJob(fmt.Sprintf("m%d@x.cn", i), sinks.JobPending)}
		if _, _, err := s.SaveMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				js, err := s.ClaimJobs(ctx, 3, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if len(js) == 0 {
					return
				}
				mu.Lock()
				for _, j := range js {
					seen[j.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d jobs claimed, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("job %d claimed %d times", id, c)
		}
	}
}
