package filekind

import (
	"bytes"
	"os"
	"testing"

	"github.com/shoubao/shoubao/parsers/internal/hostile"
)

func TestDetect(t *testing.T) {
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	media := "../mail/testdata/media/"
	jpeg, docx, xlsx, doc, mp4 := read(media+"photo.jpg"), read(media+"report.docx"), read(media+"stats.xlsx"), read(media+"report.doc"), read(media+"clip.mp4")
	xls, odt, ods := read("testdata/sheet.xls"), read("testdata/report.odt"), read("testdata/sheet.ods")
	zip := read("../archive/testdata/utf8_flag.zip")
	heic := []byte("\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic")
	eml := []byte("Received: from x\r\nFrom: a@b\r\nSubject: s\r\n\r\nbody")
	tests := []struct {
		name      string
		data      []byte
		file      string
		kind, fmt string
		mismatch  string
	}{
		{"jpeg", jpeg, "照片.jpg", Photo, "jpeg", ""},
		{"jpeg named mp4", jpeg, "活动视频.mp4", Photo, "jpeg", "mp4"},
		{"heic", heic, "IMG_0001.HEIC", Photo, "heic", ""},
		{"mp4", mp4, "视频.mp4", Video, "mp4", ""},
		{"mp4 named mov", mp4, "视频.mov", Video, "mp4", ""},
		{"docx is a report", docx, "活动总结.docx", Report, "docx", ""},
		{"docx named statistics table", docx, "开展情况统计表.docx", StatsTable, "docx", ""},
		{"docx named recommendation list", docx, "特色活动推荐清单.docx", RecommendTable, "docx", ""},
		{"xlsx statistics", xlsx, "2024年开展情况统计表.xlsx", StatsTable, "xlsx", ""},
		{"xlsx recommendation", xlsx, "推荐表.xlsx", RecommendTable, "xlsx", ""},
		{"xlsx unnamed", xlsx, "附件1.xlsx", Other, "xlsx", ""},
		{"xlsx named zip", xlsx, "附件.zip", Other, "xlsx", "zip"},
		{"xls (OLE2 Workbook)", xls, "统计表.xls", StatsTable, "xls", ""},
		{"xls saved as et", xls, "统计表.et", StatsTable, "et", ""},
		{"doc (OLE2 WordDocument)", doc, "总结.doc", Report, "doc", ""},
		{"doc saved as wps", doc, "总结.wps", Report, "wps", ""},
		{"doc named xls", doc, "统计表.xls", StatsTable, "doc", "xls"},
		{"odt", odt, "总结.odt", Report, "odt", ""},
		{"ods", ods, "推荐清单.ods", RecommendTable, "ods", ""},
		{"zip", zip, "材料.zip", Archive, "zip", ""},
		{"pdf", []byte("%PDF-1.7\n"), "总结.pdf", Report, "pdf", ""},
		{"rar", []byte("Rar!\x1a\x07\x01\x00"), "a.rar", Archive, "rar", ""},
		{"7z", []byte("7z\xbc\xaf\x27\x1c\x00\x04"), "a.7z", Archive, "7z", ""},
		{"eml", eml, "转发.eml", Message, "eml", ""},
		{"txt by extension", []byte("活动总结"), "总结.txt", Report, "txt", ""},
		// The content rules out what the name says (3 bytes are neither a
		// video nor a report): other, with NameKind (see TestDetectNameKind).
		{"unknown bytes, video keyword", []byte{1, 2, 3}, "活动视频", Other, "", ""},
		{"unknown bytes, summary keyword", []byte{1, 2, 3}, "活动总结", Other, "", ""},
		{"unknown bytes, no hint", []byte{1, 2, 3}, "data.bin", Other, "", ""},
		// An empty file is nothing its name says (empty_file tells).
		{"empty", nil, "x.mp4", Other, "mp4", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Detect(bytes.NewReader(tt.data), int64(len(tt.data)), tt.file)
			if r.Kind != tt.kind || r.Format != tt.fmt || r.Mismatch != tt.mismatch {
				t.Errorf("Detect(%s) = %+v; want kind %s format %s mismatch %q", tt.file, r, tt.kind, tt.fmt, tt.mismatch)
			}
		})
	}
}

func TestDetectNameOnly(t *testing.T) {
	if r := Detect(nil, 0, `C:\材料\统计表.xlsx`); r.Kind != StatsTable || r.Format != "xlsx" || r.ByContent {
		t.Errorf("%+v", r)
	}
}

