package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/report"
	"github.com/shoubao/shoubao/pipeline/service"
)

// readRecord reads the configuration at path (no secrets needed) of a
// command that works on what run stored: with the embedded store, its file
// must exist (opening it would create an empty one and show nothing).
func readRecord(path string) (*config.Config, error) {
	if path == "" {
		return nil, usageError{"--config is required (or set " + EnvConfig + ")"}
	}
	cfg, err := config.Read(path)
	if err != nil {
		return nil, err
	}
	if cfg.Store.URL == "" {
		if err := checkStoreFile(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// openRecord is readRecord, then the store opened.
func openRecord(ctx context.Context, path string) (*config.Config, service.Store, error) {
	cfg, err := readRecord(path)
	if err != nil {
		return nil, nil, err
	}
	store, err := service.OpenStore(ctx, cfg)
	if err != nil {
		return nil, nil, redactErr(cfg, err)
	}
	return cfg, store, nil
}

// pickCampaigns returns the campaign named id, or every campaign when id
// is "".
func pickCampaigns(cfg *config.Config, id string) ([]*config.Campaign, error) {
	if id == "" {
		var all []*config.Campaign
		for i := range cfg.Campaign {
			all = append(all, &cfg.Campaign[i])
		}
		return all, nil
	}
	if c := cfg.CampaignByID(id); c != nil {
		return []*config.Campaign{c}, nil
	}
	var ids []string
	for _, c := range cfg.Campaign {
		ids = append(ids, c.ID)
	}
	return nil, usageError{fmt.Sprintf("no campaign %q in the configuration (campaigns: %s)", id, strings.Join(ids, ", "))}
}

func cmdReport(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "report")
	path := configFlag(fs)
	campaignID := fs.String("campaign", "", "the campaign's id (default: every campaign; required with --format json when there are several)")
	format := fs.String("format", "text", "text (for officers) or json (the stable document described in the README)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return usageError{fmt.Sprintf("--format must be text or json, not %q", *format)}
	}
	cfg, store, err := openRecord(ctx, *path)
	if err != nil {
		return err
	}
	defer store.Close()
	campaigns, err := pickCampaigns(cfg, *campaignID)
	if err != nil {
		return err
	}
	if *format == "json" && len(campaigns) > 1 {
		return usageError{"the configuration has several campaigns: choose one with --campaign for --format json"}
	}
	now := time.Now()
	for i, c := range campaigns {
		dom := c.Domain()
		st, err := report.Compute(ctx, store, &dom, now)
		if err != nil {
			return redactErr(cfg, err)
		}
		if *format == "json" {
			// Indented for a person at a terminal; one line for programs.
			return report.WriteJSON(env.stdout, st, isTerminal(env.stdout))
		}
		if i > 0 {
			fmt.Fprintln(env.stdout)
		}
		if err := report.WriteText(env.stdout, st); err != nil {
			return err
		}
	}
	return nil
}
