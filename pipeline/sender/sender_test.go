package sender_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoubao/shoubao/parsers/inspect"
	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/receipts"
	"github.com/shoubao/shoubao/pipeline/sender"
	"github.com/shoubao/shoubao/pipeline/worker"
	"github.com/shoubao/shoubao/sinks"
	"github.com/shoubao/shoubao/sinks/sqlstore"
)

// fakeTransport records what is sent and answers as told.
type fakeTransport struct {
	mu       sync.Mutex
	sent     []string // Message-IDs accepted
	folder   map[string]bool
	errs     []error // returned by the next Send calls, in order
	sends    int
	saveSent bool
}

func (f *fakeTransport) Send(_ context.Context, _ string, _ []string, raw []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sends++
	if len(f.errs) > 0 {
		err := f.errs[0]
		f.errs = f.errs[1:]
		if err != nil {
			return err
		}
	}
	i := bytes.Index(raw, []byte("Message-Id: <"))
	f.sent = append(f.sent, string(raw[i+13:i+13+bytes.IndexByte(raw[i+13:], '>')]))
	return nil
}
func (f *fakeTransport) SavesSent(string) bool { return f.saveSent }
func (f *fakeTransport) SaveSent(_ context.Context, _ string, _ []byte, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.folder[id] = true
	return nil
}
func (f *fakeTransport) InSent(_ context.Context, _, id string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.folder[id], nil
}

var cst = campaign.ChinaTime()

func testCampaign(mode string, perHour int) *campaign.Campaign {
	return &campaign.Campaign{ID: "c", Title: "科技活动周", Deadline: time.Date(2026, 6, 9, 0, 0, 0, 0, cst),
		Materials: []campaign.Material{campaign.MaterialReport}, Delivery: campaign.DeliveryAny,
		Receipts:  campaign.Receipts{Mode: mode, PerRecipientPerHour: perHour},
		Mailboxes: []campaign.Mailbox{{ID: "c/jcskjhzk@163.com", Address: "jcskjhzk@163.com", Office: "晋城市科学技术局"}},
		Units:     []campaign.Unit{{Name: "陵川县发展改革和科技局", Senders: []string{"lckjj@163.com"}}}}
}

// store stores n submissions from lckjj@163.com, each with its receipt
// job decided as the worker does.
func store(t *testing.T, c *campaign.Campaign, n int) *sqlstore.Store {
	t.Helper()
	return storeAt(t, filepath.Join(t.TempDir(), "s.db"), c, n)
}

