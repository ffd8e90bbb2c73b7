// Package bustest gives tests a bus: an embedded nats-server per test
// (fast), the real NATS JetStream server of the machine
// (SHOUBAO_TEST_NATS_URL, default nats://127.0.0.1:4222) in a namespace of
// its own that is deleted when the test ends, or a JetStream cluster of
// in-process servers (Cluster).
package bustest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoubao/shoubao/pipeline/bus"
)

// EnvURL names the variable holding the real test server's URL.
const EnvURL = "SHOUBAO_TEST_NATS_URL"

// DefaultURL is used when EnvURL is unset.
const DefaultURL = "nats://127.0.0.1:4222"

// EnvRequire, when 1, turns an unreachable real server into a failure
// instead of a skip.
const EnvRequire = "SHOUBAO_REQUIRE_SERVICES"

// URL returns the real test server's URL.
func URL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

// Embedded starts an embedded server in a temporary directory and returns a
// bus on it, closed when the test ends.
func Embedded(t testing.TB) *bus.Bus {
	t.Helper()
	return EmbeddedAt(t, t.TempDir())
}

// EmbeddedAt is Embedded with a chosen store directory, so a test can stop
// the bus and start another one on the same data (a restart).
func EmbeddedAt(t testing.TB, dir string) *bus.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := bus.Connect(ctx, bus.Options{StoreDir: dir, MaxMemory: 64 << 20, MaxStore: 8 << 30, Name: t.Name(), Logger: quiet()})
	if err != nil {
		t.Fatalf("embedded bus: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}

// Namespace returns a fresh random namespace on the real server whose
// resources are deleted when the test ends. It skips (or fails, with
// SHOUBAO_REQUIRE_SERVICES=1) when the server is unreachable.
func Namespace(t testing.TB) string {
	t.Helper()
	nc, err := nats.Connect(URL(), nats.Timeout(5*time.Second))
	if err != nil {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("NATS at %s is required but unreachable: %v", URL(), err)
		}
		t.Skipf("NATS unreachable at %s (set %s=1 to fail instead): %v", URL(), EnvRequire, err)
	}
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	ns := "t" + hex.EncodeToString(b)
	t.Cleanup(func() {
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		n := bus.NamesFor(ns)
		_ = js.DeleteStream(ctx, n.Stream)
		_ = js.DeleteObjectStore(ctx, n.BucketRaw)
		_ = js.DeleteObjectStore(ctx, n.BucketFiles)
		_ = js.DeleteKeyValue(ctx, n.BucketAttempts)
		_ = js.DeleteKeyValue(ctx, n.BucketLeases)
	})
	return ns
}

// External returns a bus on the real server in a fresh namespace.
func External(t testing.TB) *bus.Bus {
	t.Helper()
	ns := Namespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := bus.Connect(ctx, bus.Options{URL: URL(), Namespace: ns, Name: t.Name(), Logger: quiet()})
	if err != nil {
		t.Fatalf("external bus: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}

func quiet() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
