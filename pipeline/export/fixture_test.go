package export

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/bus/bustest"
	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/worker"
	"github.com/shoubao/shoubao/sinks/sqlstore"
)

// The fixture campaign: the 2024 notice's (statistics table required,
// one mailbox), six units.
const (
	fxCampaign = "jc-2024-kjhdz"
	fxMailbox  = "jcskjhzk@163.com"
)

const fxYAML = `
campaigns:
  - id: jc-2024-kjhdz
    title: 2024年晋城市科技活动周
    notice_number: 晋市科字〔2024〕12号
    deadline: 2024-06-07
    video_limit_seconds: 180
    materials: [stats_table, report, media]
    delivery: any
    mailboxes:
      - address: jcskjhzk@163.com
        office: 晋城市科学技术局
        imap: {host: 127.0.0.1, port: 1143, tls: none, password_file: /nonexistent}
    units:
      - {name: 高平市发展改革和科技局, aliases: [高平市科技局], senders: [gpkjj@163.com]}
      - {name: 泽州县教育局, senders: [zzxjyj@163.com]}
      - {name: 晋城市气象局, senders: [jcqxj@163.com]}
      - {name: 阳城县科技和商务局, aliases: [阳城县科技局], senders: [ycxkjj@126.com]}
      - {name: 城区教育和科技局, aliases: [城区教科局], senders: [cqjkj@163.com]}
      - {name: 晋城市图书馆}
`

// fxNow is when the fixture is judged (after the deadline).
var fxNow = time.Date(2024, 6, 10, 9, 0, 0, 0, campaign.ChinaTime())

// fixture is a store and a bus holding the facts the real worker stored
// from the fixture mails, and the campaign they belong to.
type fixture struct {
	store *sqlstore.Store
	bus   *bus.Bus
	camp  campaign.Campaign
}

// attachment is one file of a fixture mail.
type attachment struct {
	name string
	data []byte
}

func at(day, hour int) time.Time { return time.Date(2024, 6, day, hour, 0, 0, 0, campaign.ChinaTime()) }

func read(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sheetFixture(t testing.TB, name string) []byte {
	return read(t, "../../parsers/sheets/testdata/"+name)
}

// docx makes a small Word document saying text.
func docx(t testing.TB, text string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, body := range map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels":         `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml":   `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>` + text + `</w:t></w:r></w:p></w:body></w:document>`,
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// zipOf makes a zip holding files under their names as given (hostile
// ones included).
func zipOf(t testing.TB, files ...attachment) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// compose writes a MIME message with a text body and attachments.
func compose(n int, from, subject string, date time.Time, files ...attachment) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <fx%d@test.example>\r\nMIME-Version: 1.0\r\n",
		from, fxMailbox, mime.BEncoding.Encode("UTF-8", subject), date.Format(time.RFC1123Z), n)
	b.WriteString("Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\r\n\r\n")
	part := func(header string, data []byte) {
		b.WriteString("--BOUNDARY\r\n" + header + "Content-Transfer-Encoding: base64\r\n\r\n")
		enc := base64.StdEncoding.EncodeToString(data)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	part("Content-Type: text/plain; charset=utf-8\r\n", []byte("材料见附件，请查收。"))
	for _, f := range files {
		part("Content-Type: application/octet-stream\r\nContent-Disposition: "+
			mime.FormatMediaType("attachment", map[string]string{"filename": f.name})+"\r\n", f.data)
	}
	b.WriteString("--BOUNDARY--\r\n")
	return b.Bytes()
}

var (
	fxOnce sync.Once
	fxDir  string
	fxErr  error
)

// newFixture stores the fixture mails through the real worker into a
// SQLite store and an embedded bus, once per test binary, and opens them
// for the test.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	cfg, err := config.Decode([]byte("data_dir: /nonexistent\n" + fxYAML))
	if err != nil {
		t.Fatal(err)
	}
	camp := cfg.Campaign[0].Domain()
	fxOnce.Do(func() { fxDir, fxErr = buildFixture(t, cfg) })
	if fxErr != nil {
		t.Fatal(fxErr)
	}
	// Each test works on its own copy of the store; the bus (read-only
	// here) is shared through a copy of its directory too.
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(fxDir)); err != nil {
		t.Fatal(err)
	}
	st, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(dir, "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return &fixture{store: st, bus: bustest.EmbeddedAt(t, filepath.Join(dir, "nats")), camp: camp}
}

