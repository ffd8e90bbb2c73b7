package inspect

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"

	"github.com/shoubao/shoubao/parsers/mail/mailtest"
)

// benchMB is the attachment size of BenchmarkMessageLargeAttachment in MiB
// (SHOUBAO_BENCH_MB, default 1024).
func benchMB() int64 {
	if v, err := strconv.ParseInt(os.Getenv("SHOUBAO_BENCH_MB"), 10, 64); err == nil && v > 0 {
		return v
	}
	return 1024
}

// BenchmarkMessageLargeAttachment walks a message with a 1 GiB base64
// attachment (SHOUBAO_BENCH_MB to change), spooling and hashing it, and
// reports throughput over the raw message, the process's peak RSS, and the
// time of `base64 -d | sha256sum` over the same base64 bytes for reference.
//
//	go test ./parsers/inspect -run XXX -bench LargeAttachment -benchtime 1x
func BenchmarkMessageLargeAttachment(b *testing.B) {
	dir := b.TempDir()
	size := benchMB() << 20
	msg, payload, err := mailtest.WriteLargeMessage(dir, size)
	if err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(msg)
	if err != nil {
		b.Fatal(err)
	}
	var refSum string
	var refTime time.Duration
	if _, err := exec.LookPath("base64"); err == nil {
		start := time.Now()
		out, err := exec.Command("sh", "-c", "base64 -d < '"+payload+"' | sha256sum").Output()
		if err != nil {
			b.Fatal(err)
		}
		refTime = time.Since(start)
		refSum = strings.Fields(string(out))[0]
	}
	scratch := filepath.Join(dir, "scratch")
	if err := os.Mkdir(scratch, 0o755); err != nil {
		b.Fatal(err)
	}
	opts := Options{TempDir: scratch, Limits: Limits{MaxMessageBytes: 4 << 30}}
	b.SetBytes(st.Size())
	b.ResetTimer()
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		f, err := os.Open(msg)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		n, err := Message(context.Background(), f, opts)
		elapsed += time.Since(start)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		if len(n.Parts) != 1 || n.Parts[0].Size != size {
			b.Fatalf("attachment not read whole: %+v", n.Parts)
		}
		if refSum != "" && n.Parts[0].SHA256 != refSum {
			b.Fatalf("sha256 %s, base64 -d | sha256sum says %s", n.Parts[0].SHA256, refSum)
		}
	}
	b.StopTimer()
	per := elapsed / time.Duration(b.N)
	b.ReportMetric(float64(mailtest.PeakRSS())/(1<<20), "peakRSS-MB")
	if refTime > 0 {
		b.ReportMetric(refTime.Seconds(), "ref-s")
		b.ReportMetric(per.Seconds()/refTime.Seconds(), "x-ref")
	}
}

// BenchmarkMessageSmall inspects the 8 KB real-world fixture of the
// pipeline benchmark (a GBK-named .xlsx table and a photo): "memory" with
// the default Options (parts held in memory), "scratch" with every part
// spooled to TempDir (MemPartBytes < 0, the behaviour before parts were
// held in memory), and the reference "read": the same message's parts
// decoded by go-message's mail reader into io.Discard.
//
//	go test ./parsers/inspect -run XXX -bench MessageSmall -benchmem
func BenchmarkMessageSmall(b *testing.B) {
	raw, err := os.ReadFile("../mail/testdata/rfc2231_gbk.eml")
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name    string
		memPart int64
	}{{"memory", 0}, {"scratch", -1}} {
		b.Run(bc.name, func(b *testing.B) {
			opts := Options{TempDir: b.TempDir(), MemPartBytes: bc.memPart}
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				n, err := Message(context.Background(), bytes.NewReader(raw), opts)
				if err != nil {
					b.Fatal(err)
				}
				if len(n.Parts) != 2 {
					b.Fatalf("%d parts", len(n.Parts))
				}
			}
		})
	}
	b.Run("read", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			mr, err := gomail.CreateReader(bytes.NewReader(raw))
			if err != nil && !message.IsUnknownCharset(err) {
				b.Fatal(err)
			}
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, p.Body); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
