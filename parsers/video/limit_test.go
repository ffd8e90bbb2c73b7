package video

import (
	"testing"

	"github.com/shoubao/shoubao/parsers/finding"
)

func TestCheckLimit(t *testing.T) {
	tests := []struct {
		name  string
		info  *Info
		limit int
		want  string // message; "" for no finding
	}{
		{"over by seconds", &Info{DurationSeconds: 205}, 180, "视频时长 3分25秒，超过规定的 3分钟"},
		{"over by a fraction", &Info{DurationSeconds: 205.7}, 180, "视频时长 3分25秒，超过规定的 3分钟"},
		{"exactly the limit", &Info{DurationSeconds: 180}, 180, ""},
		{"under", &Info{DurationSeconds: 179.9, VideoSeconds: 179}, 180, ""},
		{"just over: decimals show it", &Info{DurationSeconds: 180.04}, 180, "视频时长 3分0.04秒，超过规定的 3分钟"},
		{"the video track is longer: the file's duration decides", &Info{DurationSeconds: 170, VideoSeconds: 181}, 180, ""},
		{"a pipe's late-starting stream: the span decides", &Info{DurationSeconds: 179.9, VideoSeconds: 180.048}, 180, ""},
		{"the file is longer than its video track", &Info{DurationSeconds: 181, VideoSeconds: 170}, 180, "视频时长 3分1秒，超过规定的 3分钟"},
		{"hours", &Info{DurationSeconds: 3725.5}, 180, "视频时长 1小时2分5秒，超过规定的 3分钟"},
		{"limit in minutes and seconds", &Info{DurationSeconds: 100}, 90, "视频时长 1分40秒，超过规定的 1分30秒"},
		{"limit in seconds", &Info{DurationSeconds: 50}, 45, "视频时长 50秒，超过规定的 45秒"},
		{"no info", nil, 180, ""},
		{"no limit", &Info{DurationSeconds: 1e6}, 0, ""},
	}
	for _, tt := range tests {
		got := CheckLimit(tt.info, tt.limit)
		switch {
		case tt.want == "" && len(got) != 0:
			t.Errorf("%s: %v, want none", tt.name, got)
		case tt.want != "" && (len(got) != 1 || got[0] != finding.Finding{Code: CodeTooLong, Message: tt.want}):
			t.Errorf("%s: %v, want %q", tt.name, got, tt.want)
		}
	}
}
