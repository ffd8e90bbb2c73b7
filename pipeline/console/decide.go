package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/rules"
	"github.com/shoubao/shoubao/sinks"
)

// Decisions are recorded by POST /c/{campaign}/decide with the fields of
// a sinks.Decision (kind, message, unit, code, file, address, until,
// new_name, contact, phone, reason), the page to return to (back) and
// the session's CSRF token. The weighty ones first show a confirmation
// page that posts them again with confirmed=1.
var confirmKinds = map[string]bool{
	rules.DecideAssign: true, rules.DecideNotSubmission: true, rules.DecideAcceptProblem: true,
	rules.DecideExtension: true, rules.DecideDropUnit: true, rules.DecideRenameUnit: true,
}

// errInput is a mistake in a form, said to the officer as is.
type errInput string

func (e errInput) Error() string { return string(e) }

// confirmData is the confirmation page.
type confirmData struct {
	Action  string
	What    string
	Details []string
	Fields  []field
	Back    string
	// Note replaces the default word on what confirming does.
	Note string
}

type field struct{ Name, Value string }

func (c *Console) decide(w http.ResponseWriter, r *http.Request, s *snapshot) {
	back := c.backURL(r, s)
	ds, what, details, err := parseDecision(r, s)
	if err != nil {
		c.failBack(w, r, http.StatusBadRequest, err.Error(), back)
		return
	}
	if confirmKinds[ds[0].Kind] && r.PostFormValue("confirmed") != "1" {
		d := confirmData{Action: "/c/" + url.PathEscape(s.c.ID) + "/decide", What: what, Details: details, Back: back}
		for _, k := range []string{"kind", "message", "unit", "code", "file", "address", "until", "new_name", "contact", "phone", "reason", "also_sender", "back"} {
			if v := r.PostFormValue(k); v != "" {
				d.Fields = append(d.Fields, field{k, v})
			}
		}
		c.render(w, r, http.StatusOK, "confirm", c.page(w, r, s, "请确认", "", d))
		return
	}
	c.record(w, r, s, ds, what, back)
}

