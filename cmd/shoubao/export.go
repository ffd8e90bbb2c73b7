package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/export"
	"github.com/shoubao/shoubao/pipeline/report"
	"github.com/shoubao/shoubao/pipeline/service"
	"github.com/shoubao/shoubao/pipeline/upward"
)

// The parts `shoubao export --only` can name.
const (
	partStats     = "stats"
	partRecommend = "recommend"
	partList      = "list"
	partFiles     = "files"
)

var allParts = []string{partStats, partRecommend, partList, partFiles}

// cmdExport writes a campaign's exports into a folder: the statistics
// summed over the units, the recommendation lists merged, the table of
// who sent what, and every unit's materials in a zip.
func cmdExport(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "export")
	path := configFlag(fs)
	campaignID := fs.String("campaign", "", "only this campaign (default: every campaign of the configuration)")
	out := fs.String("out", "", "the folder to write the exports into (created if needed; required)")
	only := fs.String("only", strings.Join(allParts, ","), "which exports: any of stats, recommend, list, files (comma-separated)")
	send := fs.Bool("send", false, "then mail the merged tables (and upward.report) to the upper office (upward.to), once")
	sendPreview := fs.Bool("send-preview", false, "show what --send would mail, without sending")
	again := fs.Bool("again", false, "with --send: send again although it was sent before")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *path == "" {
		return usageError{"--config is required (or set " + EnvConfig + ")"}
	}
	if *out == "" {
		return usageError{"--out DIR is required: the folder the exports are written into"}
	}
	parts, err := parseParts(*only)
	if err != nil {
		return err
	}
	if *send || *sendPreview {
		parts = upwardParts(parts)
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	cfg, err := readRecord(*path)
	if err != nil {
		return err
	}
	campaigns, err := pickCampaigns(cfg, *campaignID)
	if err != nil {
		return err
	}
	service.SetMemoryLimit(cfg)
	var store report.Source
	var files export.Files
	if slices.Contains(parts, partFiles) {
		// The files live in the bus's files bucket: open it (an embedded
		// one is locked by a running `shoubao run`).
		svc, err := service.OpenOffline(ctx, cfg, newLogger(io.Discard, cfg.LogLevel))
		if err != nil {
			return redactErr(cfg, err)
		}
		defer svc.Close()
		store, files = svc.Store(), svc.Bus()
	} else {
		st, err := service.OpenStore(ctx, cfg)
		if err != nil {
			return redactErr(cfg, err)
		}
		defer st.Close()
		store = st
	}
	for _, c := range campaigns {
		now := time.Now()
		if err := exportCampaign(ctx, env, store, files, c, *out, parts, now); err != nil {
			return redactErr(cfg, err)
		}
		if *send || *sendPreview {
			us, ok := store.(upward.Store)
			if !ok {
				return fmt.Errorf("send upward: this store keeps no outbox")
			}
			if err := sendUpward(ctx, env, cfg, c, us, *sendPreview, *again, now); err != nil {
				return redactErr(cfg, err)
			}
		}
	}
	return nil
}

// parseParts reads --only.
func parseParts(s string) ([]string, error) {
	var parts []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !slices.Contains(allParts, p) {
			return nil, usageError{fmt.Sprintf("--only: unknown export %q (choose from %s)", p, strings.Join(allParts, ", "))}
		}
		if !slices.Contains(parts, p) {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return nil, usageError{"--only names no export (choose from " + strings.Join(allParts, ", ") + ")"}
	}
	return parts, nil
}

// exportCampaign writes the parts of one campaign's export into dir. On a
// terminal it prints each file's path as it is written and the zip's
// progress; elsewhere (cron) only the closing line, which names them.
func exportCampaign(ctx context.Context, env *environment, store report.Source, files export.Files, cc *config.Campaign,
	dir string, parts []string, now time.Time) error {
	start := time.Now()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	dom := cc.Domain()
	c, err := export.Load(ctx, store, &dom, now)
	if err != nil {
		return err
	}
	names := export.Names(dom.ID, now)
	tty := isTerminal(env.stdout)
	var written []string
	var missing int
	for _, part := range allParts {
		if !slices.Contains(parts, part) {
			continue
		}
		var name string
		var write func(w io.Writer) error
		switch part {
		case partStats:
			name, write = names.Stats, func(w io.Writer) error { return export.WriteStats(w, c) }
		case partRecommend:
			name, write = names.Recommend, func(w io.Writer) error { return export.WriteRecommend(w, c) }
		case partList:
			name, write = names.List, func(w io.Writer) error { return export.WriteList(w, c) }
		case partFiles:
			name = names.Files
			write = func(w io.Writer) error {
				total := export.TotalBytes(c)
				p := newProgress(env.stderr, "报送材料 "+dom.ID+" (MB)", int(total>>20))
				res, err := export.WriteZip(ctx, w, c, files, func(done int64) { p.set(int(done >> 20)) })
				p.done()
				if err != nil {
					return err
				}
				for path, why := range res.Missing {
					fmt.Fprintf(env.stderr, "shoubao export: %s: %s\n", path, why)
				}
				missing = len(res.Missing)
				return nil
			}
		}
		path := filepath.Join(dir, name)
		if err := writeAtomic(path, write); err != nil {
			return err
		}
		written = append(written, path)
		if tty {
			fmt.Fprintln(env.stdout, path)
		}
	}
	fmt.Fprintf(env.stdout, "shoubao export %s: %s", dom.ID, summary(c))
	if !tty {
		var base []string
		for _, p := range written {
			base = append(base, filepath.Base(p))
		}
		fmt.Fprintf(env.stdout, "; %s in %s", strings.Join(base, ", "), dir)
	}
	fmt.Fprintf(env.stdout, " (%s)\n", time.Since(start).Round(time.Millisecond))
	if missing > 0 {
		return fmt.Errorf("%d material files are not in the files bucket (left out of the zip, listed in its 一览表)", missing)
	}
	return nil
}

// summary says what an export holds, in a line.
func summary(c *export.Campaign) string {
	stats, rows, files := 0, 0, 0
	for _, u := range c.Units {
		if u.Stats != nil {
			stats++
		}
		if u.List != nil {
			rows += len(u.List.List.Rows)
		}
		files += len(u.Files)
	}
	return fmt.Sprintf("%d units, %d statistics tables summed, %d recommended activities, %d material files",
		len(c.Units), stats, rows, files)
}

// writeAtomic writes a file through a temporary file in the same folder,
// renamed into place only when complete: a failed or interrupted export
// never leaves a half-written file under the final name.
func writeAtomic(path string, write func(w io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		return fmt.Errorf("export %s: %w", filepath.Base(path), err)
	}
	if err := tmp.Chmod(0o640); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
