package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoubao/shoubao/pipeline/demo"
	"github.com/shoubao/shoubao/sinks/sqlstore"
)

// TestReprocess: facts damaged in the store (as by an older parser) are
// read again from the raw messages; a second run changes nothing.
func TestReprocess(t *testing.T) {
	dir := t.TempDir()
	if _, code := run(t, "demo", "--data-dir", dir); code != 0 {
		t.Fatalf("demo exited %d", code)
	}
	cfg := filepath.Join(dir, "shoubao.yaml")
	if err := os.WriteFile(cfg, []byte("data_dir: "+dir+"\ncampaigns:"+demo.CampaignYAML("127.0.0.1", 1143, "none")), 0o600); err != nil {
		t.Fatal(err)
	}
	before, code := run(t, "report", "--config", cfg, "--format", "json")
	if code != 0 {
		t.Fatalf("report exited %d", code)
	}
	// An "older parser" saw no files and no subject in every message.
	ctx := context.Background()
	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "shoubao.db"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := st.Messages(ctx, demo.CampaignID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		r.Subject, r.Attachments, r.Links = "", nil, nil
		if err := st.ReplaceFacts(ctx, r.ID, &r); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	if damaged, _ := run(t, "report", "--config", cfg, "--format", "json"); damaged == before {
		t.Fatal("damaging the facts did not change the report")
	}

	for i := 0; i < 2; i++ {
		out, code := run(t, "reprocess", "--config", cfg)
		if code != 0 || !strings.Contains(out, "reprocessed 25 of 25 stored messages") {
			t.Fatalf("reprocess run %d (exit %d): %s", i+1, code, out)
		}
		after, _ := run(t, "report", "--config", cfg, "--format", "json")
		// generated_at differs; everything else is as first read.
		if strip(after) != strip(before) {
			t.Fatalf("run %d: report after reprocess differs from the first reading", i+1)
		}
	}
}

func strip(report string) string {
	var out []string
	for _, l := range strings.Split(report, "\n") {
		if !strings.Contains(l, `"generated_at"`) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
