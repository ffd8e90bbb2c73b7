package notice

import "regexp"

const reDur = `(?:(?P<m>\d{1,3}|[` + cnDigits + `十百]{1,4})(?:分钟|分)(?:(?P<s>\d{1,2}|[` + cnDigits + `十]{1,3})秒钟?|(?P<half>半)钟?)?|(?P<sec>\d{1,4}|[` + cnDigits + `十百]{1,5})秒钟?)`

var (
	// reVideoLimit matches "视频时长不超过3分钟", "视频不超过两分钟",
	// "视频时长3分30秒以内".
	reVideoLimit = regexp.MustCompile(`视频(?:时长|长度|时间)?(?:应|须|需|要|请|均|一般)?(?:在)?` +
		`(?P<word>不超过|不得超过|不要超过|不宜超过|不能超过|不大于|不多于|控制在|限于|限|最长|小于|少于)?` +
		reDur + `(?P<within>以内|之内|内|以下)?`)
	// reVideoLimitBefore matches "不超过3分钟的视频".
	reVideoLimitBefore = regexp.MustCompile(`(?:不超过|不得超过|不大于|控制在)` + reDur + `(?:以内|之内)?的(?:短)?视频`)
)

// videoLimit reads the longest acceptable video, preferring the reporting
// sentences.
func (p *parser) videoLimit() {
	try := func(s span) bool {
		for _, re := range []*regexp.Regexp{reVideoLimit, reVideoLimitBefore} {
			for _, m := range re.FindAllStringSubmatchIndex(s.text, -1) {
				g := func(name string) string {
					i := re.SubexpIndex(name)
					if i < 0 || m[2*i] < 0 {
						return ""
					}
					return s.text[m[2*i]:m[2*i+1]]
				}
				if re == reVideoLimit && g("word") == "" && g("within") == "" {
					continue
				}
				secs, ok := seconds(g("m"), g("s"), g("half"), g("sec"))
				if !ok || secs == 0 {
					continue
				}
				p.n.VideoLimit = &Duration{Seconds: secs, Source: p.spanSource(s, m[0], m[1])}
				return true
			}
		}
		return false
	}
	for _, r := range p.sents {
		if reVerb.MatchString(r.text) && try(r) {
			return
		}
	}
	for _, r := range p.sents {
		if try(r) {
			return
		}
	}
}

// seconds adds up the groups of reDur.
func seconds(m, s, half, sec string) (int, bool) {
	if sec != "" {
		return number(sec)
	}
	mins, ok := number(m)
	if !ok {
		return 0, false
	}
	total := mins * 60
	switch {
	case s != "":
		n, ok := number(s)
		if !ok || n > 59 {
			return 0, false
		}
		total += n
	case half != "":
		total += 30
	}
	return total, true
}
