package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/metrics"
	"github.com/shoubao/shoubao/pipeline/report"
	"github.com/shoubao/shoubao/pipeline/service"
	"github.com/shoubao/shoubao/sinks"
)

// statusDoc is the `shoubao status --json` document. Its keys are a stable,
// documented format (README: "status --json"); version changes when a key
// changes meaning or disappears.
type statusDoc struct {
	Version     int              `json:"version"`
	GeneratedAt time.Time        `json:"generated_at"`
	Healthy     bool             `json:"healthy"`
	Mailboxes   []statusMailbox  `json:"mailboxes"`
	Campaigns   []statusCampaign `json:"campaigns"`
	DeadLetters []statusDead     `json:"dead_letters"`
	Pipeline    statusPipeline   `json:"pipeline"`
}

// statusPipeline is how far the workers are, read from the NATS server.
type statusPipeline struct {
	// Known is false when status could not read it: the embedded server
	// (held by run) without embedded.listen, or an error (Error).
	Known bool `json:"known"`
	// Backlog counts the events not yet processed; InFlight those a
	// worker holds now.
	Backlog  uint64 `json:"backlog"`
	InFlight uint64 `json:"in_flight"`
	// OldestUnprocessedSeconds is how long the oldest of them has waited.
	OldestUnprocessedSeconds float64 `json:"oldest_unprocessed_seconds"`
	// LastProcessedAt is when a worker last finished an event (null: none
	// since the NATS server started).
	LastProcessedAt *time.Time `json:"last_processed_at"`
	// Stalled: events wait and none was finished for StallAfterSeconds.
	Stalled           bool    `json:"stalled"`
	StallAfterSeconds float64 `json:"stall_after_seconds"`
	Error             string  `json:"error"`
}

type statusMailbox struct {
	ID          string     `json:"id"`
	Campaign    string     `json:"campaign"`
	Address     string     `json:"address"`
	UIDValidity uint32     `json:"uid_validity"`
	LastUID     uint32     `json:"last_uid"`
	LastSync    *time.Time `json:"last_sync"`
	LastError   string     `json:"last_error"`
	LastErrorAt *time.Time `json:"last_error_at"`
	Stale       bool       `json:"stale"`
}

type statusCampaign struct {
	ID             string    `json:"id"`
	Title          string    `json:"title"`
	Deadline       time.Time `json:"deadline"`
	Messages       int       `json:"messages"`
	Submissions    int       `json:"submissions"`
	UnitsExpected  int       `json:"units_expected"`
	UnitsSubmitted int       `json:"units_submitted"`
	OnTime         int       `json:"units_on_time"`
	Late           int       `json:"units_late"`
	Incomplete     int       `json:"units_incomplete"`
	Unmatched      int       `json:"unmatched"`
	Inquiries      int       `json:"inquiries"`
	DeadLetters    int       `json:"dead_letters"`
}

type statusDead struct {
	ID          int64     `json:"id"`
	Campaign    string    `json:"campaign"`
	Mailbox     string    `json:"mailbox"`
	Object      string    `json:"object"`
	UIDValidity uint32    `json:"uid_validity"`
	UID         uint32    `json:"uid"`
	Error       string    `json:"error"`
	Attempts    int       `json:"attempts"`
	FailedAt    time.Time `json:"failed_at"`
}

// errUnhealthy makes status exit with code 3: something needs attention.
type errUnhealthy struct{}

func (errUnhealthy) Error() string {
	return "attention needed: stale mailbox, dead letters, stalled workers or an unreachable NATS server"
}

func cmdStatus(ctx context.Context, env *environment, args []string) (err error) {
	fs := newFlagSet(env, "status")
	path := configFlag(fs)
	asJSON := fs.Bool("json", false, "print the stable JSON document instead of text")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := readRecord(*path)
	if err != nil {
		return err
	}
	defer func() { err = redactErr(cfg, err) }()
	store, err := service.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	now := time.Now()
	doc, err := buildStatus(ctx, cfg, store, now)
	if err != nil {
		return err
	}
	doc.Pipeline = readPipeline(ctx, cfg, now)
	doc.Healthy = doc.Healthy && !doc.Pipeline.Stalled && (doc.Pipeline.Known || doc.Pipeline.Error == "")
	if *asJSON {
		enc := json.NewEncoder(env.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
			return err
		}
	} else {
		writeStatusText(env, doc, cfg)
	}
	if !doc.Healthy {
		return errUnhealthy{}
	}
	return nil
}

// sqliteFile is the embedded store's file in data_dir, as
// service.OpenStore names it.
const sqliteFile = "shoubao.db"

// errNoData says that data_dir holds no store: status is looking in the
// wrong place (another configuration, a relative data_dir, an unset
// SHOUBAO_DATA_DIR) or run has never started with this configuration.
type errNoData struct{ dir string }

