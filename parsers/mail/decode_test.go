package mail

import (
	"encoding/base64"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func gbk(s string) string {
	b, err := simplifiedchinese.GBK.NewEncoder().String(s)
	if err != nil {
		panic(err)
	}
	return b
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestDecodeText(t *testing.T) {
	raw := gbk("科技活动周总结报告")
	tests := []struct {
		name, in, want string
		ctrl           bool
	}{
		{"ascii", "Hello world", "Hello world", false},
		{"utf8 B", "=?UTF-8?B?" + b64("总结报告") + "?=", "总结报告", false},
		{"utf8 Q lower", "=?utf-8?q?=E6=80=BB=E7=BB=93_A?=", "总结 A", false},
		{"gbk B", "=?GBK?B?" + b64(gbk("统计表")) + "?=", "统计表", false},
		{"gb2312 label holds GBK-only char", "=?gb2312?B?" + b64(gbk("镕")) + "?=", "镕", false},
		{"python eucgb2312_cn", "=?eucgb2312_cn?b?" + b64(gbk("高平市科技局")) + "?=", "高平市科技局", false},
		{"words split by python", "=?gbk?b?" + b64(gbk("高平市")) + "?=\r\n =?gbk?b?" + b64(gbk("科技局")) + "?=", "高平市科技局", false},
		{"word split inside a character", "=?GBK?B?" + b64(raw[:5]) + "?= =?GBK?B?" + b64(raw[5:]) + "?=", "科技活动周总结报告", false},
		{"missing padding", "=?UTF-8?B?5oC757uT?=", "总结", false},
		{"text around words", "回复: =?UTF-8?B?" + b64("总结") + "?= (2)", "回复: 总结 (2)", false},
		{"different charsets adjacent", "=?GBK?B?" + b64(gbk("统计")) + "?= =?UTF-8?B?" + b64("表") + "?=", "统计表", false},
		{"raw utf8", "高平市科技活动周总结", "高平市科技活动周总结", false},
		{"raw gbk", gbk("高平市科技活动周总结"), "高平市科技活动周总结", false},
		{"raw gb18030 4-byte", "\x95\x32\x82\x36", "\U00020000", false},
		{"big5 B", "=?big5?B?" + base64.StdEncoding.EncodeToString([]byte("\xac\xec\xa7\xde")) + "?=", "科技", false},
		{"crlf inside word", "=?UTF-8?B?" + b64("总结\r\nBcc: x@y") + "?=", "总结 Bcc: x@y", true},
		{"bad word kept", "=?UTF-8?B?***?=", "=?UTF-8?B?***?=", false},
		{"unknown charset falls back", "=?x-unknown?B?" + b64("总结") + "?=", "总结", false},
		{"nfc", "e\u0301", "\u00e9", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ctrl := DecodeText(tt.in)
			if got != tt.want || ctrl != tt.ctrl {
				t.Errorf("DecodeText(%q) = %q, %v; want %q, %v", tt.in, got, ctrl, tt.want, tt.ctrl)
			}
		})
	}
}

func TestParseParamsFilename(t *testing.T) {
	tests := []struct {
		name, in, want, form string
	}{
		{"plain", `attachment; filename="report.docx"`, "report.docx", "ascii"},
		{"rfc2231 utf8", `attachment; filename*=UTF-8''%E6%80%BB%E7%BB%93.docx`, "总结.docx", "rfc2231"},
		{"rfc2231 gbk", `attachment; filename*=GBK''%CD%B3%BC%C6%B1%ED.xlsx`, "统计表.xlsx", "rfc2231"},
		{"rfc2231 gbk with language", `attachment; filename*=gbk'zh-cn'%CD%B3%BC%C6%B1%ED.xlsx`, "统计表.xlsx", "rfc2231"},
		{"rfc2231 continuations split inside a char", "attachment;\r\n filename*0*=gbk''%CD%B3%BC;\r\n filename*1*=%C6%B1%ED.xlsx", "统计表.xlsx", "rfc2231"},
		{"rfc2231 continuations out of order, mixed", `attachment; filename*1="表.xlsx"; filename*0*=UTF-8''%E7%BB%9F%E8%AE%A1`, "统计表.xlsx", "rfc2231"},
		{"rfc2231 preferred over plain", `attachment; filename="x.bin"; filename*=UTF-8''%E8%A1%A8.xlsx`, "表.xlsx", "rfc2231"},
		{"rfc2047 in quotes (Outlook)", `attachment; filename="=?GBK?B?` + b64(gbk("总结.doc")) + `?="`, "总结.doc", "rfc2047"},
		{"raw gbk quoted", `attachment; filename="` + gbk("统计表.xlsx") + `"`, "统计表.xlsx", "8bit"},
		{"raw gbk unquoted", `attachment; filename=` + gbk("活动 照片.jpg") + `; size=10`, "活动 照片.jpg", "8bit"},
		{"raw utf8 unquoted", `attachment; filename=活动照片.jpg`, "活动照片.jpg", "8bit"},
		{"windows path keeps backslashes", `attachment; filename="C:\材料\总结.doc"`, `C:\材料\总结.doc`, "8bit"},
		{"escaped quote", `attachment; filename="a\"b.txt"`, `a"b.txt`, "ascii"},
		{"unterminated quote", `attachment; filename="总结.doc; size=3`, "总结.doc", "8bit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, params := ParseParams(tt.in)
			if v != "attachment" {
				t.Errorf("value = %q", v)
			}
			p := params["filename"]
			if p.Value != tt.want || p.Form != tt.form {
				t.Errorf("filename = %q (%s), want %q (%s)", p.Value, p.Form, tt.want, tt.form)
			}
		})
	}
}

