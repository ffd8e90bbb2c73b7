package config

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/shoubao/shoubao/pipeline/campaign"
)

// Campaign is one reporting round: a notice, its deadline, what must be
// sent, where to, and by whom.
type Campaign struct {
	// ID is a short stable identifier: letters, digits, '-' and '_'.
	ID string `yaml:"id"`
	// Title is the notice's title.
	Title string `yaml:"title"`
	// NoticeNumber is the document number, e.g. 晋市科字〔2026〕3号.
	NoticeNumber string `yaml:"notice_number"`
	// Deadline is the last moment a submission counts as on time.
	Deadline Deadline `yaml:"deadline"`
	// VideoLimitSeconds is the longest acceptable video; 0 means no limit.
	VideoLimitSeconds int `yaml:"video_limit_seconds"`
	// Materials are the materials every unit must send.
	Materials []Material `yaml:"materials"`
	// Delivery is "each" (分别报送: every mailbox must receive the
	// materials) or "any" (统一报送: one mailbox is enough).
	Delivery string `yaml:"delivery"`
	// Mailboxes are the contact mailboxes of the notice.
	Mailboxes []Mailbox `yaml:"mailboxes"`
	// Units is the roster of units expected to submit.
	Units []Unit `yaml:"units"`
	// Receipts says whether and how senders get an automatic receipt.
	Receipts Receipts `yaml:"receipts"`
	// Officers are the addresses that get the daily digest.
	Officers []string `yaml:"officers"`
	// Digest is the officers' daily digest (每日汇总).
	Digest Digest `yaml:"digest"`
	// Reminders are the 催报 mails to units not yet complete.
	Reminders Reminders `yaml:"reminders"`
	// Upward is where the merged result goes: the upper office.
	Upward Upward `yaml:"upward"`
}

// Upward says how the merged result is sent to the next level up
// (`shoubao export --send`).
type Upward struct {
	// To is the upper office's mailbox.
	To string `yaml:"to"`
	// Subject of the mail; default "<office>报送<campaign title>材料".
	Subject string `yaml:"subject"`
	// Office sending (default: the first contact mailbox's office).
	Office string `yaml:"office"`
	// Report is the office's own summary report (a .docx or .pdf file),
	// sent with the merged tables.
	Report string `yaml:"report"`
	// MaxMailSize is the largest mail the provider takes; larger packages
	// are split. Default 45MB (163 takes about 50 MB).
	MaxMailSize ByteSize `yaml:"max_mail_size"`
}

// Digest configures a campaign's daily digest to its officers.
type Digest struct {
	// Mode is off, preview (default: composed and kept, not sent) or send.
	Mode string `yaml:"mode"`
	// At is the time of day, Beijing time. Default "08:30".
	At string `yaml:"at"`
	// Start is the first day a digest goes out. Default: 30 days before
	// the deadline.
	Start string `yaml:"start"`
	// DaysAfterDeadline is how many days after the deadline digests go on.
	// Default 3. One more goes out right after the deadline.
	DaysAfterDeadline int `yaml:"days_after_deadline"`
}

// Reminders configures a campaign's 催报 to units not yet complete.
type Reminders struct {
	// Mode is off, preview (default) or send.
	Mode string `yaml:"mode"`
	// DaysBefore are the days before the deadline a reminder goes out.
	// Default [3, 1].
	DaysBefore []int `yaml:"days_before"`
	// At is the time of day, Beijing time. Default "09:00".
	At string `yaml:"at"`
	// AfterDeadline also reminds the day after the deadline.
	AfterDeadline bool `yaml:"after_deadline"`
}

// Receipt modes.
const (
	ReceiptsOff     = "off"     // no receipt is decided
	ReceiptsPreview = "preview" // receipts are composed and shown, not sent
	ReceiptsSend    = "send"    // receipts are sent
)

// Receipts configures a campaign's automatic receipts (回执).
type Receipts struct {
	// Mode is off, preview (default: composed and shown in the report,
	// not sent, so that an office can read them before switching on) or
	// send.
	Mode string `yaml:"mode"`
	// Office and Phone sign the receipt (default office: the contact
	// mailbox's office).
	Office string `yaml:"office"`
	Phone  string `yaml:"phone"`
	// PerRecipientPerHour caps the receipts one address gets in an hour,
	// so that a robot that slips through is bounded. Default 5.
	PerRecipientPerHour int `yaml:"per_recipient_per_hour"`
}

// Delivery modes of a campaign (see package campaign).
const (
	DeliveryEach = campaign.DeliveryEach // 分别报送
	DeliveryAny  = campaign.DeliveryAny  // 统一报送
)

// Material is one kind of material a notice asks for (see package
// campaign, which holds the vocabulary).
type Material = campaign.Material

// The materials a campaign can require.
const (
	MaterialReport    = campaign.MaterialReport
	MaterialStats     = campaign.MaterialStats
	MaterialRecommend = campaign.MaterialRecommend
	MaterialMedia     = campaign.MaterialMedia
	MaterialVideo     = campaign.MaterialVideo
	MaterialPhoto     = campaign.MaterialPhoto
)

// Materials lists every valid Material in a stable order.
var Materials = campaign.Materials

// Mailbox is one contact mailbox and how to reach it over IMAP.
type Mailbox struct {
	// Address is the mailbox's email address as printed in the notice.
	Address string `yaml:"address"`
	// Office is who owns the mailbox (晋城市科学技术局).
	Office string `yaml:"office"`
	IMAP   IMAP   `yaml:"imap"`
	// SMTP says how receipts go out from this mailbox. Empty fields take
	// the provider's defaults (163/126/yeah: smtp.<domain>:465, implicit
	// TLS; qq.com…), then the top-level smtp section; the password is the
	// IMAP one (the same 授权码) unless given here.
	SMTP MailboxSMTP `yaml:"smtp"`
	// SaveSent files every receipt sent from this mailbox in its Sent
	// folder over IMAP (163 does not file SMTP-sent mail there). Default
	// true.
	SaveSent *bool `yaml:"save_sent"`
}

