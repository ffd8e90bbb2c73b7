package notice

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shoubao/shoubao/pipeline/campaign"
)

const (
	cnSmall = `(?:\d{1,2}|[` + cnDigits + `十]{1,3})`
	// A date with named groups: 2026年6月8日, 6月8日, 六月八日.
	reNamedDate = `(?:(?P<y>\d{4}|[` + cnDigits + `]{4})年)?(?P<m>` + cnSmall + `)月(?P<d>` + cnSmall + `)[日号]`
	reWeekday   = `(?:\((?:星期|周|礼拜)[一二三四五六日天七]\)|(?:星期|周)[一二三四五六日天])?`
	reClock     = `(?:(?P<ampm>上午|下午|中午|晚上|晚)?(?P<h>` + cnSmall + `)(?::(?P<min>\d{2})|[时点](?:(?P<min2>` + cnSmall + `)分|(?P<half>半))?))?`
)

var (
	// reDeadline matches "于6月8日前", "2026年6月12日(星期五)17:00前",
	// "截止时间为6月8日".
	reDeadline = regexp.MustCompile(`(?P<lead>截止(?:时间|日期)?(?:为|是|到|至)?:?|截至|不晚于)?` +
		reNamedDate + reWeekday + reClock + `(?P<trail>前|之前|以前|截止|为止)?`)
	reVerb = regexp.MustCompile(`报送|报至|发送|提交|上报|报给|发至|送至|寄送|报来|传至|发到|送交|交至`)
	// reMaterial finds materials in the object of the reporting sentence;
	// earlier alternatives win at the same position.
	reMaterial = regexp.MustCompile(`影像资料|影音资料|音像资料|声像资料|` +
		`(?:照片|图片|相片)(?:和|及|与|、|或|以及)?(?:视频|影像)|视频(?:和|及|与|、|或)?(?:照片|图片)|` +
		`统计表|统计报表|推荐表|推荐清单|推荐名单|推荐汇总表|总结报告|总结|视频|照片|图片|相片`)
	// reLeadIn is the sentence that introduces a notice's points: "现将
	// 总结报送工作有关事项通知如下". Its 将 names the matters, not materials.
	reLeadIn = regexp.MustCompile(`现将.*(?:通知|明确|安排|说明|要求)如下`)
	reEach   = regexp.MustCompile(`分别(?:报送|发送|报至|发至|提交|报|发)|同时(?:报送|发送|抄送)|抄送`)
	reAny    = regexp.MustCompile(`统一(?:报送|发送|报至|发至|提交|报|发)`)
	reEmail  = regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)
)

// materialOf maps a reMaterial match to its material.
func materialOf(m string) campaign.Material {
	switch {
	case strings.Contains(m, "统计"):
		return campaign.MaterialStats
	case strings.Contains(m, "推荐"):
		return campaign.MaterialRecommend
	case strings.Contains(m, "总结"):
		return campaign.MaterialReport
	case strings.Contains(m, "资料"), strings.Contains(m, "视频") && strings.ContainsAny(m, "照图相影"),
		strings.Contains(m, "影像"):
		return campaign.MaterialMedia
	case strings.Contains(m, "视频"):
		return campaign.MaterialVideo
	}
	return campaign.MaterialPhoto
}

