package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/rules"
	"github.com/shoubao/shoubao/sinks"
)

// rosterData is the 名单 page: the roster as the configuration and the
// officers' decisions made it, with each unit's addresses (those on the
// roster, then those learned from its mail).
type rosterData struct {
	Units  []rosterRow
	Others []*campaign.Campaign
}

type rosterRow struct {
	U       campaign.Unit
	Learned []string
	Status  string
}

func (c *Console) roster(w http.ResponseWriter, r *http.Request, s *snapshot) {
	var d rosterData
	for _, u := range s.index().roster {
		row := rosterRow{U: u}
		if us := s.unit(u.Name); us != nil {
			row.Status = us.Status
			for _, a := range us.Addresses {
				if !slices.Contains(u.Senders, a) {
					row.Learned = append(row.Learned, a)
				}
			}
		}
		d.Units = append(d.Units, row)
	}
	for _, o := range c.campaigns {
		if o.ID != s.c.ID {
			d.Others = append(d.Others, o)
		}
	}
	c.render(w, r, http.StatusOK, "roster", c.page(w, r, s, "名单", "roster", d))
}

// rosterRowIn is one unit to bring into the roster (a row of an imported
// workbook, or a unit of another campaign).
type rosterRowIn struct {
	Line    int      `json:"line,omitempty"`
	Name    string   `json:"name"`
	Contact string   `json:"contact,omitempty"`
	Phone   string   `json:"phone,omitempty"`
	Emails  []string `json:"emails,omitempty"`
}

// badRow is a row that cannot be imported, and why.
type badRow struct {
	Line      int
	Text, Why string
}

// plannedRow is a row and what importing it does.
type plannedRow struct {
	rosterRowIn
	Action string
}

// importData is the preview of an import or a copy.
type importData struct {
	Title, Source string
	Action        string
	Rows          []plannedRow
	Bad           []badRow
	JSON          string
	Changes       int
}

const maxImportRows = 2000

// rosterImport reads an uploaded .xlsx (单位名称, 联系人, 电话, 邮箱) and
// shows what it would change; posted again with confirmed=1 it records
// the decisions.
func (c *Console) rosterImport(w http.ResponseWriter, r *http.Request, s *snapshot) {
	back := "/c/" + s.c.ID + "/roster"
	if r.PostFormValue("confirmed") == "1" {
		c.applyRows(w, r, s, back, "按导入的名单")
		return
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		c.failBack(w, r, http.StatusBadRequest, "请选择要导入的 Excel 文件（.xlsx）。", back)
		return
	}
	defer f.Close()
	rows, bad, err := readRosterXLSX(f)
	if err != nil {
		c.failBack(w, r, http.StatusBadRequest, err.Error(), back)
		return
	}
	c.preview(w, r, s, importData{Title: "导入名单", Source: hdr.Filename, Action: "import"}, rows, bad)
}

// rosterCopy copies the units of another campaign of the configuration,
// with their contact and the addresses they sent from (on its roster or
// learned from their mail).
func (c *Console) rosterCopy(w http.ResponseWriter, r *http.Request, s *snapshot) {
	back := "/c/" + s.c.ID + "/roster"
	if r.PostFormValue("confirmed") == "1" {
		c.applyRows(w, r, s, back, "从其他活动复制名单")
		return
	}
	from := c.byID[r.PostFormValue("from")]
	if from == nil || from.ID == s.c.ID {
		c.failBack(w, r, http.StatusBadRequest, "请选择要从中复制名单的活动。", back)
		return
	}
	src, err := c.cache.get(r.Context(), from)
	if err != nil {
		c.failBack(w, r, http.StatusServiceUnavailable, "暂时无法读取数据库，请稍后再试。", back)
		return
	}
	var rows []rosterRowIn
	for _, u := range src.index().roster {
		in := rosterRowIn{Name: u.Name, Contact: u.Contact, Phone: u.Phone}
		if us := src.unit(u.Name); us != nil {
			in.Emails = us.Addresses
		}
		rows = append(rows, in)
	}
	c.preview(w, r, s, importData{Title: "从其他活动复制名单", Source: from.Title, Action: "copy"}, rows, nil)
}

