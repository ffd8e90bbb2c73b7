package service_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/bus/bustest"
	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/poller/imaptest"
	"github.com/shoubao/shoubao/pipeline/service"
	"github.com/shoubao/shoubao/sinks/sqlstore/pgtest"
)

// envRunConfig makes the test binary a `shoubao run` child with that
// configuration file.
const envRunConfig = "SHOUBAO_TEST_RUN_CONFIG"

func runChild(path string) int {
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	svc, err := service.Open(ctx, cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	defer svc.Close()
	_ = svc.Run(ctx)
	return 0
}

// TestOnePollerPerMailbox: two `run` processes share PostgreSQL and a
// NATS server; one polls the mailbox, the other waits. When the poller is
// killed (SIGKILL), the other takes the mailbox over within the lease's
// time and stores what arrives next; nothing is stored twice.
func TestOnePollerPerMailbox(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := imaptest.Mem(t)
	const ttl = 2 * time.Second
	storeURL, ns := pgtest.SchemaURL(t), bustest.Namespace(t)
	// Each process has its own data dir; the child reads its configuration
	// from a file.
	path := filepath.Join(t.TempDir(), "shoubao.yaml")
	// A short poll interval: the in-memory server does not always tell an
	// IDLE client of a message appended just before it began to IDLE.
	yaml := func() string {
		return strings.Replace(testConfigYAML(t, storeURL, bustest.URL(), ns, srv, ", lease_ttl: 2s"), "worker:", "poll: {interval: 1s}\nworker:", 1)
	}
	if err := os.WriteFile(path, []byte(yaml()), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse([]byte(yaml()))
	if err != nil {
		t.Fatal(err)
	}
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), envRunConfig+"="+path)
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()

	svc, err := service.Open(ctx, cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if cfg.Bus.LeaseTTL != ttl {
		t.Fatalf("lease_ttl %s", cfg.Bus.LeaseTTL)
	}
	const mailbox = "jc-2024/jcskjhzk@163.com"
	holder := func() string {
		h, _ := svc.Bus().Holder(ctx, mailbox)
		return h
	}
	deadline := time.Now().Add(30 * time.Second)
	for h := holder(); h == "" || h == svc.Holder(); h = holder() {
		if time.Now().After(deadline) {
			t.Fatalf("the child never took the mailbox (holder %q)", h)
		}
		time.Sleep(50 * time.Millisecond)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = svc.Run(rctx); close(done) }()
	defer func() { stop(); <-done }()

	srv.Append(t, "INBOX", fixture(t, "rfc2231_gbk.eml"), time.Now())
	waitMessages(t, svc, 1)
	time.Sleep(2 * ttl)
	if h := holder(); h == svc.Holder() || h == "" {
		t.Fatalf("holder %q: the second process took the mailbox while the first was alive", h)
	}
	// The poller dies.
	if err := child.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	died := time.Now()
	for holder() != svc.Holder() {
		if time.Since(died) > 30*time.Second {
			t.Fatal("nobody took the mailbox over")
		}
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Since(died)
	t.Logf("failover after %s (lease %s)", took.Round(10*time.Millisecond), ttl)
	if took > ttl+ttl/3+time.Second {
		t.Errorf("failover took %s, want within the lease's TTL", took)
	}
	srv.Append(t, "INBOX", fixture(t, "autoreply.eml"), time.Now())
	waitMessages(t, svc, 2)
}

func waitMessages(t *testing.T, svc *service.Service, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		msgs, err := svc.Store().Messages(context.Background(), "jc-2024")
		if err == nil && len(msgs) == n {
			return
		}
		if err == nil && len(msgs) > n {
			t.Fatalf("%d messages stored, want %d", len(msgs), n)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages stored, want %d (%v)", len(msgs), n, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
