package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/demo"
	"github.com/shoubao/shoubao/sinks"
	"github.com/shoubao/shoubao/sinks/sqlstore"
)

func run(t *testing.T, args ...string) (stdout string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = runMain(context.Background(), &environment{stdout: &out, stderr: &errOut}, args)
	if code != 0 && code != 3 {
		t.Logf("shoubao %v exited %d: %s", args, code, errOut.String())
	}
	return out.String(), code
}

// TestStatus runs the demo into a data directory and reads it back with
// `status`, as an operator would, in text and JSON.
func TestStatus(t *testing.T) {
	dir := t.TempDir()
	if _, code := run(t, "demo", "--data-dir", dir); code != 0 {
		t.Fatalf("demo exited %d", code)
	}
	cfg := filepath.Join(dir, "shoubao.yaml")
	write := func(extra string) {
		src := "data_dir: " + dir + "\n" + extra + "campaigns:" + demo.CampaignYAML("127.0.0.1", 1143, filepath.Join(dir, "no-such-secret"))
		if err := os.WriteFile(cfg, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// status needs no secrets: the password file above does not exist.
	write("")
	out, code := run(t, "status", "--json", "--config", cfg)
	if code != 0 {
		t.Fatalf("status exited %d", code)
	}
	var doc statusDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("status --json is not JSON: %v\n%s", err, out)
	}
	if !doc.Healthy || doc.Version != 2 || len(doc.Mailboxes) != 2 || len(doc.Campaigns) != 1 || len(doc.DeadLetters) != 0 {
		t.Fatalf("status: %+v", doc)
	}
	c := doc.Campaigns[0]
	// Messages, not copies (15 mails reached the two mailboxes as 25 copies).
	if c.Messages != 15 || c.UnitsSubmitted != 9 || c.UnitsExpected != 12 || c.OnTime != 5 || c.Late != 2 || c.Incomplete != 2 || c.Unmatched != 2 || c.Submissions != 13 {
		t.Errorf("campaign counts: %+v", c)
	}
	for _, m := range doc.Mailboxes {
		if m.LastSync == nil || m.Stale || m.LastUID == 0 {
			t.Errorf("mailbox %+v", m)
		}
	}

	// A mailbox not synced for longer than stale_after needs attention.
	write("poll: {stale_after: 1ns}\n")
	time.Sleep(time.Millisecond)
	out, code = run(t, "status", "--config", cfg)
	if code != 3 || !bytes.Contains([]byte(out), []byte("未同步")) {
		t.Fatalf("stale mailbox: exit %d, output:\n%s", code, out)
	}

	// A dead letter needs attention too, and is listed.
	write("")
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(dir, "shoubao.db"))
	if err != nil {
		t.Fatal(err)
	}
	err = st.RecordDeadLetter(context.Background(), sinks.DeadLetter{CampaignID: demo.CampaignID, MailboxID: "m", RawObject: "o/1/2",
		UIDValidity: 1, UID: 2, Error: "boom", Attempts: 5, FailedAt: time.Now()})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, code = run(t, "status", "--json", "--config", cfg)
	doc = statusDoc{}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if code != 3 || doc.Healthy || len(doc.DeadLetters) != 1 || doc.DeadLetters[0].Error != "boom" || doc.Campaigns[0].DeadLetters != 1 {
		t.Fatalf("dead letter: exit %d, %+v", code, doc)
	}
}
