package mail

import (
	"context"
	"io"
	"os"
	"testing"
	"unicode/utf8"

	gomessage "github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset"
	gomail "github.com/emersion/go-message/mail"
)

// TestGoMessageGaps documents the gaps of go-message v0.18.2's
// AttachmentHeader.Filename() on fixtures made by Python's email package,
// and checks that Walk fills them. If go-message fixes a gap, the first
// assertion of that case fails: the QUIRK can then be revisited.
func TestGoMessageGaps(t *testing.T) {
	tests := []struct {
		file  string
		index int // which file of the message
		want  string
		gap   func(got string, err error) bool
	}{
		// filename*=GBK''%..: "" without error.
		{"rfc2231_gbk.eml", 0, "2024年晋城市科技活动周开展情况统计表（陵川县）.xlsx", func(got string, err error) bool { return got == "" && err == nil }},
		// filename*0*=gbk''..; filename*1*=..: the first segment is dropped
		// and the rest returned as raw GBK bytes.
		{"rfc2231_gbk.eml", 1, "陵川县科技活动周现场照片（一）第一组.jpg", func(got string, err error) bool { return !utf8.ValidString(got) }},
		// Raw 8-bit GBK in a quoted filename: invalid UTF-8.
		{"raw8bit_quoted.eml", 0, "泽州县开展情况统计表.xlsx", func(got string, err error) bool { return !utf8.ValidString(got) }},
		// Raw 8-bit unquoted and no name=: "".
		{"raw8bit_unquoted.eml", 0, "阳城县活动照片.jpg", func(got string, err error) bool { return got == "" }},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			f, err := os.Open("testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			mr, err := gomail.CreateReader(f)
			if err != nil && !gomessage.IsUnknownCharset(err) {
				t.Fatal(err)
			}
			var names []string
			var errs []error
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if h, ok := p.Header.(*gomail.AttachmentHeader); ok {
					name, err := h.Filename()
					names, errs = append(names, name), append(errs, err)
				}
			}
			if len(names) <= tt.index {
				t.Fatalf("go-message saw %d attachments", len(names))
			}
			if !tt.gap(names[tt.index], errs[tt.index]) {
				t.Errorf("go-message now returns %q, %v: gap closed?", names[tt.index], errs[tt.index])
			}
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			m, err := Walk(context.Background(), f, Limits{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := m.Parts[tt.index].Name
			if got != tt.want {
				t.Errorf("Walk name = %q, want %q", got, tt.want)
			}
		})
	}
}
