package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/service"
)

// EnvConfig names the variable holding the configuration file's path when
// --config is not given.
const EnvConfig = "SHOUBAO_CONFIG"

// configFlag defines --config on fs.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", os.Getenv(EnvConfig), "configuration file (default $"+EnvConfig+")")
}

func cmdRun(ctx context.Context, env *environment, args []string) (err error) {
	fs := newFlagSet(env, "run")
	path := configFlag(fs)
	once := fs.Bool("once", false, "sync every mailbox once, wait until everything published is processed, then exit (for cron and tests)")
	timeout := fs.Duration("timeout", time.Hour, "with --once: give up (exit 1) if the work is not done by then, e.g. while the store is down")
	roles := fs.String("roles", strings.Join(service.Roles, ","), "the parts this process runs: any of poll, work, send, web (comma-separated)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var rs []string
	for _, r := range strings.Split(*roles, ",") {
		if r = strings.TrimSpace(r); r == "" {
			continue
		}
		if !slices.Contains(service.Roles, r) {
			return usageError{fmt.Sprintf("--roles: unknown role %q (choose from %s)", r, strings.Join(service.Roles, ", "))}
		}
		rs = append(rs, r)
	}
	if len(rs) == 0 {
		return usageError{"--roles names no role"}
	}
	if *path == "" {
		return usageError{"--config is required (or set " + EnvConfig + ")"}
	}
	cfg, err := config.Load(*path)
	if err != nil {
		return err
	}
	defer func() { err = redactErr(cfg, err) }()
	log := newLogger(redactWriter{env.stderr, cfg}, cfg.LogLevel)
	log.Debug("soft memory limit", "bytes", service.SetMemoryLimit(cfg))
	svc, err := service.Open(ctx, cfg, log, service.WithRoles(rs...))
	if err != nil {
		return err
	}
	defer svc.Close()
	if *once {
		log.Info("syncing every mailbox once")
		octx, cancel := context.WithTimeout(ctx, *timeout)
		defer cancel()
		err := svc.Once(octx)
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("--once: not done after %s (events still unprocessed; see the log): %w", *timeout, err)
		}
		s := svc.Worker().Stats()
		log.Info("done", "stored", s.Stored, "duplicates", s.Duplicates, "retried", s.Retried, "dead_letters", s.DeadLetters)
		return err
	}
	n := 0
	for _, c := range cfg.Campaign {
		n += len(c.Mailboxes)
	}
	log.Info("running; Ctrl-C to stop", "campaigns", len(cfg.Campaign), "mailboxes", n, "roles", strings.Join(rs, ","))
	return svc.Run(ctx)
}
