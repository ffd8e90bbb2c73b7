package service_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/shoubao/shoubao/parsers/inspect"
	"github.com/shoubao/shoubao/parsers/mail/mailtest"
	"github.com/shoubao/shoubao/pipeline/bus/bustest"
	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/poller/imaptest"
	"github.com/shoubao/shoubao/pipeline/service"
	"github.com/shoubao/shoubao/sinks/sqlstore/pgtest"
)

// BenchmarkPipelineSmall measures messages per second through the whole
// path (IMAP poller → JetStream → worker → store) for small real-world
// messages (the 8 KB fixture with a GBK-named table and a photo), on the
// embedded defaults. The reference is a plain IMAP fetch of the same
// messages to nowhere, in the same run: ratio = pipeline time / fetch time.
// A second reference is the work that must be done: the same messages
// inspected in memory alone (no IMAP, bus or store), with as many
// goroutines as the service has workers: x-inspect = pipeline time /
// inspect-only time.
//
//	go test -run '^$' -bench PipelineSmall -benchtime 2000x ./pipeline/service/
//
// With SHOUBAO_BENCH_DOVECOT=1 the IMAP server is a Dovecot in its own
// process, as in production, and the process runs under the soft memory
// limit `shoubao run` sets (memory_limit). The in-process server's mailbox
// would otherwise share (and inflate) the heap that limit governs.
func BenchmarkPipelineSmall(b *testing.B) {
	dovecot := os.Getenv("SHOUBAO_BENCH_DOVECOT") == "1"
	var srv *imaptest.Server
	if dovecot {
		srv = imaptest.Dovecot(b)
	} else {
		srv = imaptest.Mem(b)
	}
	base, err := os.ReadFile(fixtures + "rfc2231_gbk.eml")
	if err != nil {
		b.Fatal(err)
	}
	msgs := make([][]byte, b.N)
	for i := range msgs {
		// Distinct bytes per message, as real mail has.
		msgs[i] = bytes.Replace(base, []byte("Message-ID: <"), []byte(fmt.Sprintf("Message-ID: <bench%d.", i)), 1)
		srv.Append(b, "INBOX", msgs[i], time.Now())
	}
	cfg := testConfig(b, "", "", "", srv)
	cfg.DataDir = b.TempDir()
	ctx := context.Background()
	inspectOnly := inspectAll(b, msgs, cfg.Worker.Concurrency)
	svc, fetch := openAndFetch(b, cfg, srv, dovecot)

	b.ResetTimer()
	start := time.Now()
	if err := svc.Once(ctx); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if s := svc.Worker().Stats(); s.Stored != b.N {
		b.Fatalf("stored %d of %d", s.Stored, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(b.N)/fetch.Seconds(), "raw-fetch-msgs/s")
	b.ReportMetric(elapsed.Seconds()/fetch.Seconds(), "x-raw-fetch")
	b.ReportMetric(float64(b.N)/inspectOnly.Seconds(), "inspect-only-msgs/s")
	b.ReportMetric(elapsed.Seconds()/inspectOnly.Seconds(), "x-inspect")
}

// inspectAll times inspecting msgs in memory with n goroutines, as the
// worker would (same limits, a scratch directory for large parts) but
// with nowhere to put files: the work the pipeline must do.
func inspectAll(b *testing.B, msgs [][]byte, n int) time.Duration {
	tmp := b.TempDir()
	next := make(chan []byte)
	var wg sync.WaitGroup
	start := time.Now()
	for range max(n, 1) {
		wg.Go(func() {
			for m := range next {
				if _, err := inspect.Message(context.Background(), bytes.NewReader(m), inspect.Options{TempDir: tmp}); err != nil {
					b.Error(err)
				}
			}
		})
	}
	for _, m := range msgs {
		next <- m
	}
	close(next)
	wg.Wait()
	return time.Since(start)
}

// openAndFetch opens the service (closed when the benchmark ends), under
// the soft memory limit `shoubao run` sets when limit is true, and times the
// reference: a bare IMAP fetch of the whole mailbox.
func openAndFetch(b *testing.B, cfg *config.Config, srv *imaptest.Server, limit bool) (*service.Service, time.Duration) {
	if limit {
		prev := debug.SetMemoryLimit(-1)
		b.Logf("soft memory limit as in shoubao run: %d MiB", service.SetMemoryLimit(cfg)>>20)
		b.Cleanup(func() { debug.SetMemoryLimit(prev) })
	}
	svc, err := service.Open(context.Background(), cfg, quiet())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(svc.Close)
	start := time.Now()
	fetchAll(b, srv)
	return svc, time.Since(start)
}

// fetchAll downloads every message's body over IMAP and discards it.
func fetchAll(b *testing.B, srv *imaptest.Server) {
	c := srv.Client(b)
	defer c.Close()
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		b.Fatal(err)
	}
	cmd := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}})
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		for {
			item := msg.Next()
			if item == nil {
				break
			}
			if bs, ok := item.(imapclient.FetchItemDataBodySection); ok {
				_, _ = io.Copy(io.Discard, bs.Literal)
			}
		}
	}
	if err := cmd.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkBigMessage passes one message with a 500 MB (decoded) video
