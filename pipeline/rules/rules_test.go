package rules_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/rules"
	"github.com/shoubao/shoubao/sinks"
)

var cst = campaign.ChinaTime()

func day(d, h int) time.Time { return time.Date(2026, 6, d, h, 0, 0, 0, cst) }

const (
	bureau = "c/jcskjjptk@163.com"
	assoc  = "c/kxxhb88@163.com"
)

// testCampaign: two mailboxes, 分别报送, report and media required, the
// deadline is the end of 8 June (a date includes the whole day).
func testCampaign() *campaign.Campaign {
	return &campaign.Campaign{
		ID: "c", Title: "科技活动周", Deadline: time.Date(2026, 6, 9, 0, 0, 0, 0, cst), VideoLimit: 180 * time.Second,
		Materials: []campaign.Material{campaign.MaterialReport, campaign.MaterialMedia}, Delivery: campaign.DeliveryEach,
		Mailboxes: []campaign.Mailbox{{ID: bureau, Address: "jcskjjptk@163.com"}, {ID: assoc, Address: "kxxhb88@163.com"}},
		Units: []campaign.Unit{
			{Name: "陵川县发展改革和科技局", Aliases: []string{"陵川县科技局"}, Senders: []string{"lckjj@163.com"}},
			{Name: "高平市发展改革和科技局", Aliases: []string{"高平市科技局"}, Senders: []string{"gpkjj@163.com"}},
			{Name: "泽州县发展和改革和科技局", Aliases: []string{"泽州县科技局"}},
			{Name: "泽州县科学技术协会", Aliases: []string{"泽州县科协"}},
		},
	}
}

// file builds a stored attachment.
type file struct {
	name, kind string
	seconds    float64 // video length
	stamp      string  // statistics table's 盖章 unit
	finding    string  // a parser finding's code
}

// nextID numbers stored copies; tests build rows in parallel.
var nextID atomic.Int64

// row builds one stored copy of a message.
func row(mailbox, msgID, from, subject string, at time.Time, class string, files ...file) sinks.Message {
	id := nextID.Add(1)
	m := sinks.Message{ID: id, CampaignID: "c", MailboxID: mailbox, UID: uint32(id), InternalDate: at,
		MessageID: msgID, Subject: subject, From: from, Class: class, RawSHA256: fmt.Sprintf("%064d", id)}
	for i, f := range files {
		a := sinks.Attachment{Index: i, Parent: -1, Name: f.name, Kind: f.kind, Size: 1000, SHA256: fmt.Sprintf("%x", f.name)}
		switch {
		case f.seconds > 0:
			a.Details, _ = json.Marshal(map[string]any{"video": map[string]any{"duration_seconds": f.seconds}})
		case f.stamp != "":
			a.Details, _ = json.Marshal(map[string]any{"stats": map[string]any{"unit": f.stamp, "fields": map[string]any{"科普活动开展次数": map[string]any{"value": 3, "raw": "3"}}}})
		}
		if f.finding != "" {
			a.Findings, _ = json.Marshal([]map[string]string{{"code": f.finding, "message": "…"}})
		}
		m.Attachments = append(m.Attachments, a)
	}
	return m
}

func both(msgID, from, subject string, at time.Time, files ...file) []sinks.Message {
	return []sinks.Message{row(bureau, msgID, from, subject, at, "submission", files...), row(assoc, msgID, from, subject, at.Add(time.Second), "submission", files...)}
}

var (
	report = file{name: "总结报告.docx", kind: "report"}
	photo  = file{name: "照片.jpg", kind: "photo"}
	clip   = file{name: "视频.mp4", kind: "video", seconds: 170}
	long   = file{name: "宣传片.mp4", kind: "video", seconds: 215}
)

func unit(t *testing.T, st *rules.State, name string) rules.UnitState {
	t.Helper()
	for _, u := range st.Units {
		if u.Name == name {
			return u
		}
	}
	t.Fatalf("no unit %s", name)
	return rules.UnitState{}
}

