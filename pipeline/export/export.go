// Package export makes what an office sends one level up, and files, from
// a campaign's record: the statistics summed over the units (统计汇总表),
// the recommendation lists merged (推荐活动汇总表), the table of who sent
// what (报送情况一览表), and every unit's materials in one folder per unit
// (报送材料 .zip).
//
// Everything comes from each unit's final materials as pipeline/rules
// judges them, after supplements and corrections: messages a resubmission
// superseded are left out, and a unit's statistics table and
// recommendation list are those of the latest usable file among its
// counting messages. The values are the stored facts of that file (the
// parser's reading, sinks.Attachment.Details); the files are streamed from
// the files bucket.
package export

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shoubao/shoubao/parsers/sheets"
	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/report"
	"github.com/shoubao/shoubao/pipeline/rules"
	"github.com/shoubao/shoubao/sinks"
)

// Campaign is what the exports are made of: the campaign's state as the
// rules judge it, and for each unit the tables and files its final
// materials point to.
type Campaign struct {
	State *rules.State
	// Units follow the roster (State.Units), one for one.
	Units []Unit
	// Office is the receiving office, for the 部门/地方（盖章） line of the
	// table sent upward; "" when the contact mailboxes belong to several
	// offices (the officer fills it in).
	Office string
	// Unmatched counts the statistics tables and recommendation lists in
	// submissions no unit could be matched to: not in the exports until an
	// officer assigns them.
	UnmatchedStats, UnmatchedLists int
	// ListName is the file name of the 一览表 inside the zip.
	ListName string
}

// Unit is one unit's final materials.
type Unit struct {
	State *rules.UnitState
	// Stats is the statistics table used, or nil.
	Stats *StatsTable
	// List is the recommendation list used, or nil.
	List *List
	// Files are the usable material files of the unit's counting,
	// non-superseded messages (each content once), in arrival order.
	Files []File
	// Links are the large-attachment links of those messages.
	Links []rules.Link
	// Notes say what was left out and why: older tables, unreadable ones,
	// tables a correction replaced.
	Notes []string
	// Folder is the unit's folder in the zip.
	Folder string
	// StatsUnreadable: the unit sent statistics tables, none usable.
	StatsUnreadable bool
}

// Origin is the file a table or material came from.
type Origin struct {
	// File is the file's decoded name.
	File   string
	SHA256 string
	// Message is the key of the message it came in; Subject its subject.
	Message string
	Subject string
	Arrival time.Time
}

// StatsTable is a unit's statistics table and where it came from.
type StatsTable struct {
	Origin
	Stats *sheets.Stats
	// Problems are the parser's findings about the file (and the rules'),
	// as the report shows them.
	Problems []string
}

// List is a unit's recommendation list and where it came from.
type List struct {
	Origin
	List     *sheets.Recommend
	Problems []string
}

// File is a material file, with its path in the zip.
type File struct {
	Origin
	Kind string
	Size int64
	// Path is the file's path in the zip: Folder/safe name.
	Path string
}

// details is what the parser stored about a file.
type details struct {
	Stats     *sheets.Stats     `json:"stats"`
	Recommend *sheets.Recommend `json:"recommend"`
}

// recording passes a report source through, keeping the facts it read so
// that the tables come from the same reading as the judgments.
type recording struct {
	report.Source
	rows []sinks.Message
}

func (r *recording) Facts(ctx context.Context, campaignID string) ([]sinks.Message, error) {
	rows, err := r.Source.Facts(ctx, campaignID)
	r.rows = rows
	return rows, err
}

// Load judges campaign c from what src holds, at now, exactly as
// `shoubao report` does, and picks each unit's final tables and files.
func Load(ctx context.Context, src report.Source, c *campaign.Campaign, now time.Time) (*Campaign, error) {
	rec := &recording{Source: src}
	st, err := report.Compute(ctx, rec, c, now)
	if err != nil {
		return nil, err
	}
	return build(c, st, rec.rows), nil
}