func (c *Console) preview(w http.ResponseWriter, r *http.Request, s *snapshot, d importData, rows []rosterRowIn, bad []badRow) {
	_, planned := plan(s, rows)
	d.Rows, d.Bad = planned, bad
	for _, p := range planned {
		if p.Action != "无变化" {
			d.Changes++
		}
	}
	b, _ := json.Marshal(rows)
	d.JSON = string(b)
	c.render(w, r, http.StatusOK, "import", c.page(w, r, s, d.Title, "roster", d))
}

// applyRows records the decisions of confirmed rows, planned again
// against the roster as it is now.
func (c *Console) applyRows(w http.ResponseWriter, r *http.Request, s *snapshot, back, what string) {
	var rows []rosterRowIn
	if err := json.Unmarshal([]byte(r.PostFormValue("rows")), &rows); err != nil || len(rows) > maxImportRows {
		c.failBack(w, r, http.StatusBadRequest, "名单数据无法读取，请重新导入。", back)
		return
	}
	for i := range rows {
		if why := checkRow(&rows[i]); why != "" {
			c.failBack(w, r, http.StatusBadRequest, fmt.Sprintf("“%s”：%s", rows[i].Name, why), back)
			return
		}
	}
	ds, planned := plan(s, rows)
	if len(ds) == 0 {
		c.flash(w, r, "名单没有变化：每个单位都已在名单中，联系人和邮箱也相同。")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	added := 0
	for _, p := range planned {
		if p.Action == "新增" {
			added++
		}
	}
	c.record(w, r, s, ds, fmt.Sprintf("%s：新增 %d 个单位，共 %d 项变更", what, added, len(ds)), back)
}

// plan turns rows into decisions against the roster as s has it: a unit
// not on it is added (with its contact), a unit on it gets its contact
// set when it differs, and every address it does not have is added.
func plan(s *snapshot, rows []rosterRowIn) ([]sinks.Decision, []plannedRow) {
	var ds []sinks.Decision
	var out []plannedRow
	roster := map[string]campaign.Unit{}
	for _, u := range s.index().roster {
		roster[u.Name] = u
	}
	for _, in := range rows {
		p := plannedRow{rosterRowIn: in}
		name := s.rosterUnit(in.Name)
		var acts []string
		if name == "" {
			name = in.Name
			ds = append(ds, sinks.Decision{Kind: rules.DecideAddUnit, Unit: name, Contact: in.Contact, Phone: in.Phone})
			acts = append(acts, "新增")
		} else if u := roster[name]; (in.Contact != "" && in.Contact != u.Contact) || (in.Phone != "" && in.Phone != u.Phone) {
			contact, phone := cmpOr(in.Contact, u.Contact), cmpOr(in.Phone, u.Phone)
			ds = append(ds, sinks.Decision{Kind: rules.DecideSetContact, Unit: name, Contact: contact, Phone: phone})
			acts = append(acts, "更新联系人")
		}
		var n int
		for _, e := range in.Emails {
			if !s.knownSender(name, e) && !slices.ContainsFunc(ds, func(d sinks.Decision) bool {
				return d.Kind == rules.DecideAddSender && d.Unit == name && d.Address == e
			}) {
				ds = append(ds, sinks.Decision{Kind: rules.DecideAddSender, Unit: name, Address: e})
				n++
			}
		}
		if n > 0 && (len(acts) == 0 || acts[0] != "新增") {
			acts = append(acts, fmt.Sprintf("新增邮箱 %d 个", n))
		}
		if len(acts) == 0 {
			acts = append(acts, "无变化")
		}
		if name != in.Name {
			acts = append(acts, "（名单中为“"+name+"”）")
		}
		p.Action = strings.Join(acts, "，")
		out = append(out, p)
	}
	return ds, out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Column names of an imported roster, with the variants people use.
var rosterColumns = map[string][]string{
	"name":    {"单位名称", "单位", "名称", "单位全称"},
	"contact": {"联系人", "联系人姓名", "姓名"},
	"phone":   {"电话", "联系电话", "手机", "手机号", "联系方式"},
	"email":   {"邮箱", "电子邮箱", "邮件地址", "电子邮件", "email", "e-mail", "邮箱地址"},
}

var emailSplit = regexp.MustCompile(`[\s;,；，、]+`)

// readRosterXLSX reads the first sheet with a 单位名称 column among its
// first ten rows. Rows that cannot be imported are returned with the
// reason; an unreadable file or one without the column is an error in
// words for the officer.
func readRosterXLSX(r io.Reader) ([]rosterRowIn, []badRow, error) {
	f, err := excelize.OpenReader(io.LimitReader(r, maxForm), excelize.Options{UnzipSizeLimit: 64 << 20, UnzipXMLSizeLimit: 32 << 20})
	if err != nil {
		return nil, nil, errInput("文件无法读取：请上传 Excel 的 .xlsx 文件（.xls 请先另存为 .xlsx）。")
	}
	defer f.Close()
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			continue
		}
		for h := 0; h < len(rows) && h < 10; h++ {
			cols := headerColumns(rows[h])
			if _, ok := cols["name"]; !ok {
				continue
			}
			return rosterRows(rows[h+1:], h+2, cols)
		}
	}
	return nil, nil, errInput("文件中找不到“单位名称”列。第一行（或前十行中的一行）应为表头：单位名称、联系人、电话、邮箱。")
}

