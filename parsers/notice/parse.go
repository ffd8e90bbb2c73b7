package notice

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/shoubao/shoubao/parsers/finding"
)

// MaxTextBytes is the most text Parse reads; a notice is a few pages, so
// anything beyond is cut off with a finding.
const MaxTextBytes = 2 << 20

// maxLineBytes caps one line: a longer one is not a notice's line (a
// binary file read as text) and is cut, keeping matching linear.
const maxLineBytes = 64 << 10

// Parse extracts a notice from its text (UTF-8; see DecodeText). It never
// fails: what it cannot find is listed in Notice.Missing, and problems with
// the input are returned as findings.
func Parse(text string) (*Notice, []finding.Finding) { return parse(text, nil) }

// parse is Parse with tables rebuilt outside the text (from a PDF's word
// boxes).
func parse(text string, tables [][]tableRow) (*Notice, []finding.Finding) {
	var fs finding.List
	if len(text) > MaxTextBytes {
		text = text[:MaxTextBytes]
		fs.Add("notice_truncated", "通知文本超过 %d 字节，只读取了前 %d 字节", MaxTextBytes, MaxTextBytes)
	}
	text = strings.ToValidUTF8(text, "\uFFFD")
	text = capLines(text)
	d := newDoc(text)
	n := &Notice{TextLength: utf8.RuneCountInString(strings.TrimSpace(text))}
	p := &parser{d: d, n: n, fs: &fs, extraTables: tables}
	p.header()
	p.published()
	p.year()
	p.requests()
	p.videoLimit()
	p.mailboxes()
	p.contacts()
	p.delivery()
	p.attachments()
	p.units()
	p.missing()
	return n, fs
}

// capLines cuts lines longer than maxLineBytes.
func capLines(text string) string {
	if len(text) <= maxLineBytes {
		return text
	}
	var b strings.Builder
	for _, l := range strings.SplitAfter(text, "\n") {
		if len(l) > maxLineBytes {
			l = strings.ToValidUTF8(l[:maxLineBytes], "") + "\n"
		}
		b.WriteString(l)
	}
	return b.String()
}

// parser holds the state of one Parse.
type parser struct {
	d  *doc
	n  *Notice
	fs *finding.List
	// headerEnd is the index in d.lines of the first line after the header
	// (the salutation "各…：" or the first prose).
	headerEnd int
	// sents are the prose sentences, in order.
	sents []span
	// extraTables are tables read from outside the text.
	extraTables [][]tableRow
}

// lineQuote returns line i as written.
func (p *parser) lineQuote(i int) Source {
	l := p.d.lines[i]
	return Source{Line: l.no, Text: cleanQuote(l.raw)}
}

// spanSource quotes s.text[a:b].
func (p *parser) spanSource(s span, a, b int) Source {
	line := s.line
	if a < len(s.pos) {
		line = p.lineOf(s.pos[a])
	}
	return Source{Line: line, Text: p.d.quote(s, a, b)}
}

// clauseSource quotes the clause(s) of sentence s around s.text[a:b].
func (p *parser) clauseSource(s span, a, b int) Source {
	lo, hi := clause(s, a, b)
	return p.spanSource(s, lo, hi)
}

// lineOf returns the 1-based line number holding offset off of d.orig.
func (p *parser) lineOf(off int) int {
	i := sort.Search(len(p.d.lines), func(i int) bool { return p.d.lines[i].start > off })
	return max(i, 1)
}

func (p *parser) missing() {
	n := p.n
	add := func(cond bool, key string) {
		if cond {
			n.Missing = append(n.Missing, key)
		}
	}
	add(n.Title == nil, MissingTitle)
	add(n.Number == nil, MissingNumber)
	add(len(n.Offices) == 0, MissingOffices)
	add(n.Published == nil, MissingPublished)
	add(n.Deadline == nil, MissingDeadline)
	add(len(n.Materials) == 0, MissingMaterials)
	add(n.VideoLimit == nil, MissingVideoLimit)
	add(len(n.Mailboxes) == 0, MissingMailboxes)
	for _, m := range n.Mailboxes {
		add(m.Office == "", MissingMailboxOffice+":"+m.Address)
	}
	add(n.Delivery == nil, MissingDelivery)
	add(len(n.Contacts) == 0, MissingContacts)
	add(len(n.Attachments) == 0, MissingAttachments)
	add(len(n.Units) == 0, MissingUnits)
}
