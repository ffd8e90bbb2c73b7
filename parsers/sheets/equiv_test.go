package sheets

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// equivUnits are the units parseValue is asked with.
var equivUnits = []string{"", "万元", "人次", "次", "个"}

// checkEquivalent fails t when fold, labelKey, dropBrackets, parseValue or
// the matcher give for s anything else than the reference implementations
// of ref_test.go, to the bit.
func checkEquivalent(t *testing.T, m *matcher, rm *refMatcher, s string) {
	t.Helper()
	if got, want := fold(s), refFold(s); got != want {
		t.Fatalf("fold(%q) = %q, want %q", s, got, want)
	}
	if got, want := dropBrackets(s), refDropBrackets(s); got != want {
		t.Fatalf("dropBrackets(%q) = %q, want %q", s, got, want)
	}
	key, wantKey := labelKey(s), refLabelKey(s)
	if key != wantKey {
		t.Fatalf("labelKey(%q) = %q, want %q", s, key, wantKey)
	}
	for _, u := range equivUnits {
		v, ok := parseValue(s, u)
		rv, rok := refParseValue(s, u)
		if ok != rok || (v == nil) != (rv == nil) || v != nil && math.Float64bits(*v) != math.Float64bits(*rv) {
			t.Fatalf("parseValue(%q, %q) = %v, %v; want %v, %v", s, u, deref(v), ok, deref(rv), rok)
		}
	}
	for _, f := range []string{fold(s), strings.ReplaceAll(fold(s), "\n", "")} {
		if unitLine.MatchString(f) && !unitPrefix(f) {
			t.Fatalf("unitPrefix(%q) = false, but unitLine matches it", f)
		}
	}
	for _, k := range []string{key, s} {
		gi, gs := m.bestGroup(k)
		rgi, rgs := rm.bestGroup(k)
		if gi != rgi || math.Float64bits(gs) != math.Float64bits(rgs) {
			t.Fatalf("bestGroup(%q) = %d, %v; want %d, %v", k, gi, gs, rgi, rgs)
		}
		for scope := -2; scope < len(templateGroups); scope++ {
			fi, fs := m.bestField(k, scope)
			rfi, rfs := rm.bestField(k, scope)
			if fi != rfi || math.Float64bits(fs) != math.Float64bits(rfs) {
				t.Fatalf("bestField(%q, %d) = %d, %v; want %d, %v", k, scope, fi, fs, rfi, rfs)
			}
		}
	}
}