func headerColumns(row []string) map[string]int {
	cols := map[string]int{}
	for i, cell := range row {
		c := strings.ToLower(strings.Join(strings.Fields(cell), ""))
		for key, names := range rosterColumns {
			if _, done := cols[key]; !done && slices.Contains(names, c) {
				cols[key] = i
			}
		}
	}
	return cols
}

func rosterRows(rows [][]string, firstLine int, cols map[string]int) ([]rosterRowIn, []badRow, error) {
	var out []rosterRowIn
	var bad []badRow
	seen := map[string]int{}
	cell := func(row []string, key string) string {
		if i, ok := cols[key]; ok && i < len(row) {
			return clean(row[i], 200)
		}
		return ""
	}
	for i, row := range rows {
		line := firstLine + i
		if strings.TrimSpace(strings.Join(row, "")) == "" {
			continue
		}
		if len(out)+len(bad) >= maxImportRows {
			return nil, nil, errInput(fmt.Sprintf("名单超过 %d 行，请分批导入。", maxImportRows))
		}
		in := rosterRowIn{Line: line, Name: cell(row, "name"), Contact: cell(row, "contact"), Phone: cell(row, "phone")}
		text := strings.Join(slices.DeleteFunc(slices.Clone(row), func(s string) bool { return strings.TrimSpace(s) == "" }), " | ")
		var why string
		for _, e := range emailSplit.Split(cell(row, "email"), -1) {
			if e == "" {
				continue
			}
			a := fromAddress(e)
			if a == "" {
				why = fmt.Sprintf("邮箱“%s”不是邮件地址", e)
				break
			}
			in.Emails = append(in.Emails, a)
		}
		if why == "" {
			why = checkRow(&in)
		}
		if first, dup := seen[rules.Normalize(in.Name)]; why == "" && dup {
			why = fmt.Sprintf("与第 %d 行是同一个单位", first)
		}
		if why != "" {
			bad = append(bad, badRow{Line: line, Text: text, Why: why})
			continue
		}
		seen[rules.Normalize(in.Name)] = line
		out = append(out, in)
	}
	if len(out) == 0 && len(bad) == 0 {
		return nil, nil, errInput("表头下面没有单位。")
	}
	return out, bad, nil
}

// checkRow checks a row's name, phone and addresses, returning why it
// cannot be imported ("" when it can).
func checkRow(in *rosterRowIn) string {
	in.Name, in.Contact, in.Phone = clean(in.Name, 200), clean(in.Contact, 50), clean(in.Phone, 50)
	var e errInput
	if err := checkName(in.Name); errors.As(err, &e) {
		return strings.TrimSuffix(string(e), "。")
	}
	if err := checkPhone(in.Phone); errors.As(err, &e) {
		return strings.TrimSuffix(string(e), "。")
	}
	for i, a := range in.Emails {
		if in.Emails[i] = fromAddress(a); in.Emails[i] == "" {
			return fmt.Sprintf("邮箱“%s”不是邮件地址", a)
		}
	}
	return ""
}
