// Package metrics shows shoubao to Prometheus (`/metrics`) and to a load
// balancer (`/healthz`, `/readyz`). What is shared by every process — the
// mailboxes' last syncs, what was stored, the bus's backlog, the age of
// its oldest unprocessed event and whether the workers are stalled, the
// outgoing mail by kind and state, the dead letters — is read from the
// store and the bus when scraped, so that every process tells the same
// truth; what one process did (its worker's results) is counted in it.
package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/sinks"
)

// Store is what the metrics read from the store.
type Store interface {
	Ping(ctx context.Context) error
	Checkpoints(ctx context.Context) ([]sinks.Checkpoint, error)
	DeadLetters(ctx context.Context) ([]sinks.DeadLetter, error)
	MessageCounts(ctx context.Context) ([]sinks.Count, error)
	JobCounts(ctx context.Context) ([]sinks.Count, error)
}

// Bus is what the metrics read from the bus.
type Bus interface {
	Progress(ctx context.Context) (bus.Progress, error)
}

// DefaultStallAfter is how long events may wait with no event finished
// before the workers count as stalled.
const DefaultStallAfter = 2 * time.Minute

// Stalled reports whether the workers are stalled at now: events are
// waiting, the oldest for longer than after, and no event was finished
// (acknowledged) for as long. It is the rule of /readyz and `shoubao
// status`.
func Stalled(p bus.Progress, now time.Time, after time.Duration) bool {
	if p.Backlog == 0 || p.Oldest <= after {
		return false
	}
	return p.LastAck.IsZero() || now.Sub(p.LastAck) > after
}

// StallText says in English how the workers are stalled (for /readyz and
// the logs).
func StallText(p bus.Progress, now time.Time) string {
	last := "none finished since the NATS server started"
	if !p.LastAck.IsZero() {
		last = fmt.Sprintf("the last finished %s ago", now.Sub(p.LastAck).Round(time.Second))
	}
	return fmt.Sprintf("stalled: %d events waiting, the oldest for %s, %s", p.Backlog, p.Oldest.Round(time.Second), last)
}

// WorkerStats are a worker's counters.
type WorkerStats struct {
	Stored, Duplicates, Retried, DeadLetters, Quarantined int
}

// Options configure the handlers.
type Options struct {
	// Worker returns this process's worker counters (nil: no worker).
	Worker func() WorkerStats
	// Stalled is how long events may wait with none finished before
	// /readyz says the workers are stalled (see Stalled). Default
	// DefaultStallAfter.
	Stalled time.Duration
	Logger  *slog.Logger
}

// Metrics serves /metrics, /healthz and /readyz.
type Metrics struct {
	store Store
	bus   Bus
	opts  Options
	reg   *prometheus.Registry
}

// New returns the handlers for a process.
func New(store Store, bus Bus, opts Options) *Metrics {
	if opts.Stalled <= 0 {
		opts.Stalled = DefaultStallAfter
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	m := &Metrics{store: store, bus: bus, opts: opts, reg: prometheus.NewRegistry()}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), &shared{m})
	if opts.Worker != nil {
		for _, r := range []struct {
			result string
			get    func(WorkerStats) int
		}{
			{"stored", func(s WorkerStats) int { return s.Stored }},
			{"duplicate", func(s WorkerStats) int { return s.Duplicates }},
			{"retried", func(s WorkerStats) int { return s.Retried }},
			{"dead_letter", func(s WorkerStats) int { return s.DeadLetters }},
			{"quarantined", func(s WorkerStats) int { return s.Quarantined }},
		} {
			m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "shoubao_worker_messages_total", Help: "Messages this process's workers handled, by result.",
				ConstLabels: prometheus.Labels{"result": r.result},
			}, func() float64 { return float64(r.get(opts.Worker())) }))
		}
	}
	return m
}

// Register mounts the handlers on mux.
func (m *Metrics) Register(mux *http.ServeMux) {
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", m.readyz)
}

