package worker

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/shoubao/shoubao/parsers/finding"
	"github.com/shoubao/shoubao/parsers/inspect"
	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/roster"
	"github.com/shoubao/shoubao/sinks"
)

// record turns an inspected message into the stored record: header fields,
// the file tree flattened in walk order, links, the deadline check and the
// unit.
func (w *Worker) record(ev bus.Event, c *config.Campaign, node *inspect.Node) (*sinks.Message, error) {
	m := &sinks.Message{
		CampaignID: ev.CampaignID, MailboxID: ev.MailboxID, UIDValidity: ev.UIDValidity, UID: ev.UID,
		RawObject: ev.Object, RawSHA256: ev.SHA256, RawSize: ev.Size, InternalDate: ev.InternalDate,
		Class: "malformed",
	}
	if m.RawSHA256 == "" {
		m.RawSHA256 = node.SHA256
	}
	if m.RawSize == 0 {
		m.RawSize = node.Size
	}
	var ev2 roster.Evidence
	if mi := node.Message; mi != nil {
		m.Subject, m.From, m.To, m.Cc, m.MessageID, m.Class = mi.Subject, mi.FromAddress, mi.To, mi.Cc, mi.MessageID, mi.Class
		if m.From == "" {
			m.From = mi.From
		}
		if t, err := time.Parse(time.RFC3339, mi.Date); err == nil {
			m.Date = t
		}
		ev2.Senders = append(ev2.Senders, mi.FromAddress)
		ev2.Texts = append(ev2.Texts, mi.Subject)
	}
	findings := append([]finding.Finding{}, node.Findings...)
	if c != nil && m.Class == "submission" && c.Deadline.Late(m.InternalDate) {
		m.Late = true
		findings = append(findings, finding.New("late", "逾期报送：邮件服务器收到时间 %s，截止时间 %s",
			m.InternalDate.In(config.ChinaTime()).Format("2006-01-02 15:04"), c.Deadline.End.In(config.ChinaTime()).Add(-time.Second).Format("2006-01-02 15:04")))
	}
	var err error
	if m.Analysis, err = json.Marshal(node); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	// Flatten the tree below the message, parents before children.
	index := map[*inspect.Node]int{}
	var walk func(n *inspect.Node, parent int) error
	walk = func(n *inspect.Node, parent int) error {
		for _, p := range n.Parts {
			a := sinks.Attachment{Index: len(m.Attachments), Parent: parent, Name: p.Name, ContentType: p.ContentType,
				Kind: p.Kind, Size: p.Size, SHA256: p.SHA256}
			if a.Findings, err = json.Marshal(nonNil(p.Findings)); err != nil {
				return err
			}
			if d := details(p); d != nil {
				if a.Details, err = json.Marshal(d); err != nil {
					return err
				}
			}
			index[p] = a.Index
			m.Attachments = append(m.Attachments, a)
			ev2.Texts = append(ev2.Texts, p.Name)
			if p.Stats != nil && p.Stats.Unit != "" {
				ev2.StatsUnits = append(ev2.StatsUnits, p.Stats.Unit)
			}
			if p.Message != nil {
				ev2.Senders = append(ev2.Senders, p.Message.FromAddress)
				ev2.Texts = append(ev2.Texts, p.Message.Subject)
			}
			if err := walk(p, a.Index); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(node, -1); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	node.Walk(func(n *inspect.Node) {
		if n.Message == nil {
			return
		}
		for _, l := range n.Message.Links {
			m.Links = append(m.Links, sinks.Link{Provider: l.Provider, URL: l.URL, Name: l.Name, Size: l.Size, Expires: l.Expires})
			ev2.Texts = append(ev2.Texts, l.Name)
		}
	})
	if c != nil && m.Class == "submission" {
		r := w.matchers[c.ID].Match(ev2)
		m.Unit, m.UnitBy = r.Unit, r.By
		for _, cf := range r.Conflicts {
			findings = append(findings, finding.New("unit_conflict", "报送单位认定为“%s”（依据%s），但%s指向“%s”，请核实",
				r.Unit, evidenceLabel(r.By), evidenceLabel(cf.By), cf.Unit))
		}
	}
	if m.Findings, err = json.Marshal(findings); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	return m, nil
}

func evidenceLabel(by string) string {
	switch by {
	case roster.BySender:
		return "发件地址"
	case roster.ByName:
		return "邮件主题或文件名"
	case roster.ByStats:
		return "统计表盖章单位"
	case roster.ByPlace:
		return "县市名称"
	}
	return by
}

// details returns the kind-specific analysis of a file, stored as JSON
// beside it.
func details(n *inspect.Node) any {
	switch {
	case n.Video != nil:
		return map[string]any{"video": n.Video}
	case n.Stats != nil:
		return map[string]any{"stats": n.Stats}
	case n.Recommend != nil:
		return map[string]any{"recommend": n.Recommend}
	case n.Message != nil:
		return map[string]any{"message": n.Message}
	}
	return nil
}

func nonNil(l []finding.Finding) []finding.Finding {
	if l == nil {
		return []finding.Finding{}
	}
	return l
}
