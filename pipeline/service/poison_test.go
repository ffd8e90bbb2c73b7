package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/bus/bustest"
	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/poller"
	"github.com/shoubao/shoubao/pipeline/poller/imaptest"
	"github.com/shoubao/shoubao/pipeline/service"
	"github.com/shoubao/shoubao/pipeline/worker"
	"github.com/shoubao/shoubao/sinks"
	"github.com/shoubao/shoubao/sinks/sqlstore/pgtest"
)

// The worker child process: TestPoisonMessageKillsWorkerTwice re-executes
// the test binary with these variables set.
const (
	envChild     = "SHOUBAO_TEST_WORKER_CHILD"
	envStoreURL  = "SHOUBAO_TEST_CHILD_STORE"
	envNamespace = "SHOUBAO_TEST_CHILD_NS"
	envCrashOn   = "SHOUBAO_TEST_CHILD_CRASH_ON"
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) == "1" {
		os.Exit(workerChild())
	}
	if path := os.Getenv(envRunConfig); path != "" {
		os.Exit(runChild(path))
	}
	os.Exit(m.Run())
}

// childAckWait is short so that the event of a killed worker comes back
// within seconds.
const childAckWait = 2 * time.Second

// workerChild runs a worker until SIGTERM. Reading a file named as
// envCrashOn says kills the process with SIGKILL, as the kernel's
// out-of-memory killer would.
func workerChild() int {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	cfg := &config.Config{}
	cfg.Store.URL = os.Getenv(envStoreURL)
	store, err := service.OpenStore(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: store:", err)
		return 2
	}
	defer store.Close()
	b, err := bus.Connect(ctx, bus.Options{URL: bustest.URL(), Namespace: os.Getenv(envNamespace), Logger: quiet()})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: bus:", err)
		return 2
	}
	defer b.Close()
	cons, err := b.WorkerConsumer(ctx, bus.ConsumerOptions{AckWait: childAckWait})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: consumer:", err)
		return 2
	}
	crashOn := os.Getenv(envCrashOn)
	w := worker.New(store, b, worker.Options{
		Campaigns: map[string]*config.Campaign{"c1": {ID: "c1"}}, TempDir: os.TempDir(), AckWait: childAckWait,
		MinBackoff: 100 * time.Millisecond, Logger: quiet(),
		BeforeFile: func(name string) {
			if name == crashOn {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				time.Sleep(time.Minute)
			}
		},
	})
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
		<-sig
		stop()
	}()
	_ = w.Run(ctx, cons, 1)
	return 0
}

// poisonMail carries one attachment whose reading kills the worker.
const poisonMail = "From: 陵川县科技局 <lckjj@163.com>\r\n" +
	"To: unit@163.com\r\n" +
	"Subject: =?UTF-8?B?" + "6Zm15bed5Y6/56eR5oqA5bGA5oql6YCB5p2Q5paZ" + "?=\r\n" +
	"Message-ID: <poison-1@163.com>\r\n" +
	"Date: Wed, 05 Jun 2024 09:00:00 +0800\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=b1\r\n\r\n" +
	"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n见附件。\r\n" +
	"--b1\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; name=crash.xlsx\r\n" +
	"Content-Disposition: attachment; filename=crash.xlsx\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
	"UEsDBAoAAAAAAAAAIQAAAAAAAAAAAAAAAAAAAAAA\r\n" +
	"--b1--\r\n"

