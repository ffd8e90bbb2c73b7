package mail

import (
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/shoubao/shoubao/parsers/finding"
)

func walkFile(t *testing.T, name string, lim Limits) (*Message, map[string][]byte) {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bodies := map[string][]byte{}
	m, err := Walk(context.Background(), f, lim, func(ctx context.Context, p *Part, body io.Reader) error {
		b, err := io.ReadAll(body)
		bodies[p.Path] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m, bodies
}

func codes(fl finding.List) []string {
	var out []string
	for _, f := range fl {
		out = append(out, f.Code)
	}
	return out
}

func partNames(m *Message) []string {
	var out []string
	for _, p := range m.Parts {
		out = append(out, p.Name)
	}
	return out
}

// TestWalkFixtures checks the decoded subject, class, file names and
// findings of every fixture message.
func TestWalkFixtures(t *testing.T) {
	tests := []struct {
		file     string
		subject  string
		class    Class
		names    []string
		findings []string // codes on the root message
	}{
		{"subject_gbk_split.eml", "高平市发展改革和科技局关于2024年科技活动周开展情况的总结报告及统计表报送", Submission, []string{"高平市科技活动周总结.docx"}, nil},
		{"subject_split_char.eml", "科技活动周总结报告", Submission, nil, nil},
		{"rfc2231_gbk.eml", "陵川县科技局报送材料", Submission, []string{"2024年晋城市科技活动周开展情况统计表（陵川县）.xlsx", "陵川县科技活动周现场照片（一）第一组.jpg"}, nil},
		{"raw8bit_quoted.eml", "泽州县科技局材料", Submission, []string{"泽州县开展情况统计表.xlsx"}, nil},
		{"raw8bit_unquoted.eml", "阳城县活动照片", Submission, []string{"阳城县活动照片.jpg"}, nil},
		{"raw8bit_subject.eml", "沁水县科技活动周总结", Submission, nil, nil},
		{"body_gb18030_base64.eml", "GB18030 正文", Submission, nil, nil},
		{"body_big5_qp.eml", "Big5 正文", Submission, nil, nil},
		{"forwarded.eml", "转发：沁水县科技活动周材料", Submission, []string{"沁水县科技活动周材料.eml"}, nil},
		{"autoreply.eml", "自动回复: 关于报送科技活动周材料的通知", AutoReply, nil, nil},
		{"autoreply_subject.eml", "Automatic reply: 科技活动周材料", AutoReply, nil, nil},
		{"bounce_dsn.eml", "系统退信", Bounce, nil, nil},
		{"newsletter.eml", "科普周报第23期", Bulk, nil, nil},
		{"link_163_html.eml", "高平市科技活动周视频（超大附件）", Submission, nil, nil},
		{"link_qq_text.eml", "陵川县视频（QQ超大附件）", Submission, nil, nil},
		{"mpack_photo.eml", "mpack 发送的照片", Submission, []string{"活动照片.jpg"}, nil},
		{"malformed_no_closing_boundary.eml", "缺少结束分隔线", Submission, []string{"照片.jpg"}, []string{"mime_unterminated"}},
		{"malformed_broken_base64.eml", "损坏的附件", Submission, []string{"照片.png"}, nil},
		{"malformed_nested_200.eml", "200 层嵌套", Submission, nil, []string{"mime_too_deep"}},
		{"malformed_long_header.eml", "超长邮件头", Submission, nil, []string{"header_field_too_long"}},
		{"malformed_path_name.eml", "路径附件名", Submission, []string{"passwd.xlsx", "照片.jpg"}, nil},
		{"malformed_crlf_subject.eml", "总结报告 Bcc: evil@example.com", Submission, nil, []string{"header_control_chars"}},
		{"noname_parts.eml", "无名附件", Submission, []string{"part2.jpg", "part3.mp4"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, _ := walkFile(t, tt.file, Limits{})
			if m.Header.Subject != tt.subject {
				t.Errorf("subject = %q, want %q", m.Header.Subject, tt.subject)
			}
			if m.Class != tt.class {
				t.Errorf("class = %q, want %q", m.Class, tt.class)
			}
			if got := partNames(m); !slices.Equal(got, tt.names) {
				t.Errorf("names = %q, want %q", got, tt.names)
			}
			if got := codes(m.Findings); !slices.Equal(got, tt.findings) {
				t.Errorf("findings = %q, want %q", got, tt.findings)
			}
		})
	}
}

func TestWalkBodies(t *testing.T) {
	tests := []struct{ file, text string }{
		{"body_gb18030_base64.eml", "我单位已完成活动。\U00020000扩展字符。"},
		{"body_big5_qp.eml", "科技活動週總結報告，請查收。"},
		{"subject_gbk_split.eml", "附件是我单位的总结报告和统计表"},
		{"link_qq_text.eml", "提取码: 8k2p"},
	}
	for _, tt := range tests {
		m, _ := walkFile(t, tt.file, Limits{})
		if !strings.Contains(m.Text, tt.text) {
			t.Errorf("%s: text %q does not contain %q", tt.file, m.Text, tt.text)
		}
	}
	m, _ := walkFile(t, "link_163_html.eml", Limits{})
	if !strings.Contains(m.HTML, "large-attachment-download") {
		t.Errorf("html body missing: %q", m.HTML)
	}
}

func TestWalkForwarded(t *testing.T) {
	m, bodies := walkFile(t, "forwarded.eml", Limits{})
	fw := m.Parts[0]
	if fw.Message == nil {
		t.Fatal("forwarded part has no message")
	}
	h := fw.Message.Header
	if h.From != "沁水县科技局 <unit@126.com>" || h.Date.Format("2006-01-02 15:04") != "2024-05-31 17:05" || h.Subject != "沁水县科技活动周材料" {
		t.Errorf("original header = %+v", h)
	}
	if got := partNames(fw.Message); !slices.Equal(got, []string{"沁水县活动总结.doc", "现场.jpg"}) {
		t.Errorf("forwarded files = %q", got)
	}
	if fw.Path != "2" || fw.Message.Parts[0].Path != "2.2" {
		t.Errorf("paths %q %q", fw.Path, fw.Message.Parts[0].Path)
	}
	if fw.Size == 0 || len(fw.SHA256) != 64 {
		t.Errorf("forwarded size/hash not set: %d %q", fw.Size, fw.SHA256)
	}
	jpg := bodies["2.3"]
	if len(jpg) < 4 || string(jpg[:3]) != "\xff\xd8\xff" {
		t.Errorf("forwarded photo not decoded: % x", jpg[:min(len(jpg), 8)])
	}
}

func TestWalkBrokenBase64KeepsPrefix(t *testing.T) {
	m, bodies := walkFile(t, "malformed_broken_base64.eml", Limits{})
	p := m.Parts[0]
	if !p.Findings.Has("base64_corrupt") {
		t.Errorf("findings = %v", p.Findings)
	}
	if b := bodies[p.Path]; len(b) == 0 || string(b[:4]) != "\x89PNG" {
		t.Errorf("decoded prefix missing: % x", b)
	}
}

func TestWalkLimits(t *testing.T) {
	m, _ := walkFile(t, "malformed_long_header.eml", Limits{MaxHeaderBytes: 16 << 10})
	if !m.Findings.Has("header_too_large") {
		t.Errorf("findings = %v", m.Findings)
	}
	m, _ = walkFile(t, "rfc2231_gbk.eml", Limits{MaxParts: 2})
	if !m.Findings.Has("too_many_parts") || len(m.Parts) != 0 {
		t.Errorf("findings = %v, parts %d", m.Findings, len(m.Parts))
	}
	m, _ = walkFile(t, "forwarded.eml", Limits{MaxMessageBytes: 2000})
	if !m.Findings.Has("message_too_large") {
		t.Errorf("findings = %v", m.Findings)
	}
}

func TestWalkGarbage(t *testing.T) {
	for _, in := range []string{"", "\x00\x01\x02binary", "no header at all\n\nbody", strings.Repeat("a", 300<<10)} {
		m, err := Walk(context.Background(), strings.NewReader(in), Limits{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if m.Class != Malformed {
			t.Errorf("%.20q: class %q", in, m.Class)
		}
	}
}

func TestWalkCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f, err := os.Open("testdata/forwarded.eml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := Walk(ctx, f, Limits{}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestWalkLeafError(t *testing.T) {
	f, err := os.Open("testdata/forwarded.eml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	boom := errors.New("sink down")
	_, err = Walk(context.Background(), f, Limits{}, func(context.Context, *Part, io.Reader) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("err = %v", err)
	}
}

func TestWalkHugePartHeader(t *testing.T) {
	raw := "From: a@b\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n" +
		"--b\r\nX-Huge: " + strings.Repeat("x", 2<<20) + "\r\n\r\nbody\r\n--b--\r\n"
	m, err := Walk(context.Background(), strings.NewReader(raw), Limits{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Findings.Has("header_too_large") || !strings.Contains(m.Text, "hello") {
		t.Errorf("findings %v, text %q", m.Findings, m.Text)
	}
}

func TestWalkMboxFromLine(t *testing.T) {
	raw := "From unit@163.com Mon Jun  3 10:15:00 2024\nFrom: unit@163.com\nSubject: =?UTF-8?B?5oC757uT?=\n\nbody\n"
	m, err := Walk(context.Background(), strings.NewReader(raw), Limits{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Subject != "总结" || m.Class != Submission || len(m.Findings) != 0 {
		t.Errorf("subject %q class %s findings %v", m.Header.Subject, m.Class, m.Findings)
	}
}