// TestDetectNameKind: when the content contradicts the name, the kind
// follows the content and NameKind/Reason say what the name claimed.
func TestDetectNameKind(t *testing.T) {
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	media := "../mail/testdata/media/"
	mp4, docx := read(media+"clip.mp4"), read(media+"report.docx")
	exe := make([]byte, 512)
	copy(exe, "MZ")
	exe[0x3c] = 0x80
	copy(exe[0x80:], "PE\x00\x00")
	var tgz, gz, tarball bytes.Buffer
	if err := hostile.TarGz(&tgz, []hostile.Entry{{Name: "a.txt", Data: []byte("x")}}); err != nil {
		t.Fatal(err)
	}
	if err := hostile.GzipZeros(&gz, "", 100); err != nil {
		t.Fatal(err)
	}
	if err := hostile.Tar(&tarball, []hostile.Entry{{Name: "a.txt", Data: []byte("x")}}); err != nil {
		t.Fatal(err)
	}
	gbk := []byte("\xbb\xee\xb6\xaf\xd7\xdc\xbd\xe1\xa3\xba\xb1\xbe\xb4\xce\xbb\xee\xb6\xaf\xb9\xb2\xd3\xd0\xc8\xfd\xb0\xd9\xc8\xcb")
	text := []byte("活动总结：本次活动共有三百人参加。\n")
	tests := []struct {
		name, file   string
		data         []byte
		kind, format string
		nameKind     string
	}{
		{"RTL-override name, 1 byte", "活动总结\u202Excod.exe", []byte("x"), Other, "exe", ""},
		{"RTL-override name shown escaped", `活动总结\u202Excod.exe`, []byte("x"), Other, "exe", ""},
		{"1-byte report", "活动总结", []byte("x"), Other, "", Report},
		{"1-byte docx", "活动总结.docx", []byte("x"), Other, "docx", Report},
		{"text named docx", "活动总结.docx", text, Other, "docx", Report},
		{"exe named docx", "活动总结.docx", exe, Other, "exe", ""},
		{"exe named by keyword only", "活动总结", exe, Other, "exe", Report},
		{"text named statistics table xlsx", "开展情况统计表.xlsx", text, Other, "xlsx", StatsTable},
		{"text named mp4", "活动视频.mp4", bytes.Repeat(text, 40), Other, "mp4", Video},
		{"garbage named jpg", "照片.jpg", bytes.Repeat([]byte{1, 2, 3, 4}, 100), Other, "jpeg", Photo},
		{"HTML saved as xls stays a table", "开展情况统计表.xls", []byte("<html><body><table><tr><td>科普活动开展次数</td></tr></table></body></html>"), StatsTable, "xls", ""},
		{"GBK text report", "总结.txt", gbk, Report, "txt", ""},
		{"UTF-16 text report", "总结.txt", []byte("\xff\xfe;m\xa8R;`\xd3~"), Report, "txt", ""},
		{"text report without extension", "活动总结", text, Report, "", ""},
		{"binary named txt", "总结.txt", bytes.Repeat([]byte{0, 1, 2, 3}, 100), Other, "txt", Report},
		{"unknown binary named mp4 left to the video parser", "视频.mp4", bytes.Repeat([]byte{0, 1, 2, 3}, 1000), Video, "mp4", ""},
		{"real video named by keyword", "活动视频", mp4, Video, "mp4", ""},
		{"real docx without extension", "活动总结", docx, Report, "docx", ""},
		{"pdf header after junk", "总结.pdf", append(bytes.Repeat([]byte{' '}, 100), "%PDF-1.7\n"...), Report, "pdf", ""},
		{"tar.gz", "材料.tar.gz", tgz.Bytes(), Archive, "tar.gz", ""},
		{"tgz", "材料.tgz", tgz.Bytes(), Archive, "tar.gz", ""},
		{"gz", "视频.mp4.gz", gz.Bytes(), Archive, "gzip", ""},
		{"tar", "材料.tar", tarball.Bytes(), Archive, "tar", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Detect(bytes.NewReader(tt.data), int64(len(tt.data)), tt.file)
			if r.Kind != tt.kind || r.Format != tt.format || r.NameKind != tt.nameKind || (r.NameKind != "") != (r.Reason != "") {
				t.Errorf("Detect(%q) = %+v; want kind %s format %s name kind %q", tt.file, r, tt.kind, tt.format, tt.nameKind)
			}
		})
	}
}

// TestDetectDamaged: a file whose container cannot be read keeps the kind
// its name says (a damaged statistics table is a table that cannot be read,
// not an archive), with Damaged set; a damaged archive stays an archive.
func TestDetectDamaged(t *testing.T) {
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	media := "../mail/testdata/media/"
	cut := func(b []byte) []byte { return b[:len(b)*6/10] }
	xlsx, docx, xls := read(media+"stats.xlsx"), read(media+"report.docx"), read("testdata/sheet.xls")
	zip := read("../archive/testdata/utf8_flag.zip")
	ole := append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), make([]byte, 600)...)
	tests := []struct {
		name, file      string
		data            []byte
		kind, format    string
		damaged         bool
		mismatch, named string
	}{
		{"truncated xlsx named as a statistics table", "开展情况统计表.xlsx", cut(xlsx), StatsTable, "xlsx", true, "", ""},
		{"truncated xlsx named as a recommendation list", "特色活动推荐表.xlsx", cut(xlsx), RecommendTable, "xlsx", true, "", ""},
		{"truncated xlsx without a keyword", "附件1.xlsx", cut(xlsx), Other, "xlsx", true, "", ""},
		{"truncated docx report", "活动总结.docx", cut(docx), Report, "docx", true, "", ""},
		{"damaged OLE named .xls", "开展情况统计表.xls", ole, StatsTable, "xls", true, "", ""},
		{"truncated xls", "开展情况统计表.xls", cut(xls), StatsTable, "xls", true, "", ""},
		{"truncated zip stays an archive", "材料.zip", cut(zip), Archive, "zip", false, "", ""},
		{"a readable zip named .xlsx is a zip", "统计表.xlsx", zip, Archive, "zip", false, "xlsx", ""},
		{"a damaged zip named .mp4 is a zip", "视频.mp4", cut(zip), Archive, "zip", false, "mp4", ""},
		{"a whole xlsx is not damaged", "开展情况统计表.xlsx", xlsx, StatsTable, "xlsx", false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Detect(bytes.NewReader(tt.data), int64(len(tt.data)), tt.file)
			if r.Kind != tt.kind || r.Format != tt.format || r.Damaged != tt.damaged || r.Mismatch != tt.mismatch || r.NameKind != tt.named {
				t.Errorf("Detect = %+v", r)
			}
		})
	}
}
