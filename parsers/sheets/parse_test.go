package sheets

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/shoubao/shoubao/parsers/finding"
)

// TestParseSameAsParseFile: every fixture read from memory with Parse
// gives the same result and findings as ParseFile on the file.
func TestParseSameAsParseFile(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.*"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range paths {
		name := filepath.Base(p)
		if strings.HasSuffix(name, ".golden") || strings.HasSuffix(name, ".html") || strings.HasSuffix(name, ".sh") || strings.HasSuffix(name, ".py") {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ra, fa := ParseFile(context.Background(), p, name, Options{})
		rb, fb := Parse(context.Background(), bytes.NewReader(data), int64(len(data)), name, Options{})
		if !reflect.DeepEqual(ra, rb) || !reflect.DeepEqual(fa, fb) {
			t.Errorf("%s: Parse and ParseFile differ:\n%+v %v\n%+v %v", name, ra, fa, rb, fb)
		}
		n++
	}
	if n < 30 {
		t.Errorf("only %d fixtures compared", n)
	}
}

// TestParseFileMissing: a file that cannot be opened is a finding.
func TestParseFileMissing(t *testing.T) {
	res, fl := ParseFile(context.Background(), filepath.Join(t.TempDir(), "none.xlsx"), "none.xlsx", Options{})
	if res == nil || res.Kind != "" || !finding.List(fl).Has(CodeManualReview) {
		t.Errorf("missing file: %+v %v", res, fl)
	}
}