func TestParseParamsContentType(t *testing.T) {
	v, p := ParseParams(`Multipart/Mixed; boundary="----=_Part_1;x"; charset=GBK`)
	if v != "multipart/mixed" || p["boundary"].Raw != "----=_Part_1;x" || p["charset"].Value != "GBK" {
		t.Errorf("got %q %+v", v, p)
	}
	if v, p := ParseParams(""); v != "" || len(p) != 0 {
		t.Errorf("empty: %q %v", v, p)
	}
}

func TestSanitizeName(t *testing.T) {
	tests := []struct {
		in, want string
		changed  bool
	}{
		{"总结.docx", "总结.docx", false},
		{"../../etc/passwd.xlsx", "passwd.xlsx", true},
		{`C:\Users\unit\桌面\照片.jpg`, "照片.jpg", true},
		{"a\r\nb.txt", "ab.txt", true},
		{"..", "", true},
		{"  报告.pdf ", "报告.pdf", false},
		{"/", "", true},
		{"活动总结\u202Excod.exe", `活动总结\u202Excod.exe`, true},
		{"a\u2066b\u2069\u200e\u200f\u061c\u202a.docx", `a\u2066b\u2069\u200E\u200F\u061C\u202A.docx`, true},
		{"报告\u0085\u009f.pdf", "报告.pdf", true},
	}
	for _, tt := range tests {
		got, changed := SanitizeName(tt.in)
		if got != tt.want || changed != tt.changed {
			t.Errorf("SanitizeName(%q) = %q, %v; want %q, %v", tt.in, got, changed, tt.want, tt.changed)
		}
	}
	if w := BidiWarning("活动总结\u202Excod.exe"); !strings.Contains(w, "看起来像“活动总结exe.docx”") || !strings.Contains(w, "实际扩展名是“.exe”") || !strings.Contains(w, `活动总结\u202Excod.exe`) {
		t.Errorf("BidiWarning = %q", w)
	}
	if w := BidiWarning("总结.docx"); w != "" {
		t.Errorf("BidiWarning of a plain name = %q", w)
	}
	long := ""
	for i := 0; i < 200; i++ {
		long += "长"
	}
	got, _ := SanitizeName(long + ".docx")
	if len(got) > 255 || got[len(got)-5:] != ".docx" {
		t.Errorf("long name cut to %d bytes: %q", len(got), got)
	}
}