// requests finds the reporting sentences and reads deadline, materials and
// delivery from each.
func (p *parser) requests() {
	for _, para := range p.d.paras {
		p.sents = append(p.sents, sentences(para)...)
	}
	for _, s := range p.sents {
		vm := reVerb.FindStringIndex(s.text)
		if vm == nil {
			continue
		}
		var r Request
		dlEnd := 0
		if dl, end := p.deadline(s); dl != nil {
			r.Deadline, dlEnd = dl, end
		}
		for _, e := range reEmail.FindAllString(s.text, -1) {
			r.Mailboxes = append(r.Mailboxes, strings.TrimRight(e, "."))
		}
		if k := strings.Index(s.text[dlEnd:], "将"); k >= 0 {
			k += dlEnd + len("将")
			if v := reVerb.FindStringIndex(s.text[k:]); v != nil {
				r.Materials = p.materials(s, k, k+v[0])
			}
		}
		if r.Deadline == nil && len(r.Mailboxes) == 0 && (len(r.Materials) == 0 || reLeadIn.MatchString(s.text)) {
			continue
		}
		if m := reEach.FindStringIndex(s.text); m != nil {
			r.Delivery = campaign.DeliveryEach
		} else if m := reAny.FindStringIndex(s.text); m != nil {
			r.Delivery = campaign.DeliveryAny
		}
		r.Source = p.spanSource(s, 0, len(s.text))
		p.n.Requests = append(p.n.Requests, r)
	}
	p.settle()
}

// settle derives the notice's deadline and materials from its requests.
func (p *parser) settle() {
	n := p.n
	var dls []string
	for _, r := range n.Requests {
		if r.Deadline != nil {
			dls = append(dls, r.Deadline.Config())
			if n.Deadline == nil || r.Deadline.End.After(n.Deadline.End) {
				d := *r.Deadline
				n.Deadline = &d
			}
		}
		for _, m := range r.Materials {
			dup := false
			for _, o := range n.Materials {
				dup = dup || o.Material == m.Material
			}
			if !dup {
				n.Materials = append(n.Materials, m)
			}
		}
	}
	if len(dls) > 1 {
		p.fs.Add("notice_several_deadlines", "通知中有 %d 处报送时限（%s），取最晚的 %s", len(dls), strings.Join(dls, "、"), n.Deadline.Config())
	}
}

// deadline reads the first deadline in sentence s and returns it with the
// end offset of the match.
func (p *parser) deadline(s span) (*Deadline, int) {
	for _, m := range reDeadline.FindAllStringSubmatchIndex(s.text, -1) {
		g := func(name string) string {
			i := reDeadline.SubexpIndex(name)
			if m[2*i] < 0 {
				return ""
			}
			return s.text[m[2*i]:m[2*i+1]]
		}
		if g("lead") == "" && g("trail") == "" {
			continue // a date, not a deadline
		}
		month, ok1 := number(g("m"))
		day, ok2 := number(g("d"))
		if !ok1 || !ok2 {
			continue
		}
		year := p.n.Year
		if y := g("y"); y != "" {
			year, _ = number(y)
		} else if year == 0 {
			p.fs.Add("notice_year_unknown", "报送时限“%s”未写年份，通知中也找不到年份，无法确定截止日期", p.d.quote(s, m[0], m[1]))
			continue
		} else if pub := p.n.Published; pub != nil && (month < pub.Month-6) {
			year++ // a December notice asking for January
		}
		if !validDate(year, month, day) {
			continue
		}
		clock, ok := clockOf(g("ampm"), g("h"), g("min"), g("min2"), g("half"))
		if !ok {
			continue
		}
		loc := campaign.ChinaTime()
		d := &Deadline{Date: fmt.Sprintf("%04d-%02d-%02d", year, month, day), Clock: clock}
		if clock == "" {
			d.End = time.Date(year, time.Month(month), day+1, 0, 0, 0, 0, loc)
		} else {
			var h, mi int
			fmt.Sscanf(clock, "%d:%d", &h, &mi)
			d.End = time.Date(year, time.Month(month), day, h, mi, 0, 0, loc)
		}
		d.Source = p.clauseSource(s, m[0], m[1])
		return d, m[1]
	}
	return nil, 0
}

// clockOf turns the time groups of reClock into "17:00"; "" means the end
// of the day (no time given, or 24时).
func clockOf(ampm, h, min, min2, half string) (string, bool) {
	if h == "" {
		return "", true
	}
	hour, ok := number(h)
	if !ok {
		return "", false
	}
	minute := 0
	switch {
	case min != "":
		minute, ok = number(min)
	case min2 != "":
		minute, ok = number(min2)
	case half != "":
		minute = 30
	}
	if !ok || minute > 59 {
		return "", false
	}
	if (ampm == "下午" || ampm == "晚上" || ampm == "晚") && hour < 12 {
		hour += 12
	}
	if hour == 24 && minute == 0 {
		return "", true
	}
	if hour > 23 {
		return "", false
	}
	return fmt.Sprintf("%02d:%02d", hour, minute), true
}

