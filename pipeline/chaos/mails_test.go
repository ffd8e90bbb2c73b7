package chaos_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"regexp"
	"testing"
)

// units are the roster of the test campaign: name, alias.
var units = [][2]string{
	{"陵川县发展改革和科技局", "陵川县科技局"}, {"阳城县科技和商务局", "阳城县科技局"},
	{"高平市发展改革和科技局", "高平市科技局"}, {"沁水县发展和改革局和科技局", "沁水县科技局"},
	{"泽州县教育局", "泽州教育局"}, {"城区教育和科技局", "城区教科局"}, {"晋城市气象局", "市气象局"},
	{"晋城市图书馆", "市图书馆"}, {"晋城市科技馆", "市科技馆"}, {"晋城职业技术学院", "晋城职院"},
	{"山西兰花科技创业股份有限公司", "兰花科创"}, {"晋城市农业科学研究所", "市农科所"},
}

// corpus makes the test's mails: mostly units' submissions (a report as
// .docx or the statistics table as .xlsx, from the demo's samples), each
// from an address of its own (the per-recipient limit stays out of the
// way) and needing a receipt; every tenth an out-of-office auto-reply,
// which gets none. needsReceipt[i] says which.
type corpus struct {
	docx, xlsx, autoreply []byte
	needsReceipt          []bool
}

func loadCorpus(t *testing.T, n int) *corpus {
	t.Helper()
	read := func(path string) []byte {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	c := &corpus{docx: read("../demo/sample/report.docx"), xlsx: read("../demo/sample/stats.xlsx"),
		autoreply: read("../../parsers/mail/testdata/autoreply.eml")}
	for i := range n {
		c.needsReceipt = append(c.needsReceipt, i%10 != 9)
	}
	return c
}

var messageIDHeader = regexp.MustCompile(`(?im)^Message-ID:[^\r\n]*`)

// mail is the i-th mail (from 0).
func (c *corpus) mail(i int) []byte {
	id := fmt.Sprintf("<chaos-%d@jc.example.cn>", i)
	if !c.needsReceipt[i] {
		raw := messageIDHeader.ReplaceAll(c.autoreply, []byte("Message-ID: "+id))
		return append([]byte(fmt.Sprintf("X-Chaos-Seq: %d\r\n", i)), raw...)
	}
	u := units[i%len(units)]
	name, ctype, data := u[1]+"2024年科技活动周总结报告.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", c.docx
	if i%3 == 1 {
		name, ctype, data = u[1]+"科技活动周统计表.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", c.xlsx
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: =?UTF-8?B?%s?= <unit%03d@163.com>\r\n", base64.StdEncoding.EncodeToString([]byte(u[1])), i)
	fmt.Fprintf(&b, "To: jcskjhzk@163.com\r\nSubject: =?UTF-8?B?%s?=\r\nMessage-ID: %s\r\n",
		base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("%s报送2024年科技活动周材料（%d）", u[0], i))), id)
	fmt.Fprintf(&b, "Date: Wed, 05 Jun 2024 %02d:%02d:00 +0800\r\nMIME-Version: 1.0\r\n", 8+i/60%10, i%60)
	b.WriteString("Content-Type: multipart/mixed; boundary=\"chaos-b\"\r\n\r\n--chaos-b\r\n")
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString(wrap(base64.StdEncoding.EncodeToString([]byte(u[0] + "报送材料，请查收。\r\n联系人：张老师 0356-2000000\r\n"))))
	fmt.Fprintf(&b, "--chaos-b\r\nContent-Type: %s; name=\"=?UTF-8?B?%s?=\"\r\n", ctype, base64.StdEncoding.EncodeToString([]byte(name)))
	fmt.Fprintf(&b, "Content-Disposition: attachment; filename=\"=?UTF-8?B?%s?=\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
		base64.StdEncoding.EncodeToString([]byte(name)))
	b.WriteString(wrap(base64.StdEncoding.EncodeToString(data)))
	b.WriteString("--chaos-b--\r\n")
	return b.Bytes()
}

func wrap(s string) string {
	var b bytes.Buffer
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s + "\r\n")
	return b.String()
}
