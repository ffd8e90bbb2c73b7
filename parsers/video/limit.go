package video

import (
	"fmt"
	"math"
	"strconv"

	"github.com/shoubao/shoubao/parsers/finding"
)

// CheckLimit returns a video_too_long finding when info.DurationSeconds
// exceeds limitSeconds, naming the measured length and the limit in Chinese
// ("视频时长 3分25秒，超过规定的 3分钟"). A nil info or a limit of 0 or less
// checks nothing.
func CheckLimit(info *Info, limitSeconds int) []finding.Finding {
	if info == nil || limitSeconds <= 0 {
		return nil
	}
	got := info.DurationSeconds
	if got <= float64(limitSeconds) {
		return nil
	}
	return []finding.Finding{finding.New(CodeTooLong, "视频时长 %s，超过规定的 %s",
		formatOver(got, float64(limitSeconds)), formatLimit(limitSeconds))}
}

// formatLimit writes a limit in whole units: "3分钟", "1分30秒", "45秒".
func formatLimit(sec int) string {
	switch {
	case sec%3600 == 0:
		return fmt.Sprintf("%d小时", sec/3600)
	case sec%60 == 0:
		return fmt.Sprintf("%d分钟", sec/60)
	}
	return formatSeconds(float64(sec))
}

// formatOver writes a length that exceeds limit with just enough decimals
// that it does not read as equal to the limit (180.04 s is "3分0.04秒",
// never "3分0秒").
func formatOver(sec, limit float64) string {
	for digits := 0; digits < 3; digits++ {
		p := math.Pow(10, float64(digits))
		if math.Floor(sec*p)/p > limit {
			return formatDigits(sec, digits)
		}
	}
	return formatDigits(sec, 3)
}

// formatSeconds writes a length as 时/分/秒 with at most one decimal.
func formatSeconds(sec float64) string {
	if sec == math.Floor(sec) {
		return formatDigits(sec, 0)
	}
	return formatDigits(sec, 1)
}

// formatDigits writes sec, truncated to digits decimals, as "1小时2分3.5秒",
// "3分25秒" or "45秒".
func formatDigits(sec float64, digits int) string {
	p := math.Pow(10, float64(digits))
	sec = math.Floor(sec*p) / p
	h := int(sec) / 3600
	m := int(sec) % 3600 / 60
	s := strconv.FormatFloat(sec-float64(h*3600+m*60), 'f', digits, 64)
	switch {
	case h > 0:
		return fmt.Sprintf("%d小时%d分%s秒", h, m, s)
	case m > 0:
		return fmt.Sprintf("%d分%s秒", m, s)
	}
	return s + "秒"
}