// TestPoisonMessageKillsWorkerTwice: a message whose reading kills the
// worker process (SIGKILL, twice) is stored unread on the third delivery,
// with a finding naming the file and a dead letter; a normal message sent
// after it is stored; the poller, in another process, never stops.
func TestPoisonMessageKillsWorkerTwice(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	storeURL := pgtest.SchemaURL(t)
	ns := bustest.Namespace(t)
	store := storeAt(t, storeURL)
	b, err := bus.Connect(ctx, bus.Options{URL: bustest.URL(), Namespace: ns, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	srv := imaptest.Dovecot(t)
	p := poller.New(poller.Mailbox{ID: "c1/unit@163.com", CampaignID: "c1", Address: "unit@163.com",
		Host: srv.Host(), Port: srv.Port(), TLS: "none", User: srv.User, Password: srv.Password, Folder: "INBOX"},
		store, b, poller.Options{Interval: time.Second, Logger: quiet()})
	pctx, pstop := context.WithCancel(ctx)
	pollerDone := make(chan error, 1)
	go func() { pollerDone <- p.Run(pctx) }()
	defer func() { pstop(); <-pollerDone }()

	child := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envChild+"=1", envStoreURL+"="+storeURL, envNamespace+"="+ns, envCrashOn+"=crash.xlsx")
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	killed := func(cmd *exec.Cmd) {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatal("the worker did not die on the poison message")
		}
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("worker ended with %v, want killed by SIGKILL", cmd.ProcessState)
		}
	}

	srv.Append(t, "INBOX", []byte(poisonMail), time.Now())
	// Two workers die on it, one after the other (a supervisor restarts them).
	killed(child())
	killed(child())

	// A normal message arrives meanwhile.
	srv.Append(t, "INBOX", fixture(t, "rfc2231_gbk.eml"), time.Now())

	// The third worker stores the poison message unread, then the normal one.
	third := child()
	defer func() {
		_ = third.Process.Signal(syscall.SIGTERM)
		_ = third.Wait()
	}()
	var msgs []sinks.Message
	deadline := time.Now().Add(90 * time.Second)
	for {
		msgs, err = store.Messages(ctx, "c1")
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) == 2 || time.Now().After(deadline) {
			break
		}
		select {
		case err := <-pollerDone:
			t.Fatalf("the poller stopped: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	if len(msgs) != 2 {
		t.Fatalf("stored %d messages, want the poison one and the normal one", len(msgs))
	}
	var poison, normal *sinks.Message
	for i := range msgs {
		if msgs[i].MessageID == "poison-1@163.com" {
			poison = &msgs[i]
		} else {
			normal = &msgs[i]
		}
	}
	if poison == nil || normal == nil {
		t.Fatalf("messages: %+v", msgs)
	}
	var fl []struct{ Code, Message string }
	if err := json.Unmarshal(poison.Findings, &fl); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range fl {
		if f.Code == "needs_manual_review" && strings.Contains(f.Message, "crash.xlsx") {
			found = true
		}
	}
	if !found {
		t.Errorf("poison message findings %s: want needs_manual_review naming crash.xlsx", poison.Findings)
	}
	if poison.Subject != "陵川县科技局报送材料" || poison.From == "" {
		t.Errorf("poison message header not kept: subject %q from %q", poison.Subject, poison.From)
	}
	if len(poison.Attachments) != 1 || poison.Attachments[0].Name != "crash.xlsx" || poison.Attachments[0].SHA256 != "" {
		t.Errorf("poison message: want crash.xlsx listed and not read, got %+v", poison.Attachments)
	}
	if len(normal.Attachments) == 0 || normal.Attachments[0].SHA256 == "" {
		t.Errorf("normal message was not read: %+v", normal.Attachments)
	}
	dls, err := store.DeadLetters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(dls) != 1 || dls[0].UID != 1 || !strings.Contains(dls[0].Error, "crash.xlsx") {
		t.Errorf("dead letters: %+v, want the poison message's", dls)
	}
	// The raw bytes are kept.
	r, err := b.OpenRaw(ctx, poison.RawObject)
	if err != nil {
		t.Fatalf("raw poison message: %v", err)
	}
	r.Close()
	// The poller never stopped: it is still running and saw both messages.
	select {
	case err := <-pollerDone:
		t.Fatalf("the poller stopped: %v", err)
	default:
	}
	cp, err := store.LoadCheckpoint(ctx, "c1/unit@163.com")
	if err != nil || cp.LastUID != 2 {
		t.Errorf("checkpoint %+v (%v), want LastUID 2", cp, err)
	}
}