// record stores decisions under the user's name, judges the campaign
// again, and returns to back with what changed.
func (c *Console) record(w http.ResponseWriter, r *http.Request, s *snapshot, ds []sinks.Decision, what, back string) {
	by := userOf(r).user.Name
	reason := clean(r.PostFormValue("reason"), 200)
	for _, d := range ds {
		d.CampaignID, d.By = s.c.ID, by
		if d.Reason == "" {
			d.Reason = reason
		}
		if _, err := c.o.Store.AddDecision(r.Context(), d); err != nil {
			c.o.Log.Error("console: decision", "campaign", s.c.ID, "kind", d.Kind, "err", err)
			c.failBack(w, r, http.StatusServiceUnavailable, "暂时无法写入数据库，决定没有记录，请稍后再试。", back)
			return
		}
		c.o.Log.Info("console: decision", "campaign", s.c.ID, "kind", d.Kind, "by", by, "message", d.Message, "unit", d.Unit)
	}
	c.cache.invalidate(s.c.ID)
	msg := "已记录：" + what
	if after, err := c.cache.get(r.Context(), s.c); err == nil {
		msg += changes(s, after)
	}
	c.flash(w, r, msg)
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// changes says whose status a decision changed, as `shoubao decide` does.
func changes(before, after *snapshot) string {
	var b strings.Builder
	old := map[string]string{}
	for _, u := range before.st.Units {
		old[u.Name] = u.Status
	}
	for _, u := range after.st.Units {
		if st, ok := old[u.Name]; !ok {
			fmt.Fprintf(&b, "\n%s：加入名单（%s）", u.Name, rules.StatusLabel(u.Status))
		} else if st != u.Status {
			fmt.Fprintf(&b, "\n%s：%s → %s", u.Name, rules.StatusLabel(st), rules.StatusLabel(u.Status))
		}
		delete(old, u.Name)
	}
	for name := range old {
		if after.rosterUnit(name) == "" {
			fmt.Fprintf(&b, "\n%s：已移出名单", name)
		}
	}
	if n, m := before.st.Counts.Unmatched, after.st.Counts.Unmatched; n != m {
		fmt.Fprintf(&b, "\n待确认的来信：%d → %d 封", n, m)
	}
	return b.String()
}

// parseDecision reads a decision from the form and checks it against the
// campaign: units on the roster as the decisions made it, messages of
// the campaign. It returns the decisions to store (assigning may also
// record the sender's address), what they do in words, and the facts the
// confirmation page shows.
func parseDecision(r *http.Request, s *snapshot) (ds []sinks.Decision, what string, details []string, err error) {
	f := func(k string) string { return clean(r.PostFormValue(k), 200) }
	d := sinks.Decision{Kind: f("kind")}
	needUnit := func() error {
		d.Unit = s.rosterUnit(f("unit"))
		if d.Unit == "" {
			if f("unit") == "" {
				return errInput("请选择单位。")
			}
			return errInput(fmt.Sprintf("“%s”不在名单中。", f("unit")))
		}
		return nil
	}
	var m *rules.MessageState
	needMessage := func() error {
		d.Message = strings.Trim(f("message"), "<>")
		if m = s.message(d.Message); m == nil {
			return errInput("本活动中没有这封来信（可能已被删除或链接有误）。")
		}
		details = append(details, "邮件：《"+m.Subject+"》", "发件人："+m.From, "收到时间："+when(m.Arrival, "2006-01-02 15:04")+"（北京时间）")
		for _, fl := range m.Files {
			details = append(details, "附件："+fl.Name+"（"+kindText(fl.Kind)+"）")
		}
		return nil
	}
	switch d.Kind {
	case rules.DecideAssign:
		if err := errors.Join(needMessage(), needUnit()); err != nil {
			return nil, "", nil, firstErr(err)
		}
		what = fmt.Sprintf("将来信《%s》认定为“%s”报送", m.Subject, d.Unit)
		ds = append(ds, d)
		if r.PostFormValue("also_sender") == "1" {
			if addr := fromAddress(m.From); addr != "" && !s.knownSender(d.Unit, addr) {
				ds = append(ds, sinks.Decision{Kind: rules.DecideAddSender, Unit: d.Unit, Address: addr})
				what += fmt.Sprintf("，并登记发件地址 %s", addr)
			}
		}
		return ds, what, details, nil
	case rules.DecideNotSubmission:
		if err := needMessage(); err != nil {
			return nil, "", nil, err
		}
		what = fmt.Sprintf("将来信《%s》认定为非报送邮件（不计入任何单位）", m.Subject)
	case rules.DecideAcceptProblem:
		if err := needMessage(); err != nil {
			return nil, "", nil, err
		}
		d.Code, d.File = f("code"), f("file")
		if d.Code == "" {
			return nil, "", nil, errInput("没有指明要接受的问题。")
		}
		what = fmt.Sprintf("接受来信《%s》中的问题“%s”", m.Subject, problemLabel(s, m, d.Code, d.File))
		details = append(details, "接受后该问题不再计入“有问题”，文件按可用计算（例如超时的视频）。")
	case rules.DecideExtension:
		if err := needUnit(); err != nil {
			return nil, "", nil, err
		}
		dl, perr := config.ParseDeadline(strings.Replace(f("until"), "T", " ", 1))
		if perr != nil || f("until") == "" {
			return nil, "", nil, errInput("延期日期无法识别，请写成 2026-06-12 或 2026-06-12 17:30。")
		}
		d.Until = dl.End
		what = fmt.Sprintf("准许“%s”延期至 %s（北京时间）", d.Unit, deadlineText(d.Until))
	case rules.DecideAddSender:
		if err := needUnit(); err != nil {
			return nil, "", nil, err
		}
		if d.Address = fromAddress(f("address")); d.Address == "" {
			return nil, "", nil, errInput(fmt.Sprintf("“%s”不是邮件地址。", f("address")))
		}
		what = fmt.Sprintf("登记 %s 为“%s”的发件地址", d.Address, d.Unit)
	case rules.DecideAddUnit:
		d.Unit = f("unit")
		if err := checkName(d.Unit); err != nil {
			return nil, "", nil, err
		}
		if s.rosterUnit(d.Unit) != "" {
			return nil, "", nil, errInput(fmt.Sprintf("“%s”已在名单中。", d.Unit))
		}
		d.Contact, d.Phone = f("contact"), f("phone")
		if err := checkPhone(d.Phone); err != nil {
			return nil, "", nil, err
		}
		what = fmt.Sprintf("将“%s”加入名单", d.Unit)
		ds = append(ds, d)
		if addr := f("address"); addr != "" {
			a := fromAddress(addr)
			if a == "" {
				return nil, "", nil, errInput(fmt.Sprintf("“%s”不是邮件地址。", addr))
			}
			ds = append(ds, sinks.Decision{Kind: rules.DecideAddSender, Unit: d.Unit, Address: a})
			what += "，发件地址 " + a
		}
		return ds, what, nil, nil
	case rules.DecideRenameUnit:
		if err := needUnit(); err != nil {
			return nil, "", nil, err
		}
		d.NewName = f("new_name")
		if err := checkName(d.NewName); err != nil {
			return nil, "", nil, err
		}
		if other := s.rosterUnit(d.NewName); other != "" {
			return nil, "", nil, errInput(fmt.Sprintf("“%s”已是名单中“%s”的名称或别名。", d.NewName, other))
		}
		what = fmt.Sprintf("将“%s”更名为“%s”（原名称保留为别名，来信中写原名称仍能识别）", d.Unit, d.NewName)
	case rules.DecideDropUnit:
		if err := needUnit(); err != nil {
			return nil, "", nil, err
		}
		what = fmt.Sprintf("将“%s”移出名单（不再要求其报送；已收到的邮件保留）", d.Unit)
	case rules.DecideSetContact:
		if err := needUnit(); err != nil {
			return nil, "", nil, err
		}
		d.Contact, d.Phone = f("contact"), f("phone")
		if err := checkPhone(d.Phone); err != nil {
			return nil, "", nil, err
		}
		what = fmt.Sprintf("“%s”的联系人改为 %s %s", d.Unit, d.Contact, d.Phone)
	default:
		return nil, "", nil, errInput("无法识别的操作。")
	}
	return []sinks.Decision{d}, what, details, nil
}

func firstErr(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok && len(j.Unwrap()) > 0 {
		return j.Unwrap()[0]
	}
	return err
}

// problemLabel finds the words of a message's problem.
func problemLabel(s *snapshot, m *rules.MessageState, code, file string) string {
	for _, u := range s.st.Units {
		for _, p := range u.Problems {
			if p.MessageKey == m.Key && p.Code == code && (file == "" || p.File == file) {
				if p.File != "" {
					return p.File + "：" + p.Message
				}
				return p.Message
			}
		}
	}
	return code
}

// knownSender reports whether addr is already one of unit's addresses.
func (s *snapshot) knownSender(unit, addr string) bool {
	for _, u := range s.index().roster {
		if u.Name == unit {
			for _, a := range u.Senders {
				if a == addr {
					return true
				}
			}
		}
	}
	return false
}

// fromAddress returns the address of "名字 <addr>" or addr, lower-case,
// or "" when there is none.
func fromAddress(s string) string {
	s = strings.TrimSpace(s)
	if a, err := mail.ParseAddress(s); err == nil {
		return strings.ToLower(a.Address)
	}
	if a, err := mail.ParseAddress("<" + s + ">"); err == nil && strings.Contains(a.Address, "@") {
		return strings.ToLower(a.Address)
	}
	return ""
}

// clean trims a form value, drops control characters and cuts it to max
// runes.
func clean(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max])
	}
	return s
}

