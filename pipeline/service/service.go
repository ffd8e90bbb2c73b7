// Package service wires the parts of one shoubao process together from a
// configuration: the store (PostgreSQL, or embedded SQLite), the bus (NATS
// JetStream, or an embedded server), one poller per campaign mailbox, and
// the workers.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoubao/shoubao/parsers/inspect"
	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/metrics"
	"github.com/shoubao/shoubao/pipeline/poller"
	"github.com/shoubao/shoubao/pipeline/schedule"
	"github.com/shoubao/shoubao/pipeline/sender"
	"github.com/shoubao/shoubao/pipeline/worker"
	"github.com/shoubao/shoubao/sinks"
	"github.com/shoubao/shoubao/sinks/sqlstore"
)

// SetMemoryLimit applies cfg.MemoryLimit as the process's soft memory limit
// (runtime/debug.SetMemoryLimit), unless the GOMEMLIMIT environment variable
// is set, in which case the runtime already obeys it. It reports the limit
// in force. The setting is process-wide: only main and benchmarks call it.
func SetMemoryLimit(cfg *config.Config) int64 {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(cfg.MemoryLimit))
	}
	return debug.SetMemoryLimit(-1)
}

// Store is everything the process needs from a store.
type Store interface {
	poller.Store
	worker.Store
	Checkpoints(ctx context.Context) ([]sinks.Checkpoint, error)
	Messages(ctx context.Context, campaignID string) ([]sinks.Message, error)
	DeadLetters(ctx context.Context) ([]sinks.DeadLetter, error)
	CampaignCounts(ctx context.Context) ([]sinks.CampaignCount, error)
	AddDecision(ctx context.Context, d sinks.Decision) (int64, error)
	ReplaceFacts(ctx context.Context, id int64, m *sinks.Message) error
	sender.Store
	Jobs(ctx context.Context, campaignID string) ([]sinks.Job, error)
	UnfinishedJobs(ctx context.Context) (int, error)
	metrics.Store
	AddJobs(ctx context.Context, jobs []sinks.Job) (int, error)
	Ping(ctx context.Context) error
	Close()
}

var _ Store = (*sqlstore.Store)(nil)

// OpenStore opens the configured store: PostgreSQL when store.url is set,
// otherwise SQLite in the data directory. On failure the Store is nil (not
// a nil pointer in a non-nil interface), so callers may test it against
// nil; the error wraps sinks.ErrUnavailable or sinks.ErrCorrupt when that
// is the cause.
func OpenStore(ctx context.Context, cfg *config.Config) (Store, error) {
	var st *sqlstore.Store
	var err error
	if cfg.Store.URL != "" {
		st, err = sqlstore.OpenPostgres(ctx, cfg.Store.URL)
	} else if err = os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		err = fmt.Errorf("open store: %w", err)
	} else {
		st, err = sqlstore.OpenSQLite(ctx, filepath.Join(cfg.DataDir, "shoubao.db"))
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

// Service is one running shoubao process.
type Service struct {
	cfg     *config.Config
	log     *slog.Logger
	store   Store
	bus     *bus.Bus
	cons    jetstream.Consumer
	pollers []*poller.Poller
	// pollerIDs are the pollers' mailbox ids (their lease names).
	pollerIDs []string
	// roles are the roles this process runs (RolePoll…); holder names it
	// in the leases it takes.
	roles  []string
	holder string
	worker *worker.Worker
	sender *sender.Sender
	// schedule puts digests and reminders into the outbox when due.
	schedule *schedule.Scheduler
	// transport sends outgoing mail; nil until a campaign sends receipts.
	transport sender.Transport
	lock      *os.File
	scratch   string
	// console is the officers' console, when http.listen is set.
	console *consoleServer
}

// Roles a process can run (`shoubao run --roles`).
const (
	RolePoll = "poll" // the pollers: one process at a time per mailbox
	RoleWork = "work" // the workers
	RoleSend = "send" // the sender and the schedule (receipts, reminders, digests)
	RoleWeb  = "web"  // the officers' console (when http.listen is set)
)

// Roles lists every role.
var Roles = []string{RolePoll, RoleWork, RoleSend, RoleWeb}

// Option changes how Open builds a service.
type Option func(*Service)

// Metrics returns the process's /metrics, /healthz and /readyz handlers.
func (s *Service) Metrics() *metrics.Metrics {
	return metrics.New(s.store, s.bus, metrics.Options{Logger: s.log, Worker: func() metrics.WorkerStats {
		w := s.worker.Stats()
		return metrics.WorkerStats{Stored: w.Stored, Duplicates: w.Duplicates, Retried: w.Retried, DeadLetters: w.DeadLetters,
			Quarantined: w.Quarantined}
	}})
}

// Holder is how this process names itself in the leases it holds.
func (s *Service) Holder() string { return s.holder }

// WithRoles runs only these roles (default: all).
func WithRoles(roles ...string) Option { return func(s *Service) { s.roles = roles } }

// WithTransport sends outgoing mail through t instead of the contact
// mailboxes' SMTP servers (tests, demo).
func WithTransport(t sender.Transport) Option { return func(s *Service) { s.transport = t } }

// Open opens the store and the bus, creates the bus resources, and prepares
// a poller per campaign mailbox (resolving their secrets) and the workers.
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger, opts ...Option) (*Service, error) {
	return open(ctx, cfg, log, true, opts)
}