// Ready says whether the store answers, the bus answers and the workers
// are not stalled (events waiting and none finished for Options.Stalled);
// why not, if not.
func (m *Metrics) Ready(ctx context.Context) error {
	var problems []string
	if err := m.store.Ping(ctx); err != nil {
		problems = append(problems, "store: "+err.Error())
	}
	if p, err := m.bus.Progress(ctx); err != nil {
		problems = append(problems, "bus: "+err.Error())
	} else if now := time.Now(); Stalled(p, now, m.opts.Stalled) {
		problems = append(problems, StallText(p, now))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

func (m *Metrics) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if err := m.Ready(ctx); err != nil {
		http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

var (
	descStored   = prometheus.NewDesc("shoubao_mailbox_messages_stored", "Messages stored from a mailbox (copies).", []string{"mailbox"}, nil)
	descSyncAge  = prometheus.NewDesc("shoubao_mailbox_last_sync_age_seconds", "Seconds since a mailbox's last successful sync (-1: never).", []string{"mailbox"}, nil)
	descSyncErr  = prometheus.NewDesc("shoubao_mailbox_error", "1 when a mailbox's last sync failed.", []string{"mailbox"}, nil)
	descBacklog  = prometheus.NewDesc("shoubao_bus_backlog_events", "Events the workers have not finished.", nil, nil)
	descOldest   = prometheus.NewDesc("shoubao_bus_oldest_unprocessed_seconds", "Age of the oldest event the workers have not finished.", nil, nil)
	descLastAck  = prometheus.NewDesc("shoubao_bus_last_processed_age_seconds", "Seconds since a worker last finished an event (-1: none since the NATS server started).", nil, nil)
	descStalled  = prometheus.NewDesc("shoubao_bus_stalled", "1 when events wait and none was finished for the stall time (as /readyz).", nil, nil)
	descJobs     = prometheus.NewDesc("shoubao_outbox_jobs", "Outgoing mail (receipts, reminders, digests, upward) by kind and state.", []string{"kind", "state"}, nil)
	descDead     = prometheus.NewDesc("shoubao_dead_letters", "Messages that kept failing (their raw bytes are kept).", nil, nil)
	descScrapeOK = prometheus.NewDesc("shoubao_scrape_ok", "1 when the store and the bus could be read for this scrape.", nil, nil)
)

// shared collects what every process shares, at scrape time.
type shared struct{ m *Metrics }

func (s *shared) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descStored, descSyncAge, descSyncErr, descBacklog, descOldest, descLastAck, descStalled, descJobs, descDead, descScrapeOK} {
		ch <- d
	}
}

func (s *shared) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ok := 1.0
	fail := func(what string, err error) {
		ok = 0
		s.m.opts.Logger.Warn("metrics: cannot read", "what", what, "err", err)
	}
	if counts, err := s.m.store.MessageCounts(ctx); err != nil {
		fail("messages", err)
	} else {
		for _, c := range counts {
			ch <- prometheus.MustNewConstMetric(descStored, prometheus.GaugeValue, float64(c.N), c.Key)
		}
	}
	if cps, err := s.m.store.Checkpoints(ctx); err != nil {
		fail("checkpoints", err)
	} else {
		for _, cp := range cps {
			age := -1.0
			if !cp.LastSync.IsZero() {
				age = time.Since(cp.LastSync).Seconds()
			}
			ch <- prometheus.MustNewConstMetric(descSyncAge, prometheus.GaugeValue, age, cp.MailboxID)
			e := 0.0
			if cp.LastError != "" {
				e = 1
			}
			ch <- prometheus.MustNewConstMetric(descSyncErr, prometheus.GaugeValue, e, cp.MailboxID)
		}
	}
	if jobs, err := s.m.store.JobCounts(ctx); err != nil {
		fail("jobs", err)
	} else {
		for _, c := range jobs {
			kind, state, _ := strings.Cut(c.Key, "/")
			ch <- prometheus.MustNewConstMetric(descJobs, prometheus.GaugeValue, float64(c.N), kind, state)
		}
	}
	if dls, err := s.m.store.DeadLetters(ctx); err != nil {
		fail("dead letters", err)
	} else {
		ch <- prometheus.MustNewConstMetric(descDead, prometheus.GaugeValue, float64(len(dls)))
	}
	if p, err := s.m.bus.Progress(ctx); err != nil {
		fail("bus progress", err)
	} else {
		now := time.Now()
		ch <- prometheus.MustNewConstMetric(descBacklog, prometheus.GaugeValue, float64(p.Backlog))
		ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, p.Oldest.Seconds())
		last := -1.0
		if !p.LastAck.IsZero() {
			last = max(now.Sub(p.LastAck).Seconds(), 0)
		}
		ch <- prometheus.MustNewConstMetric(descLastAck, prometheus.GaugeValue, last)
		stalled := 0.0
		if Stalled(p, now, s.m.opts.Stalled) {
			stalled = 1
		}
		ch <- prometheus.MustNewConstMetric(descStalled, prometheus.GaugeValue, stalled)
	}
	ch <- prometheus.MustNewConstMetric(descScrapeOK, prometheus.GaugeValue, ok)
}
