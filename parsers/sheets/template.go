package sheets

import (
	"math"
	"strings"
)

// Field is one row of the statistics template (附件 1 of the 2024 notice).
type Field struct {
	// Label is the template's row label, the key of Stats.Fields.
	Label string `json:"label"`
	// Group is the label of the merged group cell the row sits under, or
	// "" for a top-level row.
	Group string `json:"group"`
	// Unit is the row's unit: "万元", "人次", "次", "个".
	Unit string `json:"unit"`
}

// Template groups.
const (
	groupFunds  = "活动经费投入数量"
	groupStaff  = "科普工作人员参与数量"
	groupPublic = "科普活动群众参与数量"
	groupPress  = "宣传报道情况"
)

// templateFields is the statistics template in template order.
var templateFields = []Field{
	{"科普活动开展次数", "", "次"},
	{"中央财政经费投入情况", groupFunds, "万元"},
	{"省级、副省级财政经费投入情况", groupFunds, "万元"},
	{"市级财政经费投入情况", groupFunds, "万元"},
	{"县级财政经费投入情况", groupFunds, "万元"},
	{"企业赞助经费情况", groupFunds, "万元"},
	{"实物投入情况（如：捐赠图书、光盘、创新操作室等）", groupFunds, "万元"},
	{"其他经费情况", groupFunds, "万元"},
	{"科普专职人员数量", groupStaff, "人次"},
	{"科技工作者参与数量", groupStaff, "人次"},
	{"招募科技志愿者数量", groupStaff, "人次"},
	{"其他人员数量", groupStaff, "人次"},
	{"线下活动群众参与数量", groupPublic, "人次"},
	{"线上活动群众参与数量", groupPublic, "人次"},
	{"参与媒体数量", groupPress, "个"},
	{"宣传报道数量", groupPress, "个"},
	{"活动周期间开放的科普场馆数量", "", "个"},
	{"活动周期间开放活动的科研机构数量", "", "个"},
	{"活动周期间开放活动的大学数量", "", "个"},
}

var templateGroups = []string{groupFunds, groupStaff, groupPublic, groupPress}

// StatsFields lists the template's fields in template order.
func StatsFields() []Field {
	return append([]Field(nil), templateFields...)
}

// matcher scores how well a label names a template field or group, by a
// longest common subsequence over characters weighted by how rare each
// character is among the template's labels: "市财政投入" is close to
// 市级财政经费投入情况 and far from 县级财政经费投入情况, because 市 is rare
// and 财政投入 is common.
type matcher struct {
	weight       map[rune]float64
	unknown      float64 // weight of a character no template label uses
	fieldKeys    [][]rune
	groupKeys    [][]rune
	fieldAliases map[string]int
}

func newMatcher() *matcher {
	m := &matcher{weight: map[rune]float64{}, fieldAliases: map[string]int{}}
	var docs [][]rune
	for _, f := range templateFields {
		k := []rune(labelKey(f.Label))
		m.fieldKeys = append(m.fieldKeys, k)
		docs = append(docs, k)
	}
	for _, g := range templateGroups {
		k := []rune(labelKey(g))
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
				m.fieldAliases[labelKey(alias)] = i
			}
		}
	}
	return m
}

func (m *matcher) w(r rune) float64 {
	if w, ok := m.weight[r]; ok {
		return w
	}
	return m.unknown
}

// score is 2·W(LCS(a,b)) / (W(a)+W(b)), in [0,1].
func (m *matcher) score(a, b []rune) float64 {
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

// Thresholds of the weighted similarity.
const (
	minFieldScore = 0.62
	minGroupScore = 0.7
	minMargin     = 0.06 // over the runner-up field
)

// bestGroup returns the template group a label names, or -1.
func (m *matcher) bestGroup(key string) (int, float64) {
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
func (m *matcher) bestField(key string, group int) (int, float64) {
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
			if allowed(i) && isSubsequence(k, f) {
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
func isSubsequence(a, b []rune) bool {
	i := 0
	for _, r := range b {
		if i < len(a) && a[i] == r {
			i++
		}
	}
	return i == len(a)
}
