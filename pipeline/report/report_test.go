package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/sinks"
)

func TestBuild(t *testing.T) {
	dl, _ := config.ParseDeadline("2026-06-08")
	c := &config.Campaign{ID: "c", Title: "测试活动", Deadline: dl, Delivery: config.DeliveryEach,
		Materials: []config.Material{config.MaterialReport, config.MaterialMedia},
		Mailboxes: []config.Mailbox{{Address: "a@163.com"}, {Address: "b@163.com"}},
		Units:     []config.Unit{{Name: "甲局"}, {Name: "乙局"}, {Name: "丙局"}}}
	before := dl.End.Add(-time.Hour)
	after := dl.End.Add(time.Hour)
	msgs := []sinks.Message{
		{ID: 1, MailboxID: "c/a@163.com", Unit: "甲局", Class: "submission", InternalDate: before, Subject: "甲局材料",
			Attachments: []sinks.Attachment{{Name: "总结.docx", Kind: "report"}, {Name: "视频.mp4", Kind: "video",
				Details:  json.RawMessage(`{"video":{"duration_seconds":200.5}}`),
				Findings: json.RawMessage(`[{"code":"video_too_long","message":"视频过长"}]`)}}},
		{ID: 2, MailboxID: "c/b@163.com", Unit: "甲局", Class: "submission", InternalDate: before.Add(time.Minute),
			Attachments: []sinks.Attachment{{Name: "总结.docx", Kind: "report"}}},
		{ID: 3, MailboxID: "c/a@163.com", Unit: "乙局", Class: "submission", InternalDate: after, Late: true, Subject: "乙局",
			Links: []sinks.Link{{Provider: "163mail"}}, Findings: json.RawMessage(`[{"code":"late","message":"逾期报送"}]`)},
		{ID: 4, MailboxID: "c/a@163.com", Class: "submission", InternalDate: before, From: "x@qq.com", Subject: "无名"},
		{ID: 5, MailboxID: "c/a@163.com", Class: "auto_reply", InternalDate: before, Subject: "自动回复"},
	}
	s := Build(c, msgs, time.Now())
	a, b, cc := s.Units[0], s.Units[1], s.Units[2]
	if !a.Submitted || a.Late || len(a.Missing) != 0 || len(a.MissingMailboxes) != 0 || len(a.Problems) != 1 || a.Problems[0].File != "视频.mp4" {
		t.Errorf("甲局: %+v", a)
	}
	if a.Messages[0].Files[1].Seconds != 200.5 {
		t.Errorf("video length not carried: %+v", a.Messages[0].Files)
	}
	if !b.Submitted || !b.Late || len(b.Missing) != 1 || b.Missing[0] != config.MaterialReport || len(b.MissingMailboxes) != 1 || b.MissingMailboxes[0] != "b@163.com" {
		t.Errorf("乙局: %+v", b)
	}
	if cc.Submitted || len(cc.Missing) != 2 {
		t.Errorf("丙局: %+v", cc)
	}
	if len(s.Unattributed) != 1 || len(s.Other) != 1 {
		t.Errorf("unattributed %d, other %d", len(s.Unattributed), len(s.Other))
	}
	want := Counts{Expected: 3, Submitted: 2, NotSubmitted: 1, Late: 1, Incomplete: 1, WithProblems: 2}
	if got := s.Counts(); got != want {
		t.Errorf("Counts = %+v, want %+v", got, want)
	}
	var buf bytes.Buffer
	if err := s.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, wantText := range []string{"截止时间：2026年6月8日 23:59", "应报 3 个单位：已报 2，未报 1，逾期 1", "✗ 未报送", "⚠ 逾期", "缺少：活动总结报告", "未报送至：b@163.com", "视频过长", "未能识别报送单位", "自动回复"} {
		if !strings.Contains(out, wantText) {
			t.Errorf("text lacks %q:\n%s", wantText, out)
		}
	}
}
