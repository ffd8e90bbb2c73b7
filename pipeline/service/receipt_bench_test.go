package service_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/shoubao/shoubao/pipeline/sender"
	"github.com/shoubao/shoubao/pipeline/service"
	"github.com/shoubao/shoubao/sinks/mailout"
)

// timing wraps a transport and notes when each receipt (by the message it
// answers) was accepted by the SMTP server.
type timing struct {
	sender.Transport
	mu       sync.Mutex
	accepted map[string]time.Time
}

func (t *timing) Send(ctx context.Context, mailboxID string, to []string, raw []byte) error {
	err := t.Transport.Send(ctx, mailboxID, to, raw)
	if err == nil {
		now := time.Now()
		if mr, e := mail.CreateReader(bytes.NewReader(raw)); e == nil {
			if ids, e := mr.Header.MsgIDList("In-Reply-To"); e == nil && len(ids) == 1 {
				t.mu.Lock()
				t.accepted[ids[0]] = now
				t.mu.Unlock()
			}
		}
	}
	return err
}

func (t *timing) at(id string) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	at, ok := t.accepted[id]
	return at, ok
}

// BenchmarkReceiptLatency measures, with Dovecot holding the contact
// mailbox (IDLE on) and Postfix on loopback, the time from a unit's mail
// being delivered to the mailbox (APPEND returns) to its receipt being
// accepted by the SMTP server, one mail after another (b.N mails). The
// reference in the same run is one direct SMTP submission to the same
// Postfix.
//
//	go test -run XXX -bench ReceiptLatency -benchtime 40x ./pipeline/service
func BenchmarkReceiptLatency(b *testing.B) {
	dc, mta := receiptSetup(b)
	cfg := receiptConfig(b, dc, mta, "")
	real, err := service.MailboxTransport(cfg, quiet())
	if err != nil {
		b.Fatal(err)
	}
	tr := &timing{Transport: real, accepted: map[string]time.Time{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc, err := service.Open(ctx, cfg, quiet(), service.WithTransport(tr))
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	done := make(chan struct{})
	go func() { _ = svc.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	time.Sleep(time.Second) // the poller is IDLE

	var lat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := fmt.Sprintf("bench-%d-%d@163.com", i, time.Now().UnixNano())
		start := time.Now()
		dc.Append(b, "INBOX", person(fmt.Sprintf("u%d@163.com", i), id, "report"), time.Now())
		for {
			if at, ok := tr.at(id); ok {
				lat = append(lat, at.Sub(start))
				break
			}
			if time.Since(start) > time.Minute {
				b.Fatalf("no receipt for mail %d after a minute", i)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	// Reference: one direct submission to the same Postfix.
	raw := person("ref@163.com", "ref@163.com", "reference")
	start := time.Now()
	if err := mailout.Send(ctx, mailout.SMTP{Host: mta.Host(), Port: mta.Port(), TLS: mailout.TLSNone}, dc.User, []string{"ref@163.com"}, raw); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000, "ref-smtp-ms")
}