// attachment through the whole path and reports this process's peak RSS
// while it does (VmHWM, reset just before). The IMAP server is a real
// Dovecot in its own process, so its memory is not counted. The reference
// is a plain IMAP fetch of the same message to nowhere.
//
// It needs about 3 GB of disk in $TMPDIR and runs only when asked:
//
//	SHOUBAO_BENCH_BIG=1 go test -run '^$' -bench BigMessage -benchtime 1x ./pipeline/service/
//
// By default it uses the embedded store and nats-server, whose memory is
// then part of this process; SHOUBAO_BENCH_EXTERNAL=1 uses the machine's
// PostgreSQL and NATS instead (the production topology). Like `shoubao
// run`, it sets the soft memory limit memory_limit (64MB by default);
// GOMEMLIMIT overrides it, and GOMEMLIMIT=off measures without one.
func BenchmarkBigMessage(b *testing.B) {
	if os.Getenv("SHOUBAO_BENCH_BIG") != "1" {
		b.Skip("set SHOUBAO_BENCH_BIG=1 (needs ~3 GB of disk)")
	}
	size := int64(500 << 20)
	if s := os.Getenv("SHOUBAO_BENCH_BIG_MB"); s != "" {
		n, _ := strconv.Atoi(s)
		size = int64(n) << 20
	}
	srv := imaptest.Dovecot(b)
	path, _, err := mailtest.WriteLargeMessage(b.TempDir(), size)
	if err != nil {
		b.Fatal(err)
	}
	appendFile(b, srv, path)

	storeURL, busURL, ns := "", "", ""
	if os.Getenv("SHOUBAO_BENCH_EXTERNAL") == "1" {
		storeURL, busURL, ns = pgtest.SchemaURL(b), bustest.URL(), bustest.Namespace(b)
	}
	cfg := testConfig(b, storeURL, busURL, ns, srv)
	cfg.DataDir = b.TempDir()
	cfg.Bus.Embedded.MaxStore = 8 << 30
	ctx := context.Background()
	svc, fetch := openAndFetch(b, cfg, srv, true)

	if err := mailtest.ResetPeakRSS(); err != nil {
		b.Logf("cannot reset peak RSS: %v", err)
	}
	b.ResetTimer()
	start := time.Now()
	if err := svc.Once(ctx); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	peak := mailtest.PeakRSS()
	msgs, _ := svc.Store().Messages(ctx, "")
	if len(msgs) != 1 || len(msgs[0].Attachments) != 1 || msgs[0].Attachments[0].Size != size {
		b.Fatalf("the big message was not stored whole: %+v", msgs)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MB")
	b.ReportMetric(float64(size)/(1<<20)/elapsed.Seconds(), "MB/s")
	b.ReportMetric(elapsed.Seconds()/fetch.Seconds(), "x-raw-fetch")
}

func appendFile(b *testing.B, srv *imaptest.Server, path string) {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	c := srv.Client(b)
	defer c.Close()
	cmd := c.Append("INBOX", st.Size(), &imap.AppendOptions{Time: time.Now()})
	if _, err := io.Copy(cmd, f); err != nil {
		b.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		b.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		b.Fatal(err)
	}
}