// storeAt is store with the database file at path.
func storeAt(t *testing.T, path string, c *campaign.Campaign, n int) *sqlstore.Store {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	for i := 0; i < n; i++ {
		raw := fmt.Sprintf("From: lckjj@163.com\r\nTo: jcskjhzk@163.com\r\nSubject: report %d\r\nMessage-ID: <m%d@163.com>\r\n"+
			"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"+
			"--b\r\nContent-Type: application/pdf; name=r.pdf\r\nContent-Disposition: attachment; filename=r.pdf\r\n\r\n%%PDF-1.4 x\r\n--b--\r\n", i, i)
		node, err := inspect.Message(ctx, strings.NewReader(raw), inspect.Options{TempDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		m, err := worker.Record(bus.Event{CampaignID: "c", MailboxID: "c/jcskjhzk@163.com", UIDValidity: 1, UID: uint32(i + 1),
			InternalDate: time.Date(2026, 6, 5, 10, i, 0, 0, cst), Object: fmt.Sprint(i), SHA256: fmt.Sprintf("%064d", i)}, node)
		if err != nil {
			t.Fatal(err)
		}
		job, ok := receipts.Decide(c, m)
		if !ok || job.State != sinks.JobPending {
			t.Fatalf("decided %+v", job)
		}
		m.Jobs = []sinks.Job{job}
		if _, _, err := st.SaveMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func jobs(t *testing.T, st *sqlstore.Store) []sinks.Job {
	t.Helper()
	js, err := st.Jobs(context.Background(), "c")
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func newSender(st *sqlstore.Store, tr sender.Transport, c *campaign.Campaign) *sender.Sender {
	return sender.New(st, tr, sender.Options{Campaigns: map[string]*campaign.Campaign{"c": c},
		MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxAttempts: 3, Lease: time.Minute})
}

func drainUntilDone(t *testing.T, st *sqlstore.Store, s *sender.Sender) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := s.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n, _ := st.UnfinishedJobs(context.Background()); n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("jobs never finished")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestSender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		mode     string
		perHour  int
		n        int
		errs     []error
		states   []string
		reason   string
		sends    int
		attempts int
	}{
		{name: "preview composes, sends nothing", mode: "preview", n: 1, states: []string{sinks.JobPreviewed}, sends: 0, attempts: 1},
		{name: "sent", mode: "send", n: 1, states: []string{sinks.JobSent}, sends: 1, attempts: 1},
		{name: "451 is retried", mode: "send", n: 1, errs: []error{errors.New("451 MI:SFQ too many"), errors.New("450 RP:DRC")},
			states: []string{sinks.JobSent}, sends: 3, attempts: 3},
		{name: "4xx until the last attempt fails", mode: "send", n: 1, errs: []error{errors.New("451"), errors.New("451"), errors.New("451")},
			states: []string{sinks.JobFailed}, reason: "after 3 attempts", sends: 3, attempts: 3},
		{name: "5xx fails at once", mode: "send", n: 1, errs: []error{fmt.Errorf("550 user unknown: %w", sender.ErrPermanent)},
			states: []string{sinks.JobFailed}, reason: "550 user unknown", sends: 1, attempts: 1},
		{name: "per-recipient limit", mode: "send", perHour: 2, n: 3, states: []string{sinks.JobSent, sinks.JobSent, sinks.JobSkipped},
			reason: "limit", sends: 2, attempts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := testCampaign(tt.mode, tt.perHour)
			st := store(t, c, tt.n)
			tr := &fakeTransport{folder: map[string]bool{}, errs: tt.errs, saveSent: true}
			drainUntilDone(t, st, newSender(st, tr, c))
			js := jobs(t, st)
			for i, j := range js {
				if j.State != tt.states[i] {
					t.Errorf("job %d: %s (%s), want %s", i, j.State, j.Reason, tt.states[i])
				}
				if j.Subject == "" || !strings.Contains(j.Body, "已收到") || j.MessageID == "" {
					t.Errorf("job %d: the composed receipt is not kept: %+v", i, j)
				}
			}
			last := js[len(js)-1]
			if tt.reason != "" && !strings.Contains(last.Reason, tt.reason) {
				t.Errorf("reason %q, want %q", last.Reason, tt.reason)
			}
			if tr.sends != tt.sends || js[0].Attempts != tt.attempts {
				t.Errorf("%d sends, %d attempts; want %d, %d", tr.sends, js[0].Attempts, tt.sends, tt.attempts)
			}
			if tt.mode == "send" && js[0].State == sinks.JobSent && !tr.folder[js[0].MessageID] {
				t.Error("sent receipt not filed in the Sent folder")
			}
		})
	}
}

// TestCrashBetweenSendAndMark: a sender died after the SMTP server took
// the receipt and before it was marked. With save_sent, the next attempt
// finds it in the Sent folder and does not send again; without, it is
// sent again (the documented window).
func TestCrashBetweenSendAndMark(t *testing.T) {
	t.Parallel()
	for _, saveSent := range []bool{true, false} {
		t.Run(fmt.Sprintf("save_sent=%v", saveSent), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			c := testCampaign("send", 5)
			st := store(t, c, 1)
			tr := &fakeTransport{folder: map[string]bool{}, saveSent: saveSent}
			// The dead sender claimed it (its lease has lapsed), sent it and
			// filed it, and never marked it.
			claimed, err := st.ClaimJobs(ctx, 1, -time.Second)
			if err != nil || len(claimed) != 1 {
				t.Fatal(claimed, err)
			}
			id := receipts.MessageID("c", claimed[0].Key, "jcskjhzk@163.com")
			tr.sent = append(tr.sent, id)
			if saveSent {
				tr.folder[id] = true
			}
			drainUntilDone(t, st, newSender(st, tr, c))
			j := jobs(t, st)[0]
			wantSends := map[bool]int{true: 0, false: 1}[saveSent]
			if j.State != sinks.JobSent || tr.sends != wantSends || j.Attempts != 2 {
				t.Errorf("state %s (%s), %d new sends (want %d), attempts %d", j.State, j.Reason, tr.sends, wantSends, j.Attempts)
			}
			if saveSent && !strings.Contains(j.Reason, "Sent folder") {
				t.Errorf("reason %q", j.Reason)
			}
		})
	}
}
