package inspect

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/shoubao/shoubao/parsers/mail/mailtest"
)

// scratchSink is a memSink that also counts, at each PutFile, the files in
// the scratch directory: 1 when the part being stored is spooled there, 0
// when it is held in memory.
type scratchSink struct {
	memSink
	dir     string
	mu      sync.Mutex
	scratch map[string]int // sha256 → scratch files seen when it was stored
}

func (s *scratchSink) PutFile(ctx context.Context, sum string, size int64, r io.Reader) error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if s.scratch == nil {
		s.scratch = map[string]int{}
	}
	s.scratch[sum] = len(entries)
	s.mu.Unlock()
	return s.memSink.PutFile(ctx, sum, size, r)
}

// attachmentMessage returns a message with one base64 attachment.
func attachmentMessage(name, contentType string, data []byte) []byte {
	b64 := base64.StdEncoding.EncodeToString(data)
	var lines []string
	for len(b64) > 76 {
		lines, b64 = append(lines, b64[:76]), b64[76:]
	}
	lines = append(lines, b64)
	return []byte("From: a@163.com\r\nSubject: test\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n见附件。\r\n" +
		"--b\r\nContent-Type: " + contentType + "\r\nContent-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: attachment; filename=\"" + name + "\"\r\n\r\n" + strings.Join(lines, "\r\n") + "\r\n--b--\r\n")
}

// leafScratch returns, for each node stored, the scratch files seen when
// it was stored, by name.
func leafScratch(t *testing.T, n *Node, s *scratchSink) map[string]int {
	t.Helper()
	out := map[string]int{}
	n.Walk(func(c *Node) {
		if c.Kind == "message" {
			return
		}
		k, ok := s.scratch[c.SHA256]
		if !ok {
			t.Errorf("%s not stored", c.Name)
		}
		out[c.Name] = k
	})
	return out
}

// TestSmallPartsInMemory: the parts of a small message are not written to
// TempDir, and the tree is the same as when every part is spooled there.
func TestSmallPartsInMemory(t *testing.T) {
	raw, err := os.ReadFile("../mail/testdata/rfc2231_gbk.eml")
	if err != nil {
		t.Fatal(err)
	}
	run := func(memPart int64) (*Node, map[string]int) {
		dir := t.TempDir()
		sink := &scratchSink{dir: dir}
		n, err := Message(context.Background(), bytes.NewReader(raw), Options{TempDir: dir, Files: sink, MemPartBytes: memPart})
		if err != nil {
			t.Fatal(err)
		}
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Errorf("scratch files left: %v", left)
		}
		return n, leafScratch(t, n, sink)
	}
	mem, memScratch := run(0)
	disk, diskScratch := run(-1)
	if len(memScratch) != 2 {
		t.Fatalf("stored %v, want the table and the photo", memScratch)
	}
	for name, k := range memScratch {
		if k != 0 {
			t.Errorf("%s: %d scratch files while stored, want 0 (held in memory)", name, k)
		}
		if diskScratch[name] != 1 {
			t.Errorf("%s with MemPartBytes < 0: %d scratch files while stored, want 1", name, diskScratch[name])
		}
	}
	a, _ := json.Marshal(mem)
	b, _ := json.Marshal(disk)
	if !bytes.Equal(a, b) {
		t.Errorf("in memory and on disk differ:\n%s\n%s", a, b)
	}
}

// TestLargePartSpooled: a part larger than MemPartBytes (the default,
// 1 MiB) still goes to a scratch file, removed afterwards.
func TestLargePartSpooled(t *testing.T) {
	dir := t.TempDir()
	msg, _, err := mailtest.WriteLargeMessage(dir, DefaultMemPartBytes+1)
	if err != nil {
		t.Fatal(err)
	}
	scratch := filepath.Join(dir, "scratch")
	if err := os.Mkdir(scratch, 0o700); err != nil {
		t.Fatal(err)
	}
	sink := &scratchSink{dir: scratch}
	n, err := Message(context.Background(), openFixture(t, msg), Options{TempDir: scratch, Files: sink})
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Parts) != 1 || n.Parts[0].Size != DefaultMemPartBytes+1 {
		t.Fatalf("parts: %+v", n.Parts)
	}
	if k := sink.scratch[n.Parts[0].SHA256]; k != 1 {
		t.Errorf("%d scratch files while the large part was stored, want 1", k)
	}
	if left, _ := os.ReadDir(scratch); len(left) != 0 {
		t.Errorf("scratch files left: %v", left)
	}
}

