package metrics_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/bus/bustest"
	"github.com/shoubao/shoubao/pipeline/metrics"
	"github.com/shoubao/shoubao/sinks"
	"github.com/shoubao/shoubao/sinks/sqlstore"
)

func get(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestMetrics scrapes a store and a bus holding a mailbox's sync, a stored
// message, a receipt and a dead letter, then an event nobody processes:
// /readyz turns to 503 once it has waited too long.
func TestMetrics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b := bustest.Embedded(t)
	if _, err := b.WorkerConsumer(ctx, bus.ConsumerOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveCheckpoint(ctx, sinks.Checkpoint{MailboxID: "c/a@163.com", CampaignID: "c", Address: "a@163.com",
		UIDValidity: 1, LastUID: 3, LastSync: time.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	m := &sinks.Message{CampaignID: "c", MailboxID: "c/a@163.com", UIDValidity: 1, UID: 1, RawObject: "o", RawSHA256: "s",
		RawSize: 1, InternalDate: time.Now(), Class: "submission", MessageID: "m@x",
		Jobs: []sinks.Job{{CampaignID: "c", Kind: "receipt", Key: "m@x", MailboxID: "c/a@163.com", Recipient: "u@163.com", State: sinks.JobPending}}}
	if _, _, err := st.SaveMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordDeadLetter(ctx, sinks.DeadLetter{CampaignID: "c", MailboxID: "c/a@163.com", RawObject: "dead", UID: 2,
		Error: "x", Attempts: 5, FailedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	mt := metrics.New(st, b, metrics.Options{Stalled: 300 * time.Millisecond,
		Worker: func() metrics.WorkerStats { return metrics.WorkerStats{Stored: 7} }})
	mux := http.NewServeMux()
	mt.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	code, body := get(t, srv, "/metrics")
	for _, want := range []string{
		`shoubao_mailbox_messages_stored{mailbox="c/a@163.com"} 1`,
		`shoubao_mailbox_error{mailbox="c/a@163.com"} 0`,
		`shoubao_outbox_jobs{kind="receipt",state="pending"} 1`,
		`shoubao_dead_letters 1`,
		`shoubao_bus_backlog_events 0`,
		`shoubao_bus_stalled 0`,
		`shoubao_scrape_ok 1`,
		`shoubao_worker_messages_total{result="stored"} 7`,
	} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics (%d) lacks %s", code, want)
		}
	}
	if !strings.Contains(body, `shoubao_mailbox_last_sync_age_seconds{mailbox="c/a@163.com"} 6`) {
		t.Errorf("last sync age not about 60 s:\n%s", grep(body, "last_sync"))
	}
	if code, _ := get(t, srv, "/readyz"); code != 200 {
		t.Errorf("/readyz %d with nothing waiting", code)
	}
	if code, _ := get(t, srv, "/healthz"); code != 200 {
		t.Errorf("/healthz %d", code)
	}
	// An event nobody processes.
	if _, err := b.Publish(ctx, bus.Event{CampaignID: "c", MailboxID: "c/a@163.com", UIDValidity: 1, UID: 9, Object: "x"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	code, body = get(t, srv, "/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "stalled") {
		t.Errorf("/readyz with a stalled event: %d %q", code, body)
	}
	if _, body := get(t, srv, "/metrics"); !strings.Contains(body, "shoubao_bus_backlog_events 1") ||
		!strings.Contains(body, "shoubao_bus_stalled 1") || !strings.Contains(body, "shoubao_bus_last_processed_age_seconds -1") {
		t.Errorf("backlog or stall not shown:\n%s", grep(body, "bus"))
	}
}

func grep(s, what string) string {
	var b bytes.Buffer
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, what) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
