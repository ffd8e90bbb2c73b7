package rules

import (
	"fmt"
	"slices"
	"time"

	"github.com/shoubao/shoubao/parsers/sheets"
	"github.com/shoubao/shoubao/parsers/video"
	"github.com/shoubao/shoubao/pipeline/campaign"
)

// materialsOf maps a file kind to the materials it can satisfy.
func materialsOf(kind string) []campaign.Material {
	switch kind {
	case "report":
		return []campaign.Material{campaign.MaterialReport}
	case "stats_table":
		return []campaign.Material{campaign.MaterialStats}
	case "recommend_table":
		return []campaign.Material{campaign.MaterialRecommend}
	case "video":
		return []campaign.Material{campaign.MaterialVideo, campaign.MaterialMedia}
	case "photo":
		return []campaign.Material{campaign.MaterialPhoto, campaign.MaterialMedia}
	}
	return nil
}

// usable says whether a file counts as the material its kind stands for,
// and why not; problems are what the rules find wrong with it.
func usable(c *campaign.Campaign, f *File, accepted func(code string) bool) (ok bool, why string, problems []Problem) {
	fail := func(code, msg string) {
		problems = append(problems, Problem{Code: code, Message: msg, File: f.Name})
	}
	if f.Size == 0 {
		return false, "文件为空", nil
	}
	for _, fd := range f.Findings {
		switch fd.Code {
		case "file_encrypted":
			return false, "文件设有密码，无法打开", nil
		case "file_corrupt":
			return false, "文件已损坏，无法打开", nil
		}
	}
	switch f.Kind {
	case "stats_table", "recommend_table":
		if !f.TableRead {
			why = "表格无法读取"
			for _, fd := range f.Findings {
				why += "（" + fd.Message + "）"
				break
			}
			return false, why, nil
		}
	case "video":
		for _, fd := range f.Findings {
			switch fd.Code {
			case video.CodeTruncated:
				return false, "视频文件不完整（可能未上传完）", nil
			case video.CodeUnreadable:
				return false, fd.Message, nil
			}
		}
		if f.Video == nil {
			return false, "无法读取视频时长", nil
		}
		if c.VideoLimit > 0 {
			for _, fd := range video.CheckLimit(f.Video, int(c.VideoLimit/time.Second)) {
				if accepted(fd.Code) {
					problems = append(problems, Problem{Code: fd.Code, Message: fd.Message, File: f.Name, Accepted: true})
					continue
				}
				fail(fd.Code, fd.Message)
				return false, fd.Message, problems
			}
		}
	}
	return true, "", problems
}

// fileStates judges the files of a message that counts toward no unit.
func fileStates(c *campaign.Campaign, m *Message, dec *decisions) []FileState {
	out := []FileState{}
	for i := range m.Files {
		fs, _ := fileState(c, m, &m.Files[i], dec)
		out = append(out, fs)
	}
	return out
}

func fileState(c *campaign.Campaign, m *Message, f *File, dec *decisions) (FileState, []Problem) {
	fs := FileState{Name: f.Name, Kind: f.Kind, Size: f.Size, SHA256: f.SHA256}
	if f.Video != nil {
		fs.VideoSeconds = f.Video.DurationSeconds
	}
	if len(materialsOf(f.Kind)) == 0 {
		return fs, nil
	}
	ok, why, problems := usable(c, f, func(code string) bool { return dec.isAccepted(m.Key, code, f.Name) })
	fs.Usable, fs.Why = &ok, why
	for i := range problems {
		problems[i].MessageKey = m.Key
	}
	return fs, problems
}

// judgeUnit accumulates a unit's materials over its messages (indexes
// into msgs, in arrival order) and decides its status.
func judgeUnit(c *campaign.Campaign, name string, msgs []Message, judged []MessageState, idx []int, dec *decisions) UnitState {
	u := newUnitJudge(c, name, msgs, judged, dec)
	for _, i := range idx {
		u.add(i)
	}
	return u.state(true)
}

// unitJudge is a unit's state as its messages are added in arrival order.
type unitJudge struct {
	c        *campaign.Campaign
	msgs     []Message
	judged   []MessageState // added messages' files, categories and supersessions are set here
	dec      *decisions
	us       UnitState
	idx      []int // the messages added
	slots    map[campaign.Material]MaterialState
	problems []Problem
	seen     map[string]bool // file hashes already sent
	reached  map[string]bool
	counted  int
}

