package notice

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shoubao/shoubao/pipeline/campaign"
)

// dashes are the characters written between a phone number's area code
// and number: the ASCII hyphen (full-width － and small ﹣ become it under
// NFKC), the hyphen and dash variants ‐ ‑ ‒ – — ―, the minus sign −, and the
// box-drawing lines ─ ━ that Word's autoformat and some input methods give.
// Up to two are accepted (0356——2355832).
const dashes = `[-\x{2010}-\x{2015}\x{2212}\x{2500}\x{2501}\x{FE58}]`

// phonePattern is a Chinese phone number: a landline with its area code
// ((0356)2355832, 0356-2355832, 03562355832, extension after a hyphen) or
// a mobile number.
const phonePattern = `(?:\(0\d{2,3}\)|0\d{2,3}(?:` + dashes + `{1,2})?)\d{7,8}(?:-\d{1,5})?|1[3-9]\d{9}`

var (
	rePhone   = regexp.MustCompile(phonePattern)
	reDashRun = regexp.MustCompile(dashes + `{1,2}`)
	// reContactHeading opens the contact section: 六、联系方式.
	// A bare "联系人" is a table header, not a section.
	reContactHeading = regexp.MustCompile(`^(?:(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\))(?:联系方式|联系人及(?:联系)?电话|联系人|联系电话)|联系方式)(?:如下)?:?$`)
	reLabel          = regexp.MustCompile(`(?:联系人及(?:联系)?电话|联系人|联系电话|办公电话|电话|手机|传真|电子邮箱|邮箱|(?:通讯|通信)?地址|E-?mail|邮件)\s*:`)
	rePersonLabel    = regexp.MustCompile(`联系人(?:及(?:联系)?电话)?\s*:\s*([\p{Han}· ]{2,12})`)
	rePerson         = regexp.MustCompile(`^[\p{Han}]{2,4}$`)
	// reOrgBeforeMailbox matches "报送至省科技厅科普处邮箱": an office named
	// right before 邮箱.
	reOrgBeforeMailbox = regexp.MustCompile(`([\p{Han}]{2,24}?` + orgSuffix + `)(?:的)?(?:电子)?(?:邮箱|邮件地址)`)
)

// normPhone writes a phone number with an ASCII hyphen after the area
// code, whatever dash the notice used.
func normPhone(s string) string { return reDashRun.ReplaceAllString(s, "-") }

// mailboxes finds the contact mailboxes and the office of each.
func (p *parser) mailboxes() {
	seen := map[string]bool{}
	for _, s := range p.sents {
		for _, m := range reEmail.FindAllStringIndex(s.text, -1) {
			addr := strings.TrimRight(s.text[m[0]:m[1]], ".")
			key := strings.ToLower(addr)
			if seen[key] {
				continue
			}
			seen[key] = true
			mb := Mailbox{Address: addr, Source: p.clauseSource(s, m[0], m[0]+len(addr))}
			lo, _ := clause(s, m[0], m[1])
			if office, a, b, ok := orgBeforeMailbox(s.text[lo:m[0]]); ok {
				src := p.clauseSource(s, lo+a, lo+b)
				mb.Office, mb.OfficeSource = office, &src
			} else if office, src, ok := p.blockOffice(p.lineOf(s.pos[m[0]]) - 1); ok {
				mb.Office, mb.OfficeSource = office, &src
			}
			p.n.Mailboxes = append(p.n.Mailboxes, mb)
		}
	}
}

// orgBeforeMailbox finds the office named right before 邮箱 in text (the
// clause up to an address), cutting the verb before it: "统一报送至省科技厅
// 科普处邮箱" gives 省科技厅科普处; "报送至指定邮箱" gives nothing.
func orgBeforeMailbox(text string) (string, int, int, bool) {
	ms := reOrgBeforeMailbox.FindAllStringSubmatchIndex(text, -1)
	if ms == nil {
		return "", 0, 0, false
	}
	m := ms[len(ms)-1]
	a, b := m[2], m[3]
	org := text[a:b]
	for _, cut := range []string{"至", "到", "给", "向"} {
		if k := strings.LastIndex(org, cut); k >= 0 {
			a += k + len(cut)
			org = text[a:b]
		}
	}
	if !isOrg(org) {
		return "", 0, 0, false
	}
	return org, a, b, true
}

// blockOffice returns the office heading the contact block that line index
// i is in: in the 2026 layout an office line is followed by "联系人：…",
// "联系电话：…", "邮 箱：…" lines (as many as the block has, up to
// maxBlockLines).
func (p *parser) blockOffice(i int) (string, Source, bool) {
	lines := p.d.lines
	for j, n := i-1, 0; j >= 0 && n < maxBlockLines; j-- {
		t := lines[j].text
		if t == "" {
			continue
		}
		n++
		if loc := reLabel.FindStringIndex(t); loc != nil && loc[0] == 0 {
			continue // another "label: value" line of the same block
		}
		if org, _, ok := orgAndPerson(lines[j].sp); ok {
			return org, p.lineQuote(j), true
		}
		break
	}
	return "", Source{}, false
}

