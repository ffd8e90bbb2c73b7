// Package notice reads a reporting notice (通知) — the document a 科技局 or
// 科协 sends to its units asking them to report by email before a deadline
// — and extracts what a campaign needs: title, document number, issuing
// offices, publication date, deadline, required materials, video length
// limit, contact mailboxes with their offices, phone numbers and contact
// people, delivery mode (分别报送 or 统一报送), the attachments and the units
// named in the notice's own tables.
//
// Every extracted value carries the sentence or line it came from, quoted
// as the notice wrote it. Nothing is invented: what cannot be found is left
// empty and listed in Notice.Missing.
//
// Text is matched after normalisation: full-width letters, digits and
// punctuation are narrowed (NFKC), spaces next to Chinese characters are
// dropped ("6 月 8 日前" reads "6月8日前") and lines broken inside a sentence
// are joined.
package notice

import (
	"fmt"
	"strings"
	"time"

	"github.com/shoubao/shoubao/pipeline/campaign"
)

// Source is where a value was read.
type Source struct {
	// Line is the 1-based line of the notice's text the quote starts on.
	Line int `json:"line"`
	// Text is the clause, sentence or line, as the notice wrote it (line
	// breaks removed).
	Text string `json:"text"`
}

// Field is a text value and its source.
type Field struct {
	Value  string `json:"value"`
	Source Source `json:"source"`
}

// Date is a calendar date read from the notice.
type Date struct {
	Year   int    `json:"year"`
	Month  int    `json:"month"`
	Day    int    `json:"day"`
	Source Source `json:"source"`
}

// String formats the date as 2026-05-20.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Deadline is when submissions are due.
type Deadline struct {
	// Date is the last day, 2026-06-08.
	Date string `json:"date"`
	// Clock is the time of day when the notice names one ("17:00前"); empty
	// means the end of Date.
	Clock string `json:"clock,omitempty"`
	// End is the first instant that is late, in Asia/Shanghai.
	End    time.Time `json:"end"`
	Source Source    `json:"source"`
}

// Config returns the deadline as pipeline/config writes it: "2026-06-08"
// or "2026-06-08 17:00".
func (d Deadline) Config() string {
	if d.Clock == "" {
		return d.Date
	}
	return d.Date + " " + d.Clock
}

// Material is one material the notice asks for.
type Material struct {
	Material campaign.Material `json:"material"`
	// Name is how the notice names it (活动周总结报告, 《…统计表》).
	Name   string `json:"name"`
	Source Source `json:"source"`
}

// Request is one reporting sentence: "于6月8日前将…报送至…".
type Request struct {
	Deadline  *Deadline  `json:"deadline,omitempty"`
	Materials []Material `json:"materials,omitempty"`
	// Delivery is "each" (分别报送), "any" (统一报送 or a single address) or
	// empty when the sentence does not say.
	Delivery  string   `json:"delivery,omitempty"`
	Mailboxes []string `json:"mailboxes,omitempty"`
	// Source quotes the whole sentence.
	Source Source `json:"source"`
}

// Duration is a length of time in seconds.
type Duration struct {
	Seconds int    `json:"seconds"`
	Source  Source `json:"source"`
}

// Delivery says whether every mailbox must receive the materials.
type Delivery struct {
	// Mode is campaign.DeliveryEach or campaign.DeliveryAny.
	Mode   string `json:"mode"`
	Source Source `json:"source"`
}

// Mailbox is a contact mailbox.
type Mailbox struct {
	Address string `json:"address"`
	// Office owns the mailbox, as the notice names it; empty when the notice
	// does not say.
	Office       string  `json:"office,omitempty"`
	Source       Source  `json:"source"`
	OfficeSource *Source `json:"office_source,omitempty"`
}

// Contact is a contact person or office with phone numbers.
type Contact struct {
	Office string   `json:"office,omitempty"`
	Person string   `json:"person,omitempty"`
	Phones []string `json:"phones,omitempty"`
	Source Source   `json:"source"`
}

// Attachment is one entry of the 附件 list.
type Attachment struct {
	// Number is the attachment's number, 0 when the list is not numbered.
	Number int    `json:"number"`
	Title  string `json:"title"`
	// Material is what the attachment is (stats_table, recommend_table),
	// empty when it is not a material units send back.
	Material campaign.Material `json:"material,omitempty"`
	Source   Source            `json:"source"`
}

