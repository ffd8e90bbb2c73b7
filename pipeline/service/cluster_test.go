package service_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/bus/bustest"
	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/poller/imaptest"
	"github.com/shoubao/shoubao/sinks/sqlstore/pgtest"
)

// TestClusterTwoProcesses is the province deployment in small: one
// PostgreSQL, a three-node NATS JetStream cluster (bus.replicas: 3) and two
// `shoubao run` processes (the real binary) with every role, receipts on,
// sending to an SMTP server that records what it accepts. The contact
// mailbox (Dovecot) holds clusterMails submissions; a third of the way
// through their ingest the node leading the event stream is shut down;
// then laterMails more arrive. Every message is stored once, every
// receipt is accepted once, and both processes keep working.
func TestClusterTwoProcesses(t *testing.T) {
	t.Parallel()
	const clusterMails, laterMails = 120, 20
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	began := time.Now()
	built := buildShoubao(t)
	storeURL := pgtest.SchemaURL(t)
	dc := imaptest.Dovecot(t)
	at := time.Date(2024, 6, 5, 9, 0, 0, 0, config.ChinaTime())
	submission := func(i int) []byte {
		return person(fmt.Sprintf("u%03d@163.com", i), fmt.Sprintf("sub-%03d@163.com", i), fmt.Sprintf("report %03d", i))
	}
	dc.AppendMany(t, "INBOX", clusterMails, submission, at)
	outbox := startRecorder(t)
	cluster := bustest.NewCluster(t, 3)
	b := <-built
	if b.err != nil {
		t.Fatalf("go build cmd/shoubao: %v", b.err)
	}
	t.Logf("set up in %s (go build %s, Dovecot with %d mails, cluster)", time.Since(began).Round(time.Millisecond),
		b.took.Round(time.Millisecond), clusterMails)

	store := storeAt(t, storeURL)
	stored := func() int {
		counts, err := store.CampaignCounts(ctx)
		if err != nil {
			return -1
		}
		for _, c := range counts {
			if c.CampaignID == "jc-2024" {
				return c.Messages
			}
		}
		return 0
	}

	procs := make([]*shoubaoProc, 2)
	start := time.Now()
	for i := range procs {
		procs[i] = startShoubao(t, b.path, clusterYAML(t, dc, storeURL, cluster.URL(), outbox.port()))
	}
	// waitFor polls until done says so, failing the test if a process
	// exits or the time is up.
	waitFor := func(what string, done func(n int) bool) {
		t.Helper()
		for n := stored(); !done(n); n = stored() {
			procsAlive(t, procs)
			if ctx.Err() != nil {
				t.Fatalf("%s: not by the deadline (%d messages stored, %d receipts accepted)", what, n, outbox.distinct())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	// A third of the way through, the event stream's leader goes.
	var firstStored time.Duration
	waitFor("a third stored", func(n int) bool {
		if firstStored == 0 && n > 0 {
			firstStored = time.Since(start)
		}
		return n >= clusterMails/3
	})
	victim := cluster.StreamLeader(bus.NamesFor("").Stream)
	if victim < 0 {
		t.Fatal("the event stream has no leader")
	}
	var before [2]int
	for i, p := range procs {
		before[i] = p.stored(t)
	}
	killedAt, storedAtKill := time.Now(), stored()
	cluster.Stop(victim)
	stopTook := time.Since(killedAt)

	// Ingest resumes and ends.
	var firstAfter, tenAfter time.Duration
	waitFor("all stored and receipted", func(n int) bool {
		since := time.Since(killedAt)
		if firstAfter == 0 && n > storedAtKill {
			firstAfter = since
		}
		if tenAfter == 0 && n >= storedAtKill+10 {
			tenAfter = since
		}
		return n >= clusterMails && outbox.distinct() >= clusterMails
	})
	ingest := time.Since(start) - firstStored
	t.Logf("%d mails, 2 processes, node %d (event stream leader) shut down after %d stored (its shutdown took %s): "+
		"first message stored %s after the processes started, all stored and receipted %s after that (%.1f msg/s); "+
		"first message stored %s after the shutdown began, 10 more after %s",
		clusterMails, victim+1, storedAtKill, stopTook.Round(time.Millisecond), firstStored.Round(time.Millisecond),
		ingest.Round(time.Millisecond), float64(clusterMails)/ingest.Seconds(),
		firstAfter.Round(time.Millisecond), tenAfter.Round(time.Millisecond))

	// New mail still comes in, with one node down.
	later := time.Now()
	dc.AppendMany(t, "INBOX", laterMails, func(i int) []byte { return submission(clusterMails + i) }, at)
	const total = clusterMails + laterMails
	waitFor("later mail stored and receipted", func(n int) bool { return n >= total && outbox.distinct() >= total })
	t.Logf("%d later mails stored and receipted %s after they were delivered", laterMails, time.Since(later).Round(time.Millisecond))

	// Anything sent or stored twice would show within a moment.
	time.Sleep(2 * time.Second)
	procsAlive(t, procs)
	msgs, err := store.Messages(ctx, "jc-2024")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, m := range msgs {
		seen[m.MessageID]++
	}
	if n := dc.Count(t, "INBOX"); len(msgs) != int(n) || len(seen) != int(n) || n != total {
		t.Errorf("%d messages stored (%d distinct Message-IDs), want each of the %d in the mailbox once", len(msgs), len(seen), n)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("message %s stored %d times", id, n)
		}
	}
	for i := range total {
		answer := fmt.Sprintf("sub-%03d@163.com", i)
		if got := outbox.to(answer); len(got) != 1 || got[0] != fmt.Sprintf("u%03d@163.com", i) {
			t.Errorf("receipts answering %s accepted for %v, want once for u%03d@163.com", answer, got, i)
		}
	}
	if n := outbox.total(); n != total {
		t.Errorf("%d mails accepted by the SMTP server, want %d receipts", n, total)
	}
	if n, err := store.UnfinishedJobs(ctx); err != nil || n != 0 {
		t.Errorf("%d unfinished outgoing mails (%v), want 0", n, err)
	}
	// Ingest went on after the shutdown, and both processes are still
	// running. How the work split between them depends on timing (a
	// process whose pulls were dropped waits bus.PullExpiry), so it is
	// logged, not asserted.
	procsAlive(t, procs)
	var split []string
	sinceShutdown := 0
	for i, p := range procs {
		after := p.stored(t)
		sinceShutdown += after - before[i]
		split = append(split, fmt.Sprintf("process %d stored %d (%d after the shutdown)", i+1, after, after-before[i]))
	}
	if sinceShutdown <= 0 {
		t.Errorf("nothing stored after the node was shut down: %s", strings.Join(split, "; "))
	}
	t.Log(strings.Join(split, "; "))
}

// clusterYAML is the configuration of one process: its own data
// directory and console port, the shared store and cluster.
func clusterYAML(t *testing.T, dc *imaptest.Server, storeURL, busURL string, smtpPort int) string {
	t.Helper()
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte(dc.Password), 0o600); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(`
data_dir: %q
log_level: warn
store: {url: %q}
bus: {url: %q, replicas: 3, lease_ttl: 5s}
http: {listen: "127.0.0.1:%d"}
worker: {concurrency: 2}
campaigns:
  - id: jc-2024
    title: 2024年晋城市科技活动周
    deadline: 2024-06-07
    materials: [report]
    receipts: {mode: send, phone: 0356-2035555}
    mailboxes:
      - address: %s
        office: 晋城市科学技术局
        imap: {host: %s, port: %d, tls: none, password_file: %q}
        smtp: {host: 127.0.0.1, port: %d, tls: none, no_login: true}
    units:
      - name: 陵川县发展改革和科技局
        aliases: [陵川县科技局]
`, dir, storeURL, busURL, freeTCPPort(t), dc.User, dc.Host(), dc.Port(), pw, smtpPort)
}

// built is the outcome of buildShoubao.
type built struct {
	path string
	took time.Duration
	err  error
}

// buildShoubao builds cmd/shoubao into a temporary directory, in the
// background, as `go build` does for a release: without the race detector
// (the packages it needs are those `go vet ./...` has compiled already).
func buildShoubao(t *testing.T) <-chan built {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	out := filepath.Join(t.TempDir(), "shoubao")
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan built, 1)
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", out, "github.com/shoubao/shoubao/cmd/shoubao")
	go func() {
		defer close(done)
		start := time.Now()
		b, err := cmd.CombinedOutput()
		if err != nil {
			err = fmt.Errorf("%w\n%s", err, b)
		}
		ch <- built{path: out, took: time.Since(start), err: err}
	}()
	return ch
}

