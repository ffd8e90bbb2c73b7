package main

import (
	"bytes"
	"strings"

	"context"
	"fmt"
	"github.com/emersion/go-message/mail"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/demo"
	"github.com/shoubao/shoubao/pipeline/imapmem"
	"github.com/shoubao/shoubao/pipeline/report"
	"github.com/shoubao/shoubao/pipeline/rules"
	"github.com/shoubao/shoubao/pipeline/service"
)

func cmdDemo(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "demo")
	keep := fs.Bool("keep", false, "keep running after the first pass: poll the sample mailboxes until Ctrl-C (add mail with any IMAP client)")
	dataDir := fs.String("data-dir", "", "keep the demo's store and bus in this directory (default: a temporary one, removed at exit)")
	verbose := fs.Bool("v", false, "log what the pipeline does")
	exportDir := fs.String("export", "", "also write the exports (statistics summary, recommendation list, 一览表, materials zip) into this folder")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	start := time.Now()
	dir := *dataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "shoubao-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}

	// The sample mailboxes, on an in-process IMAP server on loopback.
	srv, err := imapmem.Start("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer srv.Close()
	for _, mb := range []string{demo.MailboxBureau, demo.MailboxAssoc} {
		if err := srv.AddUser(mb, demo.Password); err != nil {
			return err
		}
	}
	mails := demo.Mails()
	for _, m := range mails {
		for _, to := range m.To {
			if _, err := srv.Append(to, "INBOX", m.Raw, m.Received); err != nil {
				return err
			}
		}
	}
	// Receipts go to an in-process SMTP server on loopback.
	outbox, err := demo.StartOutbox()
	if err != nil {
		return err
	}
	defer outbox.Close()
	pwFile := filepath.Join(dir, "imap-password")
	if err := os.WriteFile(pwFile, []byte(demo.Password), 0o600); err != nil {
		return err
	}
	src := fmt.Sprintf("data_dir: %q\nlog_level: %s\npoll: {interval: 10s}\ncampaigns:%s",
		dir, map[bool]string{true: "info", false: "error"}[*verbose], demo.CampaignYAMLWithSMTP("127.0.0.1", srv.Port(), pwFile, outbox.Port()))
	if *keep {
		src = demoConsoleYAML + src
	}
	cfg, err := config.Parse([]byte(src))
	if err != nil {
		return fmt.Errorf("demo configuration: %w", err)
	}
	logOut := io.Discard
	if *verbose {
		logOut = env.stderr
	}
	service.SetMemoryLimit(cfg)
	svc, err := service.Open(ctx, cfg, newLogger(logOut, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer svc.Close()

	copies := 0
	for _, m := range mails {
		copies += len(m.To)
	}
	fmt.Fprintf(env.stdout, "shoubao demo: %d messages (%d copies) in 2 sample mailboxes (%s, %s) on imap://%s\n",
		len(mails), copies, demo.MailboxBureau, demo.MailboxAssoc, srv.Addr())
	fmt.Fprintf(env.stdout, "embedded store and NATS JetStream in %s\n\n", dir)
	if err := svc.Once(ctx); err != nil {
		return err
	}
	st, err := printSummary(ctx, env.stdout, svc, &cfg.Campaign[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "\n处理完成：两个邮箱共收到 %d 封邮件（%d 份副本），全部入库，用时 %s。\n",
		st.Counts.Messages, copies, time.Since(start).Round(time.Millisecond))
	if *exportDir != "" {
		if err := exportCampaign(ctx, env, svc.Store(), svc.Bus(), &cfg.Campaign[0], *exportDir, allParts, time.Now()); err != nil {
			return err
		}
	}
	printReceipt(env.stdout, outbox.Messages(), "lckjj@163.com")
	if !*keep {
		return nil
	}
	fmt.Fprintf(env.stdout, "\n--keep: polling the sample mailboxes until Ctrl-C. Add mail with any IMAP client:\n"+
		"  server imap://%s (plain, no TLS), users %s and %s, password %s\n", srv.Addr(), demo.MailboxBureau, demo.MailboxAssoc, demo.Password)
	if err := demoConsole(ctx, env, svc); err != nil {
		return err
	}
	if err := svc.Run(ctx); err != nil {
		return err
	}
	fmt.Fprintln(env.stdout)
	_, err = printSummary(context.WithoutCancel(ctx), env.stdout, svc, &cfg.Campaign[0])
	return err
}

// printSummary writes the campaign's report, judged by the rules from the
// store, as `shoubao report` does.
func printSummary(ctx context.Context, w io.Writer, svc *service.Service, c *config.Campaign) (*rules.State, error) {
	dom := c.Domain()
	st, err := report.Compute(ctx, svc.Store(), &dom, time.Now())
	if err != nil {
		return nil, err
	}
	return st, report.WriteText(w, st)
}

// printReceipt shows how many receipts went out and the one sent to
// recipient (the first unit of the sample), as the unit reads it.
func printReceipt(w io.Writer, sent [][]byte, recipient string) {
	fmt.Fprintf(w, "\n自动回执：已发出 %d 封（发往演示用的 SMTP 服务器）。其中发给 %s 的一封：\n\n", len(sent), recipient)
	var mr *mail.Reader
	var to []*mail.Address
	for _, m := range sent {
		r, err := mail.CreateReader(bytes.NewReader(m))
		if err != nil {
			continue
		}
		if to, _ = r.Header.AddressList("To"); len(to) == 1 && to[0].Address == recipient {
			mr = r
			break
		}
	}
	if mr == nil {
		return
	}
	subject, _ := mr.Header.Subject()
	fmt.Fprintf(w, "  主题：%s\n", subject)
	if len(to) > 0 {
		fmt.Fprintf(w, "  收件人：%s\n", to[0].Address)
	}
	fmt.Fprintf(w, "  Auto-Submitted: %s\n\n", mr.Header.Get("Auto-Submitted"))
	for {
		p, err := mr.NextPart()
		if err != nil {
			return
		}
		if ct, _, _ := p.Header.(*mail.InlineHeader).ContentType(); ct == "text/plain" {
			body, _ := io.ReadAll(p.Body)
			for _, line := range strings.Split(strings.TrimRight(string(body), "\n"), "\n") {
				fmt.Fprintf(w, "  %s\n", line)
			}
			return
		}
	}
}