func newUnitJudge(c *campaign.Campaign, name string, msgs []Message, judged []MessageState, dec *decisions) *unitJudge {
	u := &unitJudge{c: c, msgs: msgs, judged: judged, dec: dec, slots: map[campaign.Material]MaterialState{},
		seen: map[string]bool{}, reached: map[string]bool{}}
	u.us = UnitState{Name: name, Deadline: c.Deadline}
	if t, ok := dec.extension[name]; ok {
		u.us.Deadline, u.us.Extended = t, true
	}
	return u
}

// add adds message i, the unit's next in arrival order.
func (u *unitJudge) add(i int) {
	c, dec, us := u.c, u.dec, &u.us
	u.idx = append(u.idx, i)
	m, js := &u.msgs[i], &u.judged[i]
	var fileProblems []Problem
	js.Files = []FileState{}
	for k := range m.Files {
		fs, ps := fileState(c, m, &m.Files[k], dec)
		js.Files = append(js.Files, fs)
		fileProblems = append(fileProblems, ps...)
	}
	if !js.Category.Counts() || (js.Category == Malformed && !m.HasMaterial()) {
		return
	}
	if js.Category == Submission && u.counted > 0 && allSeen(m, u.seen) {
		js.Category = Duplicate
	}
	for _, f := range m.Files {
		if f.SHA256 != "" && len(materialsOf(f.Kind)) > 0 {
			u.seen[f.SHA256] = true
		}
	}
	u.counted++
	if us.FirstArrival.IsZero() {
		us.FirstArrival = js.Arrival
	}
	if js.Category == Resubmission {
		// 更正: everything before is replaced.
		clear(u.slots)
		u.problems = nil
		us.CompletedAt, us.CompletedBy = time.Time{}, ""
		for _, j := range u.idx[:len(u.idx)-1] {
			if u.judged[j].Category.Counts() {
				u.judged[j].Superseded = true
			}
		}
	}
	for _, cp := range m.Copies {
		u.reached[cp.Mailbox] = true
	}
	u.problems = append(u.problems, messageProblems(m, js, dec)...)
	u.problems = append(u.problems, fileProblems...)
	for k, f := range m.Files {
		fs := js.Files[k]
		for _, mat := range materialsOf(f.Kind) {
			offer(u.slots, MaterialState{Material: mat, Status: state(fs.Usable), Message: m.Key, File: f.Name, At: js.Arrival, Why: fs.Why})
		}
	}
	for _, l := range m.Links {
		for _, mat := range []campaign.Material{campaign.MaterialVideo, campaign.MaterialMedia} {
			offer(u.slots, MaterialState{Material: mat, Status: MaterialUsable, Message: m.Key, File: linkName(l), At: js.Arrival,
				Why: "超大附件链接，未下载核实", Unverified: true})
		}
	}
	if us.CompletedAt.IsZero() && complete(c, u.slots) {
		us.CompletedAt, us.CompletedBy = js.Arrival, m.Key
	}
}

// state is the unit's state after the messages added so far. Without full,
// it leaves out the unit's messages, problems and statistics table (what
// costs in proportion to the messages): materials, status and deadline only.
func (u *unitJudge) state(full bool) UnitState {
	c, us := u.c, u.us
	us.Materials, us.Missing = []MaterialState{}, []campaign.Material{}
	us.Problems, us.Messages = []Problem{}, []MessageState{}
	if full {
		for _, i := range u.idx {
			us.Messages = append(us.Messages, u.judged[i])
			js := &u.judged[i]
			if !js.Category.Counts() || js.Superseded {
				continue
			}
			for k, f := range u.msgs[i].Files {
				if ok := js.Files[k].Usable; ok != nil && *ok && f.Stats != nil && hasValue(f.Stats) {
					us.Stats = &UnitStats{Message: js.Key, File: f.Name, Fields: f.Stats.Fields}
				}
			}
		}
	}
	for _, mat := range c.Materials {
		s, ok := u.slots[mat]
		if !ok {
			s = MaterialState{Material: mat, Status: MaterialMissing}
		}
		us.Materials = append(us.Materials, s)
		if s.Status != MaterialUsable {
			us.Missing = append(us.Missing, mat)
		}
	}
	var problems []Problem
	switch {
	case u.counted == 0:
		us.Status = NotSubmitted
	case us.CompletedAt.IsZero():
		us.Status = Incomplete
	case !us.Deadline.IsZero() && !us.CompletedAt.Before(us.Deadline):
		us.Status = CompleteLate
		problems = append(problems, Problem{Code: "late", Message: fmt.Sprintf("逾期报齐：材料于 %s 报齐，截止时间 %s",
			beijing(us.CompletedAt), beijing(us.Deadline.Add(-time.Second)))})
	default:
		us.Status = CompleteOnTime
	}
	if c.Delivery == campaign.DeliveryEach && u.counted > 0 {
		for _, mb := range c.Mailboxes {
			if !u.reached[mb.ID] {
				us.MissingMailboxes = append(us.MissingMailboxes, mb.Address)
				problems = append(problems, Problem{Code: "missing_mailbox",
					Message: fmt.Sprintf("通知要求分别报送，但邮箱 %s 未收到该单位的材料", mb.Address)})
			}
		}
	}
	if full {
		// late first, then the messages' problems, then the mailboxes'.
		var all []Problem
		if len(problems) > 0 && problems[0].Code == "late" {
			all, problems = append(all, problems[0]), problems[1:]
		}
		all = append(append(all, u.problems...), problems...)
		us.Problems = dedupe(all)
	}
	return us
}

