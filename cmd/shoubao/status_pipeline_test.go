package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/bus/bustest"
	"github.com/shoubao/shoubao/pipeline/demo"
)

// TestPipelineStatus: the workers' progress in the status document and in
// plain words, stalled or not.
func TestPipelineStatus(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 8, 2, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name      string
		p         bus.Progress
		err       error
		stalled   bool
		wantWords string
	}{
		{"idle", bus.Progress{LastAck: now.Add(-3 * time.Minute)}, nil, false, "没有等待处理的邮件（上次处理完一封是 3分钟前）"},
		{"working through a backlog", bus.Progress{Backlog: 120, InFlight: 2, Oldest: 40 * time.Second, LastAck: now.Add(-time.Second)}, nil,
			false, "120 封邮件等待处理（2 封正在处理），最早一封已等待 40秒"},
		{"stalled", bus.Progress{Backlog: 3787, Oldest: 12 * time.Minute, LastAck: now.Add(-11 * time.Minute)}, nil,
			true, "⚠ 处理停滞：3787 封邮件等待处理，最早一封已等待 12分钟，上次处理完一封是 11分钟前"},
		{"stalled since the server started", bus.Progress{Backlog: 5, Oldest: 3 * time.Minute}, nil,
			true, "NATS 启动以来还没有处理完任何一封"},
		{"unreachable", bus.Progress{}, errors.New("progress: bus unavailable: nats: no servers available for connection"), false,
			"⚠ 无法读取处理队列（NATS）：progress: bus unavailable"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := pipelineStatus(tt.p, tt.err, now, 2*time.Minute)
			if s.Stalled != tt.stalled || s.Known != (tt.err == nil) || s.Backlog != tt.p.Backlog {
				t.Errorf("status %+v", s)
			}
			if got := pipelineText(s, now); !strings.Contains(got, tt.wantWords) {
				t.Errorf("text %q lacks %q", got, tt.wantWords)
			}
		})
	}
}

// TestStatusReadsNATS: with bus.url set, status reads the backlog and the
// age of the oldest unprocessed event from the NATS server, and creates
// nothing there.
func TestStatusReadsNATS(t *testing.T) {
	t.Parallel()
	ns := bustest.Namespace(t)
	dir := t.TempDir()
	if _, code := run(t, "demo", "--data-dir", dir); code != 0 {
		t.Fatalf("demo exited %d", code)
	}
	cfg := filepath.Join(dir, "shoubao.yaml")
	src := "data_dir: " + dir + "\nbus: {url: " + bustest.URL() + ", namespace: " + ns + "}\ncampaigns:" +
		demo.CampaignYAML("127.0.0.1", 1143, filepath.Join(dir, "no-such-secret"))
	if err := os.WriteFile(cfg, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	status := func() statusDoc {
		t.Helper()
		out, _ := run(t, "status", "--json", "--config", cfg)
		var doc statusDoc
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("status --json: %v\n%s", err, out)
		}
		return doc
	}
	// Nothing there yet: an error, not a stream created by status.
	if doc := status(); doc.Pipeline.Known || doc.Pipeline.Error == "" || doc.Healthy {
		t.Fatalf("before run created the stream: %+v", doc.Pipeline)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := bus.Connect(ctx, bus.Options{URL: bustest.URL(), Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.WorkerConsumer(ctx, bus.ConsumerOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Publish(ctx, bus.Event{CampaignID: demo.CampaignID, MailboxID: "m", UIDValidity: 1, UID: 1, Object: "o"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	doc := status()
	p := doc.Pipeline
	if !p.Known || p.Backlog != 1 || p.OldestUnprocessedSeconds < 1 || p.Stalled || p.LastProcessedAt != nil || !doc.Healthy {
		t.Fatalf("one young event waiting: %+v (healthy %v)", p, doc.Healthy)
	}
	out, _ := run(t, "status", "--config", cfg)
	if !strings.Contains(out, "1 封邮件等待处理（0 封正在处理），最早一封已等待 1秒") {
		t.Errorf("text:\n%s", out)
	}
}
