package sheets

// The implementations of the label matcher, fold, labelKey and parseValue
// as they were before they were made faster, kept as the reference the
// fast ones must agree with exactly (equiv_test.go).

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// matcher scores how well a label names a template field or group, by a
// longest common subsequence over characters weighted by how rare each
// character is among the template's labels: "市财政投入" is close to
// 市级财政经费投入情况 and far from 县级财政经费投入情况, because 市 is rare
// and 财政投入 is common.
type refMatcher struct {
	weight       map[rune]float64
	unknown      float64 // weight of a character no template label uses
	fieldKeys    [][]rune
	groupKeys    [][]rune
	fieldAliases map[string]int
}

func newRefMatcher() *refMatcher {
	m := &refMatcher{weight: map[rune]float64{}, fieldAliases: map[string]int{}}
	var docs [][]rune
	for _, f := range templateFields {
		k := []rune(refLabelKey(f.Label))
		m.fieldKeys = append(m.fieldKeys, k)
		docs = append(docs, k)
	}
	for _, g := range templateGroups {
		k := []rune(refLabelKey(g))
		m.groupKeys = append(m.groupKeys, k)
		docs = append(docs, k)
	}
	df := map[rune]int{}
	for _, d := range docs {
		seen := map[rune]bool{}
		for _, r := range d {
			if !seen[r] {
				seen[r] = true
				df[r]++
			}
		}
	}
	n := float64(len(docs))
	for r, c := range df {
		m.weight[r] = math.Log(1 + n/float64(c))
	}
	m.unknown = math.Log(1 + n)
	// Wordings seen in practice that share too little with the template.
	for alias, label := range map[string]string{
		"科普活动次数":   "科普活动开展次数",
		"开展科普活动次数": "科普活动开展次数",
		"活动次数":     "科普活动开展次数",
		"科普场馆数量":   "活动周期间开放的科普场馆数量",
		"开放科普场馆数量": "活动周期间开放的科普场馆数量",
		"开放科研机构数量": "活动周期间开放活动的科研机构数量",
		"开放大学数量":   "活动周期间开放活动的大学数量",
		"开放高校数量":   "活动周期间开放活动的大学数量",
		"媒体数量":     "参与媒体数量",
		"报道数量":     "宣传报道数量",
		"专职人员":     "科普专职人员数量",
		"志愿者数量":    "招募科技志愿者数量",
		"科技志愿者数量":  "招募科技志愿者数量",
		"线下参与人次":   "线下活动群众参与数量",
		"线上参与人次":   "线上活动群众参与数量",
	} {
		for i, f := range templateFields {
			if f.Label == label {
				m.fieldAliases[refLabelKey(alias)] = i
			}
		}
	}
	return m
}

func (m *refMatcher) w(r rune) float64 {
	if w, ok := m.weight[r]; ok {
		return w
	}
	return m.unknown
}

// score is 2·W(LCS(a,b)) / (W(a)+W(b)), in [0,1].
func (m *refMatcher) score(a, b []rune) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if len(a) > 64 || len(b) > 64 {
		return 0 // a paragraph, not a label
	}
	var bufA, bufB [65]float64 // labels are at most 64 characters: no allocation
	prev, cur := bufA[:len(b)+1], bufB[:len(b)+1]
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				cur[j] = prev[j-1] + m.w(a[i-1])
			} else {
				cur[j] = max(prev[j], cur[j-1])
			}
		}
		prev, cur = cur, prev
	}
	var wa, wb float64
	for _, r := range a {
		wa += m.w(r)
	}
	for _, r := range b {
		wb += m.w(r)
	}
	return 2 * prev[len(b)] / (wa + wb)
}

// bestGroup returns the template group a label names, or -1.
func (m *refMatcher) bestGroup(key string) (int, float64) {
	k := []rune(key)
	best, bestScore := -1, 0.0
	for i, g := range m.groupKeys {
		s := m.score(k, g)
		if strings.Contains(key, string(g)) {
			s = max(s, 0.95)
		}
		if s > bestScore {
			best, bestScore = i, s
		}
	}
	if bestScore < minGroupScore {
		return -1, bestScore
	}
	return best, bestScore
}

