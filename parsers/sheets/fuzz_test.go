package sheets

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fuzzNames are the file names a fuzz input is parsed under: the name
// decides the format only when the magic bytes do not.
var fuzzNames = []string{"统计表.xlsx", "统计表.xls", "推荐表.et", "统计表.docx", "总结.doc", "附件", "统计表.ods", "推荐表.csv"}

// FuzzParse writes arbitrary bytes to a file and parses it: ParseFile must
// never panic or hang, must always return a result, and any finding must
// carry a code and a message.
func FuzzParse(f *testing.F) {
	for _, file := range fixtures(f) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(0))
	}
	f.Add([]byte("PK\x03\x04"), uint8(3))
	f.Add([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, uint8(1))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, nameIdx uint8) {
		path := filepath.Join(dir, "input")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		opts := Options{MaxUncompressedBytes: 8 << 20, MaxRows: 2000, MaxCells: 50_000, Timeout: 10 * time.Second}
		start := time.Now()
		res, fl := ParseFile(context.Background(), path, fuzzNames[int(nameIdx)%len(fuzzNames)], opts)
		if res == nil {
			t.Fatal("nil result")
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("took %v", time.Since(start))
		}
		for _, x := range fl {
			if x.Code == "" || x.Message == "" {
				t.Fatalf("empty finding %+v", x)
			}
		}
		if res.Recommend != nil {
			for _, row := range res.Recommend.Rows {
				if len(row) > len(res.Recommend.Columns) {
					t.Fatalf("row has %d keys for %d columns", len(row), len(res.Recommend.Columns))
				}
			}
		}
	})
}
