package video

import (
	"encoding/json"
	"fmt"
	"math"
	"os/exec"
	"strconv"
	"strings"
)

// reference is what ffprobe measures of one fixture, independently of this
// package: the format duration and the span of the demuxed packets.
type reference struct {
	// Format is `ffprobe -show_format` duration (0 when N/A).
	Format float64 `json:"format"`
	// Packets is the span of all packets: the latest packet end (pts plus
	// duration, or plus one frame at the stream's average frame rate when the
	// packet has no duration) minus the earliest pts.
	Packets float64 `json:"packets"`
	// VideoSpan is the same span over the video stream's packets only.
	VideoSpan float64 `json:"video_span"`
	// VideoEnd is the video stream's latest packet end minus the earliest
	// pts of the file.
	VideoEnd float64 `json:"video_end"`
	// VideoStream is the video stream's start_time plus duration as the
	// demuxer reports them (ISO BMFF: after its edit list), 0 when N/A.
	VideoStream float64 `json:"video_stream"`
}

// ffprobeReference runs ffprobe on path.
func ffprobeReference(ffprobe, path string) (reference, error) {
	out, err := exec.Command(ffprobe, "-v", "error", "-of", "json",
		"-show_entries", "format=duration:stream=index,codec_type,avg_frame_rate,start_time,duration:stream_disposition=attached_pic:packet=stream_index,pts_time,duration_time",
		path).Output()
	if err != nil {
		return reference{}, fmt.Errorf("ffprobe %s: %w", path, err)
	}
	var o struct {
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
		Streams []struct {
			Index        int    `json:"index"`
			CodecType    string `json:"codec_type"`
			AvgFrameRate string `json:"avg_frame_rate"`
			StartTime    string `json:"start_time"`
			Duration     string `json:"duration"`
		} `json:"streams"`
		Packets []struct {
			StreamIndex int    `json:"stream_index"`
			PTS         string `json:"pts_time"`
			Duration    string `json:"duration_time"`
		} `json:"packets"`
	}
	if err := json.Unmarshal(out, &o); err != nil {
		return reference{}, fmt.Errorf("ffprobe %s: %w", path, err)
	}
	var ref reference
	ref.Format, _ = strconv.ParseFloat(o.Format.Duration, 64)
	frame := map[int]float64{}
	video := map[int]bool{}
	for _, st := range o.Streams {
		if num, den, ok := strings.Cut(st.AvgFrameRate, "/"); ok {
			n, _ := strconv.ParseFloat(num, 64)
			d, _ := strconv.ParseFloat(den, 64)
			if n > 0 && d > 0 {
				frame[st.Index] = d / n
			}
		}
		video[st.Index] = st.CodecType == "video"
		start, err1 := strconv.ParseFloat(st.StartTime, 64)
		d, err2 := strconv.ParseFloat(st.Duration, 64)
		if st.CodecType == "video" && err1 == nil && err2 == nil && ref.VideoStream == 0 {
			ref.VideoStream = start + d
		}
	}
	first, last := math.Inf(1), math.Inf(-1)
	vFirst, vLast := math.Inf(1), math.Inf(-1)
	for _, p := range o.Packets {
		pts, err := strconv.ParseFloat(p.PTS, 64)
		if err != nil {
			continue
		}
		d, err := strconv.ParseFloat(p.Duration, 64)
		if err != nil || d == 0 {
			d = frame[p.StreamIndex]
		}
		first, last = min(first, pts), max(last, pts+d)
		if video[p.StreamIndex] {
			vFirst, vLast = min(vFirst, pts), max(vLast, pts+d)
		}
	}
	if !math.IsInf(first, 0) {
		ref.Packets = last - first
	}
	if !math.IsInf(vFirst, 0) {
		ref.VideoSpan = vLast - vFirst
		ref.VideoEnd = vLast - first
	}
	return ref, nil
}