// MailboxSMTP is how one contact mailbox sends mail.
type MailboxSMTP struct {
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
	// TLS is implicit, starttls or none (loopback test servers only).
	TLS    string `yaml:"tls"`
	User   string `yaml:"user"`
	Secret Secret `yaml:",inline"`
	// NoLogin sends without logging in: only for a relay on loopback that
	// takes mail from this host (a local Postfix, a test server).
	NoLogin bool `yaml:"no_login"`
}

// SavesSent reports whether receipts are filed in the Sent folder.
func (m *Mailbox) SavesSent() bool { return m.SaveSent == nil || *m.SaveSent }

// IMAP says how to log in to a mailbox.
type IMAP struct {
	Host string `yaml:"host"`
	// Port defaults to 993 for implicit TLS and 143 otherwise.
	Port int `yaml:"port"`
	// TLS is "implicit" (default), "starttls" or "none" (loopback only).
	TLS string `yaml:"tls"`
	// User defaults to the mailbox address.
	User string `yaml:"user"`
	// Secret names where the password (for 163/126/QQ: the authorization
	// code, 授权码) comes from.
	Secret Secret `yaml:",inline"`
	// Folder defaults to INBOX.
	Folder string `yaml:"folder"`
	// InsecureSkipVerify disables certificate checks (test servers only).
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// Secret names where a password comes from. It is never written in the file
// itself.
type Secret struct {
	// PasswordEnv names an environment variable holding the password.
	PasswordEnv string `yaml:"password_env"`
	// PasswordFile names a file holding the password (Docker/Kubernetes
	// secrets); surrounding white space is trimmed.
	PasswordFile string `yaml:"password_file"`
	// Password is rejected when non-empty: it exists only so that a file
	// that contains one gets a clear error instead of silently working.
	Password string `yaml:"password" config:"refused"`
}

// Resolve returns the secret's value from the environment or file.
func (s Secret) Resolve() (string, error) {
	switch {
	case s.PasswordEnv != "":
		v, ok := os.LookupEnv(s.PasswordEnv)
		if !ok || v == "" {
			return "", fmt.Errorf("environment variable %s is not set", s.PasswordEnv)
		}
		return v, nil
	case s.PasswordFile != "":
		b, err := os.ReadFile(s.PasswordFile)
		if err != nil {
			return "", fmt.Errorf("read password file: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return "", nil
}

// Unit is one unit expected to submit.
type Unit struct {
	// Name is the unit's official name.
	Name string `yaml:"name"`
	// Aliases are other names the unit goes by (older names, short names).
	Aliases []string `yaml:"aliases"`
	// Senders are addresses the unit is known to send from.
	Senders []string `yaml:"senders"`
	// Contact and Phone are the unit's contact person and phone (shown to
	// officers; a unit without a known address is reminded by phone).
	Contact string `yaml:"contact"`
	Phone   string `yaml:"phone"`
}

// Domain returns the campaign as the rest of shoubao sees it: plain values,
// with the deadline resolved to an instant.
func (c *Campaign) Domain() campaign.Campaign {
	d := campaign.Campaign{ID: c.ID, Title: c.Title, NoticeNumber: c.NoticeNumber, Deadline: c.Deadline.End,
		VideoLimit: time.Duration(c.VideoLimitSeconds) * time.Second, Materials: c.Materials, Delivery: c.Delivery,
		Receipts: campaign.Receipts{Mode: c.Receipts.Mode, Office: c.Receipts.Office, Phone: c.Receipts.Phone,
			PerRecipientPerHour: c.Receipts.PerRecipientPerHour},
		Officers: c.Officers,
		Upward: campaign.Upward{To: c.Upward.To, Subject: c.Upward.Subject, Office: c.Upward.Office, Report: c.Upward.Report,
			MaxMailSize: int64(c.Upward.MaxMailSize)},
		Digest: campaign.Digest{Mode: c.Digest.Mode, At: clockOf(c.Digest.At), DaysAfterDeadline: c.Digest.DaysAfterDeadline},
		Reminders: campaign.Reminders{Mode: c.Reminders.Mode, DaysBefore: c.Reminders.DaysBefore, At: clockOf(c.Reminders.At),
			AfterDeadline: c.Reminders.AfterDeadline}}
	if t, err := time.ParseInLocation("2006-01-02", c.Digest.Start, ChinaTime()); err == nil {
		d.Digest.Start = t
	} else if !c.Deadline.End.IsZero() {
		d.Digest.Start = c.Deadline.End.AddDate(0, 0, -31)
	}
	for _, mb := range c.Mailboxes {
		d.Mailboxes = append(d.Mailboxes, campaign.Mailbox{ID: MailboxID(c.ID, mb.Address), Address: mb.Address, Office: mb.Office})
	}
	for _, u := range c.Units {
		du := campaign.Unit{Name: u.Name, Aliases: u.Aliases, Contact: u.Contact, Phone: u.Phone}
		for _, s := range u.Senders {
			du.Senders = append(du.Senders, strings.ToLower(strings.TrimSpace(s)))
		}
		d.Units = append(d.Units, du)
	}
	return d
}

// clockOf reads "08:30" as a duration since midnight (0 when unreadable;
// validation reports it).
func clockOf(s string) time.Duration {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
}
