package service_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/bus/bustest"
	"github.com/shoubao/shoubao/pipeline/poller/imaptest"
	"github.com/shoubao/shoubao/sinks/sqlstore/pgtest"
)

// TestOnceAfterCrash: `shoubao run --once` killed (SIGKILL) in the middle
// of a mailbox, then run again, finishes within seconds of the worker's
// AckWait (the killed process's events come back by themselves), with every
// message stored once. It used to take the whole 2-minute AckWait.
func TestOnceAfterCrash(t *testing.T) {
	t.Parallel()
	const mails = 200
	binc := buildShoubao(t)
	dc := imaptest.Dovecot(t)
	base, err := os.ReadFile(fixtures + "rfc2231_gbk.eml")
	if err != nil {
		t.Fatal(err)
	}
	dc.AppendMany(t, "INBOX", mails, func(i int) []byte {
		return bytes.Replace(base, []byte("Message-ID: <"), []byte(fmt.Sprintf("Message-ID: <crash%d.", i)), 1)
	}, time.Now())
	storeURL := pgtest.SchemaURL(t)
	src := testConfigYAML(t, storeURL, bustest.URL(), bustest.Namespace(t), dc, "")
	conf := filepath.Join(t.TempDir(), "shoubao.yaml")
	if err := os.WriteFile(conf, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	store := storeAt(t, storeURL)
	stored := func() int {
		msgs, err := store.Messages(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		return len(msgs)
	}
	b := <-binc
	if b.err != nil {
		t.Fatalf("go build: %v", b.err)
	}

	// The first run is killed once a tenth of the mailbox is stored.
	var log1 syncBuffer
	first := exec.Command(b.path, "run", "--once", "--config", conf)
	first.Stdout, first.Stderr = &log1, &log1
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for stored() < mails/10 {
		if time.Now().After(deadline) {
			_ = first.Process.Kill()
			t.Fatalf("the first run stored %d in 2 minutes:\n%s", stored(), log1.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	atKill := stored()

	var log2 syncBuffer
	again := exec.Command(b.path, "run", "--once", "--timeout", "3m", "--config", conf)
	again.Stdout, again.Stderr = &log2, &log2
	start := time.Now()
	if err := again.Run(); err != nil {
		t.Fatalf("run --once after the crash: %v\n%s", err, log2.String())
	}
	took := time.Since(start)
	msgs, err := store.Messages(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, m := range msgs {
		seen[m.MessageID]++
	}
	if len(msgs) != mails || len(seen) != mails {
		t.Errorf("%d stored (%d distinct), want each of the %d once", len(msgs), len(seen), mails)
	}
	t.Logf("killed with %d of %d stored; run --once again finished in %s", atKill, mails, took.Round(10*time.Millisecond))
	// AckWait is 10 s; the rest of the mailbox takes a few seconds.
	if took > 45*time.Second {
		t.Errorf("run --once after a crash took %s", took)
	}
}
