package notice

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// orgSuffix ends the name of an office or unit.
const orgSuffix = `(?:委员会|联合会|协会|科协|政府|办公室|局|厅|部|委|中心|处|科|室|股|站|馆|院|所|公司|集团|学校|大学|学院|基地|团|会)`

var (
	reOrg = regexp.MustCompile(`^[\p{Han}()]{2,30}` + orgSuffix + `$`)
	// reNumber matches a document number: 晋市科字〔2026〕3号, 晋科发[2026]23号.
	reNumber = regexp.MustCompile(`([\p{Han}]{1,10})[〔\[(【]\s*(\d{4})\s*[〕\])】]\s*第?\s*(\d{1,4})\s*号`)
	// reSalutation is the line addressing the units: 各县（市、区）…：
	reSalutation = regexp.MustCompile(`^各.*:$`)
	reTitleEnd   = regexp.MustCompile(`(?:通知|通报|函|意见|方案|办法|决定|公告|安排)$`)
	reYear       = regexp.MustCompile(`(\d{4})年`)
	reNumberYear = regexp.MustCompile(`〔(\d{4})〕`)
	reAttachPage = regexp.MustCompile(`^附件\d*$`)
)

// isOrg reports whether t (normalised, no spaces) names an office or unit.
func isOrg(t string) bool {
	return reOrg.MatchString(t) && !strings.ContainsAny(t, "。:,;")
}

// orgTokens splits a line (spaces kept) into office names, reporting false
// when any token is not one. The token 文件 (of "X 文件" headers) and a
// trailing 文件 are dropped.
func orgTokens(sp string) ([]string, bool) {
	var out []string
	for _, tok := range strings.Fields(sp) {
		tok = strings.TrimSuffix(tok, "文件")
		if tok == "" {
			continue
		}
		if !isOrg(tok) {
			return nil, false
		}
		out = append(out, tok)
	}
	return out, len(out) > 0
}

func (p *parser) addOffice(name string, src Source) {
	for _, f := range p.n.Offices {
		if f.Value == name {
			return
		}
	}
	p.n.Offices = append(p.n.Offices, Field{Value: name, Source: src})
}

// header reads the offices of the "X Y 文件 Z" header, the document number
// and the title from the lines before the salutation.
func (p *parser) header() {
	lines := p.d.lines
	end := min(len(lines), 40)
	for i := 0; i < end; i++ {
		t := lines[i].text
		if reSalutation.MatchString(t) || strings.Contains(t, "。") || utf8.RuneCountInString(t) > 80 {
			end = i
			break
		}
	}
	p.headerEnd = end
	titleStart := -1
	for i := 0; i < end; i++ {
		l := lines[i]
		if l.table || l.text == "" {
			continue
		}
		if p.n.Number == nil {
			if m := reNumber.FindStringSubmatchIndex(l.text); m != nil {
				t := l.text
				p.n.Number = &Field{
					Value:  t[m[2]:m[3]] + "〔" + t[m[4]:m[5]] + "〕" + t[m[6]:m[7]] + "号",
					Source: p.spanSource(l.span, m[0], m[1]),
				}
				continue
			}
		}
		if titleStart < 0 && (strings.Contains(l.text, "关于") || reTitleEnd.MatchString(l.text)) {
			titleStart = i
			p.title(i, end)
			continue
		}
		if titleStart < 0 {
			if orgs, ok := orgTokens(l.sp); ok {
				for _, o := range orgs {
					p.addOffice(o, p.lineQuote(i))
				}
			}
		}
	}
}

