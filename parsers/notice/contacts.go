package notice

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/shoubao/shoubao/pipeline/campaign"
)

var (
	rePhone = regexp.MustCompile(`(?:\(0\d{2,3}\)|0\d{2,3}-?)\d{7,8}(?:-\d{1,5})?|1[3-9]\d{9}`)
	// reContactHeading opens the contact section: 六、联系方式.
	// A bare "联系人" is a table header, not a section.
	reContactHeading = regexp.MustCompile(`^(?:(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\))(?:联系方式|联系人及(?:联系)?电话|联系人|联系电话)|联系方式)(?:如下)?:?$`)
	reLabel          = regexp.MustCompile(`(?:联系人|联系电话|办公电话|电话|手机|传真|电子邮箱|邮箱|E-?mail|邮件)\s*:`)
	rePersonLabel    = regexp.MustCompile(`联系人\s*:\s*([\p{Han}· ]{2,12})`)
	rePerson         = regexp.MustCompile(`^[\p{Han}]{2,4}$`)
	// reOrgBeforeMailbox matches "报送至省科技厅科普处邮箱": an office named
	// right before 邮箱.
	reOrgBeforeMailbox = regexp.MustCompile(`([\p{Han}]{2,24}?` + orgSuffix + `)(?:的)?(?:电子)?(?:邮箱|邮件地址)`)
)

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
// i is in: in the 2026 layout an office line is followed by "联系电话：…"
// and "邮 箱：…" lines.
func (p *parser) blockOffice(i int) (string, Source, bool) {
	lines := p.d.lines
	for j, n := i-1, 0; j >= 0 && n < 4; j-- {
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

// orgAndPerson splits a contact line such as "晋城市科学技术局国际交流与合作科
// 梁 妮" (spaces kept) into the office and the person.
func orgAndPerson(sp string) (string, string, bool) {
	if strings.ContainsAny(sp, ":@") || rePhone.MatchString(sp) {
		return "", "", false
	}
	f := strings.Fields(sp)
	if len(f) == 0 {
		return "", "", false
	}
	org := strings.TrimSuffix(f[0], "文件")
	if !isOrg(org) {
		return "", "", false
	}
	person := strings.Join(f[1:], "")
	if person != "" && !rePerson.MatchString(person) {
		return "", "", false
	}
	return org, person, true
}

// contacts reads the contact section ("六、联系方式") and "联系人：…" lines
// anywhere else.
func (p *parser) contacts() {
	lines := p.d.lines
	in := false
	var cur *Contact
	flush := func() {
		if cur != nil && (cur.Person != "" || len(cur.Phones) > 0) {
			p.n.Contacts = append(p.n.Contacts, *cur)
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
			if org, person, ok := orgAndPerson(l.sp); ok {
				flush()
				cur = &Contact{Office: org, Person: person, Source: p.lineQuote(i)}
				continue
			}
		}
		// "省科技厅科普处：王 强，0351-4040123"
		if in {
			if k := strings.Index(l.sp, ":"); k > 0 && isOrg(strings.ReplaceAll(l.sp[:k], " ", "")) && !reLabel.MatchString(l.sp[:k+1]) {
				flush()
				rest := l.sp[k+1:]
				c := Contact{Office: strings.ReplaceAll(l.sp[:k], " ", ""), Source: p.lineQuote(i)}
				c.Phones = rePhone.FindAllString(t, -1)
				if f := strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ';' || r == '、' }); len(f) > 0 {
					if name := strings.ReplaceAll(f[0], " ", ""); rePerson.MatchString(name) {
						c.Person = name
					}
				}
				cur = &c
				flush()
				continue
			}
		}
		isPerson := rePersonLabel.MatchString(t)
		phones := rePhone.FindAllString(t, -1)
		labelled := reLabel.MatchString(t)
		if !labelled || (!isPerson && len(phones) == 0) {
			continue
		}
		if !in && utf8.RuneCountInString(t) > 60 {
			continue // a sentence that mentions a phone number
		}
		if isPerson && cur != nil && cur.Person != "" {
			flush()
		}
		if cur == nil {
			cur = &Contact{Source: p.lineQuote(i)}
		} else if cur.Source.Text != p.lineQuote(i).Text {
			cur.Source.Text += " " + p.lineQuote(i).Text
		}
		if m := rePersonLabel.FindStringSubmatch(t); m != nil {
			name := strings.ReplaceAll(m[1], " ", "")
			for _, lab := range []string{"联系电话", "电话", "手机", "邮箱"} {
				if k := strings.Index(name, lab); k >= 0 {
					name = name[:k]
				}
			}
			cur.Person = name
		}
		cur.Phones = append(cur.Phones, phones...)
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
