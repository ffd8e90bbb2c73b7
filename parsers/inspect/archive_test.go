package inspect

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"testing"
)

// bombMessage returns a message carrying a zip of n members of size zero
// bytes each, built in memory (the zip is small: zeros compress ~1000:1).
func bombMessage(t *testing.T, n int, size int) string {
	t.Helper()
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	zero := make([]byte, 1<<20)
	for i := 0; i < n; i++ {
		w, err := zw.Create(fmt.Sprintf("视频%d.mp4", i))
		if err != nil {
			t.Fatal(err)
		}
		for left := size; left > 0; left -= len(zero) {
			w.Write(zero[:min(left, len(zero))])
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString(zbuf.Bytes())
	var lines []string
	for len(b64) > 76 {
		lines, b64 = append(lines, b64[:76]), b64[76:]
	}
	lines = append(lines, b64)
	return "From: a@163.com\r\nSubject: bomb\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: attachment; filename=\"材料.zip\"\r\n\r\n" + strings.Join(lines, "\r\n") + "\r\n--b--\r\n"
}

func TestMessageZipBomb(t *testing.T) {
	dir := t.TempDir()
	raw := bombMessage(t, 2, 20<<20)
	sink := &memSink{}
	n, err := Message(context.Background(), strings.NewReader(raw), Options{TempDir: dir, Files: sink})
	if err != nil {
		t.Fatal(err)
	}
	zipNode := n.Parts[0]
	codes := map[string]bool{}
	for _, f := range zipNode.Findings {
		codes[f.Code] = true
	}
	if zipNode.Kind != "archive" || !codes["zip_bomb"] || len(zipNode.Parts) != 0 {
		t.Errorf("zip node = %+v", zipNode)
	}
	if len(sink.files) != 1 {
		t.Errorf("stored %d files, want only the zip itself", len(sink.files))
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("scratch files left: %v", left)
	}
}

func TestArchiveBudgetPerInput(t *testing.T) {
	raw := bombMessage(t, 3, 4<<20) // 12 MiB, under the ratio floor
	n, err := Message(context.Background(), strings.NewReader(raw), Options{TempDir: t.TempDir(), Limits: Limits{MaxArchiveBytes: 6 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	z := n.Parts[0]
	if len(z.Findings) == 0 || z.Findings[0].Code != "archive_too_large" {
		t.Errorf("findings = %v", z.Findings)
	}
	n, err = Message(context.Background(), strings.NewReader(raw), Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if z := n.Parts[0]; len(z.Parts) != 3 || z.Parts[0].Size != 4<<20 || z.Parts[0].Kind != "video" {
		t.Errorf("members = %+v", z.Parts)
	}
}

func TestArchiveDepthLimit(t *testing.T) {
	n, err := File(context.Background(), "../archive/testdata/nested.zip", Options{TempDir: t.TempDir(), Limits: Limits{MaxArchiveDepth: 2}})
	if err != nil {
		t.Fatal(err)
	}
	inner := n.Parts[0].Parts[0]
	if inner.Name != "inner.zip" || len(inner.Parts) != 0 || len(inner.Findings) != 1 || inner.Findings[0].Code != "archive_too_deep" {
		t.Errorf("inner = %+v", inner)
	}
}
