package main

import (
	"context"
	"fmt"
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
	pwFile := filepath.Join(dir, "imap-password")
	if err := os.WriteFile(pwFile, []byte(demo.Password), 0o600); err != nil {
		return err
	}
	src := fmt.Sprintf("data_dir: %q\nlog_level: %s\npoll: {interval: 10s}\ncampaigns:%s",
		dir, map[bool]string{true: "info", false: "error"}[*verbose], demo.CampaignYAML("127.0.0.1", srv.Port(), pwFile))
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
	if !*keep {
		return nil
	}
	fmt.Fprintf(env.stdout, "\n--keep: polling the sample mailboxes until Ctrl-C. Add mail with any IMAP client:\n"+
		"  server imap://%s (plain, no TLS), users %s and %s, password %s\n", srv.Addr(), demo.MailboxBureau, demo.MailboxAssoc, demo.Password)
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
