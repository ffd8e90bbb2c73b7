package sheets

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// noneWords are the texts people put in a cell to say "none": the value
// is 0, with the text kept as Raw. Compared after fold.
var noneWords = map[string]bool{
	"无": true, "暂无": true, "没有": true, "零": true, "/": true, "\\": true, "-": true, "--": true,
	"—": true, "——": true, "―": true, "–": true, "n/a": true, "na": true, "×": true, "x": true,
	"/。": true, "无。": true,
}

// notFilled are the texts that say the cell was left unfilled: no value.
var notFilled = map[string]bool{"": true, "空": true, "未填": true, "未填写": true}

// approxWords mark an estimate; they are dropped before reading the number.
var (
	approxPrefixes = []string{"大约", "大概", "约计", "共计", "合计", "总计", "累计", "约", "近", "共", "计", "达", "超过", "逾", "≈", "~"}
	approxSuffixes = []string{"左右", "以上", "余", "多", "+"}
	// unitSuffixes may follow the number; "元" and "万元" change the scale.
	unitSuffixes = []string{"万人次", "人次", "万人", "万元", "元", "人", "次", "个", "家", "篇", "条", "场", "所", "项", "期", "座", "处", "名", "位", "批"}
)

// isThousands reports whether s is a number written with thousands
// separators, all of it: ^\d{1,3}(,\d{3})+(\.\d+)?$ ("1,200", "12,345.6").
func isThousands(s string) bool {
	digits := func(i int) int { // the end of the digits from i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i
	}
	i := digits(0)
	if i == 0 || i > 3 {
		return false
	}
	groups := 0
	for i < len(s) && s[i] == ',' {
		j := digits(i + 1)
		if j-i-1 != 3 {
			return false
		}
		i, groups = j, groups+1
	}
	if groups == 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return false
		}
		i = j
	}
	return i == len(s)
}

// parseValue reads a statistics value as typed into a row whose unit is
// unit ("万元", "人次", …). It returns (nil, true) when the cell was left
// blank, (0, true) when it says "none" (无, /, -, —), and (nil, false)
// when the text is not a number.
//
// In a 万元 row a plain number is in 万元, while a number written with a
// magnitude (万, 亿, 千, 百: "3万", "5千", "3百") or with 元 is read in
// yuan and converted: "3万", "30000元" and "3万元" are all 3, "5千" is
// 0.5. In other rows the magnitudes multiply: "3万" is 30000, "5千" 5000.
// A bracketed note after the number is dropped: "12篇（条）" is 12.
func parseValue(raw, unit string) (*float64, bool) {
	s := fold(raw)
	if notFilled[s] {
		return nil, true
	}
	if noneWords[s] {
		zero := 0.0
		return &zero, true
	}
	scale, yuan := 1.0, false
	if !plainFloat(s) || strings.HasSuffix(s, "+") {
		// Only text other than a number as typed (the common case) is
		// cut: a plain number has no brackets, magnitude, unit or
		// thousands separator, so the steps below leave it as it is.
		if t := dropBrackets(s); t != s && t != "" {
			s = t
		}
		if !numberText(s) {
			return nil, false // a label: no cutting leaves a number
		}
		for changed := true; changed; {
			changed = false
			for _, p := range approxPrefixes {
				if t, ok := strings.CutPrefix(s, p); ok && t != "" {
					s, changed = t, true
				}
			}
			for _, p := range approxSuffixes {
				if t, ok := strings.CutSuffix(s, p); ok && t != "" {
					s, changed = t, true
				}
			}
			for _, p := range unitSuffixes {
				if t, ok := strings.CutSuffix(s, p); ok && t != "" {
					s, changed = t, true
					if strings.HasPrefix(p, "万") {
						scale *= 1e4
					}
					yuan = yuan || strings.HasSuffix(p, "元")
				}
			}
		}
		if isThousands(s) {
			s = strings.ReplaceAll(s, ",", "")
		}
	}
	v, ok := parseNumber(s)
	if !ok {
		return nil, false
	}
	v *= scale
	if unit == "万元" && (yuan || scale != 1 || strings.ContainsAny(s, "万萬亿千仟百佰")) {
		v /= 1e4
	}
	v = math.Round(v*1e9) / 1e9
	return &v, true
}