// equivTexts are texts of every kind a cell holds: the template's labels
// and their variants, numbers as typed, and every cell of the fixtures.
func equivTexts(t testing.TB) []string {
	texts := []string{
		"", " ", "　", "\u200b", "\ufeff", "ＡＢＣ", "Ａ１", "ﬁ", "①", "㎡", "Ⅻ", "e\u0301", "\u0301", "가", "ᄀ\u1161",
		"3万", "一千二百", "约500", "1,200", "0.5", "三万五", "十", "无", "12篇（条）", "30000元", "3万元", "5千",
		"1e3", "+5", "-5", "1.", ".5", "NaN", "inf", "0x10", "１２", "１，２００", "约 3 万", "大约3万余元", "2万人次",
		"1,200", "12,345.67", "1,2345", "1,234,", ",123", "1234,567", "1,234.", "1,234.5.6", "1,234.5,6", "1,000万", "约1,200元",
		"１，２３４．５", "5+", "5++", "+", "--", "-", "1e400", "1e-400", "00012", "1_000", "0x1p-2", "Inf", "+Inf", "1.5e3万",
		"其他", "其 他 人 员", "（单位：万元）", "一、科普活动开展次数", "(三)其中：青少年", "1.宣传报道数量（个）",
		"市财政投入", "2024 年晋城市科技活动周开展情况统计表", "填表人：张三", "部门/地方（盖章）：城区教育和科技局",
		"[未闭合", "部门/地方（盖章）：", "单位名称:某局", "填报单位：x", "地方:", "单位（盖章）：", "报送单位 ：", "部门\n/地方：", "《书名》", "〔2024〕", "A\tB\nC\rD", "ǅ", "İ", "ẞ", "\u00a0x\u2003", "\x00", "\xff\xfe", "a\xc0b",
	}
	for _, f := range templateFields {
		texts = append(texts, f.Label, f.Group, f.Unit, f.Label+"（"+f.Unit+"）", "其中："+f.Label)
		r := []rune(f.Label)
		texts = append(texts, string(r[:len(r)/2]), string(r[len(r)/2:]), string(r[1:]))
	}
	texts = append(texts, templateGroups...)
	files, _ := filepath.Glob(filepath.Join("testdata", "*.*"))
	for _, path := range files {
		if strings.HasSuffix(path, ".golden") || strings.HasSuffix(path, ".sh") || strings.HasSuffix(path, ".py") {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		grids, _ := load(context.Background(), bytes.NewReader(data), int64(len(data)), filepath.Base(path), Options{}.withDefaults())
		for _, g := range grids {
			for _, row := range g.rows {
				for _, c := range row {
					texts = append(texts, c, cleanCell(c))
				}
			}
		}
	}
	return texts
}

// TestFastEquivalent: the fast label matcher, fold, labelKey and
// parseValue agree with the reference implementations on every text.
func TestFastEquivalent(t *testing.T) {
	m, rm := newMatcher(), newRefMatcher()
	n := 0
	for _, s := range equivTexts(t) {
		checkEquivalent(t, m, rm, s)
		n++
	}
	if n < 500 {
		t.Fatalf("only %d texts compared", n)
	}
}

// FuzzFastEquivalent compares the fast implementations with the
// reference ones on arbitrary texts.
func FuzzFastEquivalent(f *testing.F) {
	for _, s := range equivTexts(f) {
		f.Add(s)
	}
	m, rm := newMatcher(), newRefMatcher()
	f.Fuzz(func(t *testing.T, s string) {
		checkEquivalent(t, m, rm, s)
	})
}

// TestQuickFoldRunes checks every character quickFold accepts: fold
// gives the same for it alone and between two others, and in NFKC it
// combines with nothing before it (so a text of such characters is folded
// character by character, whatever their order).
func TestQuickFoldRunes(t *testing.T) {
	n := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue // surrogates: not in a valid UTF-8 text
		}
		s := string(r)
		got, ok := quickFold(s)
		if !ok {
			continue
		}
		n++
		if !norm.NFKC.PropertiesString(s).BoundaryBefore() {
			t.Errorf("quickFold accepts %U, which NFKC may combine with what precedes it", r)
		}
		if want := refFold(s); got != want {
			t.Errorf("quickFold(%U) = %q, fold gives %q", r, got, want)
		}
		if got, _ := quickFold("a" + s + "a"); got != refFold("a"+s+"a") {
			t.Errorf("quickFold(a%Ua) = %q, fold gives %q", r, got, refFold("a"+s+"a"))
		}
		if got, _ := quickFold("一" + s + "Ａ"); got != refFold("一"+s+"Ａ") {
			t.Errorf("quickFold(一%UＡ) = %q, fold gives %q", r, got, refFold("一"+s+"Ａ"))
		}
	}
	if n < 20000 {
		t.Errorf("quickFold accepts only %d characters", n)
	}
}

// TestRuneSets checks hasBracket and plainKey against every character.
func TestRuneSets(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if s := string(r); !hasBracket(s) && refDropBrackets(s) != s {
			t.Errorf("hasBracket(%U) = false, but dropBrackets changes it", r)
		}
		if s := string(r); plainKey(s) && (unicode.IsPunct(r) || unicode.IsSymbol(r)) {
			t.Errorf("plainKey accepts %U, a punctuation or symbol", r)
		}
	}
}

// TestHeaderAtEquivalent: headerAt, which first checks whether a row can
// be a header, reads every row of the fixtures and of made-up rows as it
// did when it built the header of every row.
func TestHeaderAtEquivalent(t *testing.T) {
	var grids []*grid
	files, _ := filepath.Glob(filepath.Join("testdata", "*.*"))
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		gs, _ := load(context.Background(), bytes.NewReader(data), int64(len(data)), filepath.Base(path), Options{}.withDefaults())
		grids = append(grids, gs...)
	}
	grids = append(grids, &grid{name: "made up", rows: [][]string{
		{"序号", "活动名称", "举办时间"},
		{"序号", "序号", "活动名称", "举办时间"},
		{"编号", "序 号", "活动名称", "地点"},
		{"活动名称", "活动名称", "活动名称"},
		{"活动名称", "活 动 名 称", "时间", "时间", "时间(1)"},
		{"推荐活动", "（序号）", "", "举办单位：", "*联系电话*"},
		{"名称", "活动", "时间", "地点"},
		{"序号", "活动名称", "举办时间", "举办地点", "承办单位", "依托基地", "推荐单位", "联系人", "联系电话", "备注"},
	}})
	n := 0
	for _, g := range grids {
		for r := range g.rows {
			got, want := headerAt(g, r), refHeaderAt(g, r)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s row %d: headerAt = %+v, want %+v", g.name, r, got, want)
			}
			if want != nil {
				n++
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d header rows compared", n)
	}
}