// build picks the units' final materials from a judged state and the
// stored facts it was judged from.
func build(c *campaign.Campaign, st *rules.State, rows []sinks.Message) *Campaign {
	raw := map[string]json.RawMessage{} // file SHA-256 → stored details
	for _, r := range rows {
		for _, a := range r.Attachments {
			if a.SHA256 != "" && len(a.Details) > 0 {
				if _, ok := raw[a.SHA256]; !ok {
					raw[a.SHA256] = a.Details
				}
			}
		}
	}
	parsed := map[string]*details{}
	lookup := func(sha string) *details {
		if d, ok := parsed[sha]; ok {
			return d
		}
		d := &details{}
		if b, ok := raw[sha]; ok {
			_ = json.Unmarshal(b, d)
		}
		parsed[sha] = d
		return d
	}

	out := &Campaign{State: st, Office: office(c)}
	names := newNamer()
	out.ListName = names.take(listFileName(st.Campaign.ID, st.GeneratedAt))
	for i := range st.Units {
		u := Unit{State: &st.Units[i]}
		u.Folder = names.take(FolderName(u.State.Name))
		pick(&u, lookup, rosterNames(c, u.State.Name))
		inFolder := newNamer()
		for k := range u.Files {
			u.Files[k].Path = u.Folder + "/" + inFolder.take(SafeName(u.Files[k].File))
		}
		out.Units = append(out.Units, u)
	}
	for _, m := range st.Unmatched {
		for _, f := range m.Files {
			if f.Usable == nil || !*f.Usable || f.SHA256 == "" {
				continue
			}
			d := lookup(f.SHA256)
			if hasValue(d.Stats) {
				out.UnmatchedStats++
			}
			if d.Recommend != nil && len(d.Recommend.Rows) > 0 {
				out.UnmatchedLists++
			}
		}
	}
	return out
}

// pick chooses a unit's final tables and files from its judged messages.
func pick(u *Unit, lookup func(string) *details, names []string) {
	seen := map[string]bool{}
	var olderStats, olderLists []Origin
	for mi := range u.State.Messages {
		m := &u.State.Messages[mi]
		if !m.Category.Counts() {
			continue
		}
		for _, f := range m.Files {
			if f.Usable == nil || f.SHA256 == "" {
				continue // not a material, or unreadable inside an archive
			}
			o := Origin{File: f.Name, SHA256: f.SHA256, Message: m.Key, Subject: m.Subject, Arrival: m.Arrival}
			d := lookup(f.SHA256)
			if m.Superseded {
				if hasValue(d.Stats) || f.Kind == "stats_table" {
					u.Notes = append(u.Notes, fmt.Sprintf("统计表“%s”（%s 收到）已被之后的更正邮件取代，未采用", f.Name, clock(m.Arrival)))
				}
				if d.Recommend != nil && len(d.Recommend.Rows) > 0 {
					u.Notes = append(u.Notes, fmt.Sprintf("推荐表“%s”（%s 收到）已被之后的更正邮件取代，未采用", f.Name, clock(m.Arrival)))
				}
				continue
			}
			if !*f.Usable {
				if f.Kind == "stats_table" {
					u.StatsUnreadable = true
				}
				if f.Kind == "stats_table" || f.Kind == "recommend_table" {
					u.Notes = append(u.Notes, fmt.Sprintf("表格“%s”（%s 收到）无法使用：%s", f.Name, clock(m.Arrival), f.Why))
				}
				continue
			}
			if !seen[f.SHA256] {
				seen[f.SHA256] = true
				u.Files = append(u.Files, File{Origin: o, Kind: f.Kind, Size: f.Size})
			}
			if hasValue(d.Stats) {
				if u.Stats != nil && u.Stats.SHA256 != f.SHA256 {
					olderStats = append(olderStats, u.Stats.Origin)
				}
				u.Stats = &StatsTable{Origin: o, Stats: d.Stats}
			} else if d.Stats != nil && f.Kind == "stats_table" {
				u.Notes = append(u.Notes, fmt.Sprintf("统计表“%s”（%s 收到）没有填写任何数字，未采用", f.Name, clock(m.Arrival)))
			}
			if d.Recommend != nil && len(d.Recommend.Rows) > 0 {
				if u.List != nil && u.List.SHA256 != f.SHA256 {
					olderLists = append(olderLists, u.List.Origin)
				}
				u.List = &List{Origin: o, List: d.Recommend}
			}
		}
		u.Links = append(u.Links, m.Links...)
	}
	for _, o := range olderStats {
		u.Notes = append(u.Notes, fmt.Sprintf("另有较早的统计表“%s”（%s 收到），以最新的为准，未采用", o.File, clock(o.Arrival)))
	}
	for _, o := range olderLists {
		u.Notes = append(u.Notes, fmt.Sprintf("另有较早的推荐表“%s”（%s 收到），以最新的为准，未采用", o.File, clock(o.Arrival)))
	}
	if u.Stats != nil {
		u.StatsUnreadable = false
		// The values read and not read are listed value by value.
		u.Stats.Problems = fileProblems(u.State, u.Stats.Origin, "stats_value_unreadable")
		for _, mat := range u.State.Materials {
			if mat.Material == campaign.MaterialStats && mat.Status == rules.MaterialUsable && mat.File != u.Stats.File {
				u.Notes = append(u.Notes, fmt.Sprintf("报送情况中计为“%s”的统计表不是最新的；汇总采用最新的“%s”", mat.File, u.Stats.File))
			}
		}
		if stamp := u.Stats.Stats.Unit; stamp != "" && !slices.ContainsFunc(names, func(n string) bool { return sameName(stamp, n) }) {
			u.Stats.Problems = append(u.Stats.Problems, fmt.Sprintf("表中盖章单位为“%s”", stamp))
		}
		if len(u.Stats.Stats.UnknownRows) > 0 {
			u.Stats.Problems = append(u.Stats.Problems, "表中另有未汇总的行："+strings.Join(u.Stats.Stats.UnknownRows, "、"))
		}
	}
	if u.List != nil {
		u.List.Problems = fileProblems(u.State, u.List.Origin)
	}
}

