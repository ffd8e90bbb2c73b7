package filekind

import (
	"bytes"
	"os"
	"testing"
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
		{"unknown bytes, video keyword", []byte{1, 2, 3}, "活动视频", Video, "", ""},
		{"unknown bytes, summary keyword", []byte{1, 2, 3}, "活动总结", Report, "", ""},
		{"unknown bytes, no hint", []byte{1, 2, 3}, "data.bin", Other, "", ""},
		{"empty", nil, "x.mp4", Video, "mp4", ""},
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
