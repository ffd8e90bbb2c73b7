// Package campaign is the vocabulary of a reporting round: what a campaign
// asks for (materials), how units must deliver it, by when, to which
// mailboxes, and who must send it. It holds plain values; the YAML schema
// that fills them is pipeline/config, and the judgments made from them are
// pipeline/rules.
package campaign

import (
	"strings"
	"sync"
	"time"
)

// Campaign is one reporting round.
type Campaign struct {
	ID           string
	Title        string
	NoticeNumber string
	// Deadline is the first instant that is late (zero: no deadline). A
	// deadline written as a date ends with that day, China time.
	Deadline time.Time
	// VideoLimit is the longest acceptable video (zero: no limit).
	VideoLimit time.Duration
	// Materials are what every unit must send.
	Materials []Material
	// Delivery is DeliveryEach or DeliveryAny.
	Delivery  string
	Mailboxes []Mailbox
	// Units is the roster, in the order the officers keep it.
	Units []Unit
	// Receipts says whether senders get an automatic receipt.
	Receipts Receipts
	// Officers get the daily digest.
	Officers  []string
	Digest    Digest
	Reminders Reminders
	// Upward is where the merged result goes, one level up.
	Upward Upward
}

// Upward is how the merged result is mailed to the upper office.
type Upward struct {
	// To is the upper office's mailbox ("": not configured).
	To string
	// Subject, and Office sending ("": the first mailbox's office).
	Subject, Office string
	// Report is the office's own summary report, a file path ("": none).
	Report string
	// MaxMailSize is the largest mail the provider takes.
	MaxMailSize int64
}

// Digest is the officers' daily digest (每日汇总).
type Digest struct {
	// Mode is "off", "preview" or "send".
	Mode string
	// At is the time of day (since midnight, Beijing time).
	At time.Duration
	// Start is the first day a digest goes out.
	Start time.Time
	// DaysAfterDeadline: digests go on this many days after the deadline.
	DaysAfterDeadline int
}

// Reminders are the 催报 mails to units not yet complete.
type Reminders struct {
	// Mode is "off", "preview" or "send".
	Mode string
	// DaysBefore are the days before the deadline a reminder goes out.
	DaysBefore []int
	// At is the time of day (since midnight, Beijing time).
	At time.Duration
	// AfterDeadline also reminds the day after the deadline.
	AfterDeadline bool
}

// Receipts is how a campaign answers the people who send.
type Receipts struct {
	// Mode is "off", "preview" (composed, shown, not sent) or "send".
	Mode string
	// Office and Phone sign the receipt ("" office: the mailbox's).
	Office, Phone string
	// PerRecipientPerHour caps the receipts one address gets in an hour.
	PerRecipientPerHour int
}

// Mailbox is one contact mailbox of the notice.
type Mailbox struct {
	// ID is the campaign's mailbox id (MailboxID).
	ID      string
	Address string
	// Office owns the mailbox (晋城市科学技术局).
	Office string
}

// Unit is one unit expected to submit.
type Unit struct {
	Name string
	// Aliases are other names the unit goes by (older names, short names).
	Aliases []string
	// Senders are addresses the unit is known to send from, lower-case.
	Senders []string
	// Contact and Phone are the unit's contact person and phone number.
	Contact, Phone string
}

// Delivery modes.
const (
	DeliveryEach = "each" // 分别报送: every mailbox must receive the materials
	DeliveryAny  = "any"  // 统一报送: one mailbox is enough
)

// Material is one kind of material a notice asks for.
type Material string

// The materials a campaign can require. MaterialMedia (影像资料) is satisfied
// by photos or videos.
const (
	MaterialReport    Material = "report"          // 活动总结报告
	MaterialStats     Material = "stats_table"     // 开展情况统计表
	MaterialRecommend Material = "recommend_table" // 推荐表 / 推荐清单
	MaterialMedia     Material = "media"           // 影像资料 (photos or videos)
	MaterialVideo     Material = "video"           // 视频
	MaterialPhoto     Material = "photo"           // 照片
)

// Materials lists every valid Material in a stable order.
var Materials = []Material{MaterialReport, MaterialStats, MaterialRecommend, MaterialMedia, MaterialVideo, MaterialPhoto}

// Label returns the material's Chinese name.
func (m Material) Label() string {
	switch m {
	case MaterialReport:
		return "活动总结报告"
	case MaterialStats:
		return "开展情况统计表"
	case MaterialRecommend:
		return "推荐表"
	case MaterialMedia:
		return "影像资料"
	case MaterialVideo:
		return "视频"
	case MaterialPhoto:
		return "照片"
	}
	return string(m)
}

// MailboxID is the stable identifier of a campaign's mailbox, used for
// checkpoints, object names and logs: "<campaign>/<address>".
func MailboxID(campaignID, address string) string {
	return campaignID + "/" + strings.ToLower(address)
}

// ChinaTime is the time zone of every deadline and every time shown to an
// officer: Asia/Shanghai, or a fixed UTC+8 zone when the system has no time
// zone database (China has kept UTC+8 without daylight saving since 1991).
func ChinaTime() *time.Location { return chinaTime() }

var chinaTime = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
})