// fileProblems are the problems the report shows for a file, but those
// with the codes skip.
func fileProblems(u *rules.UnitState, o Origin, skip ...string) []string {
	var out []string
	for _, p := range u.Problems {
		if p.Accepted || p.File != o.File || (p.MessageKey != "" && p.MessageKey != o.Message) || slices.Contains(skip, p.Code) {
			continue
		}
		if !slices.Contains(out, p.Message) {
			out = append(out, p.Message)
		}
	}
	return out
}

// hasValue reports whether a statistics table holds at least one number
// (what makes the rules count it).
func hasValue(s *sheets.Stats) bool {
	if s == nil {
		return false
	}
	for _, v := range s.Fields {
		if v.Value != nil {
			return true
		}
	}
	return false
}

// rosterNames are a unit's name and aliases.
func rosterNames(c *campaign.Campaign, name string) []string {
	for _, u := range c.Units {
		if u.Name == name {
			return append([]string{u.Name}, u.Aliases...)
		}
	}
	return []string{name}
}

// sameName compares a stamp with a unit name, ignoring spaces.
func sameName(a, b string) bool {
	strip := func(s string) string { return strings.Join(strings.Fields(s), "") }
	return strip(a) == strip(b)
}

// office is the receiving office when all contact mailboxes share one.
func office(c *campaign.Campaign) string {
	o := ""
	for _, mb := range c.Mailboxes {
		switch {
		case mb.Office == "":
		case o == "":
			o = mb.Office
		case o != mb.Office:
			return ""
		}
	}
	return o
}

// clock formats t for an officer: Beijing time, to the minute.
func clock(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(campaign.ChinaTime()).Format("2006-01-02 15:04")
}

// FileNames are the export files' names for a campaign exported at t
// (Beijing date): 统计汇总表-<id>-<yyyymmdd>.xlsx and so on.
type FileNames struct {
	Stats, Recommend, List, Files string
}

// Names returns the export files' names of campaign id at t.
func Names(id string, t time.Time) FileNames {
	suffix := "-" + SafeName(id) + "-" + t.In(campaign.ChinaTime()).Format("20060102")
	return FileNames{
		Stats:     "统计汇总表" + suffix + ".xlsx",
		Recommend: "推荐活动汇总表" + suffix + ".xlsx",
		List:      "报送情况一览表" + suffix + ".xlsx",
		Files:     "报送材料" + suffix + ".zip",
	}
}

func listFileName(id string, t time.Time) string { return Names(id, t).List }