// maxBlockLines bounds the lines looked back over from a mailbox to the
// office heading its block: 联系人, 办公电话, 手机, 传真, 地址 and 邮箱 lines.
const maxBlockLines = 10

// orgAndPerson splits a contact line such as "晋城市科学技术局国际交流与合作科
// 梁 妮" (spaces kept) into the office and the people named after it: one
// name spaced out for alignment (梁 妮 is 梁妮) or several (刘涟 苗长汀).
func orgAndPerson(sp string) (string, []string, bool) {
	if strings.ContainsAny(sp, ":@") || rePhone.MatchString(sp) {
		return "", nil, false
	}
	f := strings.Fields(sp)
	if len(f) == 0 {
		return "", nil, false
	}
	org := strings.TrimSuffix(f[0], "文件")
	if !isOrg(org) {
		return "", nil, false
	}
	names := joinSpacedNames(f[1:])
	for _, name := range names {
		if !rePerson.MatchString(name) {
			return "", nil, false
		}
	}
	return org, names, true
}

// joinSpacedNames groups words into names: a run of one-character words
// is one name spaced out (梁 妮, 赵 晋 萍); a longer word is a name of its own.
func joinSpacedNames(words []string) []string {
	var out []string
	single := false // the last name was built from one-character words
	for _, w := range words {
		one := utf8.RuneCountInString(w) == 1
		if one && single {
			out[len(out)-1] += w
			continue
		}
		out = append(out, w)
		single = one
	}
	return out
}

// contactDraft gathers one contact block: its office, the people it names
// (each with the numbers written right after their name) and the numbers
// written on their own (联系电话：…).
type contactDraft struct {
	office string
	people []person
	phones []string
	src    Source
}

type person struct {
	name   string
	phones []string
}

// contacts turns the draft into one Contact per person. Numbers written on
// their own go to the people left without one, one each in order when
// there are as many numbers as such people (联系人：刘涟 苗长汀 / 联系电话：
// 0356-2355832 0356-2355833), else to everyone (an office number shared).
func (d *contactDraft) contacts() []Contact {
	if len(d.people) == 0 {
		if len(d.phones) == 0 {
			return nil
		}
		return []Contact{{Office: d.office, Phones: d.phones, Source: d.src}}
	}
	var bare []int
	for i, p := range d.people {
		if len(p.phones) == 0 {
			bare = append(bare, i)
		}
	}
	paired := len(bare) > 0 && len(bare) == len(d.phones)
	var out []Contact
	for i, p := range d.people {
		c := Contact{Office: d.office, Person: p.name, Source: d.src, Phones: slices.Clone(p.phones)}
		switch {
		case paired && len(p.phones) == 0:
			c.Phones = append(c.Phones, d.phones[slices.Index(bare, i)])
		case !paired:
			c.Phones = append(c.Phones, d.phones...)
		}
		out = append(out, c)
	}
	return out
}

// Label words a contact line is scanned for, spaced out or not (联 系 人).
var (
	reSpacedLabel = regexp.MustCompile(`联 ?系 ?人 ?及 ?(?:联 ?系 ?)?电 ?话|联 ?系 ?人|联 ?系 ?电 ?话|办 ?公 ?电 ?话|电 ?子 ?邮 ?箱|电 ?话|手 ?机|传 ?真|邮 ?箱|(?:通 ?[讯信] ?)?地 ?址`)
	reLabelAt     = regexp.MustCompile(`^(?:(联系人及(?:联系)?电话|联系人)|(联系电话|办公电话|电话|手机)|(传真|电子邮箱|邮箱|(?:通[讯信])?地址|E-?mail|邮件))\s*:?`)
	rePhoneAt     = regexp.MustCompile(`^(?:` + phonePattern + `)`)
)

// scan modes: what the words of a contact line are, after the last label.
const (
	scanNone   = iota // no label yet: numbers stand alone
	scanPeople        // after 联系人: names, each followed by its numbers
	scanPhones        // after 电话/手机: numbers
	scanSkip          // after 传真/邮箱/地址: nothing we keep
)