// Chinese numerals: digits and the small and large multipliers.
var (
	hanDigits = map[rune]float64{
		'零': 0, '〇': 0, '○': 0, '一': 1, '壹': 1, '二': 2, '贰': 2, '两': 2, '三': 3, '叁': 3,
		'四': 4, '肆': 4, '五': 5, '伍': 5, '六': 6, '陆': 6, '七': 7, '柒': 7, '八': 8, '捌': 8, '九': 9, '玖': 9,
	}
	hanSmall = map[rune]float64{'十': 10, '拾': 10, '百': 100, '佰': 100, '千': 1000, '仟': 1000}
	hanLarge = map[rune]float64{'万': 1e4, '萬': 1e4, '亿': 1e8}
)

// numberRunes are the characters of the texts parseValue reads as a
// number: what parseNumber reads, and the approximation words and units
// it cuts first.
var numberRunes = func() map[rune]bool {
	set := map[rune]bool{}
	for _, r := range "0123456789.,eE+-" {
		set[r] = true
	}
	for _, m := range []map[rune]float64{hanDigits, hanSmall, hanLarge} {
		for r := range m {
			set[r] = true
		}
	}
	for _, words := range [][]string{approxPrefixes, approxSuffixes, unitSuffixes} {
		for _, w := range words {
			for _, r := range w {
				set[r] = true
			}
		}
	}
	return set
}()

// numberText reports whether s holds only numberRunes: parseValue reads
// no other text as a number.
func numberText(s string) bool {
	for _, r := range s {
		if r < utf8.RuneSelf && r >= '0' && r <= '9' {
			continue
		}
		if !numberRunes[r] {
			return false
		}
	}
	return true
}

// parseNumber reads a number written with Arabic digits, Chinese numerals
// or a mix of both ("1.5万", "三", "十二", "一千二百", "一千二" = 1200,
// "3千2百").
func parseNumber(s string) (float64, bool) {
	if s == "" {
		return 0, false
	}
	if plainFloat(s) { // else no strconv error to allocate
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return 0, false
			}
			return v, true
		}
	}
	var (
		total, section, num float64
		haveNum             bool
		lastSmall           float64 // multiplier just before a trailing digit
		seen                bool
	)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r >= '0' && r <= '9' || r == '.':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			v, err := strconv.ParseFloat(s[i:j], 64)
			if err != nil || haveNum {
				return 0, false
			}
			num, haveNum, seen = v, true, true
			i = j
			continue
		case hanDigits[r] != 0 || r == '零' || r == '〇' || r == '○':
			d := hanDigits[r]
			if d == 0 {
				lastSmall = 0 // 零 ends the colloquial "一千二" reading
				i += size
				seen = true
				continue
			}
			if haveNum {
				return 0, false
			}
			num, haveNum, seen = d, true, true
		case hanSmall[r] != 0:
			m := hanSmall[r]
			if !haveNum {
				num = 1 // "十二" is 12
			}
			section += num * m
			num, haveNum, lastSmall, seen = 0, false, m, true
		case hanLarge[r] != 0:
			m := hanLarge[r]
			if !seen {
				return 0, false
			}
			section += num
			if m == 1e8 {
				total = (total + section) * m
			} else {
				total += section * m
			}
			section, num, haveNum, lastSmall = 0, 0, false, m
		default:
			return 0, false
		}
		i += size
	}
	if !seen {
		return 0, false
	}
	if haveNum && lastSmall >= 100 && num < 10 && num == math.Trunc(num) {
		// Colloquial "一千二" (1200), "三万五" (35000), "两百五" (250).
		num *= lastSmall / 10
	}
	return total + section + num, true
}

// plainFloat reports whether s is made only of what a decimal number
// written with Arabic digits may hold.
func plainFloat(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return false
		}
	}
	return true
}