// TestMemBudget: parts held in memory at once are bounded by MemBytes: a
// member of an archive held in memory goes to a scratch file when the
// archive took the budget, and is held in memory when it did not.
func TestMemBudget(t *testing.T) {
	msg := bombMessage(t, 1, 1000)
	run := func(memBytes int64) map[string]int {
		dir := t.TempDir()
		sink := &scratchSink{dir: dir}
		n, err := Message(context.Background(), strings.NewReader(msg), Options{TempDir: dir, Files: sink, MemBytes: memBytes})
		if err != nil {
			t.Fatal(err)
		}
		return leafScratch(t, n, sink)
	}
	if got := run(minBuffer); got["材料.zip"] != 0 || got["视频0.mp4"] != 1 {
		t.Errorf("budget of one buffer: scratch files while stored %v, want the zip in memory and its member on disk", got)
	}
	if got := run(0); got["材料.zip"] != 0 || got["视频0.mp4"] != 0 {
		t.Errorf("default budget: scratch files while stored %v, want both in memory", got)
	}
}

// TestVideoWrittenForFFprobe: a small video held in memory whose container
// cannot be read is written to TempDir for ffprobe, and only then.
func TestVideoWrittenForFFprobe(t *testing.T) {
	dir := t.TempDir()
	scratch := filepath.Join(dir, "scratch")
	if err := os.Mkdir(scratch, 0o700); err != nil {
		t.Fatal(err)
	}
	seen := filepath.Join(dir, "seen")
	fake := filepath.Join(dir, "ffprobe")
	script := "#!/bin/sh\nfor a; do p=$a; done\np=${p#file:}\ntest -f \"$p\" || exit 1\necho \"$p\" >> " + seen + "\n" +
		`echo '{"format":{"format_name":"mpeg","duration":"12.5"},"streams":[{"codec_type":"video","width":640,"height":480,"duration":"12.5"}]}'` + "\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	// An MP4 whose boxes after ftyp are damaged.
	clip := append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), bytes.Repeat([]byte{0xff}, 2000)...)
	msg := attachmentMessage("活动视频.mp4", "video/mp4", clip)
	n, err := Message(context.Background(), bytes.NewReader(msg), Options{TempDir: scratch, FFprobe: fake})
	if err != nil {
		t.Fatal(err)
	}
	v := n.Parts[0]
	if v.Kind != "video" || v.Video == nil || v.Video.DurationSeconds != 12.5 {
		t.Fatalf("video node: %+v %+v", v, v.Video)
	}
	got, err := os.ReadFile(seen)
	if err != nil {
		t.Fatal(err)
	}
	if p := strings.TrimSpace(string(got)); filepath.Dir(p) != scratch {
		t.Errorf("ffprobe read %q, want a scratch file in %s", p, scratch)
	}
	if left, _ := os.ReadDir(scratch); len(left) != 0 {
		t.Errorf("scratch files left: %v", left)
	}
	// Without ffprobe the video is read from memory alone: unreadable.
	sink := &scratchSink{dir: scratch}
	n, err = Message(context.Background(), bytes.NewReader(msg), Options{TempDir: scratch, Files: sink})
	if err != nil {
		t.Fatal(err)
	}
	if v := n.Parts[0]; v.Kind != "video" || v.Video != nil || len(v.Findings) == 0 || sink.scratch[v.SHA256] != 0 {
		t.Errorf("video without ffprobe: %+v, %d scratch files", v, sink.scratch[v.SHA256])
	}
}
