package inspect

import (
	"context"
	"os"
	"path/filepath"
	"slices"
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

// TestNameKindKept: a picture named as a video stays a video that cannot
// be used (video_unreadable, not a photo); a spreadsheet whose zip or OLE2
// container cannot be opened keeps the kind its name says (a table that
// cannot be read, not an archive); a truncated video is measured as
// claimed and marked video_truncated.
func TestNameKindKept(t *testing.T) {
	tests := []struct {
		file, kind, format string
		codes              []string
	}{
		{"活动视频.mp4", "video", "jpeg", []string{"video_unreadable"}},
		{"开展情况统计表.xlsx", "stats_table", "xlsx", []string{"file_corrupt", "needs_manual_review"}},
		{"特色活动推荐表.xls", "recommend_table", "xls", []string{"file_corrupt", "needs_manual_review"}},
		{"活动视频（未传完）.mp4", "video", "mp4", []string{"video_truncated"}},
		{"科技周活动视频.mkv", "video", "matroska", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			n, err := File(context.Background(), filepath.Join("testdata/files", tt.file), Options{TempDir: t.TempDir(), VideoLimitSeconds: 180})
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, f := range n.Findings {
				codes = append(codes, f.Code)
			}
			if n.Kind != tt.kind || n.Format != tt.format || !slices.Equal(codes, tt.codes) {
				t.Errorf("kind %s format %s findings %v, want %s %s %v", n.Kind, n.Format, n.Findings, tt.kind, tt.format, tt.codes)
			}
			if n.Kind == "video" && n.Format == "jpeg" && n.Video != nil {
				t.Errorf("a picture measured as a video: %+v", n.Video)
			}
		})
	}
}
