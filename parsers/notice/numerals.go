package notice

import (
	"strconv"
	"strings"
)

// Dates and numbers as notices write them: Arabic digits (already
// narrowed from full width) or Chinese numerals (二〇二六年五月二十日, 三分钟).
const (
	cnDigits = `〇零一二两三四五六七八九`
	cnNum    = `[` + cnDigits + `十百]`
	// reDatePart matches 2026年5月20日 or 二〇二六年五月二十日, year optional.
	reDatePart = `(?:(\d{4}|[` + cnDigits + `]{4})年)?(\d{1,2}|[` + cnDigits + `十]{1,3})月(\d{1,2}|[` + cnDigits + `十]{1,3})[日号]`
)

// number parses "12", "十二", "二十", "两", "一百二十", "二〇二六" (digit by
// digit when there is no 十/百). It reports false for anything else.
func number(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	digit := func(r rune) int {
		for i, c := range []rune(cnDigits) {
			if c == r {
				return i
			}
		}
		return -1
	}
	rs := []rune(s)
	if !strings.ContainsAny(s, "十百") {
		n := 0
		for _, r := range rs {
			d := digit(r)
			if d < 0 {
				return 0, false
			}
			n = n*10 + cnValue(d)
		}
		return n, true
	}
	total, cur := 0, -1
	for _, r := range rs {
		switch r {
		case '百':
			if cur < 0 {
				cur = 1
			}
			total += cur * 100
			cur = -1
		case '十':
			if cur < 0 {
				cur = 1
			}
			total += cur * 10
			cur = -1
		default:
			d := digit(r)
			if d < 0 {
				return 0, false
			}
			cur = cnValue(d)
		}
	}
	if cur > 0 {
		total += cur
	}
	return total, true
}

// cnValue maps an index in cnDigits to its value.
func cnValue(i int) int {
	switch {
	case i <= 1: // 〇 零
		return 0
	case i <= 3: // 一 二
		return i - 1
	case i == 4: // 两
		return 2
	}
	return i - 2
}
