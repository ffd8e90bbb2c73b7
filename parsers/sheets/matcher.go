package sheets

import (
	"math"
	"strings"
)

// matcher scores how well a label names a template field or group, by a
// longest common subsequence over characters weighted by how rare each
// character is among the template's labels: "市财政投入" is close to
// 市级财政经费投入情况 and far from 县级财政经费投入情况, because 市 is rare
// and 财政投入 is common.
//
// The characters the template's labels use are numbered from 1 (0 is
// any other character, which no template label holds); labels are
// compared as such numbers. It is read-only once built: the scores of a
// label are kept in its query, which one reading of a grid owns.
type matcher struct {
	ids          map[rune]uint16 // the number of each character of the labels
	weight       []float64       // by number; weight[0]: a character no label uses
	fields       []tlabel        // the fields' keys, in template order
	groups       []tlabel        // the groups' keys, in template order
	fieldGroup   []int           // each field's group (index in templateGroups), -1 top-level
	fieldAliases map[string]int
}

// tlabel is the key of a template field or group.
type tlabel struct {
	key string
	ids []uint16 // its characters' numbers
	w   float64  // the sum of their weights, in order
	set []uint64 // bit set of the numbers it holds
}

func (t *tlabel) has(id uint16) bool {
	return t.set[id>>6]&(1<<(id&63)) != 0
}

// maxLabelRunes bounds the labels scored: a longer text is a paragraph.
const maxLabelRunes = 64

