package notice

import (
	"slices"
	"strings"
	"testing"

	"github.com/shoubao/shoubao/parsers/finding"
	"github.com/shoubao/shoubao/pipeline/campaign"
)

// wrap puts a reporting sentence into a minimal notice dated 2026.
func wrap(body string) string {
	return "关于举办2026年某县科技活动周的通知\n\n各有关单位：\n" + body + "\n\n2026年5月20日\n"
}

func TestDeadlineForms(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"请于6月8日前将活动总结报告报送至邮箱a@163.com。", "2026-06-08"},
		{"请于6 月 8 日前将活动总结报送。", "2026-06-08"},
		{"请于６月８日前将活动总结报送。", "2026-06-08"},
		{"请于6月8日（星期一）前将活动总结报送。", "2026-06-08"},
		{"请于6月8日(周一)前将活动总结报送。", "2026-06-08"},
		{"请于2026年6月8日17:00前将活动总结报送。", "2026-06-08 17:00"},
		{"请于2026年6月8日（星期一）17：30前将活动总结报送。", "2026-06-08 17:30"},
		{"请于6月8日下午5点前将活动总结报送。", "2026-06-08 17:00"},
		{"请于6月8日17时前将活动总结报送。", "2026-06-08 17:00"},
		{"请于6月8日24时前将活动总结报送。", "2026-06-08"},
		{"请于六月八日前将活动总结报送。", "2026-06-08"},
		{"请于二〇二六年六月十八日前将活动总结报送。", "2026-06-18"},
		{"报送截止时间为6月8日，请将活动总结报送至邮箱a@163.com。", "2026-06-08"},
		{"请于6月\n8日前将活动总结\n报送至邮箱a@163.com。", "2026-06-08"},
		// Dates that are not deadlines, and impossible dates.
		{"5月24日—31日是全国科技活动周，请将活动总结报送。", ""},
		{"请于6月31日前将活动总结报送。", ""},
		{"请于6月8日25时前将活动总结报送。", ""},
	} {
		n, _ := Parse(wrap(tc.text))
		got := ""
		if n.Deadline != nil {
			got = n.Deadline.Config()
		}
		if got != tc.want {
			t.Errorf("%q: deadline %q, want %q", tc.text, got, tc.want)
		}
		if tc.want == "" && !slices.Contains(n.Missing, MissingDeadline) {
			t.Errorf("%q: deadline not listed as missing", tc.text)
		}
	}
}

func TestDeadlineYear(t *testing.T) {
	// No year anywhere: the deadline cannot be dated.
	n, fs := Parse("各有关单位：\n请于6月8日前将活动总结报送至a@163.com。\n")
	if n.Deadline != nil || !finding.List(fs).Has("notice_year_unknown") {
		t.Errorf("deadline %+v findings %v, want none and notice_year_unknown", n.Deadline, fs)
	}
	// A December notice asking for January reports the next year.
	n, _ = Parse("各有关单位：\n请于1月10日前将活动总结报送至a@163.com。\n\n2025年12月20日\n")
	if n.Deadline == nil || n.Deadline.Config() != "2026-01-10" {
		t.Errorf("deadline %+v, want 2026-01-10", n.Deadline)
	}
}

func TestVideoForms(t *testing.T) {
	for _, tc := range []struct {
		text string
		want int
	}{
		{"视频时长不超过3分钟", 180},
		{"视频时长不超过 3 分钟", 180},
		{"视频时长不超过三分钟", 180},
		{"视频不超过两分钟", 120},
		{"视频时长不超过3分30秒", 210},
		{"视频时长不超过180秒", 180},
		{"视频时长控制在3分钟以内", 180},
		{"视频时长3分钟以内", 180},
		{"视频时长不超过三分半钟", 210},
		{"提交不超过5分钟的短视频", 300},
		{"视频时长不超过十五分钟", 900},
		{"科普微视频大赛", 0},
		{"单节课程约100分钟", 0},
	} {
		n, _ := Parse(wrap("请于6月8日前将活动总结、影像资料（" + tc.text + "）报送。"))
		got := 0
		if n.VideoLimit != nil {
			got = n.VideoLimit.Seconds
		}
		if got != tc.want {
			t.Errorf("%q: video limit %d, want %d", tc.text, got, tc.want)
		}
	}
}