// materials reads the materials named in s.text[a:b], the object of
// "将…报送". Names inside parentheses ("（视频时长不超过3分钟）") are
// remarks, not materials; names inside 《》 count.
func (p *parser) materials(s span, a, b int) []Material {
	obj := s.text[a:b]
	// Mask parenthesised remarks.
	masked := []byte(obj)
	depth := 0
	for i, r := range obj {
		switch r {
		case '(', '[':
			depth++
		case ')', ']':
			if depth > 0 {
				masked[i] = ' '
			}
			depth = max(0, depth-1)
			continue
		}
		if depth > 0 {
			for k := i; k < i+len(string(r)); k++ {
				masked[k] = ' '
			}
		}
	}
	var out []Material
	hits := reMaterial.FindAllStringIndex(string(masked), -1)
	for _, m := range hits {
		mat := materialOf(obj[m[0]:m[1]])
		dup := false
		for _, o := range out {
			dup = dup || o.Material == mat
		}
		if dup {
			continue
		}
		lo, hi := itemBounds(string(masked), m[0], m[1], hits)
		src := p.spanSource(s, a+lo, a+hi)
		out = append(out, Material{Material: mat, Name: src.Text, Source: p.clauseSource(s, a+m[0], a+m[1])})
	}
	return out
}

// itemBounds widens [a,b) in obj (parentheses already masked) to the list
// item around it: between 、 , ; 及 以及 outside 《》, and 和 或 与 where they
// join two material names ("活动总结和照片", not "科技活动周和科技工作者日
// 活动总结").
func itemBounds(obj string, a, b int, hits [][]int) (int, int) {
	seps := []string{"、", ",", ";", "以及", "及"}
	joins := map[int]bool{}
	for _, h := range hits {
		for _, j := range []string{"和", "或", "与"} {
			if strings.HasPrefix(obj[h[1]:], j) {
				joins[h[1]] = true
			}
			if strings.HasSuffix(obj[:h[0]], j) {
				joins[h[0]-len(j)] = true
			}
		}
	}
	isJoin := func(i int) (int, bool) {
		if joins[i] {
			return len("和"), true
		}
		return 0, false
	}
	depth := 0
	lo := 0
	for i := 0; i < a; {
		switch {
		case strings.HasPrefix(obj[i:], "《"):
			depth++
		case strings.HasPrefix(obj[i:], "》"):
			depth = max(0, depth-1)
		}
		if depth == 0 {
			for _, sep := range seps {
				if strings.HasPrefix(obj[i:], sep) && i+len(sep) <= a {
					lo = i + len(sep)
				}
			}
			if n, ok := isJoin(i); ok && i+n <= a {
				lo = i + n
			}
		}
		_, n := utf8.DecodeRuneInString(obj[i:])
		i += n
	}
	hi := len(obj)
	depth = 0
	for i := b; i < len(obj); {
		switch {
		case strings.HasPrefix(obj[i:], "《"):
			depth++
		case strings.HasPrefix(obj[i:], "》"):
			depth = max(0, depth-1)
		}
		stop := false
		if depth == 0 {
			for _, sep := range seps {
				if strings.HasPrefix(obj[i:], sep) {
					stop = true
				}
			}
			if _, ok := isJoin(i); ok {
				stop = true
			}
		}
		if stop {
			hi = i
			break
		}
		_, n := utf8.DecodeRuneInString(obj[i:])
		i += n
	}
	// Trim masked remarks and spaces at the end.
	for hi > lo && obj[hi-1] == ' ' {
		hi--
	}
	return lo, hi
}
