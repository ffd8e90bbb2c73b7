package inspect

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

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
