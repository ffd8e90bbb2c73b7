package console

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/sinks"
)

// mailboxesData is the 邮箱 page: each contact mailbox's health and the
// messages that could not be processed.
type mailboxesData struct {
	Boxes       []boxHealth
	DeadLetters []sinks.DeadLetter
	StaleAfter  time.Duration
	// Stale says StaleAfter in words.
	Stale string
}

type boxHealth struct {
	M        campaign.Mailbox
	LastSync time.Time
	// State is 正常, 未同步, 长时间未同步 or 出错; OK whether that is fine.
	State string
	OK    bool
	// Error is the last error in plain words, Detail as the program
	// reported it.
	Error, Detail string
	ErrorAt       time.Time
}

func (c *Console) mailboxes(w http.ResponseWriter, r *http.Request, s *snapshot) {
	cps, err := c.o.Store.Checkpoints(r.Context())
	if err == nil {
		var dls []sinks.DeadLetter
		dls, err = c.o.Store.DeadLetters(r.Context())
		d := mailboxesData{StaleAfter: c.o.Config.Poll.StaleAfter}
		d.Stale = fmt.Sprintf("%d 分钟", int(d.StaleAfter/time.Minute))
		for _, dl := range dls {
			if dl.CampaignID == s.c.ID {
				d.DeadLetters = append(d.DeadLetters, dl)
			}
		}
		now := c.o.Now()
		for _, mb := range s.c.Mailboxes {
			h := boxHealth{M: mb, State: "从未同步"}
			for _, cp := range cps {
				if cp.MailboxID == mb.ID {
					h = health(mb, cp, now, d.StaleAfter)
				}
			}
			d.Boxes = append(d.Boxes, h)
		}
		if err == nil {
			c.render(w, r, http.StatusOK, "mailboxes", c.page(w, r, s, "邮箱", "mailboxes", d))
			return
		}
	}
	c.o.Log.Error("console: mailboxes", "err", err)
	c.fail(w, r, http.StatusServiceUnavailable, "暂时无法读取数据库，请稍后再试。")
}

func health(mb campaign.Mailbox, cp sinks.Checkpoint, now time.Time, staleAfter time.Duration) boxHealth {
	h := boxHealth{M: mb, LastSync: cp.LastSync, ErrorAt: cp.LastErrorAt}
	switch {
	case cp.LastError != "":
		h.State, h.Error, h.Detail = "出错", plainError(cp.LastError), cp.LastError
	case cp.LastSync.IsZero():
		h.State = "从未同步"
	case staleAfter > 0 && now.Sub(cp.LastSync) > staleAfter:
		h.State = "长时间未同步"
	default:
		h.State, h.OK = "正常", true
	}
	return h
}

// plainError says what a sync error means for an officer.
func plainError(e string) string {
	l := strings.ToLower(e)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(l, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("unsafe login"):
		return "邮箱服务商拒绝了登录（“不安全登录”）。请在邮箱网页版中确认已开启 IMAP 服务，必要时联系技术人员。"
	case has("certificate", "x509", "tls"):
		return "与邮件服务器的加密连接出了问题（证书不受信任或服务器设置不对）。请联系技术人员。"
	case has("authenticat", "login failed", "invalid credentials", "password", "[auth"):
		return "登录邮箱失败：授权码不对或已失效。请在邮箱网页版“设置 → POP3/IMAP/SMTP”中重新生成授权码，交给技术人员更新。"
	case has("no such host", "dns"):
		return "找不到邮件服务器：服务器地址写错了，或这台电脑无法解析域名。请联系技术人员。"
	case has("connection refused", "timeout", "timed out", "network is unreachable", "no route", "connection reset", "eof", "broken pipe"):
		return "连不上邮件服务器：网络不通或服务器暂时无响应。程序会自动重试，长时间如此请检查网络。"
	case has("mailbox doesn't exist", "no such mailbox", "select"):
		return "找不到要读取的邮件文件夹。请联系技术人员检查配置中的文件夹名称。"
	case has("store", "database"):
		return "数据库暂时无法写入，程序会自动重试。"
	}
	return "同步时出错，程序会自动重试。长时间如此请联系技术人员。"
}
