package chaos_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/demo"
	"github.com/shoubao/shoubao/pipeline/poller/imaptest"
	"github.com/shoubao/shoubao/sinks"
	"github.com/shoubao/shoubao/sinks/sqlstore"
)

const (
	mails    = 500
	kills    = 12
	campaign = "chaos"
	// deadline for the whole ingest, kills and restarts included; the
	// figures printed say how long it took.
	deadline = 4 * time.Minute
)

// TestChaos: 500 mails in a Dovecot mailbox, ingested by three `shoubao
// run` processes (poll, work, send) sharing a private PostgreSQL and a
// nats-server. During the ingest the processes are killed with SIGKILL a
// dozen times at random moments and started again, and NATS and
// PostgreSQL are each killed and started again once. Nobody steps in.
// Afterwards every mail in the mailbox is stored exactly once, every
// receipt due was sent (duplicates only within the documented window:
// at most one per kill of the sender, counted), there is no dead letter,
// and `status` says healthy with nothing waiting.
func TestChaos(t *testing.T) {
	pg := startPostgres(t)
	nats := startNATS(t)
	dc := imaptest.Dovecot(t)
	outbox, err := demo.StartOutbox()
	if err != nil {
		t.Fatal(err)
	}
	defer outbox.Close()
	bin := buildShoubao(t)

	c := loadCorpus(t, mails)
	dc.AppendMany(t, "INBOX", mails, c.mail, time.Date(2024, 6, 5, 9, 0, 0, 0, time.FixedZone("CST", 8*3600)))
	if n := dc.Count(t, "INBOX"); n != mails {
		t.Fatalf("the mailbox holds %d mails, want %d", n, mails)
	}
	due := 0
	for _, r := range c.needsReceipt {
		if r {
			due++
		}
	}

	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte(dc.Password), 0o600); err != nil {
		t.Fatal(err)
	}
	procs := map[string]*proc{}
	roles := []string{"poll", "work", "send"}
	for _, role := range roles {
		d := filepath.Join(dir, role)
		cfg := filepath.Join(dir, role+".yaml")
		if err := os.WriteFile(cfg, []byte(configYAML(d, pg.URL, nats.URL, dc, pw, outbox.Port())), 0o600); err != nil {
			t.Fatal(err)
		}
		procs[role] = &proc{role: role, bin: bin, config: cfg, log: filepath.Join(dir, role+".log")}
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline+time.Minute)
	defer cancel()
	start := time.Now()
	for _, role := range roles {
		procs[role].start(t)
	}
	defer func() {
		for _, p := range procs {
			p.kill()
		}
		if t.Failed() {
			for _, role := range roles {
				t.Logf("---- %s log (end):\n%s", role, procs[role].tail())
			}
		}
	}()
	// The test's own look at the store; migrations are run by whoever
	// opens it first.
	var store *sqlstore.Store
	for store == nil {
		if store, err = sqlstore.OpenPostgres(ctx, pg.URL); err != nil && ctx.Err() != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	defer store.Close()
	stored := func() int {
		cs, err := store.MessageCounts(ctx)
		if err != nil {
			return -1
		}
		n := 0
		for _, c := range cs {
			n += c.N
		}
		return n
	}

	// The monkey: a dozen kills at random moments across the roles; NATS
	// killed once about 80 mails are stored, PostgreSQL once about 200 are
	// (storing is quick; the receipts take longer, and the later kills
	// fall among them).
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	var mu sync.Mutex
	var log []string
	note := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		log = append(log, fmt.Sprintf("%6.1fs ", time.Since(start).Seconds())+fmt.Sprintf(format, args...))
	}
	killed := map[string]int{}
	var natsRecovery, pgRecovery time.Duration
	// recovery waits for the next message stored after a restart.
	recovery := func(what string, into *time.Duration) {
		back, before := time.Now(), stored()
		for ctx.Err() == nil {
			if n := stored(); n > before && before >= 0 || n == mails {
				*into = time.Since(back)
				note("%s: a message stored %s after its return (%d stored)", what, into.Round(10*time.Millisecond), n)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// progressed waits until n messages are stored, or for at most max.
	progressed := func(n int, max time.Duration) {
		for t0 := time.Now(); time.Since(t0) < max && stored() < n; {
			time.Sleep(20 * time.Millisecond)
		}
	}
	var wg sync.WaitGroup
	for k := range kills {
		progressed(mails*k/(kills+8), 3*time.Second)
		time.Sleep(time.Duration(rng.IntN(500)) * time.Millisecond)
		switch k {
		case 1:
			progressed(80, 3*time.Second)
			note("NATS killed (SIGKILL), %d stored", stored())
			nats.Kill()
			time.Sleep(2 * time.Second)
			nats.Start(t)
			note("NATS started again")
			wg.Add(1)
			go func() { defer wg.Done(); recovery("NATS", &natsRecovery) }()
		case 3:
			progressed(200, 3*time.Second)
			note("PostgreSQL crashed (immediate stop), %d stored", stored())
			pg.Crash(t)
			time.Sleep(3 * time.Second)
			pg.Start(t)
			note("PostgreSQL started again")
			wg.Add(1)
			go func() { defer wg.Done(); recovery("PostgreSQL", &pgRecovery) }()
		}
		role := roles[rng.IntN(len(roles))]
		procs[role].kill()
		killed[role]++
		note("%s process killed (SIGKILL), %d stored", role, stored())
		time.Sleep(time.Duration(200+rng.IntN(1300)) * time.Millisecond)
		procs[role].start(t)
	}
	chaosEnd := time.Since(start)

	// Done when every mail is stored and every receipt has an outcome.
	var sent map[string]int
	for {
		unfinished, uerr := store.UnfinishedJobs(ctx)
		sent = receiptIDs(outbox.Messages())
		if n := stored(); n == mails && uerr == nil && unfinished == 0 && len(sent) >= due {
			break
		}
		if time.Since(start) > deadline {
			t.Fatalf("not done after %s: %d of %d stored, %d receipts unfinished (%v), %d of %d sent\n%s",
				deadline, stored(), mails, unfinished, uerr, len(sent), due, strings.Join(log, "\n"))
		}
		time.Sleep(200 * time.Millisecond)
	}
	took := time.Since(start)
	wg.Wait()

	// Every mail of the mailbox stored exactly once.
	msgs, err := store.Messages(ctx, campaign)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, m := range msgs {
		seen[strings.Trim(m.MessageID, "<>")]++
	}
	for i := range mails {
		if id := fmt.Sprintf("chaos-%d@jc.example.cn", i); seen[id] != 1 {
			t.Errorf("mail %d stored %d times", i, seen[id])
		}
	}
	if len(msgs) != mails {
		t.Errorf("%d messages stored, want %d", len(msgs), mails)
	}
	// Every receipt due sent; each sent one reached the SMTP server.
	jobs, err := store.Jobs(ctx, campaign)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	dupes, inSent := 0, 0
	for _, j := range jobs {
		if j.Kind != "receipt" {
			continue
		}
		states[j.State]++
		if j.State == sinks.JobSent {
			n := sent[strings.Trim(j.MessageID, "<>")]
			if n == 0 {
				t.Errorf("receipt %d marked sent, never reached the SMTP server", j.ID)
			}
			if strings.Contains(j.Reason, "Sent folder") {
				inSent++
			}
			if n > 1 {
				t.Logf("receipt %d sent %d times: attempts %d, reason %q", j.ID, n, j.Attempts, j.Reason)
			}
			dupes += max(n-1, 0)
		}
	}
	if states[sinks.JobSent] != due || states[sinks.JobSkipped] != mails-due || len(sent) != due {
		t.Errorf("receipts by state %v, %d distinct at the SMTP server; want %d sent and %d skipped (auto-replies)",
			states, len(sent), due, mails-due)
	}
	// The window: a sender killed between the SMTP server's acceptance and
	// the filing in Sent sends that receipt again.
	if dupes > killed["send"] {
		t.Errorf("%d duplicate receipts for %d kills of the sender: more than the window allows", dupes, killed["send"])
	}
	dls, err := store.DeadLetters(ctx)
	if err != nil || len(dls) != 0 {
		t.Errorf("dead letters: %v %+v", err, dls)
	}
	// status says so too.
	out, err := exec.Command(bin, "status", "--json", "--config", procs["work"].config).Output()
	var doc struct {
		Healthy  bool `json:"healthy"`
		Pipeline struct {
			Known   bool   `json:"known"`
			Backlog uint64 `json:"backlog"`
			Stalled bool   `json:"stalled"`
		} `json:"pipeline"`
	}
	if jerr := json.Unmarshal(out, &doc); jerr != nil || !doc.Healthy || !doc.Pipeline.Known || doc.Pipeline.Backlog != 0 {
		t.Errorf("status after the run (%v, %v): %s", err, jerr, out)
	}

	figures := fmt.Sprintf("chaos: %d mails, %d kills (poll %d, work %d, send %d), NATS and PostgreSQL restarted once each; "+
		"done in %s (chaos over after %s); %d stored once each, %d receipts sent (%d duplicate, %d found in Sent after an interrupted attempt and not sent again, %d skipped auto-replies), %d dead letters; "+
		"first message stored %s after NATS came back, %s after PostgreSQL came back",
		mails, kills, killed["poll"], killed["work"], killed["send"], took.Round(100*time.Millisecond), chaosEnd.Round(100*time.Millisecond),
		len(msgs), states[sinks.JobSent], dupes, inSent, states[sinks.JobSkipped], len(dls),
		natsRecovery.Round(10*time.Millisecond), pgRecovery.Round(10*time.Millisecond))
	t.Log("timeline:\n" + strings.Join(log, "\n"))
	t.Log(figures)
	fmt.Println(figures)
	// go test hides a passing package's output; the test command prints
	// this file after the run.
	if f := os.Getenv("SHOUBAO_CHAOS_FIGURES"); f != "" {
		if err := os.WriteFile(f, []byte(figures+"\n"), 0o644); err != nil {
			t.Errorf("writing the figures: %v", err)
		}
	}
}

var messageIDLine = regexp.MustCompile(`(?im)^Message-ID:\s*<([^>\r\n]+)>`)

// receiptIDs counts the mails the SMTP server received by Message-ID.
func receiptIDs(raws [][]byte) map[string]int {
	ids := map[string]int{}
	for _, raw := range raws {
		if m := messageIDLine.FindSubmatch(raw); m != nil {
			ids[string(m[1])]++
		}
	}
	return ids
}

func configYAML(dataDir, storeURL, natsURL string, dc *imaptest.Server, pw string, smtpPort int) string {
	var roster strings.Builder
	for _, u := range units {
		fmt.Fprintf(&roster, "      - {name: %s, aliases: [%s]}\n", u[0], u[1])
	}
	return fmt.Sprintf(`data_dir: %q
log_level: info
store: {url: %q}
bus: {url: %q, lease_ttl: 3s}
poll: {interval: 1s}
worker: {concurrency: 2, ffprobe: none}
campaigns:
  - id: %s
    title: 2024年晋城市科技活动周
    deadline: 2024-06-07
    materials: [report, stats_table]
    receipts: {mode: send, phone: 0356-2035555}
    mailboxes:
      - address: %s
        office: 晋城市科学技术局
        imap: {host: %s, port: %d, tls: none, password_file: %q}
        smtp: {host: 127.0.0.1, port: %d, tls: none, no_login: true}
    units:
%s`, dataDir, storeURL, natsURL, campaign, dc.User, dc.Host(), dc.Port(), pw, smtpPort, roster.String())
}
