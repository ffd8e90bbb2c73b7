package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/service"
	"github.com/shoubao/shoubao/pipeline/upward"
)

// sendUpward mails the merged tables (and the office's own report) to the
// upper office, once (pipeline/upward); with preview it only says what
// would go.
func sendUpward(ctx context.Context, env *environment, cfg *config.Config, cc *config.Campaign, st upward.Store,
	preview, again bool, now time.Time) error {
	dom := cc.Domain()
	if dom.Upward.To == "" {
		return usageError{fmt.Sprintf("campaign %s has no upward.to: the upper office's mailbox", cc.ID)}
	}
	p, err := upward.Prepare(ctx, st, &dom, again || preview, now)
	if errors.Is(err, upward.ErrSentBefore) {
		return usageError{err.Error() + "；如需再次发送，请加 --again"}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "报送上级：发件 %s，收件 %s，共 %d 封邮件\n", p.From, p.To, len(p.Mails))
	for _, m := range p.Mails {
		fmt.Fprintf(env.stdout, "  《%s》\n", m.Subject)
		for _, a := range m.Attachments {
			fmt.Fprintf(env.stdout, "    %s（%d KB）\n", a.Name, len(a.Data)>>10)
		}
	}
	if preview {
		if p.Before != nil {
			fmt.Fprintf(env.stdout, "（此前已于 %s 发送过一次。）\n", p.Before.DoneAt.Format("2006-01-02 15:04"))
		}
		fmt.Fprintln(env.stdout, "（预览，未发送。确认无误后用 --send 发送。）")
		return nil
	}
	tr, err := service.MailboxTransport(cfg, newLogger(io.Discard, cfg.LogLevel))
	if err != nil {
		return err
	}
	if err := p.Send(ctx, st, tr, now); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "已发送给 %s。\n", p.To)
	return nil
}

// upwardParts are the exports the package needs written too.
func upwardParts(parts []string) []string {
	for _, p := range []string{partStats, partRecommend, partList} {
		if !slices.Contains(parts, p) {
			parts = append(parts, p)
		}
	}
	return parts
}
