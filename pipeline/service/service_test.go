package service_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/bus/bustest"
	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/poller/imaptest"
	"github.com/shoubao/shoubao/pipeline/report"
	"github.com/shoubao/shoubao/pipeline/rules"
	"github.com/shoubao/shoubao/pipeline/service"
	"github.com/shoubao/shoubao/sinks"
	"github.com/shoubao/shoubao/sinks/sqlstore/pgtest"
)

// setups: the embedded defaults (SQLite, in-process nats-server) and the
// machine's real PostgreSQL and NATS JetStream.
var setups = []struct {
	name  string
	store func(t *testing.T) string // store.url
	bus   func(t *testing.T) (url, namespace string)
}{
	{"embedded",
		func(*testing.T) string { return "" },
		func(*testing.T) (string, string) { return "", "" }},
	{"postgres+nats",
		func(t *testing.T) string { return pgtest.SchemaURL(t) },
		func(t *testing.T) (string, string) { return bustest.URL(), bustest.Namespace(t) }},
}

const fixtures = "../../parsers/mail/testdata/"

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixtures + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testConfig(t testing.TB, storeURL, busURL, ns string, srv *imaptest.Server) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(testConfigYAML(t, storeURL, busURL, ns, srv, "")))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// testConfigYAML is testConfig's file; busExtra is added to its bus section.
func testConfigYAML(t testing.TB, storeURL, busURL, ns string, srv *imaptest.Server, busExtra string) string {
	t.Helper()
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "imap.pw")
	if err := os.WriteFile(pwFile, []byte(srv.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf(`
data_dir: %q
store: {url: %q}
bus: {url: %q, namespace: %q%s}
worker: {concurrency: 2, max_deliver: 3}
campaigns:
  - id: jc-2024
    title: 2024年晋城市科技活动周
    deadline: 2024-06-07
    video_limit_seconds: 180
    materials: [stats_table, report, media]
    delivery: any
    mailboxes:
      - address: jcskjhzk@163.com
        imap: {host: %s, port: %d, tls: none, user: %q, password_file: %q}
    units:
      - name: 陵川县发展改革和科技局
        aliases: [陵川县科技局]
      - name: 沁水县发展和改革局和科技局
        aliases: [沁水县科技局]
      - name: 高平市发展改革和科技局
        aliases: [高平市科技局]
        senders: [gpkjj@163.com]
`, dir, storeURL, busURL, ns, busExtra, srv.Host(), srv.Port(), srv.User, pwFile)
	return src
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// storeAt opens the store at url, as a process with only that configured
// would; it is closed when the test ends.
func storeAt(t testing.TB, url string) service.Store {
	t.Helper()
	cfg := &config.Config{}
	cfg.Store.URL = url
	store, err := service.OpenStore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	return store
}

func TestEndToEnd(t *testing.T) {
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			srv := imaptest.Mem(t)
			onTime := time.Date(2024, 6, 5, 9, 0, 0, 0, config.ChinaTime())
			lateAt := time.Date(2024, 6, 8, 0, 0, 1, 0, config.ChinaTime()) // one second after the deadline
			srv.Append(t, "INBOX", fixture(t, "rfc2231_gbk.eml"), onTime)
			srv.Append(t, "INBOX", fixture(t, "forwarded.eml"), onTime)
			srv.Append(t, "INBOX", fixture(t, "autoreply.eml"), onTime)
			srv.Append(t, "INBOX", fixture(t, "malformed_nested_200.eml"), onTime)
			srv.Append(t, "INBOX", fixture(t, "link_163_html.eml"), lateAt)
			busURL, ns := s.bus(t)
			cfg := testConfig(t, s.store(t), busURL, ns, srv)
			svc, err := service.Open(ctx, cfg, quiet())
			if err != nil {
				t.Fatal(err)
			}
			defer svc.Close()
			if err := svc.Once(ctx); err != nil {
				t.Fatal(err)
			}
			msgs, err := svc.Store().Messages(ctx, "jc-2024")
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != 5 {
				t.Fatalf("stored %d messages, want 5", len(msgs))
			}
			bySubject := map[string]sinks.Message{}
			for _, m := range msgs {
				bySubject[m.Subject] = m
			}
			lc := bySubject["陵川县科技局报送材料"]
			// Judged at read time by the rules, from the stored facts.
			dom := cfg.Campaign[0].Domain()
			st, err := report.Compute(ctx, svc.Store(), &dom, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			judged := map[string]rules.MessageState{}
			units := map[string]rules.UnitState{}
			for _, u := range st.Units {
				units[u.Name] = u
				for _, m := range u.Messages {
					judged[m.Subject] = m
				}
			}
			if a := judged["陵川县科技局报送材料"].Attribution; a.Unit != "陵川县发展改革和科技局" || a.By != rules.ByName {
				t.Errorf("陵川 message: attribution %+v", a)
			}
			if lc.Unit != "" || lc.Late {
				t.Errorf("judgments stored at ingest: unit %q late %v", lc.Unit, lc.Late)
			}
			// Its table is stamped by another unit (a copied template): flagged.
			if !slices.ContainsFunc(units["陵川县发展改革和科技局"].Problems, func(p rules.Problem) bool {
				return p.Code == "unit_conflict" && strings.Contains(p.Message, "高平市发展改革和科技局")
			}) {
				t.Errorf("陵川: no unit_conflict problem for the table stamped 高平市: %+v", units["陵川县发展改革和科技局"].Problems)
			}
			var xlsx *sinks.Attachment
			for i, a := range lc.Attachments {
				if strings.HasSuffix(a.Name, ".xlsx") {
					xlsx = &lc.Attachments[i]
				}
			}
			if xlsx == nil || xlsx.Name != "2024年晋城市科技活动周开展情况统计表（陵川县）.xlsx" || len(xlsx.SHA256) != 64 {
				t.Fatalf("GBK RFC 2231 attachment not stored with its decoded name: %+v", lc.Attachments)
			}
			// The file's bytes are in the files bucket under their hash.
			r, err := svc.Bus().OpenFile(ctx, xlsx.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			n, _ := io.Copy(io.Discard, r)
			r.Close()
			if n != xlsx.Size {
				t.Errorf("stored file has %d bytes, attachment says %d", n, xlsx.Size)
			}
			fw := bySubject["转发：沁水县科技活动周材料"]
			if a := judged[fw.Subject].Attribution; a.Unit != "沁水县发展和改革局和科技局" || len(fw.Attachments) == 0 || fw.Attachments[0].Kind != "message" {
				t.Errorf("forwarded message: attribution %+v, attachments %+v", a, fw.Attachments)
			}
			gp := bySubject["高平市科技活动周视频（超大附件）"]
			if a := judged[gp.Subject].Attribution; a.Unit != "高平市发展改革和科技局" || a.By != rules.BySender || len(gp.Links) == 0 || gp.Links[0].Provider != "163mail" {
				t.Errorf("163 link message: attribution %+v links %+v", a, gp.Links)
			}
			if u := units["高平市发展改革和科技局"]; u.Status != rules.CompleteLate && u.Status != rules.Incomplete {
				t.Errorf("高平 sent after the deadline: status %s", u.Status)
			}
			if len(st.Other) != 1 || st.Other[0].Category != rules.AutoReply {
				t.Errorf("other mail: %+v", st.Other)
			}
			if st.Counts.Messages != 5 || st.Counts.Submitted != 3 {
				t.Errorf("counts: %+v", st.Counts)
			}

			// Nothing new: nothing stored twice.
			if err := svc.Once(ctx); err != nil {
				t.Fatal(err)
			}
			// A lost checkpoint (crash after publish, before the checkpoint):
			// everything is republished and stored once.
			cp, _ := svc.Store().LoadCheckpoint(ctx, "jc-2024/jcskjhzk@163.com")
			cp.LastUID = 0
			if err := svc.Store().SaveCheckpoint(ctx, cp); err != nil {
				t.Fatal(err)
			}
			if err := svc.Once(ctx); err != nil {
				t.Fatal(err)
			}
			// A UIDVALIDITY reset: the same messages under new UIDs.
			srv.Recreate(t, "INBOX")
			srv.Append(t, "INBOX", fixture(t, "rfc2231_gbk.eml"), onTime)
			srv.Append(t, "INBOX", fixture(t, "autoreply.eml"), onTime)
			if err := svc.Once(ctx); err != nil {
				t.Fatal(err)
			}
			again, _ := svc.Store().Messages(ctx, "jc-2024")
			if len(again) != 5 {
				t.Fatalf("after re-runs, a lost checkpoint and a UIDVALIDITY reset: %d messages, want still 5", len(again))
			}
			cp, _ = svc.Store().LoadCheckpoint(ctx, "jc-2024/jcskjhzk@163.com")
			if cp.LastUID != 2 || cp.LastError != "" {
				t.Errorf("checkpoint after reset: %+v", cp)
			}
		})
	}
}

// TestEmbeddedDataDirLocked: two processes must not share the embedded
// store and server.
func TestEmbeddedDataDirLocked(t *testing.T) {
	srv := imaptest.Mem(t)
	cfg := testConfig(t, "", "", "", srv)
	ctx := context.Background()
	a, err := service.Open(ctx, cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if b, err := service.Open(ctx, cfg, quiet()); err == nil {
		b.Close()
		t.Fatal("a second process opened the same embedded data directory")
	} else if !strings.Contains(err.Error(), "in use") {
		t.Fatalf("unexpected error: %v", err)
	}
}

// TestSetMemoryLimit: the configured soft limit is applied, and a
// GOMEMLIMIT set in the environment wins over it.
func TestSetMemoryLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	t.Setenv("GOMEMLIMIT", "")
	cfg := &config.Config{MemoryLimit: 80 << 20}
	if got := service.SetMemoryLimit(cfg); got != 80<<20 {
		t.Errorf("limit %d, want %d", got, 80<<20)
	}
	debug.SetMemoryLimit(math.MaxInt64)
	t.Setenv("GOMEMLIMIT", "off")
	if got := service.SetMemoryLimit(cfg); got != math.MaxInt64 {
		t.Errorf("with GOMEMLIMIT set the limit became %d; the variable must win", got)
	}
}
