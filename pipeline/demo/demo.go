// Package demo holds the sample campaign of `shoubao demo`: the 2026
// Jincheng notice's campaign with a roster of twelve units, and a mailbox of
// the kind an officer really finds after the deadline — GBK names, a zip
// from Windows, a forwarded submission, a 163 large-attachment link, a video
// that is too long, a late one, a correction, a late supplement, auto-replies
// (one from a known unit), a county name that fits two units and a sender
// nobody knows.
package demo

import (
	_ "embed"
	"fmt"
	"time"

	"github.com/shoubao/shoubao/pipeline/config"
)

var (
	//go:embed sample/stats.xlsx
	statsXLSX []byte
	//go:embed sample/recommend.xlsx
	recommendXLSX []byte
	//go:embed sample/report.docx
	reportDOCX []byte
	//go:embed sample/photo.jpg
	photoJPG []byte
	//go:embed sample/clip.mp4
	clipMP4 []byte
	//go:embed sample/long.mp4
	longMP4 []byte
)

// The two contact mailboxes of the 2026 notice, and the password every demo
// mailbox uses on the in-process server.
const (
	MailboxBureau = "jcskjjptk@163.com" // 晋城市科学技术局
	MailboxAssoc  = "kxxhb88@163.com"   // 晋城市科学技术协会
	Password      = "demo-authcode"
	CampaignID    = "jc-2026-kjhdz"
)

// CampaignYAML returns the sample campaign's configuration for mailboxes on
// host:port (plain IMAP, loopback) with the password in passwordFile;
// receipts are previewed, not sent.
func CampaignYAML(host string, port int, passwordFile string) string {
	return CampaignYAMLWithSMTP(host, port, passwordFile, 0)
}

// CampaignYAMLWithSMTP is CampaignYAML with receipts sent through a plain
// SMTP server on host:smtpPort (loopback) when smtpPort is not 0.
func CampaignYAMLWithSMTP(host string, port int, passwordFile string, smtpPort int) string {
	receipts, smtp := "{mode: preview, phone: 0356-2035555}", ""
	if smtpPort != 0 {
		receipts = "{mode: send, phone: 0356-2035555}"
		smtp = fmt.Sprintf("\n        smtp: {host: %s, port: %d, tls: none}", host, smtpPort)
	}
	return fmt.Sprintf(`
  - id: %[4]s
    title: 2026年晋城市科技活动周和科技工作者日活动
    notice_number: 晋市科字〔2026〕3号
    deadline: 2026-06-08
    video_limit_seconds: 180
    materials: [report, media]
    delivery: each
    receipts: %[7]s
    mailboxes:
      - address: %[5]s
        office: 晋城市科学技术局
        imap: {host: %[1]s, port: %[2]d, tls: none, password_file: %[3]q}%[8]s
      - address: %[6]s
        office: 晋城市科学技术协会
        imap: {host: %[1]s, port: %[2]d, tls: none, password_file: %[3]q}%[8]s
    units:
      - {name: 陵川县发展改革和科技局, aliases: [陵川县科技局], senders: [lckjj@163.com]}
      - {name: 阳城县科技和商务局, aliases: [阳城县科技局], senders: [ycxkjj@126.com]}
      - {name: 高平市发展改革和科技局, aliases: [高平市科技局], senders: [gpkjj@163.com]}
      - {name: 沁水县发展和改革局和科技局, aliases: [沁水县科技局], senders: [qsxkjj@qq.com]}
      - {name: 泽州县教育局, senders: [zzxjyj@163.com]}
      - {name: 城区教育和科技局, aliases: [城区教科局]}
      - {name: 晋城市气象局, senders: [jcqxj@163.com]}
      - {name: 晋城市图书馆}
      - {name: 晋城市博物馆, aliases: [晋城市文物保护研究中心]}
      - {name: 阳城县科学技术协会, aliases: [阳城县科协]}
      - {name: 陵川县科学技术协会, aliases: [陵川县科协]}
      - {name: 晋城市防震减灾中心}
`, host, port, passwordFile, CampaignID, MailboxBureau, MailboxAssoc, receipts, smtp)
}