// title reads the title starting on line i: up to four lines, until one
// ends with 通知 (or another kind of document). Office names before 关于
// are issuing offices, not part of the title.
func (p *parser) title(i, end int) {
	lines := p.d.lines
	var text string
	var srcs []string
	for j := i; j < end && j < i+4; j++ {
		l := lines[j]
		if l.text == "" || l.table {
			continue
		}
		if reNumber.MatchString(l.text) {
			break
		}
		text += l.text
		srcs = append(srcs, cleanQuote(l.raw))
		if reTitleEnd.MatchString(text) {
			break
		}
	}
	if !reTitleEnd.MatchString(text) {
		// One line is all we are sure of.
		text, srcs = lines[i].text, srcs[:1]
	}
	if k := strings.Index(text, "关于"); k > 0 {
		prefix := text[:k]
		// The prefix is spaced in the line as written; split it there.
		sp := lines[i].sp
		if c := strings.Index(sp, "关于"); c > 0 {
			if orgs, ok := orgTokens(sp[:c]); ok {
				for _, o := range orgs {
					p.addOffice(o, p.lineQuote(i))
				}
			}
		} else if isOrg(prefix) {
			p.addOffice(prefix, p.lineQuote(i))
		}
		text = text[k:]
	}
	p.n.Title = &Field{Value: text, Source: Source{Line: lines[i].no, Text: strings.Join(srcs, "")}}
}

var reDateLine = regexp.MustCompile(`^` + reDatePart + `$`)

// published reads the date line that ends the notice's body, and the
// signature (office names) just above it.
func (p *parser) published() {
	lines := p.d.lines
	limit := len(lines)
	for i := p.headerEnd; i < len(lines); i++ {
		if lines[i].table || reAttachPage.MatchString(lines[i].text) {
			limit = i
			break
		}
	}
	found := -1
	var date *Date
	for pass := 0; pass < 2 && found < 0; pass++ {
		from, to := p.headerEnd, limit
		if pass == 1 {
			from, to = limit, len(lines)
		}
		for i := from; i < to; i++ {
			l := lines[i]
			t := strings.Trim(l.text, "()")
			m := reDateLine.FindStringSubmatch(t)
			if m == nil || m[1] == "" {
				continue
			}
			d, ok := makeDate(m[1], m[2], m[3])
			if !ok {
				continue
			}
			d.Source = p.lineQuote(i)
			date, found = &d, i
			if pass == 1 {
				break // after the body: the first one
			}
		}
	}
	if date == nil {
		return
	}
	p.n.Published = date
	// Signature: office lines right above the date.
	var sig [][]string
	var srcs []Source
	for i, n := found-1, 0; i > p.headerEnd && n < 4; i-- {
		if lines[i].text == "" {
			continue
		}
		orgs, ok := orgTokens(lines[i].sp)
		if !ok {
			break
		}
		sig = append([][]string{orgs}, sig...)
		srcs = append([]Source{p.lineQuote(i)}, srcs...)
		n++
	}
	for k, orgs := range sig {
		for _, o := range orgs {
			p.addOffice(o, srcs[k])
		}
	}
}

// makeDate builds a date from the groups of reDatePart.
func makeDate(y, m, d string) (Date, bool) {
	year, ok1 := number(y)
	month, ok2 := number(m)
	day, ok3 := number(d)
	if !ok1 || !ok2 || !ok3 || !validDate(year, month, day) {
		return Date{}, false
	}
	return Date{Year: year, Month: month, Day: day}, true
}

func validDate(y, m, d int) bool {
	if y < 1949 || y > 2200 || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [...]int{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && !(y%4 == 0 && (y%100 != 0 || y%400 == 0)) {
		days = 28
	}
	return d <= days
}

// year settles the notice's year: from the publication date, else the
// document number, else the title.
func (p *parser) year() {
	n := p.n
	switch {
	case n.Published != nil:
		n.Year = n.Published.Year
	case n.Number != nil:
		if m := reNumberYear.FindStringSubmatch(n.Number.Value); m != nil {
			n.Year, _ = number(m[1])
		}
	}
	if n.Year == 0 && n.Title != nil {
		if m := reYear.FindStringSubmatch(n.Title.Value); m != nil {
			n.Year, _ = number(m[1])
		}
	}
}
