package inspect

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shoubao/shoubao/parsers/internal/hostile"
)

func nodeCodes(n *Node) []string {
	var out []string
	for _, f := range n.Findings {
		out = append(out, f.Code)
	}
	return out
}

// TestHostileFiles inspects the hostile files of the bug report end to end
// (`shoubao probe`): each gives its finding within hostile.TimeLimit (2 s;
// 10 s under -race) with a heap below hostile.HeapLimit (64 MiB).
func TestHostileFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, fn func(io.Writer) error) string {
		t.Helper()
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := fn(f); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var small bytes.Buffer
	if err := hostile.DocxParagraph(&small, 64); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		file  string
		kind  string
		code  string // on the top node
		check func(t *testing.T, n *Node)
	}{
		{"100 MB paragraph", write("活动总结.docx", func(w io.Writer) error { return hostile.DocxParagraph(w, 100<<20) }), "report", "docx_too_large", nil},
		{"gzip of 2 GiB of zeros", write("zeros.gz", func(w io.Writer) error { return hostile.GzipZeros(w, "", 2<<30) }), "archive", "zip_bomb", nil},
		{"nested tar.gz bomb", write("材料.tar.gz", func(w io.Writer) error { return hostile.NestedTarGzBomb(w, 16, 64<<20) }), "archive", "", func(t *testing.T, n *Node) {
			var codes []string
			n.Walk(func(c *Node) { codes = append(codes, nodeCodes(c)...) })
			if !slices.Contains(codes, "zip_bomb") {
				t.Errorf("no zip_bomb in the tree: %v", codes)
			}
		}},
		{"tar.gz of a report and a text", write("报送材料.tgz", func(w io.Writer) error {
			return hostile.TarGz(w, []hostile.Entry{{Name: "材料/活动总结.docx", Data: small.Bytes()}, {Name: "材料/说明.txt", Data: []byte("活动总结见附件。\n")}})
		}), "archive", "", func(t *testing.T, n *Node) {
			if n.Format != "tar.gz" || len(n.Parts) != 2 || n.Parts[0].Kind != "report" || n.Parts[0].Format != "docx" || n.Parts[1].Member != "材料/说明.txt" {
				t.Errorf("tar.gz node: %+v", n)
			}
		}},
		{"gzip of one file", write("活动总结.txt.gz", func(w io.Writer) error {
			var buf bytes.Buffer
			if err := hostile.TarGz(&buf, nil); err != nil {
				return err
			}
			return hostile.GzipZeros(w, "", 0)
		}), "archive", "", func(t *testing.T, n *Node) {
			if n.Format != "gzip" || len(n.Parts) != 1 || n.Parts[0].Name != "活动总结.txt" || n.Parts[0].Kind != "other" {
				t.Errorf("gzip node: %+v", n)
			}
		}},
		{"right-to-left override in the file name", write(hostile.RTLName, func(w io.Writer) error { _, err := w.Write([]byte("x")); return err }), "other", "unsafe_file_name", func(t *testing.T, n *Node) {
			if n.Name != `活动总结\u202Excod.exe` || n.RawName != hostile.RTLName {
				t.Errorf("name %q raw %q", n.Name, n.RawName)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n *Node
			var err error
			elapsed, heap := hostile.Measure(func() {
				n, err = File(context.Background(), tt.file, Options{TempDir: t.TempDir()})
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%v, heap peak %.1f MiB, kind %s, findings %v", elapsed, float64(heap)/(1<<20), n.Kind, nodeCodes(n))
			if n.Kind != tt.kind {
				t.Errorf("kind %s; want %s", n.Kind, tt.kind)
			}
			if tt.code != "" && !slices.Contains(nodeCodes(n), tt.code) {
				t.Errorf("findings %v; want %s", nodeCodes(n), tt.code)
			}
			if elapsed > hostile.TimeLimit() {
				t.Errorf("took %v; limit %v", elapsed, hostile.TimeLimit())
			}
			if heap > hostile.HeapLimit {
				t.Errorf("heap peaked at %d MiB", heap>>20)
			}
			if tt.check != nil {
				tt.check(t, n)
			}
		})
	}
}

// TestHostileNames: in a message, a name with a right-to-left override is
// shown escaped, kept as sent in raw_name (here the RFC 2231 parameter,
// U+202E as %E2%80%AE), and not a report; a 1-byte 总结 is not a report
// either.
func TestHostileNames(t *testing.T) {
	for _, tt := range []struct {
		name, shown, code string
	}{
		{hostile.RTLName, `活动总结\u202Excod.exe`, "unsafe_file_name"},
		{"活动总结", "活动总结", "kind_mismatch"},
		{"活动总结.docx", "活动总结.docx", "kind_mismatch"},
	} {
		var raw bytes.Buffer
		if err := hostile.MessageWithAttachment(&raw, tt.name, []byte("x")); err != nil {
			t.Fatal(err)
		}
		n, err := Message(context.Background(), &raw, Options{TempDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		if len(n.Parts) != 1 {
			t.Fatalf("%d parts", len(n.Parts))
		}
		p := n.Parts[0]
		if p.Name != tt.shown || p.Kind != "other" || !slices.Contains(nodeCodes(p), tt.code) {
			t.Errorf("%q: name %q kind %s findings %v", tt.name, p.Name, p.Kind, p.Findings)
		}
		if tt.name != tt.shown && !strings.Contains(p.RawName, "%E2%80%AE") {
			t.Errorf("raw name %q", p.RawName)
		}
	}
}