func TestMaterialForms(t *testing.T) {
	for _, tc := range []struct {
		object string
		want   []campaign.Material
		names  []string
	}{
		{"活动总结报告、影像资料（视频时长不超过3分钟）", []campaign.Material{"report", "media"}, []string{"活动总结报告", "影像资料"}},
		{"《2024年晋城市科技活动周开展情况统计表》、活动周总结报告、影像资料", []campaign.Material{"stats_table", "report", "media"},
			[]string{"《2024年晋城市科技活动周开展情况统计表》", "活动周总结报告", "影像资料"}},
		{"特色活动推荐表、推荐清单和活动总结", []campaign.Material{"recommend_table", "report"}, []string{"特色活动推荐表", "活动总结"}},
		{"活动总结及照片和视频", []campaign.Material{"report", "media"}, []string{"活动总结", "照片和视频"}},
		{"活动总结和照片", []campaign.Material{"report", "photo"}, []string{"活动总结", "照片"}},
		{"活动视频", []campaign.Material{"video"}, []string{"活动视频"}},
		{"科技活动周和科技工作者日活动总结报告", []campaign.Material{"report"}, []string{"科技活动周和科技工作者日活动总结报告"}},
		{"开展情况统计表（附件2，加盖公章）、活动总结（不超过3000字，附照片）", []campaign.Material{"stats_table", "report"}, []string{"开展情况统计表", "活动总结"}},
	} {
		n, _ := Parse(wrap("请于6月8日前将" + tc.object + "报送至a@163.com。"))
		var got []campaign.Material
		var names []string
		for _, m := range n.Materials {
			got = append(got, m.Material)
			names = append(names, m.Name)
		}
		if !slices.Equal(got, tc.want) || !slices.Equal(names, tc.names) {
			t.Errorf("%q: materials %v %q, want %v %q", tc.object, got, names, tc.want, tc.names)
		}
	}
}

func TestNumberForms(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"晋市科字〔2026〕3号", "晋市科字〔2026〕3号"},
		{"晋市科字 〔2026〕 3 号", "晋市科字〔2026〕3号"},
		{"晋科发[2026]23号", "晋科发〔2026〕23号"},
		{"晋科发［２０２６］２３号", "晋科发〔2026〕23号"},
		{"陵发改科字（2026）5号", "陵发改科字〔2026〕5号"},
		{"陵发改科字【2026】第5号", "陵发改科字〔2026〕5号"},
	} {
		n, _ := Parse("某县科技局文件\n\n" + tc.line + "\n\n关于报送材料的通知\n\n各单位：\n正文。\n")
		if n.Number == nil || n.Number.Value != tc.want {
			t.Errorf("%q: number %+v, want %s", tc.line, n.Number, tc.want)
		}
	}
}

