package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/report"
	"github.com/shoubao/shoubao/sinks"
)

// Store is what the scheduler needs from the store.
type Store interface {
	report.Source
	AddJobs(ctx context.Context, jobs []sinks.Job) (int, error)
}

// Scheduler puts the digests and reminders that are due into the outbox.
type Scheduler struct {
	store     Store
	campaigns []*campaign.Campaign
	now       func() time.Time
	wake      func()
	log       *slog.Logger
}

// New returns a scheduler for the campaigns. now is the clock (nil:
// time.Now); wake, when set, is called after new jobs were added.
func New(store Store, campaigns []*campaign.Campaign, now func() time.Time, wake func(), log *slog.Logger) *Scheduler {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Scheduler{store: store, campaigns: campaigns, now: now, wake: wake, log: log}
}

// Tick adds the jobs due now and returns how many were new.
func (s *Scheduler) Tick(ctx context.Context) (int, error) {
	added := 0
	now := s.now()
	for _, c := range s.campaigns {
		if (c.Digest.Mode == "" || c.Digest.Mode == "off") && (c.Reminders.Mode == "" || c.Reminders.Mode == "off") {
			continue
		}
		st, err := report.Compute(ctx, s.store, c, now)
		if err != nil {
			return added, fmt.Errorf("schedule %s: %w", c.ID, err)
		}
		n, err := s.store.AddJobs(ctx, Due(c, st, now))
		if err != nil {
			return added, fmt.Errorf("schedule %s: %w", c.ID, err)
		}
		added += n
	}
	if added > 0 && s.wake != nil {
		s.wake()
	}
	return added, nil
}

// Run ticks every minute until ctx is done.
func (s *Scheduler) Run(ctx context.Context) error {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if n, err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("schedule: tick", "err", err)
		} else if n > 0 {
			s.log.Info("schedule: digests and reminders due", "jobs", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
