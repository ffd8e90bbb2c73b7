package export

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/shoubao/shoubao/pipeline/bus"
	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/worker"
	"github.com/shoubao/shoubao/sinks/sqlstore"
)

// TestBuildBigStore makes, in the folder SHOUBAO_BIG_STORE names, a data
// folder and configuration holding what bigList holds (50 units, 100
// recommended activities each, 300-character descriptions): each unit's
// list is an .xlsx in the 2026 template, mailed and stored by the real
// worker. It is for measuring the shoubao command as a process:
//
//	SHOUBAO_BIG_STORE=/tmp/big go test -run TestBuildBigStore -v ./pipeline/export
//	go build -o /tmp/shoubao ./cmd/shoubao
//	/usr/bin/time -v /tmp/shoubao export --config /tmp/big/shoubao.yaml --out /tmp/big/导出 --only recommend
func TestBuildBigStore(t *testing.T) {
	dir := os.Getenv("SHOUBAO_BIG_STORE")
	if dir == "" {
		t.Skip("SHOUBAO_BIG_STORE=DIR builds a store with 5,000 recommended activities in DIR")
	}
	const units, rows = 50, 100
	var yaml strings.Builder
	fmt.Fprintf(&yaml, `data_dir: %s
campaigns:
  - id: big
    title: 省级活动
    deadline: 2026-06-07
    materials: [recommend_table]
    mailboxes:
      - address: big@example.com
        office: 某市科学技术局
        imap: {host: 127.0.0.1, port: 1143, tls: none, password_file: /nonexistent}
    units:
`, dir)
	for i := range units {
		fmt.Fprintf(&yaml, "      - {name: 第%02d县科技局, senders: [u%02d@example.com]}\n", i, i)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "shoubao.yaml"), []byte(yaml.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Decode([]byte(yaml.String()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "shoubao.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	b, err := bus.Connect(ctx, bus.Options{StoreDir: filepath.Join(dir, "nats"), MaxMemory: 64 << 20, MaxStore: 1 << 30, Name: "big", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	w := worker.New(st, b, worker.Options{Campaigns: map[string]*config.Campaign{"big": &cfg.Campaign[0]}, TempDir: t.TempDir(), Logger: quiet})

	big := bigList(units * rows)
	mb := config.MailboxID("big", "big@example.com")
	arrival := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	for i, u := range big.Units {
		sheet := listFile(t, u.List.List.Columns, u.List.List.Rows)
		raw := compose(i+1, fmt.Sprintf("u%02d@example.com", i), u.State.Name+"特色活动推荐表", arrival,
			attachment{u.State.Name + "推荐表.xlsx", sheet})
		name := bus.ObjectName(mb, 1, uint32(i+1))
		info, err := b.PutRaw(ctx, name, bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		ev := bus.Event{CampaignID: "big", MailboxID: mb, UIDValidity: 1, UID: uint32(i + 1), Object: name,
			Size: info.Size, SHA256: info.SHA256, InternalDate: arrival}
		if err := w.Handle(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	// The store holds them all, as the export reads them.
	camp := cfg.Campaign[0].Domain()
	c, err := Load(ctx, st, &camp, arrival.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n := recommendRows(c); n != units*rows {
		t.Fatalf("the store holds %d recommended activities, want %d", n, units*rows)
	}
	t.Logf("%s: %d units, %d recommended activities", dir, units, units*rows)
}

// listFile is a recommendation list as a unit sends it: 附件, the title,
// the header, the rows.
func listFile(t *testing.T, cols []string, rows []map[string]string) []byte {
	f := excelize.NewFile()
	defer f.Close()
	set := func(r int, values []any) {
		if err := f.SetSheetRow("Sheet1", cell(1, r), &values); err != nil {
			t.Fatal(err)
		}
	}
	set(1, []any{"附件"})
	set(2, []any{"2026年科技活动周特色群众性主题实践活动推荐表"})
	header := make([]any, len(cols))
	for i, c := range cols {
		header[i] = c
	}
	set(3, header)
	for k, row := range rows {
		values := make([]any, len(cols))
		for i, c := range cols {
			values[i] = row[c]
		}
		set(4+k, values)
	}
	var out bytes.Buffer
	if _, err := f.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