// shoubaoProc is a running `shoubao run`.
type shoubaoProc struct {
	cmd     *exec.Cmd
	log     *syncBuffer
	console string // http.listen
	exited  chan struct{}
}

// startShoubao runs `shoubao run --roles poll,work,send,web` with the
// configuration src, stopped (SIGTERM) when the test ends.
func startShoubao(t *testing.T, bin, src string) *shoubaoProc {
	t.Helper()
	path := filepath.Join(t.TempDir(), "shoubao.yaml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	listen := src[strings.Index(src, `listen: "`)+len(`listen: "`):]
	p := &shoubaoProc{log: &syncBuffer{}, console: listen[:strings.IndexByte(listen, '"')], exited: make(chan struct{})}
	p.cmd = exec.Command(bin, "run", "--config", path, "--roles", "poll,work,send,web")
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(20 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("log of shoubao pid %d:\n%s", p.cmd.Process.Pid, p.log.String())
		}
	})
	return p
}

// stored is the process's count of messages its workers stored
// (shoubao_worker_messages_total{result="stored"} on its /metrics).
func (p *shoubaoProc) stored(t *testing.T) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := scrapeStored("http://" + p.console + "/metrics")
		if err == nil {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics of pid %d: %v", p.cmd.Process.Pid, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func scrapeStored(url string) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), `shoubao_worker_messages_total{result="stored"} `); ok {
			f, err := strconv.ParseFloat(v, 64)
			return int(f), err
		}
	}
	return 0, fmt.Errorf("%s: no stored count (%v)", url, sc.Err())
}

