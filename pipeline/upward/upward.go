// Package upward writes the mail that carries a campaign's merged result
// to the office one level up (县 → 市 → 省), the way a unit of that level
// would send it: the merged tables and the office's own summary report,
// split over several mails when the provider's size limit asks for it.
package upward

import (
	"fmt"
	"html"
	"mime"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/outmail"
)

// File is one file of the package.
type File struct {
	Name string
	Data []byte
}

// Package is what goes up.
type Package struct {
	// Office sends it; To is the upper office's mailbox; From the contact
	// mailbox it goes out from.
	Office, From, To string
	// Subject of the mail (of each, when split).
	Subject string
	// Summary is a line on how the round went (counts).
	Summary string
	Files   []File
	// Key tells this sending apart from an earlier one.
	Key string
}

// encodedSize is about what a file weighs in a mail: base64 (4/3) with
// line breaks.
func encodedSize(n int) int64 { return int64(n)*4/3 + int64(n)/57*2 + 1024 }

// Mails writes the package as one mail, or as several of at most
// maxBytes each. A single file over the limit is an error that says so.
func Mails(c *campaign.Campaign, p Package, maxBytes int64, now time.Time) ([]*outmail.Mail, error) {
	var groups [][]File
	var cur []File
	var size int64
	for _, f := range p.Files {
		s := encodedSize(len(f.Data))
		if s+16<<10 > maxBytes {
			return nil, fmt.Errorf("文件“%s”有 %.1f MB，超过邮箱单封邮件的上限 %.0f MB：请压缩或改用网盘后在正文中附链接",
				f.Name, float64(len(f.Data))/(1<<20), float64(maxBytes)/(1<<20))
		}
		if len(cur) > 0 && size+s+16<<10 > maxBytes {
			groups = append(groups, cur)
			cur, size = nil, 0
		}
		cur = append(cur, f)
		size += s
	}
	if len(cur) > 0 || len(groups) == 0 {
		groups = append(groups, cur)
	}
	var out []*outmail.Mail
	for i, g := range groups {
		subject := p.Subject
		if len(groups) > 1 {
			subject += fmt.Sprintf("（第%d封，共%d封）", i+1, len(groups))
		}
		var t, h strings.Builder
		line := func(s string) {
			t.WriteString(s + "\n")
			h.WriteString("<p>" + html.EscapeString(s) + "</p>\n")
		}
		line("您好：")
		line(fmt.Sprintf("现将%s《%s》汇总材料报上，请查收。", p.Office, c.Title))
		if p.Summary != "" {
			line(p.Summary)
		}
		line("附件：")
		for k, f := range g {
			line(fmt.Sprintf("  %d. %s（%s）", k+1, f.Name, humanSize(len(f.Data))))
		}
		if len(groups) > 1 {
			line(fmt.Sprintf("因附件较大，材料分 %d 封邮件发送，本邮件为第 %d 封。", len(groups), i+1))
		}
		line(p.Office)
		line(now.In(campaign.ChinaTime()).Format("2006年1月2日"))
		m := &outmail.Mail{FromName: p.Office, From: p.From, To: []string{p.To}, Subject: subject,
			MessageID: messageID(c.ID, p.Key, i, p.From), Text: t.String(), HTML: h.String()}
		for _, f := range g {
			m.Attachments = append(m.Attachments, outmail.Attachment{Name: f.Name, ContentType: contentType(f.Name), Data: f.Data})
		}
		out = append(out, m)
	}
	return out, nil
}

func messageID(campaignID, key string, i int, from string) string {
	return outmail.MessageID("upward", from, campaignID, key, strconv.Itoa(i))
}

func contentType(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case ".docx":
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	}
	if t := mime.TypeByExtension(filepath.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func humanSize(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d 字节", n)
}