func TestDelivery(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"请于6月8日前将活动总结分别报送至联系邮箱。\n邮箱：a@163.com\n邮箱：b@qq.com", "each"},
		{"请于6月8日前将活动总结统一报送至指定邮箱：a@163.com。", "any"},
		{"请于6月8日前将活动总结报送至a@163.com。", "any"},               // one address
		{"请于6月8日前将活动总结报送。\n邮箱：a@163.com\n邮箱：b@qq.com", ""}, // two addresses, no word: unknown
		{"请于6月8日前将活动总结报送至a@163.com，同时抄送b@qq.com。", "each"},
	} {
		n, _ := Parse(wrap(tc.text))
		got := ""
		if n.Delivery != nil {
			got = n.Delivery.Mode
		}
		if got != tc.want {
			t.Errorf("%q: delivery %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestMailboxOffice(t *testing.T) {
	for _, tc := range []struct{ text, addr, office string }{
		{"请于6月8日前将活动总结报送至县科技局邮箱kj@163.com。", "kj@163.com", "县科技局"},
		{"请于6月8日前将活动总结报送至指定邮箱：kj@163.com。", "kj@163.com", ""},
		{"六、联系方式\n\n晋城市科学技术协会\n\n联系电话：0356-2633228\n\n邮 箱：kxxhb88@163.com", "kxxhb88@163.com", "晋城市科学技术协会"},
		{"联系人：张三 电话：0356-1234567\n邮箱：x@126.com", "x@126.com", ""},
	} {
		n, _ := Parse(wrap(tc.text))
		if len(n.Mailboxes) != 1 || n.Mailboxes[0].Address != tc.addr || n.Mailboxes[0].Office != tc.office {
			t.Errorf("%q: mailboxes %+v, want %s of %q", tc.text, n.Mailboxes, tc.addr, tc.office)
		}
		if tc.office == "" && !slices.Contains(n.Missing, MissingMailboxOffice+":"+tc.addr) {
			t.Errorf("%q: office not listed as missing: %v", tc.text, n.Missing)
		}
	}
}

func TestNumber(t *testing.T) {
	for in, want := range map[string]int{
		"8": 8, "十": 10, "十二": 12, "二十": 20, "三十一": 31, "两": 2, "一百二十": 120, "二〇二六": 2026, "二零二四": 2024, "三": 3,
	} {
		if got, ok := number(in); !ok || got != want {
			t.Errorf("number(%q) = %d %v, want %d", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "x", "三x"} {
		if _, ok := number(bad); ok {
			t.Errorf("number(%q) accepted", bad)
		}
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"6 月 8 日前":      "6月8日前",
		"６月８日前":         "6月8日前",
		"邮　箱：a@163.com": "邮箱:a@163.com",
		"关于举办 2024 年晋城市科技活动周的 通 知": "关于举办2024年晋城市科技活动周的通知",
		"Li  Ming 0356 2688000": "Li Ming 0356 2688000",
		"晋城市 图书馆\t晋城博物馆":        "晋城市图书馆\t晋城博物馆",
		"（一）":                   "(一)",
	} {
		d := newDoc(in)
		if got := d.lines[0].text; got != want {
			t.Errorf("normalise %q = %q, want %q", in, got, want)
		}
		// Quoting the whole line gives back the original.
		if q := d.quote(d.lines[0].span, 0, len(d.lines[0].text)); q != strings.TrimSpace(in) && !strings.Contains(in, "  ") {
			t.Errorf("quote of %q = %q", in, q)
		}
	}
}

func TestDecodeText(t *testing.T) {
	utf16 := []byte{0xFF, 0xFE, 0x73, 0x51, 0x8E, 0x4E} // "关于" UTF-16LE with BOM
	for _, tc := range []struct {
		name string
		in   []byte
		want string
		code string
	}{
		{"utf-8", []byte("关于举办"), "关于举办", ""},
		{"utf-8 bom", []byte("\xEF\xBB\xBF关于"), "关于", ""},
		{"utf-16", utf16, "关于", ""},
		{"gb18030", []byte{0xB9, 0xD8, 0xD3, 0xDA, 0xBE, 0xD9, 0xB0, 0xEC}, "关于举办", ""},
		{"binary", []byte{0x81, 0x30, 0x81, 0x30, 0x84, 0x31, 0xA4, 0x39, 0x90, 0x30, 0x81, 0x30, 0xFF, 0xFF}, "", "notice_encoding_guessed"},
	} {
		got, fs := DecodeText(tc.in)
		if tc.want != "" && got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
		if tc.code == "" && len(fs) > 0 || tc.code != "" && !finding.List(fs).Has(tc.code) {
			t.Errorf("%s: findings %v, want %q", tc.name, fs, tc.code)
		}
	}
}

// TestContactForms checks the ways a contact line names its people and
// writes their numbers.
func TestContactForms(t *testing.T) {
	type c struct {
		person string
		phones []string
	}
	for _, tc := range []struct {
		text string
		want []c
	}{
		{"联系人：韩 燕　　联系电话：0356－6202755", []c{{"韩燕", []string{"0356-6202755"}}}},
		{"联系人：刘涟 苗长汀\n联系电话：0356—2355832 0356—2355833", []c{{"刘涟", []string{"0356-2355832"}}, {"苗长汀", []string{"0356-2355833"}}}},
		{"联系人：刘涟 苗长汀，联系电话：0356-2355832", []c{{"刘涟", []string{"0356-2355832"}}, {"苗长汀", []string{"0356-2355832"}}}},
		{"联系人：刘涟 0356—2355832，苗长汀 0356–2355833", []c{{"刘涟", []string{"0356-2355832"}}, {"苗长汀", []string{"0356-2355833"}}}},
		{"联系人：刘涟（0356─2355832）、苗长汀（13903561234）", []c{{"刘涟", []string{"0356-2355832"}}, {"苗长汀", []string{"13903561234"}}}},
		{"联系人及电话：刘 涟 0356——2355832 苗长汀 0356―2355833", []c{{"刘涟", []string{"0356-2355832"}}, {"苗长汀", []string{"0356-2355833"}}}},
		{"联 系 人：王树林\n联系电话：0356－7025422\n手　　机：13903561234\n传　　真：0356－7025400", []c{{"王树林", []string{"0356-7025422", "13903561234"}}}},
		{"联系人：赵敏，电话：0356‐2355832，0356−2355833", []c{{"赵敏", []string{"0356-2355832", "0356-2355833"}}}},
		{"联系人：赵敏联系电话：(0356)2355832", []c{{"赵敏", []string{"(0356)2355832"}}}},
	} {
		n, _ := Parse(wrap(tc.text))
		var got []c
		for _, ct := range n.Contacts {
			got = append(got, c{ct.Person, ct.Phones})
		}
		if !slices.EqualFunc(got, tc.want, func(a, b c) bool { return a.person == b.person && slices.Equal(a.phones, b.phones) }) {
			t.Errorf("%q: contacts %v, want %v", tc.text, got, tc.want)
		}
	}
}

// TestPhoneDashes checks that every dash written between area code and
// number is read and written as an ASCII hyphen.
func TestPhoneDashes(t *testing.T) {
	for _, d := range []string{"-", "－", "﹣", "‐", "‑", "‒", "–", "—", "――", "——", "―", "−", "─", "━", ""} {
		n, _ := Parse(wrap("联系电话：0356" + d + "2355832"))
		want := "0356-2355832"
		if d == "" {
			want = "03562355832"
		}
		if len(n.Contacts) != 1 || !slices.Equal(n.Contacts[0].Phones, []string{want}) {
			t.Errorf("dash %q (%U): contacts %+v, want %s", d, []rune(d), n.Contacts, want)
		}
	}
}

// TestLeadInIsNoRequest: "现将…报送有关事项通知如下" introduces the points;
// the matters it names are not materials.
func TestLeadInIsNoRequest(t *testing.T) {
	n, _ := Parse(wrap("根据市科技局要求，现将我县科技活动周总结报送有关事项通知如下：\n一、请于6月5日前将活动总结报告报送至a@163.com。"))
	if len(n.Requests) != 1 || len(n.Materials) != 1 || n.Materials[0].Name != "活动总结报告" {
		t.Errorf("requests %+v materials %+v", n.Requests, n.Materials)
	}
}