func (e errNoData) Error() string {
	return fmt.Sprintf("no shoubao data found in %s (there is no %s there, so `shoubao run` has not used this directory). "+
		"Give status the configuration file that run uses (--config or %s), or set data_dir in it (or %s) to the directory run keeps its data in",
		e.dir, sqliteFile, EnvConfig, config.EnvDataDir)
}

// checkStoreFile reports errNoData when dir holds no SQLite store,
// without creating anything.
func checkStoreFile(dir string) error {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	db := filepath.Join(dir, sqliteFile)
	fi, err := os.Stat(db)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return errNoData{dir}
	case err != nil:
		return fmt.Errorf("cannot read the shoubao data in %s: %w", dir, err)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a shoubao database file", db)
	}
	return nil
}

type statusStore interface {
	report.Source
	Checkpoints(ctx context.Context) ([]sinks.Checkpoint, error)
	DeadLetters(ctx context.Context) ([]sinks.DeadLetter, error)
}

func buildStatus(ctx context.Context, cfg *config.Config, store statusStore, now time.Time) (*statusDoc, error) {
	cps, err := store.Checkpoints(ctx)
	if err != nil {
		return nil, err
	}
	dead, err := store.DeadLetters(ctx)
	if err != nil {
		return nil, err
	}
	cst := config.ChinaTime()
	doc := &statusDoc{Version: 2, GeneratedAt: now.In(cst), Healthy: len(dead) == 0,
		Mailboxes: []statusMailbox{}, Campaigns: []statusCampaign{}, DeadLetters: []statusDead{}}
	byID := map[string]sinks.Checkpoint{}
	for _, cp := range cps {
		byID[cp.MailboxID] = cp
	}
	for _, c := range cfg.Campaign {
		for _, mb := range c.Mailboxes {
			id := config.MailboxID(c.ID, mb.Address)
			cp := byID[id]
			m := statusMailbox{ID: id, Campaign: c.ID, Address: mb.Address, UIDValidity: cp.UIDValidity,
				LastUID: cp.LastUID, LastSync: timePtr(cp.LastSync.In(cst)), LastError: cp.LastError, LastErrorAt: timePtr(cp.LastErrorAt.In(cst))}
			m.Stale = cp.LastSync.IsZero() || now.Sub(cp.LastSync) > cfg.Poll.StaleAfter
			doc.Healthy = doc.Healthy && !m.Stale
			doc.Mailboxes = append(doc.Mailboxes, m)
		}
		sc := statusCampaign{ID: c.ID, Title: c.Title, Deadline: c.Deadline.End.Add(-time.Second).In(config.ChinaTime()), UnitsExpected: len(c.Units)}
		// The counts are the rules' (as in `shoubao report`): messages,
		// not copies; units by their status.
		dom := c.Domain()
		st, err := report.Compute(ctx, store, &dom, now)
		if err != nil {
			return nil, err
		}
		n := st.Counts
		sc.Messages, sc.UnitsSubmitted, sc.OnTime, sc.Late, sc.Incomplete, sc.Unmatched, sc.Inquiries =
			n.Messages, n.Submitted, n.OnTime, n.Late, n.Incomplete, n.Unmatched, n.Inquiries
		for _, u := range st.Units {
			for _, m := range u.Messages {
				if m.Category.Counts() {
					sc.Submissions++
				}
			}
		}
		sc.Submissions += len(st.Unmatched)
		for _, d := range dead {
			if d.CampaignID == c.ID {
				sc.DeadLetters++
			}
		}
		doc.Campaigns = append(doc.Campaigns, sc)
	}
	for _, d := range dead {
		doc.DeadLetters = append(doc.DeadLetters, statusDead{ID: d.ID, Campaign: d.CampaignID, Mailbox: d.MailboxID, Object: d.RawObject,
			UIDValidity: d.UIDValidity, UID: d.UID, Error: d.Error, Attempts: d.Attempts, FailedAt: d.FailedAt.In(cst)})
	}
	return doc, nil
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func writeStatusText(env *environment, doc *statusDoc, cfg *config.Config) {
	w := env.stdout
	cst := config.ChinaTime()
	fmt.Fprintf(w, "邮箱（%d 个）:\n", len(doc.Mailboxes))
	for _, m := range doc.Mailboxes {
		sync := "从未同步"
		if m.LastSync != nil {
			sync = "上次同步 " + m.LastSync.In(cst).Format("2006-01-02 15:04:05")
		}
		flag := "✓"
		if m.Stale {
			flag = "⚠"
			if m.LastSync != nil {
				// The time it has truly gone without a sync, not the limit.
				sync += fmt.Sprintf("（已有 %s 未同步）", plainDuration(doc.GeneratedAt.Sub(*m.LastSync)))
			}
		}
		fmt.Fprintf(w, "  %s %s  %s  UIDVALIDITY %d，已取到 UID %d\n", flag, m.ID, sync, m.UIDValidity, m.LastUID)
		if m.LastError != "" {
			fmt.Fprintf(w, "      最近错误（%s）：%s\n", m.LastErrorAt.In(cst).Format("01-02 15:04"), m.LastError)
		}
	}
	fmt.Fprintf(w, "\n处理队列:\n  %s\n", pipelineText(doc.Pipeline, doc.GeneratedAt))
	fmt.Fprintf(w, "\n活动（%d 个）:\n", len(doc.Campaigns))
	for _, c := range doc.Campaigns {
		fmt.Fprintf(w, "  %s %s  截止 %s\n      邮件 %d 封，其中报送 %d 封；已报单位 %d/%d（按时报齐 %d，逾期报齐 %d，材料不全 %d）；待确认 %d 封，待答复 %d 封，死信 %d\n",
			c.ID, c.Title, c.Deadline.Format("2006-01-02 15:04"), c.Messages, c.Submissions, c.UnitsSubmitted, c.UnitsExpected,
			c.OnTime, c.Late, c.Incomplete, c.Unmatched, c.Inquiries, c.DeadLetters)
	}
	if len(doc.DeadLetters) > 0 {
		fmt.Fprintf(w, "\n死信（多次处理失败，原始邮件已保存）:\n")
		for _, d := range doc.DeadLetters {
			fmt.Fprintf(w, "  #%d %s UID %d  尝试 %d 次  %s\n      %s\n", d.ID, d.Mailbox, d.UID, d.Attempts, d.FailedAt.In(cst).Format("01-02 15:04"), d.Error)
		}
	}
}

// plainDuration writes a duration for an officer: 3天2小时, 5小时20分钟, 12分钟, 40秒.
func plainDuration(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf("%d天%d小时", int(d.Hours())/24, int(d.Hours())%24)
	case d >= time.Hour:
		return fmt.Sprintf("%d小时%d分钟", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%d分钟", int(d.Minutes()))
	}
	return fmt.Sprintf("%d秒", int(d.Seconds()))
}

// readPipeline reads the workers' progress from the configured NATS server
// (bus.url, or the embedded server's embedded.listen address). The
// embedded server without a listener is held by run alone: unknown.
func readPipeline(ctx context.Context, cfg *config.Config, now time.Time) statusPipeline {
	url := cfg.Bus.URL
	if l := cfg.Bus.Embedded.Listen; url == "" && l != "" && l != "none" {
		url = "nats://" + l
	}
	if url == "" {
		return statusPipeline{StallAfterSeconds: metrics.DefaultStallAfter.Seconds()}
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, err := bus.ReadProgress(rctx, url, cfg.Bus.Namespace)
	return pipelineStatus(p, err, now, metrics.DefaultStallAfter)
}

// pipelineStatus turns the bus's progress (or the error reading it) into
// the status document's part.
func pipelineStatus(p bus.Progress, err error, now time.Time, stallAfter time.Duration) statusPipeline {
	s := statusPipeline{StallAfterSeconds: stallAfter.Seconds()}
	if err != nil {
		s.Error = err.Error()
		return s
	}
	s.Known, s.Backlog, s.InFlight = true, p.Backlog, p.InFlight
	s.OldestUnprocessedSeconds = p.Oldest.Round(time.Millisecond).Seconds()
	if !p.LastAck.IsZero() {
		s.LastProcessedAt = timePtr(p.LastAck.In(config.ChinaTime()))
	}
	s.Stalled = metrics.Stalled(p, now, stallAfter)
	return s
}

// pipelineText says in plain words how far the workers are.
func pipelineText(p statusPipeline, now time.Time) string {
	switch {
	case p.Error != "":
		return "⚠ 无法读取处理队列（NATS）：" + p.Error
	case !p.Known:
		return "处理队列在内嵌的 NATS 里，由 run 进程独占，status 看不到；请看 run 的 /readyz 或 /metrics（或设置 bus.embedded.listen）。"
	}
	last := "NATS 启动以来还没有处理完任何一封"
	if p.LastProcessedAt != nil {
		last = "上次处理完一封是 " + plainDuration(now.Sub(*p.LastProcessedAt)) + "前"
	}
	oldest := plainDuration(time.Duration(p.OldestUnprocessedSeconds * float64(time.Second)))
	switch {
	case p.Stalled:
		return fmt.Sprintf("⚠ 处理停滞：%d 封邮件等待处理，最早一封已等待 %s，%s。请检查 shoubao run 进程（work 角色）、NATS 和数据库。",
			p.Backlog, oldest, last)
	case p.Backlog == 0:
		return "✓ 没有等待处理的邮件（" + last + "）。"
	}
	return fmt.Sprintf("✓ %d 封邮件等待处理（%d 封正在处理），最早一封已等待 %s；%s。", p.Backlog, p.InFlight, oldest, last)
}
