package worker_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/worker"
)

// natsServer runs the machine's nats-server on a free loopback port with
// its store in dir; stop kills it (SIGKILL).
func natsServer(t *testing.T, port int, dir string) (stop func()) {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		if os.Getenv("SHOUBAO_REQUIRE_SERVICES") == "1" {
			t.Fatal("nats-server is required")
		}
		t.Skip("nats-server not installed")
	}
	cmd := exec.Command(bin, "-a", "127.0.0.1", "-p", fmt.Sprint(port), "-js", "-sd", dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("nats-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
}

// ownNATS is a nats-server process of the test's own, which the test can
// kill and start again on the same port and data, and a bus connected to
// it with the worker consumer; both go when the test ends.
type ownNATS struct {
	t    *testing.T
	port int
	dir  string
	stop func()
	bus  *bus.Bus
	cons jetstream.Consumer
}

func startOwnNATS(ctx context.Context, t *testing.T, ackWait time.Duration) *ownNATS {
	t.Helper()
	n := &ownNATS{t: t, port: freePort(t), dir: t.TempDir()}
	n.stop = natsServer(t, n.port, n.dir)
	t.Cleanup(func() { n.stop() })
	var err error
	n.bus, err = bus.Connect(ctx, bus.Options{URL: fmt.Sprintf("nats://127.0.0.1:%d", n.port),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.bus.Close)
	if n.cons, err = n.bus.WorkerConsumer(ctx, bus.ConsumerOptions{AckWait: ackWait}); err != nil {
		t.Fatal(err)
	}
	return n
}

// kill kills the server (SIGKILL); start starts it again.
func (n *ownNATS) kill()  { n.stop() }
func (n *ownNATS) start() { n.stop = natsServer(n.t, n.port, n.dir) }

// TestNATSRestart: the NATS server is killed and started again while the
// workers run; an event published after it is back is stored within
// seconds, with no restart of shoubao.
func TestNATSRestart(t *testing.T) {
	b := setup(t) // the store; the embedded bus of setup is not used
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	quietLog := slog.New(slog.NewTextHandler(io.Discard, nil))
	ns := startOwnNATS(ctx, t, 5*time.Second)
	nb, cons := ns.bus, ns.cons
	c := &config.Campaign{ID: "c1"}
	w := worker.New(b.store, nb, worker.Options{Campaigns: map[string]*config.Campaign{"c1": c}, TempDir: t.TempDir(),
		AckWait: 5 * time.Second, MinBackoff: 100 * time.Millisecond, Logger: quietLog})
	wctx, wstop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = w.Run(wctx, cons, 1); close(done) }()
	defer func() { wstop(); <-done }()

	publish := func(uid uint32) {
		t.Helper()
		name := bus.ObjectName("c1/a@163.com", 1, uid)
		raw := bytes.Replace(fixture(t), []byte("Message-ID: <"), []byte(fmt.Sprintf("Message-ID: <n%d.", uid)), 1)
		deadline := time.Now().Add(30 * time.Second)
		for {
			info, err := nb.PutRaw(ctx, name, bytes.NewReader(raw))
			if err == nil {
				ev := bus.Event{CampaignID: "c1", MailboxID: "c1/a@163.com", UIDValidity: 1, UID: uid, Object: name,
					Size: info.Size, SHA256: info.SHA256, InternalDate: time.Now()}
				if _, err = nb.Publish(ctx, ev); err == nil {
					return
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("publish %d: %v", uid, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	stored := func(n int, within time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		for len(b.messages(t)) < n {
			if time.Since(start) > within {
				t.Fatalf("%d messages stored after %s, want %d", len(b.messages(t)), within, n)
			}
			time.Sleep(50 * time.Millisecond)
		}
		return time.Since(start)
	}
	publish(1)
	stored(1, 20*time.Second)

	ns.kill()
	time.Sleep(time.Second)
	ns.start()
	publish(2)
	took := stored(2, 60*time.Second)
	t.Logf("stored %s after the event was published on the restarted server", took.Round(10*time.Millisecond))
	if took > 15*time.Second {
		t.Errorf("the workers took %s to resume after NATS came back", took)
	}
}
