package inspect

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
)

// memSink keeps what it is given, checking that sizes and hashes match.
type memSink struct {
	mu    sync.Mutex
	files map[string][]byte
	err   error
}

func (s *memSink) PutFile(ctx context.Context, sum string, size int64, r io.Reader) error {
	if s.err != nil {
		return s.err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	h := sha256.Sum256(b)
	if hex.EncodeToString(h[:]) != sum || int64(len(b)) != size {
		return errors.New("size or hash mismatch")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.files == nil {
		s.files = map[string][]byte{}
	}
	s.files[sum] = b
	return nil
}

func openFixture(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestMessageStoresFiles(t *testing.T) {
	sink := &memSink{}
	dir := t.TempDir()
	n, err := Message(context.Background(), openFixture(t, "../mail/testdata/forwarded.eml"), Options{TempDir: dir, Files: sink})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile("../mail/testdata/forwarded.eml")
	sum := sha256.Sum256(raw)
	if n.Kind != "message" || n.Size != int64(len(raw)) || n.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("root = %s %d %s", n.Kind, n.Size, n.SHA256)
	}
	var leaves int
	n.Walk(func(c *Node) {
		if c.Kind == "message" {
			return
		}
		leaves++
		if _, ok := sink.files[c.SHA256]; !ok {
			t.Errorf("%s not stored", c.Name)
		}
	})
	if leaves != 2 || len(sink.files) != 2 {
		t.Errorf("leaves %d, stored %d", leaves, len(sink.files))
	}
	fw := n.Parts[0]
	if fw.Kind != "message" || fw.Message.FromAddress != "unit@126.com" || fw.Message.Date != "2024-05-31T17:05:00+08:00" {
		t.Errorf("forwarded = %+v %+v", fw, fw.Message)
	}
	photo := fw.Parts[1]
	if photo.Kind != "photo" || !bytes.HasPrefix(sink.files[photo.SHA256], []byte("\xff\xd8\xff")) {
		t.Errorf("photo = %+v", photo)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("scratch files left: %v", left)
	}
}

func TestMessageSinkErrorIsError(t *testing.T) {
	boom := errors.New("store down")
	_, err := Message(context.Background(), openFixture(t, "../mail/testdata/rfc2231_gbk.eml"), Options{TempDir: t.TempDir(), Files: &memSink{err: boom}})
	if !errors.Is(err, boom) {
		t.Errorf("err = %v", err)
	}
}

func TestMessageScratchDiskErrorIsError(t *testing.T) {
	_, err := Message(context.Background(), openFixture(t, "../mail/testdata/rfc2231_gbk.eml"), Options{TempDir: "/nonexistent/dir"})
	if err == nil {
		t.Error("no error for a missing scratch dir")
	}
}

func TestMessageUnparseable(t *testing.T) {
	in := "\x00\x01 not a message at all"
	n, err := Message(context.Background(), strings.NewReader(in), Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(in))
	if n.Kind != "message" || n.Message.Class != "malformed" || n.Size != int64(len(in)) || n.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("node = %+v %+v", n, n.Message)
	}
}

func TestMessageCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Message(ctx, openFixture(t, "../mail/testdata/forwarded.eml"), Options{TempDir: t.TempDir()})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestMessageTimeBudget(t *testing.T) {
	n, err := Message(context.Background(), openFixture(t, "../mail/testdata/forwarded.eml"), Options{TempDir: t.TempDir(), Limits: Limits{Timeout: 1}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range n.Findings {
		found = found || f.Code == "time_budget_exceeded"
	}
	if !found {
		t.Errorf("findings = %v", n.Findings)
	}
}

func TestMessageTNEF(t *testing.T) {
	raw := "From: a@163.com\r\nSubject: outlook\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: application/ms-tnef; name=\"winmail.dat\"\r\nContent-Transfer-Encoding: base64\r\n\r\neJ8+IgAA\r\n--b--\r\n"
	n, err := Message(context.Background(), strings.NewReader(raw), Options{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	p := n.Parts[0]
	if p.Name != "winmail.dat" || len(p.Findings) != 1 || p.Findings[0].Code != "unsupported_container" {
		t.Errorf("part = %+v", p)
	}
}