// scan reads the people and phone numbers of one contact line (sp: spaces
// kept), starting in mode.
func (d *contactDraft) scan(sp string, mode int) {
	s := reSpacedLabel.ReplaceAllStringFunc(sp, func(l string) string { return strings.ReplaceAll(l, " ", "") })
	var last *int // index in d.people of the name a number follows
	pending, single := "", false
	flush := func() {
		if pending != "" && mode == scanPeople && rePerson.MatchString(pending) {
			d.people = append(d.people, person{name: pending})
			k := len(d.people) - 1
			last = &k
		}
		pending, single = "", false
	}
	for i := 0; i < len(s); {
		if m := reLabelAt.FindStringSubmatchIndex(s[i:]); m != nil {
			flush()
			last = nil
			switch {
			case m[2] >= 0:
				mode = scanPeople
			case m[4] >= 0:
				mode = scanPhones
			default:
				mode = scanSkip
			}
			i += m[1]
			continue
		}
		if loc := rePhoneAt.FindStringIndex(s[i:]); loc != nil && (i == 0 || !isDigit(s[i-1])) {
			flush()
			phone := normPhone(s[i : i+loc[1]])
			switch {
			case mode == scanSkip:
			case mode == scanPeople && last != nil:
				d.people[*last].phones = append(d.people[*last].phones, phone)
			default:
				d.phones = append(d.phones, phone)
			}
			i += loc[1]
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.Is(unicode.Han, r) || r == '·':
			j := i + n
			for j < len(s) {
				r, n := utf8.DecodeRuneInString(s[j:])
				if !(unicode.Is(unicode.Han, r) || r == '·') || reLabelAt.MatchString(s[j:]) {
					break
				}
				j += n
			}
			w := s[i:j]
			one := utf8.RuneCountInString(w) == 1
			if one && single {
				pending += w
			} else {
				flush()
				pending, single = w, one
			}
			i = j
		case r == ' ':
			i += n
		default:
			flush()
			i += n
		}
	}
	flush()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// contacts reads the contact section ("六、联系方式") and "联系人：…" lines
// anywhere else.
func (p *parser) contacts() {
	lines := p.d.lines
	in := false
	var cur *contactDraft
	flush := func() {
		if cur != nil {
			p.n.Contacts = append(p.n.Contacts, cur.contacts()...)
		}
		cur = nil
	}
	for i := p.headerEnd; i < len(lines); i++ {
		l := lines[i]
		t := l.text
		if t == "" || l.table {
			continue
		}
		if reContactHeading.MatchString(t) && !strings.Contains(t, "。") && utf8.RuneCountInString(t) <= 12 {
			flush()
			in = true
			continue
		}
		if in && (reHeading.MatchString(t) || strings.HasPrefix(t, "附件") || reDateLine.MatchString(t)) {
			flush()
			in = false
		}
		if in {
			if org, names, ok := orgAndPerson(l.sp); ok {
				flush()
				cur = &contactDraft{office: org, src: p.lineQuote(i)}
				for _, name := range names {
					cur.people = append(cur.people, person{name: name})
				}
				continue
			}
		}
		// "省科技厅科普处：王 强，0351－4040123"
		if in {
			if k := strings.Index(l.sp, ":"); k > 0 && isOrg(strings.ReplaceAll(l.sp[:k], " ", "")) && !reLabel.MatchString(l.sp[:k+1]) {
				flush()
				cur = &contactDraft{office: strings.ReplaceAll(l.sp[:k], " ", ""), src: p.lineQuote(i)}
				cur.scan(l.sp[k+1:], scanPeople)
				flush()
				continue
			}
		}
		isPerson := rePersonLabel.MatchString(t)
		labelled := reLabel.MatchString(t)
		if !labelled || (!isPerson && !rePhone.MatchString(t)) {
			continue
		}
		if !in && utf8.RuneCountInString(t) > 60 {
			continue // a sentence that mentions a phone number
		}
		if isPerson && cur != nil && len(cur.people) > 0 {
			flush()
		}
		if cur == nil {
			cur = &contactDraft{src: p.lineQuote(i)}
		} else if cur.src.Text != p.lineQuote(i).Text {
			cur.src.Text += " " + p.lineQuote(i).Text
		}
		cur.scan(l.sp, scanNone)
	}
	flush()
}

// delivery settles whether every mailbox must receive the materials.
func (p *parser) delivery() {
	for _, r := range p.n.Requests {
		if r.Delivery == "" {
			continue
		}
		re := reEach
		if r.Delivery == campaign.DeliveryAny {
			re = reAny
		}
		s := p.findSentence(r.Source.Line, re)
		src := r.Source
		if s != nil {
			m := re.FindStringIndex(s.text)
			src = p.clauseSource(*s, m[0], m[1])
		}
		p.n.Delivery = &Delivery{Mode: r.Delivery, Source: src}
		return
	}
	if len(p.n.Mailboxes) == 1 {
		p.n.Delivery = &Delivery{Mode: campaign.DeliveryAny, Source: p.n.Mailboxes[0].Source}
	}
}

// findSentence returns the first sentence starting on line that matches re.
func (p *parser) findSentence(line int, re *regexp.Regexp) *span {
	for i := range p.sents {
		if p.lineOf(p.sents[i].pos[0]) >= line && re.MatchString(p.sents[i].text) {
			return &p.sents[i]
		}
	}
	return nil
}