func newMatcher() *matcher {
	m := &matcher{ids: map[rune]uint16{}, fieldAliases: map[string]int{}}
	var docs [][]rune
	for _, f := range templateFields {
		docs = append(docs, []rune(labelKey(f.Label)))
	}
	for _, g := range templateGroups {
		docs = append(docs, []rune(labelKey(g)))
	}
	df := map[rune]int{}
	var alphabet []rune // in order of first use
	for _, d := range docs {
		seen := map[rune]bool{}
		for _, r := range d {
			if !seen[r] {
				seen[r] = true
				if df[r] == 0 {
					alphabet = append(alphabet, r)
				}
				df[r]++
			}
		}
	}
	n := float64(len(docs))
	m.weight = []float64{math.Log(1 + n)}
	for i, r := range alphabet {
		m.ids[r] = uint16(i + 1)
		m.weight = append(m.weight, math.Log(1+n/float64(df[r])))
	}
	if len(docs) > 64 {
		panic("sheets: more template labels than query.done holds")
	}
	words := (len(m.weight) + 63) / 64
	for i, d := range docs {
		t := tlabel{key: string(d), set: make([]uint64, words)}
		if len(d) > maxLabelRunes {
			panic("sheets: template label longer than maxLabelRunes")
		}
		for _, r := range d {
			id := m.ids[r]
			t.ids = append(t.ids, id)
			t.w += m.weight[id]
			t.set[id>>6] |= 1 << (id & 63)
		}
		if i < len(templateFields) {
			m.fields = append(m.fields, t)
		} else {
			m.groups = append(m.groups, t)
		}
	}
	for _, f := range templateFields {
		gi := -1
		for j, g := range templateGroups {
			if f.Group == g {
				gi = j
			}
		}
		m.fieldGroup = append(m.fieldGroup, gi)
	}
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

// query is a label key as the matcher compares it, with its scores
// against the template's labels once computed.
type query struct {
	key   string
	runes int                   // its length in characters
	ids   []uint16              // its characters' numbers (when runes <= maxLabelRunes)
	w     float64               // the sum of their weights, in order
	score []float64             // against the fields, then the groups
	done  uint64                // which scores are computed
	buf   [maxLabelRunes]uint16 // ids' storage
}

// query returns key as the matcher compares it.
func (m *matcher) query(key string) *query {
	q := &query{key: key, score: make([]float64, len(m.fields)+len(m.groups))}
	for _, r := range key {
		id := m.ids[r]
		if q.runes < maxLabelRunes {
			q.buf[q.runes] = id
		}
		q.runes++
		q.w += m.weight[id]
	}
	if q.runes <= maxLabelRunes {
		q.ids = q.buf[:q.runes]
	}
	return q
}

// scoreOf returns q's score against the template label i (fields, then
// groups), computing it once.
func (m *matcher) scoreOf(q *query, i int) float64 {
	if q.done&(1<<i) != 0 {
		return q.score[i]
	}
	var t *tlabel
	if i < len(m.fields) {
		t = &m.fields[i]
	} else {
		t = &m.groups[i-len(m.fields)]
	}
	s := m.score(q, t)
	q.score[i], q.done = s, q.done|1<<i
	return s
}

// score is 2·W(LCS(q,t)) / (W(q)+W(t)), in [0,1]. The characters of q
// that t does not hold are left out of the dynamic programme: they never
// match, and a row of the table they would add only copies the row above.
func (m *matcher) score(q *query, t *tlabel) float64 {
	if q.runes == 0 || len(t.ids) == 0 || q.runes > maxLabelRunes {
		return 0 // nothing, or a paragraph, not a label
	}
	var common [maxLabelRunes]uint16
	n := 0
	for _, id := range q.ids {
		if id != 0 && t.has(id) {
			common[n] = id
			n++
		}
	}
	var bufA, bufB [maxLabelRunes + 1]float64 // no allocation
	b := t.ids
	prev, cur := bufA[:len(b)+1], bufB[:len(b)+1]
	for _, a := range common[:n] {
		w := m.weight[a]
		for j := 1; j <= len(b); j++ {
			if a == b[j-1] {
				cur[j] = prev[j-1] + w
			} else {
				cur[j] = max(prev[j], cur[j-1])
			}
		}
		prev, cur = cur, prev
	}
	return 2 * prev[len(b)] / (q.w + t.w)
}

// Thresholds of the weighted similarity.
const (
	minFieldScore = 0.62
	minGroupScore = 0.7
	minMargin     = 0.06 // over the runner-up field
)

// bestGroupOf returns the template group the label key of q names, or -1.
func (m *matcher) bestGroupOf(q *query) (int, float64) {
	best, bestScore := -1, 0.0
	for i := range m.groups {
		s := m.scoreOf(q, len(m.fields)+i)
		if strings.Contains(q.key, m.groups[i].key) {
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

// allowed reports whether field i is in scope group (see bestFieldOf).
func (m *matcher) allowed(i, group int) bool {
	switch group {
	case -1:
		return true
	case -2:
		return m.fieldGroup[i] < 0
	}
	return m.fieldGroup[i] == group
}

// bestFieldOf returns the template field the label key of q names among
// those of group (-1: any field; -2: top-level fields only), or -1.
func (m *matcher) bestFieldOf(q *query, group int) (int, float64) {
	if i, ok := m.fieldAliases[q.key]; ok && m.allowed(i, group) {
		return i, 1
	}
	// A shortened label ("其他", "中央财政投入", "省级财政经费投入") is a
	// subsequence of exactly one template label in scope.
	if q.runes >= 2 && q.ids != nil {
		only, n := -1, 0
		for i := range m.fields {
			if m.allowed(i, group) && isSubsequence(q.ids, m.fields[i].ids) {
				only, n = i, n+1
			}
		}
		if n == 1 {
			return only, max(0.9, m.scoreOf(q, only))
		}
	}
	best, bestScore, second := -1, 0.0, 0.0
	for i := range m.fields {
		if !m.allowed(i, group) {
			continue
		}
		s := m.scoreOf(q, i)
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
func isSubsequence(a, b []uint16) bool {
	if len(a) > len(b) {
		return false
	}
	i := 0
	for _, r := range b {
		if i < len(a) && a[i] == r {
			i++
		}
	}
	return i == len(a)
}

// queries keeps the queries of the label keys one reading of a grid
// asks about: a key asked again is not compared again.
type queries struct {
	m     *matcher
	byKey map[string]*query
}

func (m *matcher) queries() *queries {
	return &queries{m: m, byKey: map[string]*query{}}
}

// get returns the query of key.
func (qs *queries) get(key string) *query {
	q, ok := qs.byKey[key]
	if !ok {
		q = qs.m.query(key)
		qs.byKey[key] = q
	}
	return q
}

// bestGroup is matcher.bestGroupOf for key, the key's scores kept.
func (qs *queries) bestGroup(key string) (int, float64) {
	return qs.m.bestGroupOf(qs.get(key))
}

// bestField is matcher.bestFieldOf for key, the key's scores kept.
func (qs *queries) bestField(key string, group int) (int, float64) {
	return qs.m.bestFieldOf(qs.get(key), group)
}
