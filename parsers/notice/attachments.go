package notice

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/shoubao/shoubao/pipeline/campaign"
)

var (
	// reAttachList opens the attachment list: "附件：1. …", "附件：…",
	// "附件1：…".
	reAttachList = regexp.MustCompile(`^附件\s*(\d{1,2})?\s*[:.、]\s*(.+)$`)
	// reAttachItem is a numbered item: "2. …", "2、…", "(2)…".
	reAttachItem = regexp.MustCompile(`^(?:(\d{1,2})[.、]|\((\d{1,2})\))\s*(.+)$`)
	// reDocNoun ends an attachment title; a title that does not end so may
	// continue on the next line.
	reDocNoun = regexp.MustCompile(`(?:表|清单|单|书|方案|办法|通知|名单|目录|指南|模板|说明|安排|汇总|材料|细则|要求)$`)
)

// attachments reads the 附件 list after the body.
func (p *parser) attachments() {
	lines := p.d.lines
	for i := p.headerEnd; i < len(lines); i++ {
		m := reAttachList.FindStringSubmatch(lines[i].text)
		if m == nil {
			continue
		}
		numbered := false
		if m[1] != "" {
			p.addAttachment(m[1], m[2], i)
			numbered = true
		} else if im := reAttachItem.FindStringSubmatch(m[2]); im != nil {
			p.addAttachment(im[1]+im[2], im[3], i)
			numbered = true
		} else {
			p.addAttachment("", m[2], i)
		}
		// Following items: "2. …", or "附件2：…".
		for j := i + 1; j < len(lines) && j < i+40; j++ {
			t := lines[j].text
			if t == "" {
				continue
			}
			if im := reAttachItem.FindStringSubmatch(t); im != nil && numbered {
				p.addAttachment(im[1]+im[2], im[3], j)
				continue
			}
			if am := reAttachList.FindStringSubmatch(t); am != nil && am[1] != "" {
				p.addAttachment(am[1], am[2], j)
				continue
			}
			last := &p.n.Attachments[len(p.n.Attachments)-1]
			if !reDocNoun.MatchString(last.Title) && !reDateLine.MatchString(t) && !lines[j].table && len([]rune(t)) <= 30 && !isOrg(t) {
				last.Title += t
				last.Material = attachmentMaterial(last.Title)
				last.Source.Text += cleanQuote(lines[j].raw)
				continue
			}
			break
		}
		return
	}
}

func (p *parser) addAttachment(num, title string, i int) {
	n, _ := strconv.Atoi(num)
	title = strings.TrimSpace(title)
	p.n.Attachments = append(p.n.Attachments, Attachment{
		Number: n, Title: title, Material: attachmentMaterial(title), Source: p.lineQuote(i),
	})
}

// attachmentMaterial says which material an attachment is a template of.
func attachmentMaterial(title string) campaign.Material {
	switch {
	case strings.Contains(title, "统计"):
		return campaign.MaterialStats
	case strings.Contains(title, "推荐"):
		return campaign.MaterialRecommend
	}
	return ""
}
