package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/export"
	"github.com/shoubao/shoubao/pipeline/sender"
	"github.com/shoubao/shoubao/pipeline/service"
	"github.com/shoubao/shoubao/pipeline/upward"
	"github.com/shoubao/shoubao/sinks"
)

// KindUpward is the outbox kind of a package sent to the upper office.
const KindUpward = "upward"

// upwardStore is what sending upward needs from the store.
type upwardStore interface {
	Jobs(ctx context.Context, campaignID string) ([]sinks.Job, error)
	AddJobs(ctx context.Context, jobs []sinks.Job) (int, error)
	FinishJob(ctx context.Context, j sinks.Job) error
}

// sendUpward mails the merged tables written in dir (and the office's own
// report) to the upper office, once: it is recorded in the outbox, and a
// second sending needs again. With preview it only says what would go.
func sendUpward(ctx context.Context, env *environment, cfg *config.Config, cc *config.Campaign, st upwardStore,
	dir string, preview, again bool, now time.Time) error {
	up := cc.Upward
	if up.To == "" {
		return usageError{fmt.Sprintf("campaign %s has no upward.to: the upper office's mailbox", cc.ID)}
	}
	dom := cc.Domain()
	office := up.Office
	if office == "" && len(dom.Mailboxes) > 0 {
		office = dom.Mailboxes[0].Office
	}
	subject := up.Subject
	if subject == "" {
		subject = office + "报送" + dom.Title + "材料"
	}
	names := export.Names(dom.ID, now)
	var files []upward.File
	for _, n := range []string{names.Stats, names.Recommend, names.List} {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return fmt.Errorf("send upward: %w", err)
		}
		files = append(files, upward.File{Name: n, Data: b})
	}
	if up.Report != "" {
		b, err := os.ReadFile(up.Report)
		if err != nil {
			return fmt.Errorf("send upward: the office's report (upward.report): %w", err)
		}
		files = append(files, upward.File{Name: filepath.Base(up.Report), Data: b})
	}
	jobs, err := st.Jobs(ctx, dom.ID)
	if err != nil {
		return err
	}
	n := 0
	for _, j := range jobs {
		if j.Kind != KindUpward {
			continue
		}
		n++
		if j.State == sinks.JobSent && !again && !preview {
			return usageError{fmt.Sprintf("已于 %s 发送给 %s（%s）；如需再次发送，请加 --again",
				j.DoneAt.In(campaign.ChinaTime()).Format("2006-01-02 15:04"), j.Recipient, j.Subject)}
		}
	}
	key := fmt.Sprintf("upward/%d", n+1)
	mb := dom.Mailboxes[0]
	mails, err := upward.Mails(&dom, upward.Package{Office: office, From: mb.Address, To: up.To, Subject: subject,
		Files: files, Key: key}, int64(up.MaxMailSize), now)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "报送上级：发件 %s，收件 %s，共 %d 封邮件\n", mb.Address, up.To, len(mails))
	for _, m := range mails {
		fmt.Fprintf(env.stdout, "  《%s》\n", m.Subject)
		for _, a := range m.Attachments {
			fmt.Fprintf(env.stdout, "    %s（%d KB）\n", a.Name, len(a.Data)>>10)
		}
	}
	if preview {
		fmt.Fprintln(env.stdout, "（预览，未发送。确认无误后用 --send 发送。）")
		return nil
	}
	job := sinks.Job{CampaignID: dom.ID, Kind: KindUpward, Key: key, MailboxID: mb.ID, Recipient: up.To,
		State: sinks.JobPending, Subject: subject}
	if added, err := st.AddJobs(ctx, []sinks.Job{job}); err != nil {
		return err
	} else if added == 0 {
		return fmt.Errorf("send upward: another process is sending this package right now")
	}
	if jobs, err = st.Jobs(ctx, dom.ID); err != nil {
		return err
	}
	for _, j := range jobs {
		if j.Kind == KindUpward && j.Key == key {
			job = j
		}
	}
	tr, err := service.MailboxTransport(cfg, newLogger(io.Discard, cfg.LogLevel))
	if err != nil {
		return err
	}
	job.Subject, job.Body, job.MessageID = mails[0].Subject, mails[0].Text, mails[0].MessageID
	for _, m := range mails {
		raw, err := m.Bytes(now)
		if err != nil {
			return err
		}
		if err := tr.Send(ctx, mb.ID, []string{up.To}, raw); err != nil {
			job.State, job.Reason = sinks.JobFailed, err.Error()
			if errors.Is(err, sender.ErrPermanent) {
				job.Reason = "refused: " + err.Error()
			}
			_ = st.FinishJob(ctx, job)
			return fmt.Errorf("send upward: %w", err)
		}
		if tr.SavesSent(mb.ID) {
			if err := tr.SaveSent(ctx, mb.ID, raw, m.MessageID); err != nil {
				fmt.Fprintf(env.stderr, "shoubao export: sent, but not filed in the Sent folder: %v\n", err)
			}
		}
	}
	job.State = sinks.JobSent
	if err := st.FinishJob(ctx, job); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "已发送给 %s。\n", up.To)
	return nil
}

// upwardParts are the exports the package needs.
func upwardParts(parts []string) []string {
	for _, p := range []string{partStats, partRecommend, partList} {
		if !strings.Contains(strings.Join(parts, ","), p) {
			parts = append(parts, p)
		}
	}
	return parts
}