// OpenOffline opens the store, the bus and a worker, but no mailbox: for
// commands that work on what is stored (reprocess). It needs no secrets.
func OpenOffline(ctx context.Context, cfg *config.Config, log *slog.Logger, opts ...Option) (*Service, error) {
	return open(ctx, cfg, log, false, opts)
}

func open(ctx context.Context, cfg *config.Config, log *slog.Logger, online bool, opts []Option) (_ *Service, err error) {
	s := &Service{cfg: cfg, log: log, roles: Roles}
	for _, o := range opts {
		o(s)
	}
	host, _ := os.Hostname()
	s.holder = fmt.Sprintf("%s/%d", host, os.Getpid())
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	warnReadableSecrets(cfg, log)
	if cfg.Store.URL == "" || cfg.Bus.URL == "" {
		// The embedded store and server keep their files in the data
		// directory: one process at a time.
		if s.lock, err = lockDir(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	// Assigned only on success: Close must not see a nil *Store inside
	// the interface (it used to panic there when PostgreSQL was down).
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s.store = st
	s.bus, err = bus.Connect(ctx, bus.Options{
		URL: cfg.Bus.URL, Namespace: cfg.Bus.Namespace,
		StoreDir: filepath.Join(cfg.DataDir, "nats"), Listen: cfg.Bus.Embedded.Listen,
		MaxMemory: int64(cfg.Bus.Embedded.MaxMemory), MaxStore: int64(cfg.Bus.Embedded.MaxStore),
		LeaseTTL: cfg.Bus.LeaseTTL, Replicas: cfg.Bus.Replicas, Name: "shoubao", Logger: log,
	})
	if err != nil {
		return nil, err
	}
	// Short, kept alive by progress acks while a message is read: after a
	// crash its event comes back within seconds.
	ackWait := worker.DefaultAckWait
	if s.cons, err = s.bus.WorkerConsumer(ctx, bus.ConsumerOptions{AckWait: ackWait}); err != nil {
		return nil, err
	}
	campaigns := map[string]*config.Campaign{}
	for i := range cfg.Campaign {
		c := &cfg.Campaign[i]
		campaigns[c.ID] = c
		if !online {
			continue
		}
		for _, mb := range c.Mailboxes {
			pw, err := mb.IMAP.Secret.Resolve()
			if err != nil {
				return nil, fmt.Errorf("mailbox %s: %w", mb.Address, err)
			}
			s.pollerIDs = append(s.pollerIDs, config.MailboxID(c.ID, mb.Address))
			s.pollers = append(s.pollers, poller.New(poller.Mailbox{
				ID: config.MailboxID(c.ID, mb.Address), CampaignID: c.ID, Address: mb.Address,
				Host: mb.IMAP.Host, Port: mb.IMAP.Port, TLS: mb.IMAP.TLS, User: mb.IMAP.User, Password: pw,
				Folder: mb.IMAP.Folder, InsecureSkipVerify: mb.IMAP.InsecureSkipVerify,
			}, s.store, s.bus, poller.Options{
				Interval: cfg.Poll.Interval, StaleAfter: cfg.Poll.StaleAfter, MaxBackoff: cfg.Poll.MaxBackoff,
				PostProcess: cfg.Poll.PostProcess, Keyword: cfg.Poll.Keyword, MoveTo: cfg.Poll.MoveTo, Logger: log,
			}))
		}
	}
	// The store and the embedded server have created their files.
	if err := private(cfg.DataDir); err != nil {
		return nil, err
	}
	tmp, err := scratchDir(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	s.scratch = tmp
	ffprobe := cfg.Worker.FFprobe
	switch ffprobe {
	case "":
		ffprobe, _ = exec.LookPath("ffprobe")
	case "none":
		ffprobe = ""
	}
	domains := map[string]*campaign.Campaign{}
	for id, c := range campaigns {
		d := c.Domain()
		domains[id] = &d
	}
	if online && s.transport == nil {
		t, err := mailboxTransport(cfg, log)
		if err != nil {
			return nil, err
		}
		s.transport = t
	}
	s.sender = sender.New(s.store, s.transport, sender.Options{Campaigns: domains, Logger: log})
	var list []*campaign.Campaign
	for i := range cfg.Campaign {
		list = append(list, domains[cfg.Campaign[i].ID])
	}
	s.schedule = schedule.New(s.store, list, nil, s.sender.Wake, log)
	s.worker = worker.New(s.store, s.bus, worker.Options{
		Campaigns: campaigns, TempDir: tmp, MaxDeliver: cfg.Worker.MaxDeliver, AckWait: ackWait,
		Limits: inspect.Limits{MaxMessageBytes: int64(cfg.Worker.MaxMessageSize)}, FFprobe: ffprobe,
		DownloadLinks: cfg.Worker.DownloadLinks, Logger: log, Stored: s.sender.Wake,
	})
	return s, nil
}

// Store returns the service's store.
func (s *Service) Store() Store { return s.store }

// Bus returns the service's bus.
func (s *Service) Bus() *bus.Bus { return s.bus }

// Worker returns the service's worker.
func (s *Service) Worker() *worker.Worker { return s.worker }

// Run runs the components of this process's roles under one supervisor
// until ctx is done: a component that stops with an error is restarted
// after a pause.
func (s *Service) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, c := range s.components() {
		if !slices.Contains(s.roles, c.role) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.supervise(ctx, c)
		}()
	}
	wg.Wait()
	return nil
}

// component is one part of a running process.
type component struct {
	name, role string
	run        func(ctx context.Context) error
}

// components lists the parts a process can run, each with its role.
func (s *Service) components() []component {
	var cs []component
	for i, p := range s.pollers {
		id := s.pollerIDs[i]
		cs = append(cs, component{"poller " + id, RolePoll, func(ctx context.Context) error {
			// One process at a time polls a mailbox.
			return s.bus.Hold(ctx, id, s.holder, func(lctx context.Context) { _ = p.Run(lctx) })
		}})
	}
	cs = append(cs,
		component{"worker", RoleWork, func(ctx context.Context) error {
			return s.worker.Run(ctx, s.cons, s.cfg.Worker.Concurrency)
		}},
		component{"sender", RoleSend, s.sender.Run},
		component{"schedule", RoleSend, s.schedule.Run},
		component{"console", RoleWeb, func(ctx context.Context) error {
			wait, err := s.serveConsole(ctx)
			if err != nil {
				return err
			}
			<-ctx.Done()
			wait()
			return nil
		}},
	)
	return cs
}

// supervise runs c until ctx is done, restarting it after an error.
func (s *Service) supervise(ctx context.Context, c component) {
	pause := time.Second
	for {
		err := c.run(ctx)
		if ctx.Err() != nil {
			return
		}
		s.log.Error("component stopped; restarting", "component", c.name, "err", err, "in", pause)
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(pause*2, time.Minute)
	}
}

// Once syncs every mailbox once, then processes events until everything
// published has been handled (stored, or turned into a dead letter), then
// returns. Mailboxes that fail to sync are reported in the error after the
// rest has been processed.
func (s *Service) Once(ctx context.Context) error {
	var syncErrs []error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, p := range s.pollers {
		if h, err := s.bus.Holder(ctx, s.pollerIDs[i]); err == nil && h != "" && h != s.holder {
			s.log.Info("mailbox is polled by another process; not syncing it here", "mailbox", s.pollerIDs[i], "by", h)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := p.SyncOnce(ctx); err != nil {
				mu.Lock()
				syncErrs = append(syncErrs, err)
				mu.Unlock()
			}
		}()
	}
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- s.worker.Run(wctx, s.cons, s.cfg.Worker.Concurrency) }()
	wg.Wait()
	if err := s.waitIdle(ctx); err != nil {
		stop()
		<-done
		return err
	}
	stop()
	if err := <-done; err != nil {
		return err
	}
	if _, err := s.schedule.Tick(ctx); err != nil {
		return err
	}
	if err := s.drainOutbox(ctx); err != nil {
		return err
	}
	return errors.Join(syncErrs...)
}

