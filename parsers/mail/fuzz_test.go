package mail

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzWalk feeds arbitrary bytes to the walker: it must not panic, hang or
// allocate without bound, and what it returns must hold its invariants.
// Seeds: every fixture message in testdata.
func FuzzWalk(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.eml")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) < 64<<10 {
			f.Add(b)
		}
	}
	f.Add([]byte("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: message/rfc822\r\n\r\nSubject: =?gbk?B?zeI=?=\r\n\r\n--x--"))
	lim := Limits{MaxMessageBytes: 1 << 20, MaxHeaderBytes: 8 << 10, MaxFieldBytes: 4 << 10, MaxParts: 50, MaxDepth: 8, MaxTextBytes: 4 << 10}
	f.Fuzz(func(t *testing.T, data []byte) {
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				panic(fmt.Sprintf("Walk hangs on %q", data))
			}
		}()
		var leaves int
		m, err := Walk(context.Background(), bytes.NewReader(data), lim, func(ctx context.Context, p *Part, body io.Reader) error {
			leaves++
			n, err := io.Copy(io.Discard, body)
			if n > int64(len(data)) {
				t.Errorf("part %s decoded to %d bytes from %d input bytes", p.Path, n, len(data))
			}
			return err
		})
		if err != nil {
			t.Fatalf("Walk error on in-memory input: %v", err)
		}
		if m == nil || m.Class == "" {
			t.Fatalf("no message or class: %+v", m)
		}
		var check func(m *Message, depth int)
		check = func(m *Message, depth int) {
			if depth > lim.MaxDepth+1 {
				t.Fatalf("depth %d beyond the limit", depth)
			}
			for _, s := range []string{m.Header.Subject, m.Header.From, m.Text, m.HTML} {
				if !utf8.ValidString(s) {
					t.Errorf("invalid UTF-8: %q", s)
				}
			}
			if strings.ContainsAny(m.Header.Subject, "\r\n") {
				t.Errorf("subject keeps CR/LF: %q", m.Header.Subject)
			}
			if len(m.Text) > lim.MaxTextBytes || len(m.HTML) > lim.MaxTextBytes {
				t.Errorf("text beyond the limit: %d %d", len(m.Text), len(m.HTML))
			}
			for _, p := range m.Parts {
				if p.Name == "" || strings.ContainsAny(p.Name, "/\\\r\n") || !utf8.ValidString(p.Name) || len(p.Name) > 255 {
					t.Errorf("bad part name %q", p.Name)
				}
				if p.Message != nil {
					check(p.Message, depth+1)
				}
			}
		}
		check(m, 0)
		if leaves > lim.MaxParts {
			t.Errorf("%d leaves beyond MaxParts", leaves)
		}
	})
}

// FuzzSanitizeName: a sanitized name has no path, no control character and
// no direction character left, is valid UTF-8 within 255 bytes.
func FuzzSanitizeName(f *testing.F) {
	for _, s := range []string{"总结.docx", "../../etc/passwd.xlsx", "活动总结\u202Excod.exe", "a\u2066b\u2069.pdf", "a\r\nb\x85.txt", `C:\x\照片.jpg`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		clean, _ := SanitizeName(name)
		if len(clean) > maxNameBytes || !utf8.ValidString(clean) || strings.ContainsAny(clean, "/") || clean == "." || clean == ".." {
			t.Errorf("SanitizeName(%q) = %q", name, clean)
		}
		for _, r := range clean {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || isBidi(r) {
				t.Errorf("SanitizeName(%q) = %q keeps %U", name, clean, r)
			}
		}
		_ = BidiWarning(name)
	})
}
