package worker

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/shoubao/shoubao/parsers/finding"
	"github.com/shoubao/shoubao/parsers/inspect"
	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/sinks"
)

// Record turns an inspected message into the stored record: facts only —
// header fields, the file tree flattened in walk order, links and the
// findings of the parsers. Lateness, the unit and whether a video is too
// long are judged at read time by pipeline/rules.
func Record(ev bus.Event, node *inspect.Node) (*sinks.Message, error) {
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
	if mi := node.Message; mi != nil {
		m.Subject, m.From, m.To, m.Cc, m.MessageID, m.Class = mi.Subject, mi.FromAddress, mi.To, mi.Cc, mi.MessageID, mi.Class
		if m.From == "" {
			m.From = mi.From
		}
		if t, err := time.Parse(time.RFC3339, mi.Date); err == nil {
			m.Date = t
		}
	}
	findings := append([]finding.Finding{}, node.Findings...)
	var err error
	if m.Analysis, err = json.Marshal(node); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	// Flatten the tree below the message, parents before children.
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
			m.Attachments = append(m.Attachments, a)
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
		}
	})
	if m.Findings, err = json.Marshal(findings); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	return m, nil
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
