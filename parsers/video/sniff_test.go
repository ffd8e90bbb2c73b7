package video

import (
	"bytes"
	"testing"
)

func TestSniff(t *testing.T) {
	ts := bytes.Repeat(cat([]byte{0x47}, make([]byte, 187)), 4)
	m2ts := bytes.Repeat(cat(make([]byte, 4), []byte{0x47}, make([]byte, 187)), 4)
	tests := []struct {
		name string
		head []byte
		want string
	}{
		{"mp4", ftyp("isom"), "mp4"},
		{"m4v", ftyp("M4V "), "mp4"},
		{"mov", ftyp("qt  "), "mov"},
		{"3gp", ftyp("3gp4"), "3gp"},
		{"3g2", ftyp("3g2a"), "3gp"},
		{"QuickTime without ftyp", bx("moov"), "mov"},
		{"HEIC photo", ftyp("heic"), ""},
		{"AVIF photo", ftyp("avif"), ""},
		{"avi", riffList("RIFF", "AVI "), "avi"},
		{"wav", riffList("RIFF", "WAVE"), ""},
		{"mkv", mkvHeader("matroska"), "matroska"},
		{"webm", mkvHeader("webm"), "webm"},
		{"flv", flvHeader(), "flv"},
		{"asf", asfFile(), "asf"},
		{"mpeg-ps", []byte{0, 0, 1, 0xBA, 0x44}, "mpegps"},
		{"mpeg-ts", ts, "mpegts"},
		{"m2ts", m2ts, "mpegts"},
		{"two TS packets only", ts[:376], ""},
		{"GIF starts with G", []byte("GIF89a"), ""},
		{"jpeg", []byte("\xFF\xD8\xFF\xE0"), ""},
		{"empty", nil, ""},
		{"short", []byte("ftyp"), ""},
	}
	for _, tt := range tests {
		if got := Sniff(tt.head); got != tt.want {
			t.Errorf("%s: Sniff = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestIdentify(t *testing.T) {
	for head, want := range map[string]string{
		"\xFF\xD8\xFF\xE1":             "JPEG图片",
		"\x89PNG\r\n\x1a\n":            "PNG图片",
		"%PDF-1.7":                     "PDF文档",
		"PK\x03\x04":                   "ZIP压缩包或Office文档",
		"ID3\x04":                      "MP3/AAC音频",
		"RIFF\x00\x00\x00\x00WAVEfmt ": "WAV音频",
		"plain text":                   "",
	} {
		if got := identify([]byte(head)); got != want {
			t.Errorf("identify(%q) = %q, want %q", head, got, want)
		}
	}
}