// Mail is one message of the sample mailbox: its raw bytes, when the
// server received it, and which contact mailboxes it was sent to.
type Mail struct {
	To       []string
	Received time.Time
	Raw      []byte
}

func at(day, hour, minute int) time.Time {
	return time.Date(2026, 6, day, hour, minute, 0, 0, config.ChinaTime())
}

// Mails returns the sample mailbox's messages in arrival order.
func Mails() []Mail {
	both := []string{MailboxBureau, MailboxAssoc}
	report := func(name string) attachment {
		return attachment{name: name, ctype: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", data: reportDOCX}
	}
	photo := func(name string) attachment { return attachment{name: name, ctype: "image/jpeg", data: photoJPG} }
	var out []Mail
	add := func(to []string, received time.Time, m mailSpec) {
		m.to = to[0]
		if len(to) > 1 {
			m.to = to[0] + ", " + to[1]
		}
		if m.date.IsZero() {
			m.date = received.Add(-time.Minute)
		}
		out = append(out, Mail{To: to, Received: received, Raw: compose(m)})
	}

	// Foxmail, GBK names, complete and on time, to both mailboxes.
	add(both, at(2, 9, 12), mailSpec{from: "陵川县科技局 <lckjj@163.com>", subject: "陵川县2026年科技活动周总结及影像资料",
		body: "市科技局、市科协：\r\n现将我县科技活动周总结报告及影像资料报送，请审阅。\r\n陵川县发展改革和科技局",
		files: []attachment{report("陵川县科技活动周总结报告.docx"), photo("活动现场照片.jpg"),
			{name: "活动视频.mp4", ctype: "video/mp4", data: clipMP4}}})

	// A zip made by Windows: GBK member names without the UTF-8 flag.
	zipped := zipGBK([]attachment{report("阳城县科技活动周总结.docx"), photo("科普进校园.jpg"),
		{name: "特色活动推荐表.xlsx", data: recommendXLSX}})
	add(both, at(3, 16, 40), mailSpec{from: "ycxkjj@126.com", subject: "阳城县科技局-科技活动周材料",
		body: "您好，材料见附件压缩包。", files: []attachment{{name: "阳城县科技活动周材料.zip", ctype: "application/x-zip-compressed", data: zipped}}})

	// The video as a 163 "超大附件" link, and only to the bureau's mailbox.
	link := "https://mail.163.com/large-attachment-download/index.html?p=X-NETEASE-HUGE-ATTACHMENT&file=djAyZG1meTh2Z3Bq"
	add([]string{MailboxBureau}, at(5, 10, 5), mailSpec{from: "高平市科技局 <gpkjj@163.com>", subject: "高平市科技活动周总结和视频（超大附件）",
		body: "各位领导好，活动视频较大，用超大附件发送。\r\n从网易163邮箱发来的超大附件\r\n高平市科技活动周视频.mp4 (350.5M, 2026年6月20日 18:21 到期)\r\n下载: " + link,
		html: `<div>各位领导好，活动视频较大，用超大附件发送。</div><div><b>从网易163邮箱发来的超大附件</b></div>` +
			`<div><a href="` + link + `">高平市科技活动周视频.mp4</a><span> (350.5M, 2026年6月20日 18:21 到期)</span></div>`,
		files: []attachment{report("高平市科技活动周总结.docx")}})

	// A clerk forwards the county bureau's submission; its video is too long.
	original := compose(mailSpec{from: "沁水县科技局 <qsxkjj@qq.com>", to: "clerk@qq.com", subject: "沁水县科技活动周总结",
		date: at(6, 8, 30), body: "请帮忙转发给市里两个邮箱。",
		files: []attachment{{name: "沁水县科技活动周总结.docx", nameMode: nameUTF8Word, data: reportDOCX},
			{name: "沁水县科技活动周宣传片.mp4", nameMode: nameUTF8Word, ctype: "video/mp4", data: longMP4}}})
	add(both, at(6, 11, 0), mailSpec{from: "办公室 <clerk@qq.com>", subject: "转发：沁水县科技活动周总结",
		body: "转发沁水县科技局材料。", forwarded: original})

	// A statistics table with an RFC 2231 GBK name (some Outlook versions).
	add(both, at(7, 15, 20), mailSpec{from: "jcqxj@163.com", subject: "市气象局科技活动周统计表及照片",
		body: "附件为统计表和照片。",
		files: []attachment{{name: "2026年科技活动周开展情况统计表（市气象局）.xlsx", nameMode: nameGBK2231, data: statsXLSX},
			photo("气象科普开放日.jpg")}})

	// Report only: the photos and videos are missing.
	add(both, at(7, 17, 2), mailSpec{from: "城区教科局 <cqjkj@163.com>", subject: "城区教育和科技局活动周总结",
		body: "总结见附件，影像资料随后补报。", files: []attachment{report("城区科技活动周总结.docx")}})

	// The association's county branch: first to the association only, then
	// a correction to both.
	add([]string{MailboxAssoc}, at(4, 9, 0), mailSpec{from: "阳城县科协 <ycxkx@163.com>", subject: "阳城县科协科技工作者日活动总结",
		body: "请查收。", files: []attachment{report("阳城县科协活动总结.docx")}})
	add(both, at(8, 20, 30), mailSpec{from: "阳城县科协 <ycxkx@163.com>", subject: "【更正】阳城县科协科技工作者日活动总结（重新报送）",
		body: "上次报送的总结有误，以此为准。", files: []attachment{report("阳城县科协活动总结（更正）.docx"), photo("座谈会.jpg")}})

	// A non-compliant client writes the GBK name as raw 8-bit bytes.
	add(both, at(8, 21, 45), mailSpec{from: "fzjz@163.com", subject: "晋城市防震减灾中心科技活动周总结",
		body: "防震减灾科普研学活动总结。", files: []attachment{{name: "防震减灾中心活动总结.docx", nameMode: nameRawGBK, data: reportDOCX},
			photo("研学活动.jpg")}})

	// Late: the server received it after the end of 8 June.
	add(both, at(9, 10, 15), mailSpec{from: "zzxjyj@163.com", subject: "泽州县教育局科技活动周材料（迟报）",
		body: "因故迟报，敬请谅解。", files: []attachment{report("泽州县科技活动周总结.docx"), photo("活动照片.jpg")}})

	// An auto-reply from a mailbox the officer wrote to.
	add([]string{MailboxBureau}, at(2, 9, 30), mailSpec{from: "lckx@163.com", subject: "自动回复：关于报送科技活动周材料的提醒",
		body: "您好，我已休假，邮件已收到，返回后尽快处理。", autoReply: true})

	// The report came on the 7th; the photos it promised come a day late,
	// from the same (unlisted) address: complete, but late.
	add(both, at(9, 9, 40), mailSpec{from: "城区教科局 <cqjkj@163.com>", subject: "补报：城区教育和科技局活动周影像资料",
		body: "补报影像资料，请查收。", files: []attachment{photo("城区科技活动周照片.jpg")}})

	// A known unit's mailbox answers the officers' mail by itself.
	add([]string{MailboxBureau}, at(3, 8, 0), mailSpec{from: "jcqxj@163.com", subject: "自动回复：外出学习，6月5日返回",
		body: "您好，我外出学习，6月5日返回。", autoReply: true})

	// A county name alone: 阳城县 has two units on the roster, and the
	// sender is neither of them.
	add(both, at(5, 15, 30), mailSpec{from: "ycjyj@163.com", subject: "阳城县教育局科技活动周总结",
		body: "总结见附件。", files: []attachment{report("阳城县教育局活动总结.docx")}})

	// Nobody knows who this is.
	add([]string{MailboxBureau}, at(7, 12, 0), mailSpec{from: "13912345678@qq.com", subject: "活动总结",
		body: "见附件", files: []attachment{report("总结.docx")}})
	return out
}