func codes(ps []rules.Problem, accepted bool) []string {
	var out []string
	for _, p := range ps {
		if p.Accepted == accepted {
			out = append(out, p.Code)
		}
	}
	return out
}

func TestJudge(t *testing.T) {
	t.Parallel()
	const lingchuan, gp, zz = "陵川县发展改革和科技局", "高平市发展改革和科技局", "泽州县发展和改革和科技局"
	tests := []struct {
		name       string
		campaign   func(c *campaign.Campaign)
		rows       [][]sinks.Message
		decisions  []rules.Decision
		unit       string
		status     string
		missing    []campaign.Material
		problems   []string // unaccepted problem codes, in order
		accepted   []string
		categories []rules.Category
		check      func(t *testing.T, st *rules.State)
	}{
		{name: "complete on time in one mail to both mailboxes",
			rows: [][]sinks.Message{both("a@x", "陵川县科技局 <lckjj@163.com>", "陵川县科技活动周材料", day(5, 9), report, photo)},
			unit: lingchuan, status: rules.CompleteOnTime, categories: []rules.Category{rules.Submission},
			check: func(t *testing.T, st *rules.State) {
				u := unit(t, st, lingchuan)
				if st.Counts.Messages != 1 || len(u.Messages) != 1 || len(u.Messages[0].Copies) != 2 {
					t.Errorf("one mail in two mailboxes: %d messages, unit messages %d, copies %v", st.Counts.Messages, len(u.Messages), u.Messages[0].Copies)
				}
				if u.CompletedBy != "a@x" || !u.CompletedAt.Equal(day(5, 9)) || !u.FirstArrival.Equal(day(5, 9)) {
					t.Errorf("completed %v by %q, first %v", u.CompletedAt, u.CompletedBy, u.FirstArrival)
				}
			}},
		{name: "a supplement completes the set on time",
			rows: [][]sinks.Message{
				both("a@x", "lckjj@163.com", "陵川县总结", day(3, 9), report),
				both("b@x", "lckjj@163.com", "陵川县补充影像资料", day(6, 9), photo)},
			unit: lingchuan, status: rules.CompleteOnTime, categories: []rules.Category{rules.Submission, rules.Supplement},
			check: func(t *testing.T, st *rules.State) {
				if u := unit(t, st, lingchuan); u.CompletedBy != "b@x" {
					t.Errorf("completed by %q, want the supplement", u.CompletedBy)
				}
			}},
		{name: "completed late by a supplement",
			rows: [][]sinks.Message{
				both("a@x", "lckjj@163.com", "陵川县总结", day(3, 9), report),
				both("b@x", "lckjj@163.com", "补报：陵川县视频", day(9, 10), clip)},
			unit: lingchuan, status: rules.CompleteLate, problems: []string{"late"},
			categories: []rules.Category{rules.Submission, rules.Supplement}},
		{name: "a deadline given as a date includes the whole day",
			rows: [][]sinks.Message{both("a@x", "lckjj@163.com", "陵川县材料", time.Date(2026, 6, 8, 23, 59, 59, 0, cst), report, photo)},
			unit: lingchuan, status: rules.CompleteOnTime},
		{name: "an extension makes a late completion on time",
			rows:      [][]sinks.Message{both("a@x", "lckjj@163.com", "陵川县材料", day(10, 9), report, photo)},
			decisions: []rules.Decision{{Kind: rules.DecideExtension, Unit: lingchuan, Until: day(12, 0), By: "王科长", Reason: "电话申请"}},
			unit:      lingchuan, status: rules.CompleteOnTime,
			check: func(t *testing.T, st *rules.State) {
				if u := unit(t, st, lingchuan); !u.Extended || !u.Deadline.Equal(day(12, 0)) {
					t.Errorf("extension not shown: %+v", u)
				}
			}},
		{name: "a later deadline in the configuration re-judges stored mail",
			campaign: func(c *campaign.Campaign) { c.Deadline = day(11, 0) },
			rows:     [][]sinks.Message{both("a@x", "lckjj@163.com", "陵川县材料", day(10, 9), report, photo)},
			unit:     lingchuan, status: rules.CompleteOnTime},
		{name: "更正 replaces what came before",
			rows: [][]sinks.Message{
				both("a@x", "lckjj@163.com", "陵川县材料", day(3, 9), report, photo),
				both("b@x", "lckjj@163.com", "【更正】陵川县总结，以此为准", day(4, 9), report)},
			unit: lingchuan, status: rules.Incomplete, missing: []campaign.Material{campaign.MaterialMedia},
			categories: []rules.Category{rules.Submission, rules.Resubmission},
			check: func(t *testing.T, st *rules.State) {
				if u := unit(t, st, lingchuan); !u.Messages[0].Superseded || u.Messages[1].Superseded {
					t.Errorf("superseded flags: %v %v", u.Messages[0].Superseded, u.Messages[1].Superseded)
				}
			}},
		{name: "the same files again are a duplicate",
			rows: [][]sinks.Message{
				both("a@x", "lckjj@163.com", "陵川县材料", day(3, 9), report, photo),
				both("b@x", "lckjj@163.com", "陵川县材料", day(3, 10), report, photo)},
			unit: lingchuan, status: rules.CompleteOnTime, categories: []rules.Category{rules.Submission, rules.Duplicate}},
		{name: "a video over the limit is not usable",
			rows: [][]sinks.Message{both("a@x", "lckjj@163.com", "陵川县材料", day(3, 9), report, long)},
			unit: lingchuan, status: rules.Incomplete, missing: []campaign.Material{campaign.MaterialMedia},
			problems: []string{"video_too_long"}},
		{name: "a truncated video is not usable, whatever length it claims",
			rows: [][]sinks.Message{both("a@x", "lckjj@163.com", "陵川县材料", day(3, 9), report,
				file{name: "视频.mp4", kind: "video", seconds: 170, finding: "video_truncated"})},
			unit: lingchuan, status: rules.Incomplete, missing: []campaign.Material{campaign.MaterialMedia},
			problems: []string{"video_truncated"},
			check: func(t *testing.T, st *rules.State) {
				u := unit(t, st, lingchuan)
				if f := u.Messages[0].Files[1]; f.Usable == nil || *f.Usable || f.Why != "视频文件不完整（可能未上传完）" || f.VideoSeconds != 170 {
					t.Errorf("file state %+v", f)
				}
			}},
		{name: "a damaged report does not count",
			rows: [][]sinks.Message{both("a@x", "lckjj@163.com", "陵川县材料", day(3, 9), file{name: "总结.docx", kind: "report", finding: "file_corrupt"}, photo)},
			unit: lingchuan, status: rules.Incomplete, missing: []campaign.Material{campaign.MaterialReport},
			problems: []string{"file_corrupt"}},
		{name: "an accepted long video counts",
			rows:      [][]sinks.Message{both("a@x", "lckjj@163.com", "陵川县材料", day(3, 9), report, long)},
			decisions: []rules.Decision{{Kind: rules.DecideAcceptProblem, Message: "a@x", Code: "video_too_long", File: "宣传片.mp4", By: "王科长"}},
			unit:      lingchuan, status: rules.CompleteOnTime, accepted: []string{"video_too_long"}},
		{name: "a robot from a known unit is on its page but is no submission",
			rows: [][]sinks.Message{{row(bureau, "r@x", "lckjj@163.com", "自动回复：我已休假", day(3, 9), "auto_reply")}},
			unit: lingchuan, status: rules.NotSubmitted, categories: []rules.Category{rules.OutOfOffice}},
		{name: "the material reached only one of two mailboxes",
			rows: [][]sinks.Message{{row(bureau, "a@x", "gpkjj@163.com", "高平市材料", day(3, 9), "submission", report, photo)}},
			unit: gp, status: rules.CompleteOnTime, problems: []string{"missing_mailbox"},
			check: func(t *testing.T, st *rules.State) {
				if u := unit(t, st, gp); !slices.Equal(u.MissingMailboxes, []string{"kxxhb88@163.com"}) {
					t.Errorf("missing mailboxes %v", u.MissingMailboxes)
				}
			}},
		{name: "a stamp contradicting the sender is a finding, not a silent choice",
			rows: [][]sinks.Message{both("a@x", "lckjj@163.com", "统计表", day(3, 9), report, photo, file{name: "统计表.xlsx", kind: "stats_table", stamp: "高平市科技局"})},
			unit: lingchuan, status: rules.CompleteOnTime, problems: []string{"unit_conflict"}},
		{name: "a unit named without a known sender: unknown_sender",
			rows: [][]sinks.Message{both("a@x", "someone@qq.com", "泽州县科技局活动总结", day(3, 9), report, photo)},
			unit: zz, status: rules.CompleteOnTime, problems: []string{"unknown_sender"}},
		{name: "a county name alone is ambiguous: unmatched with candidates",
			rows: [][]sinks.Message{both("a@x", "zzjy@163.com", "泽州县教育局科技活动周材料", day(3, 9), report, photo)},
			unit: zz, status: rules.NotSubmitted,
			check: func(t *testing.T, st *rules.State) {
				if len(st.Unmatched) != 1 || !slices.Equal(st.Unmatched[0].Attribution.Candidates, []string{"泽州县发展和改革和科技局", "泽州县科学技术协会"}) {
					t.Fatalf("unmatched %+v", st.Unmatched)
				}
			}},
		{name: "an officer's assignment decides",
			rows:      [][]sinks.Message{both("a@x", "zzjy@163.com", "泽州县教育局科技活动周材料", day(3, 9), report, photo)},
			decisions: []rules.Decision{{Kind: rules.DecideAssign, Message: "a@x", Unit: zz, By: "王科长"}},
			unit:      zz, status: rules.CompleteOnTime, problems: []string{"unknown_sender"},
			check: func(t *testing.T, st *rules.State) {
				if len(st.Unmatched) != 0 || unit(t, st, zz).Messages[0].Attribution.By != rules.ByOfficer {
					t.Errorf("unmatched %+v", st.Unmatched)
				}
			}},
		{name: "a sender learned from confirmed mail identifies the next one",
			rows: [][]sinks.Message{
				both("a@x", "zzkjj@163.com", "泽州县科技局活动总结", day(3, 9), report),
				both("b@x", "zzkjj@163.com", "照片", day(4, 9), photo)},
			unit: zz, status: rules.CompleteOnTime, problems: []string{"unknown_sender"},
			check: func(t *testing.T, st *rules.State) {
				if a := unit(t, st, zz).Messages[1].Attribution; a.By != rules.ByLearned {
					t.Errorf("second message attributed %+v, want by learned sender", a)
				}
			}},
		{name: "an officer marks a message as not a submission",
			rows:      [][]sinks.Message{both("a@x", "lckjj@163.com", "陵川县材料", day(3, 9), report, photo)},
			decisions: []rules.Decision{{Kind: rules.DecideNotSubmission, Message: "a@x", By: "王科长"}},
			unit:      lingchuan, status: rules.NotSubmitted, categories: []rules.Category{rules.NotSubmission}},
		{name: "a question without materials is an inquiry",
			rows: [][]sinks.Message{{row(bureau, "q@x", "lckjj@163.com", "请问视频可以用网盘发送吗？", day(3, 9), "submission")}},
			unit: lingchuan, status: rules.NotSubmitted, categories: []rules.Category{rules.Inquiry},
			check: func(t *testing.T, st *rules.State) {
				if len(st.Inquiries) != 1 {
					t.Errorf("inquiries %+v", st.Inquiries)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := testCampaign()
			if tt.campaign != nil {
				tt.campaign(c)
			}
			var rows []sinks.Message
			for _, r := range tt.rows {
				rows = append(rows, r...)
			}
			st := rules.Judge(c, rules.FromStored(rows), tt.decisions, day(20, 0))
			u := unit(t, st, tt.unit)
			if u.Status != tt.status {
				t.Errorf("status %s, want %s (materials %+v)", u.Status, tt.status, u.Materials)
			}
			if tt.missing != nil && !slices.Equal(u.Missing, tt.missing) {
				t.Errorf("missing %v, want %v", u.Missing, tt.missing)
			}
			if got := codes(u.Problems, false); !slices.Equal(got, tt.problems) {
				t.Errorf("problems %v, want %v (%+v)", got, tt.problems, u.Problems)
			}
			if got := codes(u.Problems, true); !slices.Equal(got, tt.accepted) {
				t.Errorf("accepted problems %v, want %v", got, tt.accepted)
			}
			if tt.categories != nil {
				var got []rules.Category
				for _, m := range u.Messages {
					got = append(got, m.Category)
				}
				if !slices.Equal(got, tt.categories) {
					t.Errorf("categories %v, want %v", got, tt.categories)
				}
			}
			if tt.check != nil {
				tt.check(t, st)
			}
		})
	}
}

// TestRosterDecisions: officers add, rename and drop units and set their
// contacts without touching the configuration; the next judgment uses the
// roster so made.
func TestRosterDecisions(t *testing.T) {
	t.Parallel()
	c := testCampaign()
	at := func(h int) time.Time { return day(1, h) }
	ds := []rules.Decision{
		{Kind: rules.DecideRenameUnit, Unit: "高平市科技局", NewName: "高平市发展改革和科技局（新）", At: at(1)},
		{Kind: rules.DecideAddUnit, Unit: "晋城市图书馆", Contact: "李馆员", Phone: "0356-1234567", At: at(2)},
		{Kind: rules.DecideDropUnit, Unit: "泽州县科学技术协会", At: at(3)},
		{Kind: rules.DecideSetContact, Unit: "陵川县科技局", Contact: "王科长", Phone: "0356-7654321", At: at(4)},
		{Kind: rules.DecideAddSender, Unit: "晋城市图书馆", Address: "JCTSG@163.com", At: at(5)},
		// Made with the unit's old name, before the rename was known.
		{Kind: rules.DecideExtension, Unit: "高平市发展改革和科技局", Until: day(12, 0), At: at(6)},
	}
	rows := append(both("a@x", "someone@qq.com", "高平市发展改革和科技局材料", day(10, 9), report, photo),
		both("b@x", "jctsg@163.com", "材料", day(3, 9), report, photo)...)
	st := rules.Judge(c, rules.FromStored(rows), ds, day(20, 0))
	var names []string
	for _, u := range st.Units {
		names = append(names, u.Name)
	}
	want := []string{"陵川县发展改革和科技局", "高平市发展改革和科技局（新）", "泽州县发展和改革和科技局", "晋城市图书馆"}
	if !slices.Equal(names, want) {
		t.Fatalf("roster %v, want %v", names, want)
	}
	gp := unit(t, st, "高平市发展改革和科技局（新）")
	if gp.Status != rules.CompleteOnTime || !gp.Extended {
		t.Errorf("renamed unit: the old name still identifies its mail and its extension applies: %+v", gp)
	}
	lib := unit(t, st, "晋城市图书馆")
	if lib.Status != rules.CompleteOnTime || lib.Contact != "李馆员" || !slices.Equal(lib.Addresses, []string{"jctsg@163.com"}) {
		t.Errorf("added unit: %+v", lib)
	}
	if lc := unit(t, st, "陵川县发展改革和科技局"); lc.Contact != "王科长" || lc.Phone != "0356-7654321" {
		t.Errorf("contact not set: %+v", lc)
	}
}