// drainOutbox sends (or previews) every job decided so far, waiting for
// those that are retried later, until each has an outcome. Jobs are
// claimed by a few drains at once (as by several send processes), so
// that composing one receipt and waiting on the mail server for another
// overlap.
func (s *Service) drainOutbox(ctx context.Context) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	drains := min(max(s.cfg.Worker.Concurrency, 1), 4)
	for {
		errs := make([]error, drains)
		var wg sync.WaitGroup
		for i := range drains {
			wg.Go(func() { _, errs[i] = s.sender.Drain(ctx) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		n, err := s.store.UnfinishedJobs(ctx)
		if err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("outbox: %d receipts not sent yet: %w", n, ctx.Err())
		case <-t.C:
		}
	}
}

// waitIdle waits until the consumer has no pending or unacknowledged event.
func (s *Service) waitIdle(ctx context.Context) error {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		n, err := s.bus.Backlog(ctx)
		if err == nil && n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Close releases everything Open acquired.
func (s *Service) Close() {
	s.closeConsole()
	if s.bus != nil {
		s.bus.Close()
	}
	if s.store != nil {
		s.store.Close()
	}
	if s.scratch != "" {
		_ = os.RemoveAll(s.scratch)
	}
	if s.lock != nil {
		s.lock.Close()
	}
}

// lockDir takes an exclusive lock on the data directory.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "shoubao.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock data dir: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("data dir %s is in use by another shoubao process (embedded store/bus): %w", dir, err)
	}
	return f, nil
}
