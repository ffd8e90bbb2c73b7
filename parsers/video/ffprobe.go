package video

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// ffprobe is the fallback for containers this package does not read
// (RealMedia, Ogg, MXF, …) and for files our readers find damaged. It runs
// once per file, bounded by Options.Timeout, and its answer is accepted only
// when it names a duration and a real video stream (not a still image, not
// an audio file's cover art).

// ffprobeOutput is the part of `ffprobe -print_format json` we read.
type ffprobeOutput struct {
	Streams []struct {
		CodecType   string `json:"codec_type"`
		Width       int    `json:"width"`
		Height      int    `json:"height"`
		Duration    string `json:"duration"`
		Disposition struct {
			AttachedPic int `json:"attached_pic"`
		} `json:"disposition"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
	} `json:"format"`
}

// maxFFprobeOutput bounds what we keep of ffprobe's output.
const maxFFprobeOutput = 1 << 20

func runFFprobe(ctx context.Context, opts Options, path string) (*Info, error) {
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, opts.FFprobe,
		"-v", "error", "-print_format", "json",
		"-show_entries", "format=format_name,duration:stream=codec_type,width,height,duration:stream_disposition=attached_pic",
		"-i", "file:"+path)
	var out limitedBuffer
	out.max = maxFFprobeOutput
	cmd.Stdout = &out
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("ffprobe %s: %w", path, err)
	}
	return parseFFprobe(out.Bytes())
}

// parseFFprobe turns ffprobe's JSON into an Info, refusing answers that are
// not a video with a duration.
func parseFFprobe(b []byte) (*Info, error) {
	var o ffprobeOutput
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, fmt.Errorf("ffprobe output: %w", err)
	}
	format, _, _ := strings.Cut(o.Format.FormatName, ",")
	if format == "" || strings.HasPrefix(format, "image2") || strings.HasSuffix(format, "_pipe") || format == "gif" || format == "apng" {
		return nil, fmt.Errorf("ffprobe: format %q: %w", o.Format.FormatName, errNoVideo)
	}
	info := &Info{Container: format}
	var err error
	if info.DurationSeconds, err = strconv.ParseFloat(o.Format.Duration, 64); err != nil || info.DurationSeconds <= 0 {
		return nil, fmt.Errorf("ffprobe: duration %q: %w", o.Format.Duration, errNoDuration)
	}
	video := false
	for _, st := range o.Streams {
		if st.CodecType != "video" || st.Disposition.AttachedPic != 0 || video {
			continue
		}
		video = true
		info.Width, info.Height = st.Width, st.Height
		if d, err := strconv.ParseFloat(st.Duration, 64); err == nil && d > 0 {
			info.VideoSeconds = d
		}
	}
	if !video {
		return nil, fmt.Errorf("ffprobe: %w", errNoVideo)
	}
	info.DurationSeconds = roundMicro(info.DurationSeconds)
	info.VideoSeconds = roundMicro(info.VideoSeconds)
	if err := check(info); err != nil {
		return nil, fmt.Errorf("ffprobe: %w", err)
	}
	return info, nil
}

// limitedBuffer keeps the first max bytes written to it and drops the rest.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.Len(); room > 0 {
		l.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
