package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"testing"
)

// refZipEntries is ZipEntries as it was, searching the whole tail a
// comment may reach at once: the reference of TestZipEntriesTail.
func refZipEntries(r io.ReaderAt, size int64) (n int64, ok bool) {
	const eocdLen, maxComment = 22, 65535
	tail := min(size, eocdLen+maxComment)
	if tail < eocdLen {
		return 0, false
	}
	b := make([]byte, tail)
	if _, err := r.ReadAt(b, size-tail); err != nil && err != io.EOF {
		return 0, false
	}
	for i := len(b) - eocdLen; i >= 0; i-- {
		if !bytes.Equal(b[i:i+4], []byte("PK\x05\x06")) {
			continue
		}
		if i+eocdLen+int(binary.LittleEndian.Uint16(b[i+20:])) > len(b) {
			continue
		}
		n = int64(binary.LittleEndian.Uint16(b[i+10:]))
		if n != 0xFFFF {
			return n, true
		}
		return -1, true // zip64: not made by this test
	}
	return 0, false
}

// TestZipEntriesTail: looking in the last KiB first finds what a search
// of the whole tail finds, whatever the comment's length, with a record's
// signature inside the comment or the record cut off.
func TestZipEntriesTail(t *testing.T) {
	fake := "PK\x05\x06" + strings.Repeat("\x00", 6) + "\x07\x00" + strings.Repeat("\x00", 10)
	for _, commentLen := range []int{0, 1, 100, 1000, 1002, 1003, 1024, 2000, 65535} {
		for _, withFake := range []bool{false, true} {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			for i := range 3 {
				w, err := zw.Create(fmt.Sprintf("f%d.xml", i))
				if err != nil {
					t.Fatal(err)
				}
				w.Write([]byte("<a/>"))
			}
			comment := strings.Repeat("c", commentLen)
			if withFake && commentLen >= len(fake) {
				comment = fake + comment[len(fake):]
			}
			if err := zw.SetComment(comment); err != nil {
				t.Fatal(err)
			}
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			data := buf.Bytes()
			for _, cut := range []int{0, 1, 30, len(comment) + 5} {
				if cut > len(data) {
					continue
				}
				d := data[:len(data)-cut]
				r := bytes.NewReader(d)
				n, ok := ZipEntries(r, int64(len(d)))
				wn, wok := refZipEntries(r, int64(len(d)))
				if n != wn || ok != wok {
					t.Errorf("comment %d, fake %v, cut %d: ZipEntries = %d, %v; want %d, %v", commentLen, withFake, cut, n, ok, wn, wok)
				}
				if cut == 0 && !withFake && (n != 3 || !ok) {
					t.Errorf("comment %d, fake %v: ZipEntries = %d, %v; want 3, true", commentLen, withFake, n, ok)
				}
			}
		}
	}
}
