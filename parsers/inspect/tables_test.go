package inspect

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestTables checks that the table parser decides the kind of spreadsheets
// and Word tables, except for documents named as reports.
func TestTables(t *testing.T) {
	tests := []struct {
		src, name, kind  string
		stats, recommend bool
	}{
		{"stats_template.xls", "附件1.xls", "stats_table", true, false},
		{"stats_template.xls", "附件1.et", "stats_table", true, false},
		{"recommend_2026.xlsx", "附件2.xlsx", "recommend_table", false, true},
		{"recommend_2024.docx", "附件2.docx", "recommend_table", false, true},
		{"recommend_2024.docx", "活动总结.docx", "report", false, true},
		{"not_a_table.xls", "数据.xls", "other", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("../sheets/testdata", tt.src))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), tt.name)
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			n, err := File(context.Background(), path, Options{TempDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			if n.Kind != tt.kind || (n.Stats != nil) != tt.stats || (n.Recommend != nil) != tt.recommend {
				t.Errorf("kind %s stats %v recommend %v findings %v", n.Kind, n.Stats != nil, n.Recommend != nil, n.Findings)
			}
		})
	}
}
