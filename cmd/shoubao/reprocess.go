package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/service"
	"github.com/shoubao/shoubao/sinks"
)

// cmdReprocess reads every stored raw message again with the current
// parsers and replaces the facts stored about it. It is idempotent: run it
// twice and the second run changes nothing. Judgments need no reprocessing
// (they are computed when read); this is for when the parsers improve.
func cmdReprocess(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "reprocess")
	path := configFlag(fs)
	campaignID := fs.String("campaign", "", "only this campaign's messages (default: every campaign of the configuration)")
	verbose := fs.Bool("v", false, "log every message")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := readRecord(*path)
	if err != nil {
		return err
	}
	campaigns, err := pickCampaigns(cfg, *campaignID)
	if err != nil {
		return err
	}
	logOut := io.Discard
	if *verbose {
		logOut = env.stderr
	}
	svc, err := service.OpenOffline(ctx, cfg, newLogger(logOut, cfg.LogLevel))
	if err != nil {
		return redactErr(cfg, err)
	}
	defer svc.Close()
	start := time.Now()
	var total, done, failed int
	for _, c := range campaigns {
		rows, err := svc.Store().Messages(ctx, c.ID)
		if err != nil {
			return redactErr(cfg, err)
		}
		total += len(rows)
		p := newProgress(env.stderr, "reprocess "+c.ID, len(rows))
		// Copies with the same raw bytes are read once.
		read := map[string]*sinks.Message{}
		for i, r := range rows {
			p.set(i)
			m, ok := read[r.RawSHA256]
			if !ok {
				ev := bus.Event{CampaignID: r.CampaignID, MailboxID: r.MailboxID, UIDValidity: r.UIDValidity, UID: r.UID,
					InternalDate: r.InternalDate, Object: r.RawObject, Size: r.RawSize, SHA256: r.RawSHA256}
				m, err = svc.Worker().Reinspect(ctx, ev)
				if err != nil {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					failed++
					fmt.Fprintf(env.stderr, "\rreprocess: message %d (%s UID %d): %v\n", r.ID, r.MailboxID, r.UID, err)
					continue
				}
				read[r.RawSHA256] = m
			}
			if err := svc.Store().ReplaceFacts(ctx, r.ID, m); err != nil && !errors.Is(err, sinks.ErrNotFound) {
				return redactErr(cfg, err)
			}
			done++
		}
		p.set(len(rows))
		p.done()
	}
	fmt.Fprintf(env.stdout, "reprocessed %d of %d stored messages in %s", done, total, time.Since(start).Round(time.Millisecond))
	if failed > 0 {
		fmt.Fprintf(env.stdout, "; %d could not be read again (their facts are unchanged)\n", failed)
		return fmt.Errorf("%d messages could not be reprocessed", failed)
	}
	fmt.Fprintln(env.stdout)
	return nil
}
