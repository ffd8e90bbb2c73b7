package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"github.com/shoubao/shoubao/parsers/inspect"
)

// cmdProbe prints what shoubao sees in each file: `shoubao probe [--json]
// [--video-limit SEC] FILE...`. Findings do not change the exit code; a file
// that cannot be opened does (1).
func cmdProbe(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "probe")
	asJSON := fs.Bool("json", false, "print one JSON object per file per line (the public format)")
	videoLimit := fs.Int("video-limit", 180, "longest acceptable video in seconds (0: no check)")
	download := fs.Bool("download-links", false, "download the large-attachment links found in messages")
	tempDir := fs.String("temp-dir", "", "scratch directory for parts (default: the system's)")
	ffprobe := fs.String("ffprobe", defaultFFprobe(), "ffprobe binary for videos the built-in reader cannot measure (empty: never)")
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, "usage: shoubao probe [--json] [--video-limit SEC] FILE...")
		fmt.Fprintln(env.stderr, "\nShows what shoubao sees in each file: an .eml, an archive, a table, a video, anything.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError{"no files given"}
	}
	opts := inspect.Options{TempDir: *tempDir, VideoLimitSeconds: *videoLimit, DownloadLinks: *download, FFprobe: *ffprobe}
	enc := json.NewEncoder(env.stdout)
	enc.SetEscapeHTML(false)
	failed := 0
	for _, path := range fs.Args() {
		n, err := inspect.File(ctx, path, opts)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fmt.Fprintf(env.stderr, "shoubao probe: %v\n", err)
			failed++
			continue
		}
		if *asJSON {
			if err := enc.Encode(n); err != nil {
				return fmt.Errorf("probe: write: %w", err)
			}
			continue
		}
		printTree(env.stdout, n, "")
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files could not be read", failed, fs.NArg())
	}
	return nil
}

// defaultFFprobe returns the ffprobe found on PATH, or "".
func defaultFFprobe() string {
	p, err := exec.LookPath("ffprobe")
	if err != nil {
		return ""
	}
	return p
}

// kindLabels are the Chinese names of the kinds for the tree output.
var kindLabels = map[string]string{
	"message": "邮件", "archive": "压缩包", "report": "总结报告", "stats_table": "统计表",
	"recommend_table": "推荐表", "video": "视频", "photo": "照片", "other": "其他",
}

// printTree writes a readable tree of n.
func printTree(w io.Writer, n *inspect.Node, indent string) {
	title := n.Path
	if title == "" {
		title = n.Name
	}
	var extra []string
	if n.Part != "" {
		extra = append(extra, "部分 "+n.Part)
	}
	if n.Format != "" {
		extra = append(extra, n.Format)
	}
	extra = append(extra, humanSize(n.Size))
	if len(n.SHA256) >= 12 {
		extra = append(extra, "sha256 "+n.SHA256[:12])
	}
	fmt.Fprintf(w, "%s%s  [%s %s]  %s\n", indent, title, kindLabels[n.Kind], n.Kind, strings.Join(extra, ", "))
	in := indent + "    "
	if m := n.Message; m != nil {
		fmt.Fprintf(w, "%s主题: %s\n", in, m.Subject)
		fmt.Fprintf(w, "%s发件人: %s    日期: %s    类别: %s\n", in, m.From, m.Date, m.Class)
		for _, l := range m.Links {
			fmt.Fprintf(w, "%s链接: %s %s %s %s\n", in, l.Provider, l.Name, humanSize(l.Size), l.URL)
		}
	}
	if n.Video != nil {
		fmt.Fprintf(w, "%s视频: %s, %.1f 秒, %dx%d\n", in, n.Video.Container, n.Video.DurationSeconds, n.Video.Width, n.Video.Height)
	}
	if n.Stats != nil {
		fmt.Fprintf(w, "%s统计表: 单位 %s, %d 项\n", in, n.Stats.Unit, len(n.Stats.Fields))
	}
	if n.Recommend != nil {
		fmt.Fprintf(w, "%s推荐表: %d 行\n", in, len(n.Recommend.Rows))
	}
	for _, f := range n.Findings {
		fmt.Fprintf(w, "%s! %s: %s\n", in, f.Code, f.Message)
	}
	for _, c := range n.Parts {
		printTree(w, c, in)
	}
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