// messageProblems are the findings about a message as a whole and what
// the rules find about its sender.
func messageProblems(m *Message, js *MessageState, dec *decisions) []Problem {
	var ps []Problem
	add := func(code, msg, file string) {
		ps = append(ps, Problem{Code: code, Message: msg, File: file, MessageKey: m.Key, Accepted: dec.isAccepted(m.Key, code, file)})
	}
	for _, f := range m.Findings {
		add(f.Code, f.Message, "")
	}
	for _, f := range m.Files {
		for _, fd := range f.Findings {
			add(fd.Code, fd.Message, f.Name)
		}
	}
	a := js.Attribution
	for _, cf := range a.Conflicts {
		add("unit_conflict", fmt.Sprintf("报送单位认定为“%s”（依据%s），但%s指向“%s”，请核实", a.Unit, evidenceLabel(a.By), evidenceLabel(cf.By), cf.Unit), "")
	}
	if a.UnknownSender && m.FromAddress != "" {
		add("unknown_sender", fmt.Sprintf("发件地址 %s 不在该单位的名单中；如确属该单位，请将其加入名单", m.FromAddress), "")
	}
	return ps
}

func evidenceLabel(by string) string {
	return map[string]string{ByOfficer: "人工认定", BySender: "发件地址", ByLearned: "该单位此前使用的发件地址",
		ByName: "邮件主题或文件名", ByStamp: "统计表盖章单位", ByBody: "邮件正文"}[by]
}

// offer puts a candidate file into its material's slot: a usable file
// beats an unusable one; the first usable file stays.
func offer(slots map[campaign.Material]MaterialState, s MaterialState) {
	cur, ok := slots[s.Material]
	if !ok || (cur.Status != MaterialUsable && s.Status == MaterialUsable) {
		slots[s.Material] = s
	}
}

func complete(c *campaign.Campaign, slots map[campaign.Material]MaterialState) bool {
	for _, mat := range c.Materials {
		if slots[mat].Status != MaterialUsable {
			return false
		}
	}
	return len(c.Materials) > 0 || len(slots) > 0
}

func allSeen(m *Message, seen map[string]bool) bool {
	any := false
	for _, f := range m.Files {
		if len(materialsOf(f.Kind)) == 0 || f.SHA256 == "" {
			continue
		}
		if !seen[f.SHA256] {
			return false
		}
		any = true
	}
	return any && len(m.Links) == 0
}

func state(usable *bool) string {
	if usable != nil && *usable {
		return MaterialUsable
	}
	return MaterialUnusable
}

func linkName(l Link) string {
	if l.Name != "" {
		return l.Name
	}
	return l.URL
}

// beijing formats t for an officer: Beijing time, to the minute.
func beijing(t time.Time) string {
	return t.In(campaign.ChinaTime()).Format("2006-01-02 15:04")
}

// dedupe drops repeated problems: the same file sent twice carries the same
// findings.
func dedupe(ps []Problem) []Problem {
	out := []Problem{}
	for _, p := range ps {
		if !slices.ContainsFunc(out, func(q Problem) bool { return q.Code == p.Code && q.File == p.File && q.Message == p.Message }) {
			out = append(out, p)
		}
	}
	return out
}

// hasValue reports whether any field of a statistics table was read.
func hasValue(s *sheets.Stats) bool {
	for _, v := range s.Fields {
		if v.Value != nil {
			return true
		}
	}
	return false
}
