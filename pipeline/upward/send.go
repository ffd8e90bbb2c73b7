package upward

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/export"
	"github.com/shoubao/shoubao/pipeline/outmail"
	"github.com/shoubao/shoubao/pipeline/report"
	"github.com/shoubao/shoubao/sinks"
)

// Kind is the outbox kind of a package sent upward.
const Kind = "upward"

// ErrSentBefore is returned by Prepare when the package went out before
// and again was not asked for.
var ErrSentBefore = errors.New("sent before")

// Store is what sending upward needs from the store.
type Store interface {
	report.Source
	AddJobs(ctx context.Context, jobs []sinks.Job) (int, error)
	FinishJob(ctx context.Context, j sinks.Job) error
}

// Transport sends from a contact mailbox and files in its Sent folder.
type Transport interface {
	Send(ctx context.Context, mailboxID string, to []string, raw []byte) error
	SavesSent(mailboxID string) bool
	SaveSent(ctx context.Context, mailboxID string, raw []byte, messageID string) error
}

// Plan is a package ready to go: its mails, and what went before.
type Plan struct {
	Campaign  *campaign.Campaign
	MailboxID string
	From, To  string
	Subject   string
	Mails     []*outmail.Mail
	// Key names this sending in the outbox (upward/1, upward/2…).
	Key string
	// Before is the last sending that went out, if any.
	Before *sinks.Job
}

// Prepare makes the merged tables from the record as it is now (export's
// statistics summary, recommendation list and 一览表) and the office's own
// report, and writes the mails. A package that went out before is refused
// with ErrSentBefore unless again.
func Prepare(ctx context.Context, st Store, c *campaign.Campaign, again bool, now time.Time) (*Plan, error) {
	up := c.Upward
	if up.To == "" {
		return nil, fmt.Errorf("campaign %s has no upward.to: the upper office's mailbox", c.ID)
	}
	if len(c.Mailboxes) == 0 {
		return nil, fmt.Errorf("campaign %s has no contact mailbox to send from", c.ID)
	}
	mb := c.Mailboxes[0]
	office := up.Office
	if office == "" {
		office = mb.Office
	}
	p := &Plan{Campaign: c, MailboxID: mb.ID, From: mb.Address, To: up.To, Subject: up.Subject}
	if p.Subject == "" {
		p.Subject = office + "报送" + c.Title + "材料"
	}
	jobs, err := st.Jobs(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	n := 0
	for i, j := range jobs {
		if j.Kind != Kind {
			continue
		}
		n++
		if j.State == sinks.JobSent {
			p.Before = &jobs[i]
		}
	}
	if p.Before != nil && !again {
		return p, fmt.Errorf("已于 %s 发送给 %s（%s）：%w",
			p.Before.DoneAt.In(campaign.ChinaTime()).Format("2006-01-02 15:04"), p.Before.Recipient, p.Before.Subject, ErrSentBefore)
	}
	p.Key = fmt.Sprintf("upward/%d", n+1)
	files, err := Files(ctx, st, c, now)
	if err != nil {
		return nil, err
	}
	p.Mails, err = Mails(c, Package{Office: office, From: mb.Address, To: up.To, Subject: p.Subject, Files: files, Key: p.Key},
		up.MaxMailSize, now)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Files makes the package's files: the three merged tables and the
// office's own report.
func Files(ctx context.Context, src report.Source, c *campaign.Campaign, now time.Time) ([]File, error) {
	ec, err := export.Load(ctx, src, c, now)
	if err != nil {
		return nil, err
	}
	names := export.Names(c.ID, now)
	var files []File
	for _, part := range []struct {
		name  string
		write func(io.Writer, *export.Campaign) error
	}{{names.Stats, export.WriteStats}, {names.Recommend, export.WriteRecommend}, {names.List, export.WriteList}} {
		var b bytes.Buffer
		if err := part.write(&b, ec); err != nil {
			return nil, err
		}
		files = append(files, File{Name: part.name, Data: b.Bytes()})
	}
	if c.Upward.Report != "" {
		b, err := os.ReadFile(c.Upward.Report)
		if err != nil {
			return nil, fmt.Errorf("the office's report (upward.report): %w", err)
		}
		files = append(files, File{Name: filepath.Base(c.Upward.Report), Data: b})
	}
	return files, nil
}

// Send sends the plan's mails, once: the sending is recorded in the
// outbox first (kind upward), then marked sent or failed.
func (p *Plan) Send(ctx context.Context, st Store, tr Transport, now time.Time) error {
	job := sinks.Job{CampaignID: p.Campaign.ID, Kind: Kind, Key: p.Key, MailboxID: p.MailboxID, Recipient: p.To,
		State: sinks.JobPending, Subject: p.Subject}
	if added, err := st.AddJobs(ctx, []sinks.Job{job}); err != nil {
		return err
	} else if added == 0 {
		return errors.New("this package is being sent by another process right now")
	}
	jobs, err := st.Jobs(ctx, p.Campaign.ID)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		if j.Kind == Kind && j.Key == p.Key {
			job = j
		}
	}
	job.Subject, job.Body, job.MessageID = p.Mails[0].Subject, p.Mails[0].Text, p.Mails[0].MessageID
	for _, m := range p.Mails {
		raw, err := m.Bytes(now)
		if err != nil {
			return err
		}
		if err := tr.Send(ctx, p.MailboxID, []string{p.To}, raw); err != nil {
			job.State, job.Reason = sinks.JobFailed, err.Error()
			_ = st.FinishJob(ctx, job)
			return fmt.Errorf("send upward: %w", err)
		}
		if tr.SavesSent(p.MailboxID) {
			_ = tr.SaveSent(ctx, p.MailboxID, raw, m.MessageID)
		}
	}
	job.State = sinks.JobSent
	return st.FinishJob(ctx, job)
}