// bestField returns the template field a label names among those of
// group (-1: any field; -2: top-level fields only), or -1.
func (m *refMatcher) bestField(key string, group int) (int, float64) {
	allowed := func(i int) bool {
		switch group {
		case -1:
			return true
		case -2:
			return templateFields[i].Group == ""
		}
		return templateFields[i].Group == templateGroups[group]
	}
	if i, ok := m.fieldAliases[key]; ok && allowed(i) {
		return i, 1
	}
	k := []rune(key)
	// A shortened label ("其他", "中央财政投入", "省级财政经费投入") is a
	// subsequence of exactly one template label in scope.
	if len(k) >= 2 {
		only, n := -1, 0
		for i, f := range m.fieldKeys {
			if allowed(i) && refIsSubsequence(k, f) {
				only, n = i, n+1
			}
		}
		if n == 1 {
			return only, max(0.9, m.score(k, m.fieldKeys[only]))
		}
	}
	best, bestScore, second := -1, 0.0, 0.0
	for i, f := range m.fieldKeys {
		if !allowed(i) {
			continue
		}
		s := m.score(k, f)
		if s > bestScore {
			best, bestScore, second = i, s, bestScore
		} else if s > second {
			second = s
		}
	}
	if bestScore < minFieldScore || (bestScore < 0.99 && bestScore-second < minMargin) {
		return -1, bestScore
	}
	return best, bestScore
}

// isSubsequence reports whether a's characters appear in b in order.
func refIsSubsequence(a, b []rune) bool {
	i := 0
	for _, r := range b {
		if i < len(a) && a[i] == r {
			i++
		}
	}
	return i == len(a)
}

// fold returns s in NFKC form (full-width letters, digits, brackets and
// colons become half-width) without white space.
func refFold(s string) string {
	s = norm.NFKC.String(s)
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// labelKey reduces a row label to what identifies it: folded, bracketed
// parts ("（单位：万元）", "(如：…)") and unit suffixes removed, leading
// numbering ("一、", "1.", "(三)") and punctuation dropped.
func refLabelKey(s string) string {
	s = refDropBrackets(refFold(s))
	s = strings.TrimLeftFunc(s, func(r rune) bool {
		return unicode.IsDigit(r) || strings.ContainsRune("一二三四五六七八九十、.:", r)
	})
	for _, suffix := range []string{"单位:万元", "单位:人次", "单位:个", "万元", "人次"} {
		s = strings.TrimSuffix(s, suffix)
	}
	s = strings.TrimPrefix(s, "其中:")
	return strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			return -1
		}
		return r
	}, s)
}

// dropBrackets removes bracketed segments, nested or not; an unclosed
// bracket drops the rest of the text.
func refDropBrackets(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch r {
		case '(', '[', '{', '【', '〔', '<', '《':
			depth++
			continue
		case ')', ']', '}', '】', '〕', '>', '》':
			if depth > 0 {
				depth--
			}
			continue
		}
		if depth == 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
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
func refParseValue(raw, unit string) (*float64, bool) {
	s := refFold(raw)
	if notFilled[s] {
		return nil, true
	}
	if noneWords[s] {
		zero := 0.0
		return &zero, true
	}
	if t := refDropBrackets(s); t != s && t != "" {
		s = t
	}
	scale, yuan := 1.0, false
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
	if m := refThousands.FindString(s); m != "" && len(m) == len(s) {
		s = strings.ReplaceAll(s, ",", "")
	}
	v, ok := refParseNumber(s)
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

// parseNumber reads a number written with Arabic digits, Chinese numerals
// or a mix of both ("1.5万", "三", "十二", "一千二百", "一千二" = 1200,
// "3千2百").
func refParseNumber(s string) (float64, bool) {
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
	rs := []rune(s)
	var (
		total, section, num float64
		haveNum             bool
		lastSmall           float64 // multiplier just before a trailing digit
		seen                bool
	)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case r >= '0' && r <= '9' || r == '.':
			j := i
			for j < len(rs) && (rs[j] >= '0' && rs[j] <= '9' || rs[j] == '.') {
				j++
			}
			v, err := strconv.ParseFloat(string(rs[i:j]), 64)
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
				i++
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
		i++
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

var refThousands = regexp.MustCompile(`^\d{1,3}(,\d{3})+(\.\d+)?`)

// refHeaderAt is headerAt as it was, building the header of every row.
func refHeaderAt(g *grid, r int) *headerRow {
	w := min(g.width(r), maxHeaderCols)
	if w < 3 {
		return nil
	}
	h := &headerRow{row: r, cols: map[int]string{}, texts: map[int]string{}}
	seen := map[string]bool{}
	named := false
	for c := range w {
		if g.isCovered(r, c) {
			continue
		}
		t := cleanCell(g.cell(r, c))
		if t == "" {
			continue
		}
		name := columnName(t)
		if name == "" || seen[name] {
			// An extra column, kept under its own (cleaned) name.
			name = strings.Join(strings.Fields(t), "")
			if seen[name] {
				name = fmt.Sprintf("%s(%d)", name, c+1)
			}
		} else {
			h.roles++
			named = named || name == colName || name == colActivity
		}
		seen[name] = true
		h.cols[c] = name
		h.texts[c] = strings.Join(strings.Fields(t), "")
		h.names = append(h.names, name)
	}
	if h.roles < 3 || !named {
		return nil
	}
	return h
}