// procsAlive fails the test when a process has exited.
func procsAlive(t *testing.T, procs []*shoubaoProc) {
	t.Helper()
	for i, p := range procs {
		select {
		case <-p.exited:
			t.Fatalf("process %d exited: %v\n%s", i+1, p.cmd.ProcessState, p.log.String())
		default:
		}
	}
}

// syncBuffer is a bytes.Buffer that a process writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// recorder is an SMTP server on loopback that accepts every mail and
// records, for each, the message it answers (In-Reply-To) and its
// recipients.
type recorder struct {
	ln      net.Listener
	mu      sync.Mutex
	answers map[string][]string // In-Reply-To → recipients, one per acceptance
	n       int
}

func startRecorder(t *testing.T) *recorder {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{ln: ln, answers: map[string][]string{}}
	srv := smtp.NewServer(r)
	srv.Domain = "mta.shoubao.test"
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return r
}

func (r *recorder) port() int { return r.ln.Addr().(*net.TCPAddr).Port }

// to returns the recipients of the mails accepted in answer to id.
func (r *recorder) to(id string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.answers[id]...)
}

// distinct is how many messages have been answered.
func (r *recorder) distinct() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.answers)
}

// total is how many mails were accepted.
func (r *recorder) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// NewSession implements smtp.Backend.
func (r *recorder) NewSession(*smtp.Conn) (smtp.Session, error) { return &recordSession{r: r}, nil }

type recordSession struct {
	r     *recorder
	rcpts []string
}

func (s *recordSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *recordSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.rcpts = append(s.rcpts, to)
	return nil
}
func (s *recordSession) Reset()        { s.rcpts = nil }
func (s *recordSession) Logout() error { return nil }

func (s *recordSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	ids, err := mr.Header.MsgIDList("In-Reply-To")
	if err != nil || len(ids) != 1 {
		return fmt.Errorf("In-Reply-To %v: %v", ids, err)
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.r.answers[ids[0]] = append(s.r.answers[ids[0]], s.rcpts...)
	s.r.n++
	return nil
}

// freeTCPPort returns a loopback port that was free a moment ago.
func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
