package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"

	"github.com/shoubao/shoubao/parsers/finding"
	"github.com/shoubao/shoubao/parsers/sheets"
	"github.com/shoubao/shoubao/parsers/video"
	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/report"
	"github.com/shoubao/shoubao/pipeline/rules"
	"github.com/shoubao/shoubao/sinks"
)

// unitData is the 单位详情 page: the unit's state, every message it sent
// with its copies, files, tables as read and receipt, and the decisions
// about it.
type unitData struct {
	U         *rules.UnitState
	Roster    campaign.Unit
	Messages  []msgView
	Decisions []rules.Decision
	// Problems not accepted, that an officer can accept (they concern a
	// message).
	Acceptable []rules.Problem
}

// msgView is a message with what the page shows of its files and receipt.
type msgView struct {
	M       *rules.MessageState
	Files   []fileView
	Receipt *sinks.Job
	Text    string
}

// fileView is a file with what was read from it.
type fileView struct {
	F rules.FileState
	// Stored: the file is in the campaign's record (downloadable).
	Stored    bool
	Video     *video.Info
	Stats     []statRow
	StatsUnit string
	Unknown   []string
	List      *sheets.Recommend
	Findings  []finding.Finding
}

// statRow is one row of a statistics table as the unit typed it and as it
// was read.
type statRow struct {
	Label, Unit, Raw string
	Value            *float64
}

func (c *Console) unit(w http.ResponseWriter, r *http.Request, s *snapshot) {
	u := s.unit(r.PathValue("name"))
	if u == nil {
		if name := s.rosterUnit(r.PathValue("name")); name != "" && s.unit(name) != nil {
			http.Redirect(w, r, "/c/"+url.PathEscape(s.c.ID)+"/units/"+url.PathEscape(name), http.StatusSeeOther)
			return
		}
		c.fail(w, r, http.StatusNotFound, "名单中没有这个单位。")
		return
	}
	d := unitData{U: u}
	for _, ru := range s.index().roster {
		if ru.Name == u.Name {
			d.Roster = ru
		}
	}
	for i := range u.Messages {
		d.Messages = append(d.Messages, s.msgView(&u.Messages[i]))
	}
	slices.Reverse(d.Messages) // newest first
	for _, x := range report.Decisions(s.decisions) {
		if x.Message == "" && x.Unit != "" && s.rosterUnit(x.Unit) == u.Name {
			d.Decisions = append(d.Decisions, x)
		}
	}
	for _, p := range u.Problems {
		if !p.Accepted && p.MessageKey != "" {
			d.Acceptable = append(d.Acceptable, p)
		}
	}
	c.render(w, r, http.StatusOK, "unit", c.page(w, r, s, u.Name, "units", d))
}

// msgView gathers what the pages show about a message.
func (s *snapshot) msgView(m *rules.MessageState) msgView {
	v := msgView{M: m, Receipt: s.index().jobsKey[m.Key]}
	for _, f := range m.Files {
		fv := fileView{F: f}
		if a := s.files[f.SHA256]; a != nil && f.SHA256 != "" {
			fv.Stored = true
			readDetails(&fv, a)
		}
		v.Files = append(v.Files, fv)
	}
	return v
}

// readDetails decodes what the parsers stored about a file.
func readDetails(fv *fileView, a *sinks.Attachment) {
	if len(a.Findings) > 0 {
		_ = json.Unmarshal(a.Findings, &fv.Findings)
	}
	if len(a.Details) == 0 {
		return
	}
	var d struct {
		Video     *video.Info       `json:"video"`
		Stats     *sheets.Stats     `json:"stats"`
		Recommend *sheets.Recommend `json:"recommend"`
	}
	if json.Unmarshal(a.Details, &d) != nil {
		return
	}
	fv.Video, fv.List = d.Video, d.Recommend
	if d.Stats != nil {
		fv.StatsUnit, fv.Unknown = d.Stats.Unit, d.Stats.UnknownRows
		for _, f := range sheets.StatsFields() {
			if v, ok := d.Stats.Fields[f.Label]; ok {
				fv.Stats = append(fv.Stats, statRow{Label: f.Label, Unit: f.Unit, Raw: v.Raw, Value: v.Value})
			}
		}
	}
}