func buildFixture(t *testing.T, cfg *config.Config) (string, error) {
	dir, err := os.MkdirTemp("", "shoubao-export-fixture-")
	if err != nil {
		return "", err
	}
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "s.db"))
	if err != nil {
		return "", err
	}
	defer st.Close()
	b, err := bus.Connect(ctx, bus.Options{StoreDir: filepath.Join(dir, "nats"), MaxMemory: 64 << 20, MaxStore: 1 << 30, Name: "fixture",
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return "", err
	}
	defer b.Close()
	tmp, err := os.MkdirTemp("", "shoubao-export-worker-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	w := worker.New(st, b, worker.Options{Campaigns: map[string]*config.Campaign{fxCampaign: &cfg.Campaign[0]}, TempDir: tmp,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})

	report := docx(t, "活动总结")
	photo := read(t, "../demo/sample/photo.jpg")
	mails := []struct {
		at      time.Time
		from    string
		subject string
		files   []attachment
	}{
		{at(3, 10), "高平市科技局 <gpkjj@163.com>", "高平市科技局科技活动周材料", []attachment{
			{"2024年晋城市科技活动周开展情况统计表（高平）.xlsx", sheetFixture(t, "stats_template.xlsx")},
			{"高平市科技活动周总结.docx", docx(t, "高平市总结")}, {"活动照片.jpg", photo}}},
		{at(5, 9), "高平市科技局 <gpkjj@163.com>", "补充：高平市特色科技活动推荐清单", []attachment{
			{"推荐清单.xlsx", sheetFixture(t, "recommend_2024.xlsx")}}},
		{at(2, 15), "zzxjyj@163.com", "泽州县教育局科技活动周材料", []attachment{
			{"统计表.xlsx", sheetFixture(t, "stats_formula.xlsx")}, {"总结.docx", report}, {"照片.jpg", photo}}},
		{at(6, 11), "zzxjyj@163.com", "【更正】泽州县教育局科技活动周材料（以此为准）", []attachment{
			{"统计表（更正）.xlsx", sheetFixture(t, "stats_variant.xlsx")}, {"总结.docx", report}, {"照片.jpg", photo}}},
		{at(4, 16), "jcqxj@163.com", "市气象局科技活动周材料", []attachment{
			{"统计表.docx", sheetFixture(t, "stats_word.docx")}, {"气象局总结.docx", docx(t, "气象局总结")}, {"气象科普.jpg", photo}}},
		{at(6, 17), "jcqxj@163.com", "补充：市气象局统计表", []attachment{
			{"统计表.xls", sheetFixture(t, "stats_formula.xls")}}},
		// A zip whose members are named to escape: a path out of the
		// folder, and a name that shows as 活动照片exe.jpg.
		{at(5, 14), "ycxkjj@126.com", "阳城县科技局-科技活动周材料", []attachment{
			{"阳城县材料.zip", zipOf(t,
				attachment{"阳城县科技活动周总结.docx", docx(t, "阳城县总结")},
				attachment{"特色活动推荐表.xlsx", sheetFixture(t, "recommend_2026.xlsx")},
				attachment{"../../etc/x.docx", docx(t, "越界的文件名")},
				attachment{"活动照片\u202egpj.exe", append(append([]byte(nil), photo...), "RLO"...)},
			)}}},
		{at(6, 9), "城区教科局 <cqjkj@163.com>", "城区教育和科技局活动周总结", []attachment{
			{"城区总结.docx", docx(t, "城区总结")}, {"城区照片.jpg", append(append([]byte(nil), photo...), "cq"...)}}},
		// Nobody knows who sent this table.
		{at(6, 20), "13912345678@qq.com", "统计表", []attachment{{"统计表.xlsx", sheetFixture(t, "stats_hidden.xlsx")}}},
	}
	mb := config.MailboxID(fxCampaign, fxMailbox)
	for i, m := range mails {
		raw := compose(i+1, m.from, m.subject, m.at.Add(-time.Minute), m.files...)
		name := bus.ObjectName(mb, 1, uint32(i+1))
		info, err := b.PutRaw(ctx, name, bytes.NewReader(raw))
		if err != nil {
			return "", err
		}
		ev := bus.Event{CampaignID: fxCampaign, MailboxID: mb, UIDValidity: 1, UID: uint32(i + 1), Object: name,
			Size: info.Size, SHA256: info.SHA256, InternalDate: m.at}
		if err := w.Handle(ctx, ev); err != nil {
			return "", err
		}
	}
	return dir, nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range []string{fxDir, loProfile} {
		if dir != "" {
			os.RemoveAll(dir)
		}
	}
	os.Exit(code)
}

// load judges the fixture.
func (fx *fixture) load(t *testing.T) *Campaign {
	t.Helper()
	c, err := Load(context.Background(), fx.store, &fx.camp, fxNow)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func unitByName(t *testing.T, c *Campaign, name string) *Unit {
	t.Helper()
	for i := range c.Units {
		if c.Units[i].State.Name == name {
			return &c.Units[i]
		}
	}
	t.Fatalf("no unit %s", name)
	return nil
}