// Unit is a unit named in one of the notice's tables.
type Unit struct {
	Name string `json:"name"`
	// Aliases are other spellings of the same unit in the table
	// (陵川县发展和改革局和科技局 beside 陵川县发展改革和科技局).
	Aliases []string `json:"aliases,omitempty"`
	// Column is the table column the name was read from (推荐单位, 承办单位…).
	Column string `json:"column"`
	// Rows are the values of the 序号 column of the rows naming the unit.
	Rows []string `json:"rows,omitempty"`
	// Issuer is set when the unit is one of the notice's issuing offices.
	Issuer bool   `json:"issuer,omitempty"`
	Source Source `json:"source"`
}

// Notice is what was read from a notice. Pointers and slices are nil when
// the value could not be found; Missing names them.
type Notice struct {
	Title *Field `json:"title,omitempty"`
	// Number is the document number in its standard form, 晋市科字〔2026〕3号.
	Number *Field `json:"number,omitempty"`
	// Offices are the issuing offices, from the header and the signature.
	Offices   []Field `json:"offices,omitempty"`
	Published *Date   `json:"published,omitempty"`
	// Year is the notice's year (from the publication date, the document
	// number or the title); 0 when unknown.
	Year int `json:"year,omitempty"`
	// Requests are the reporting sentences, in order.
	Requests []Request `json:"requests,omitempty"`
	// Deadline is the latest deadline of the requests.
	Deadline *Deadline `json:"deadline,omitempty"`
	// Materials are the materials of all requests, in order of appearance.
	Materials   []Material   `json:"materials,omitempty"`
	VideoLimit  *Duration    `json:"video_limit,omitempty"`
	Delivery    *Delivery    `json:"delivery,omitempty"`
	Mailboxes   []Mailbox    `json:"mailboxes,omitempty"`
	Contacts    []Contact    `json:"contacts,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
	// Units are the names in the tables' 推荐单位 columns: a roster draft.
	Units []Unit `json:"units,omitempty"`
	// OtherUnits are names in 承办单位/举办单位/主办单位 columns: less
	// likely to be reporting units, listed for the officer to judge.
	OtherUnits []Unit `json:"other_units,omitempty"`
	// Missing lists the keys of what could not be found (see MissingLabel).
	Missing []string `json:"missing,omitempty"`
	// TextLength is the number of characters of text read; 0 means nothing
	// could be read (see the findings).
	TextLength int `json:"text_length"`
}

// Keys of Notice.Missing. A mailbox without an office is listed as
// MissingMailboxOffice + ":" + address.
const (
	MissingTitle         = "title"
	MissingNumber        = "number"
	MissingOffices       = "offices"
	MissingPublished     = "published"
	MissingDeadline      = "deadline"
	MissingMaterials     = "materials"
	MissingVideoLimit    = "video_limit"
	MissingMailboxes     = "mailboxes"
	MissingMailboxOffice = "mailbox_office"
	MissingDelivery      = "delivery"
	MissingContacts      = "contacts"
	MissingAttachments   = "attachments"
	MissingUnits         = "units"
)

// MissingLabel returns the Chinese description of a Missing key, for the
// officer.
func MissingLabel(key string) string {
	if addr, ok := strings.CutPrefix(key, MissingMailboxOffice+":"); ok {
		return "邮箱 " + addr + " 所属单位"
	}
	switch key {
	case MissingTitle:
		return "通知标题"
	case MissingNumber:
		return "发文字号"
	case MissingOffices:
		return "发文机关"
	case MissingPublished:
		return "成文日期"
	case MissingDeadline:
		return "报送截止日期"
	case MissingMaterials:
		return "报送材料"
	case MissingVideoLimit:
		return "视频时长要求"
	case MissingMailboxes:
		return "报送邮箱"
	case MissingDelivery:
		return "报送方式（分别报送/统一报送）"
	case MissingContacts:
		return "联系人和联系电话"
	case MissingAttachments:
		return "附件"
	case MissingUnits:
		return "单位名单（通知表格中的推荐单位）"
	}
	return key
}
