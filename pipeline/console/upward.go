package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/shoubao/shoubao/pipeline/upward"
	"github.com/shoubao/shoubao/sinks"
)

// upwardData is the 导出 page's 报送上级 part.
type upwardData struct {
	// To is the upper office's mailbox ("" when not configured).
	To string
	// Off says why it cannot be sent from here ("" when it can).
	Off string
	// Sent lists what went up before.
	Sent []sinks.Job
}

// upwardState says what the exports page shows of sending upward.
func (c *Console) upwardState(r *http.Request, s *snapshot) upwardData {
	d := upwardData{To: s.c.Upward.To}
	if d.To == "" {
		return d
	}
	if c.o.Transport == nil {
		d.Off = "此处不能发送邮件（请在 shoubao run 的控制台操作，或用命令 shoubao export --send）"
	}
	if jobs, err := c.o.Store.Jobs(r.Context(), s.c.ID); err == nil {
		for _, j := range jobs {
			if j.Kind == upward.Kind {
				d.Sent = append(d.Sent, j)
			}
		}
	}
	return d
}

// upward is POST /c/{campaign}/upward: a preview on a confirmation page
// (who gets what, in how many mails), then the sending, once; a package
// that went out before needs again=1, offered on the confirmation page.
func (c *Console) upward(w http.ResponseWriter, r *http.Request, s *snapshot) {
	base := "/c/" + url.PathEscape(s.c.ID)
	back := base + "/exports"
	st, ok := c.o.Store.(upward.Store)
	if c.o.Transport == nil || !ok {
		c.failBack(w, r, http.StatusServiceUnavailable, "此处不能发送邮件：请在 shoubao run 的控制台操作，或用命令 shoubao export --send。", back)
		return
	}
	if s.c.Upward.To == "" {
		c.failBack(w, r, http.StatusBadRequest, "本次活动没有设置上级邮箱（配置中的 upward.to）。", back)
		return
	}
	again := r.PostFormValue("again") == "1"
	p, err := upward.Prepare(r.Context(), st, s.c, again, c.o.Now())
	if errors.Is(err, upward.ErrSentBefore) {
		d := confirmData{Action: base + "/upward", What: "汇总材料已经报送过一次，是否再次发送？", Back: back,
			Details: []string{err.Error()}, Fields: []field{{"again", "1"}},
			Note: "再次发送会把当前的汇总材料重新发给上级。"}
		c.render(w, r, http.StatusOK, "confirm", c.page(w, r, s, "请确认", "exports", d))
		return
	}
	if err != nil {
		c.o.Log.Error("console: upward", "campaign", s.c.ID, "err", err)
		c.failBack(w, r, http.StatusServiceUnavailable, "无法准备报送材料："+err.Error(), back)
		return
	}
	if r.PostFormValue("confirmed") != "1" {
		d := confirmData{Action: base + "/upward", Back: back,
			What: fmt.Sprintf("从 %s 发送给上级 %s，共 %d 封邮件：", p.From, p.To, len(p.Mails)),
			Note: "确认后立即发送，并记录发送时间。"}
		for _, m := range p.Mails {
			line := "《" + m.Subject + "》："
			for i, a := range m.Attachments {
				if i > 0 {
					line += "、"
				}
				line += fmt.Sprintf("%s（%d KB）", a.Name, len(a.Data)>>10)
			}
			d.Details = append(d.Details, line)
		}
		if again {
			d.Fields = append(d.Fields, field{"again", "1"})
		}
		c.render(w, r, http.StatusOK, "confirm", c.page(w, r, s, "请确认", "exports", d))
		return
	}
	if err := p.Send(r.Context(), st, c.o.Transport, c.o.Now()); err != nil {
		c.o.Log.Error("console: upward", "campaign", s.c.ID, "err", err)
		c.failBack(w, r, http.StatusBadGateway, "发送失败："+err.Error(), back)
		return
	}
	c.o.Log.Info("console: sent upward", "campaign", s.c.ID, "to", p.To, "by", userOf(r).user.Name)
	c.flash(w, r, fmt.Sprintf("已发送给 %s（%d 封邮件）。", p.To, len(p.Mails)))
	http.Redirect(w, r, back, http.StatusSeeOther)
}