func checkName(name string) error {
	switch {
	case name == "":
		return errInput("请填写单位名称。")
	case rules.Normalize(name) == "":
		return errInput(fmt.Sprintf("“%s”不像单位名称。", name))
	case utf8.RuneCountInString(name) > 60:
		return errInput("单位名称过长（最多 60 个字）。")
	}
	return nil
}

// checkPhone accepts what people write for a phone: digits with -, spaces,
// brackets, +, a 转 extension; at least 7 digits.
func checkPhone(p string) error {
	if p == "" {
		return nil
	}
	digits := 0
	for _, r := range p {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" -+()（）转、,，/", r):
		default:
			return errInput(fmt.Sprintf("电话“%s”中有不应出现的字符“%c”。", p, r))
		}
	}
	if digits < 7 {
		return errInput(fmt.Sprintf("电话“%s”位数不够（至少 7 位数字，座机请带区号）。", p))
	}
	return nil
}

// backURL is where a form returns: a page of the same campaign.
func (c *Console) backURL(r *http.Request, s *snapshot) string {
	base := "/c/" + url.PathEscape(s.c.ID) + "/"
	if b := r.PostFormValue("back"); strings.HasPrefix(b, base) && safeNext(b) == b {
		return b
	}
	return base
}

// failBack shows a message with a link back to the form's page.
func (c *Console) failBack(w http.ResponseWriter, r *http.Request, status int, msg, back string) {
	c.render(w, r, status, "message", &page{Title: "没有执行", Data: msgData{Text: msg, Back: back}})
}
