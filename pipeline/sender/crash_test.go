package sender_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/demo"
	"github.com/shoubao/shoubao/pipeline/imapmem"
	"github.com/shoubao/shoubao/pipeline/sender"
	"github.com/shoubao/shoubao/sinks"
	"github.com/shoubao/shoubao/sinks/mailout"
	"github.com/shoubao/shoubao/sinks/sqlstore"
)

// The sender child process (TestSenderKilled re-executes the test binary).
const (
	envChild   = "SHOUBAO_TEST_SENDER_CHILD"
	envDB      = "SHOUBAO_TEST_SENDER_DB"
	envSMTP    = "SHOUBAO_TEST_SENDER_SMTP"
	envIMAP    = "SHOUBAO_TEST_SENDER_IMAP"
	envCrashAt = "SHOUBAO_TEST_SENDER_CRASH_AT" // before-send, after-send, after-save
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) == "1" {
		os.Exit(senderChild())
	}
	os.Exit(m.Run())
}

const lease = time.Second

// realTransport sends through a real SMTP server and files in a real IMAP
// server's Sent folder; crashAt kills the process with SIGKILL at that
// point of the first receipt.
type realTransport struct {
	smtpPort int
	imapPort int
	saveSent bool
	crashAt  string
}

func (t realTransport) die(at string) {
	if t.crashAt == at {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Minute)
	}
}

func (t realTransport) imap() mailout.IMAP {
	return mailout.IMAP{Host: "127.0.0.1", Port: t.imapPort, TLS: mailout.TLSNone, User: "jcskjhzk@163.com", Password: "pw"}
}

func (t realTransport) Send(ctx context.Context, _ string, to []string, raw []byte) error {
	t.die("before-send")
	err := mailout.Send(ctx, mailout.SMTP{Host: "127.0.0.1", Port: t.smtpPort, TLS: mailout.TLSNone}, "jcskjhzk@163.com", to, raw)
	if err == nil {
		t.die("after-send")
	}
	return err
}
func (t realTransport) SavesSent(string) bool { return t.saveSent }
func (t realTransport) SaveSent(ctx context.Context, _ string, raw []byte, id string) error {
	err := mailout.SaveSent(ctx, t.imap(), raw, id)
	if err == nil {
		t.die("after-save")
	}
	return err
}
func (t realTransport) InSent(ctx context.Context, _, id string) (bool, error) {
	return mailout.InSent(ctx, t.imap(), id)
}

func newRealSender(st *sqlstore.Store, tr realTransport) *sender.Sender {
	return sender.New(st, tr, sender.Options{Campaigns: map[string]*campaign.Campaign{"c": testCampaign("send", 5)},
		Lease: lease, MinBackoff: time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

func senderChild() int {
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, os.Getenv(envDB))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	smtpPort, _ := strconv.Atoi(os.Getenv(envSMTP))
	imapPort, _ := strconv.Atoi(os.Getenv(envIMAP))
	_, err = newRealSender(st, realTransport{smtpPort: smtpPort, imapPort: imapPort, saveSent: true, crashAt: os.Getenv(envCrashAt)}).Drain(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 2
	}
	return 0
}

// TestSenderKilled kills a sender process (SIGKILL) at each point of
// sending a receipt, then lets another one take over, against a real SMTP
// server and a real IMAP Sent folder: killed before sending, the receipt
// goes out once; killed after the SMTP server took it and after it was
// filed in Sent, it does not go out again; killed between the two (the
// documented window), it goes out twice.
func TestSenderKilled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		crashAt string
		sends   int
		reason  string
	}{
		{"before-send", 1, ""},
		{"after-save", 1, "Sent folder"},
		{"after-send", 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.crashAt, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			out, err := demo.StartOutbox()
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			imapSrv, err := imapmem.Start("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer imapSrv.Close()
			if err := imapSrv.AddUser("jcskjhzk@163.com", "pw"); err != nil {
				t.Fatal(err)
			}
			db := filepath.Join(t.TempDir(), "s.db")
			st := storeAt(t, db, testCampaign("send", 5), 1)
			child := exec.Command(os.Args[0], "-test.run=^$")
			child.Env = append(os.Environ(), envChild+"=1", envDB+"="+db, envSMTP+"="+strconv.Itoa(out.Port()),
				envIMAP+"="+strconv.Itoa(imapSrv.Port()), envCrashAt+"="+tt.crashAt)
			child.Stderr = os.Stderr
			err = child.Run()
			if ws, _ := child.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("the sender was not killed: %v", err)
			}
			// Another sender takes the job over once the dead one's claim
			// has lapsed.
			time.Sleep(lease + 100*time.Millisecond)
			tr := realTransport{smtpPort: out.Port(), imapPort: imapSrv.Port(), saveSent: true}
			if _, err := newRealSender(st, tr).Drain(ctx); err != nil {
				t.Fatal(err)
			}
			j := jobs(t, st)[0]
			if j.State != sinks.JobSent || j.Attempts != 2 {
				t.Errorf("job %s (%s) after %d attempts, want sent after 2", j.State, j.Reason, j.Attempts)
			}
			if got := len(out.Messages()); got != tt.sends {
				t.Errorf("the SMTP server received %d receipts, want %d", got, tt.sends)
			}
			if tt.reason != "" && !strings.Contains(j.Reason, tt.reason) {
				t.Errorf("reason %q, want %q", j.Reason, tt.reason)
			}
			if found, err := tr.InSent(ctx, "", j.MessageID); err != nil || !found {
				t.Errorf("receipt not in the Sent folder: %v %v", found, err)
			}
		})
	}
}
