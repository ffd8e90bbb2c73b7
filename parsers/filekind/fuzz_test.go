package filekind

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/shoubao/shoubao/parsers/internal/hostile"
)

// FuzzDetect: any content under any name is classified without panic, a
// kind the content ruled out always comes with a reason, and a damaged file
// has its name's Office format, never an archive's kind.
func FuzzDetect(f *testing.F) {
	for _, pat := range []string{"testdata/*", "../mail/testdata/media/*", "../archive/testdata/*.zip"} {
		files, _ := filepath.Glob(pat)
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil && len(b) < 64<<10 {
				f.Add(b, filepath.Base(file))
			}
		}
	}
	var tgz bytes.Buffer
	if err := hostile.TarGz(&tgz, []hostile.Entry{{Name: "a.txt", Data: []byte("x")}}); err != nil {
		f.Fatal(err)
	}
	f.Add(tgz.Bytes(), "材料.tgz")
	f.Add([]byte("x"), hostile.RTLName)
	f.Add([]byte("活动总结：本次活动"), "活动总结")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		r := Detect(bytes.NewReader(data), int64(len(data)), name)
		if (r.NameKind != "") != (r.Reason != "") || (r.NameKind != "" && r.Kind == r.NameKind) {
			t.Errorf("Detect = %+v", r)
		}
		if r.Kind == "" || !utf8.ValidString(r.Reason) {
			t.Errorf("Detect = %+v", r)
		}
		if r.Damaged && (containerOf[r.Format] == "" || r.Mismatch != "" || r.Kind == Archive) {
			t.Errorf("damaged: Detect = %+v", r)
		}
	})
}
