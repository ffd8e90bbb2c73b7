// Package video measures a video's length from its container, without
// decoding and without reading the media data.
//
// Sniff names the container family from the first bytes of a file; Probe
// reads only that container's headers and indexes (ISO BMFF boxes, RIFF
// chunks, EBML elements, FLV tags, ASF objects, MPEG timestamps at both ends);
// ProbeAt and ProbeFile add an optional, time-bounded fallback to ffprobe for
// containers we do not read ourselves. Problems are reported as findings;
// when the length cannot be known the result is nil, never a guess.
package video

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/shoubao/shoubao/parsers/finding"
)

// Info is what shoubao knows about one video file. Its JSON form is part of
// the public `shoubao probe --json` format.
type Info struct {
	// Container is the container family: mp4, mov, 3gp, avi, matroska,
	// webm, flv, asf, mpegts, mpegps; or, when ffprobe measured a container
	// we do not read ourselves, ffprobe's format name (e.g. rm, ogg).
	Container string `json:"container"`
	// DurationSeconds is the video's length: the whole file's duration as
	// ffprobe's format duration gives it (the container's recorded
	// duration; without one, the span of the timestamps). It is the length
	// shown and the one a limit is checked against (CheckLimit).
	DurationSeconds float64 `json:"duration_seconds"`
	// VideoSeconds is the video track's duration (0 when unknown), for
	// information only.
	VideoSeconds float64 `json:"video_seconds"`
	// Width and Height of the video track in pixels (0 when unknown).
	Width  int `json:"width"`
	Height int `json:"height"`
}

// Finding codes reported by this package.
const (
	// CodeTooLong: the video is longer than the limit (CheckLimit).
	CodeTooLong = "video_too_long"
	// CodeUnknown: the length cannot be measured; Info is nil.
	CodeUnknown = "video_length_unknown"
	// CodeNotVideo: the file is not a video container, or has no video track.
	CodeNotVideo = "not_a_video"
	// CodeTruncated: the file ends before its container says it should; the
	// length reported is the one the container records. A truncated video
	// cannot be used as the material it stands for.
	CodeTruncated = "video_truncated"
	// CodeUnreadable: a file named as a video whose content cannot be played
	// as one, such as a picture named .mp4. Probe does not know names and
	// never reports it; parsers/inspect does, keeping the kind video.
	CodeUnreadable = "video_unreadable"
)

// Options bounds one probe. The zero value is usable: every zero field takes
// the default documented beside it.
type Options struct {
	// FFprobe is the path of an ffprobe binary that ProbeAt and ProbeFile
	// ask about containers they cannot read themselves; empty means never.
	FFprobe string
	// Timeout bounds one ffprobe run (default 15s).
	Timeout time.Duration
	// MaxRead bounds the bytes read from the file (default 16 MiB).
	MaxRead int64
	// MaxSteps bounds the boxes, elements, tags and packets visited
	// (default 1,000,000).
	MaxSteps int
}

// Defaults used for zero Options fields.
const (
	DefaultTimeout  = 15 * time.Second
	DefaultMaxRead  = 16 << 20
	DefaultMaxSteps = 1_000_000
)

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxRead <= 0 {
		o.MaxRead = DefaultMaxRead
	}
	if o.MaxSteps <= 0 {
		o.MaxSteps = DefaultMaxSteps
	}
	return o
}

// reader returns the reader for a container family Sniff returned.
func reader(container string) func(*source) (*Info, error) {
	switch container {
	case "mp4", "mov", "3gp":
		return probeMP4
	case "avi":
		return probeAVI
	case "matroska", "webm":
		return probeMatroska
	case "flv":
		return probeFLV
	case "asf":
		return probeASF
	case "mpegts":
		return probeTS
	default: // "mpegps"
		return probePS
	}
}

// Probe measures the video in r (size bytes) from its container, reading
// only headers and indexes, never the media data. It returns nil Info plus a
// finding when the length cannot be known.
func Probe(ctx context.Context, r io.ReaderAt, size int64, opts Options) (*Info, []finding.Finding) {
	info, fs, _ := probe(ctx, r, size, opts)
	return info, fs
}

// ProbeAt is Probe with the fallback to ffprobe: when the container is
// unknown or damaged and opts.FFprobe is set, it asks ffprobe, bounded by
// opts.Timeout, about the file at the path that path returns. path is
// called only then, so that bytes held in memory are written to a file
// only for ffprobe. The error is path's, returned as it is; it is the only
// error ProbeAt returns.
func ProbeAt(ctx context.Context, r io.ReaderAt, size int64, path func() (string, error), opts Options) (*Info, []finding.Finding, error) {
	info, fs, askFFprobe := probe(ctx, r, size, opts)
	if info != nil || !askFFprobe || opts.FFprobe == "" {
		return info, fs, nil
	}
	name, err := path()
	if err != nil {
		return nil, nil, err
	}
	if fi, err := runFFprobe(ctx, opts.withDefaults(), name); err == nil {
		return fi, nil, nil
	}
	return nil, fs, nil
}

// ProbeFile opens path and calls ProbeAt on it.
func ProbeFile(ctx context.Context, path string, opts Options) (*Info, []finding.Finding) {
	f, err := os.Open(path)
	if err != nil {
		return nil, unknown(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, unknown(err)
	}
	if !st.Mode().IsRegular() {
		return nil, unknown(fmt.Errorf("probe %s: not a regular file", path))
	}
	info, fs, _ := ProbeAt(ctx, f, st.Size(), func() (string, error) { return path, nil }, opts)
	return info, fs
}

// sniffLen is how much of the head Probe reads to identify the container.
const sniffLen = 4096

// probe is Probe that also says whether ffprobe might do better: true when
// the container is one we do not know or could not read.
func probe(ctx context.Context, r io.ReaderAt, size int64, opts Options) (*Info, []finding.Finding, bool) {
	opts = opts.withDefaults()
	s := &source{ctx: ctx, r: r, size: size, maxRead: opts.MaxRead, maxSteps: opts.MaxSteps}
	head, err := s.readUpTo(0, sniffLen)
	if err != nil {
		return nil, unknown(err), true
	}
	if size == 0 {
		return nil, []finding.Finding{finding.New(CodeNotVideo, "文件是空的（0 字节）")}, false
	}
	container := Sniff(head)
	if container == "" {
		if what := identify(head); what != "" {
			return nil, []finding.Finding{finding.New(CodeNotVideo, "文件不是视频：内容是%s", what)}, false
		}
		return nil, []finding.Finding{finding.New(CodeNotVideo, "文件不是可识别的视频格式")}, true
	}
	info, err := reader(container)(s)
	if err == nil {
		info.DurationSeconds = roundMicro(info.DurationSeconds)
		info.VideoSeconds = roundMicro(info.VideoSeconds)
		err = check(info)
	}
	if errors.Is(err, errNoVideo) {
		return nil, []finding.Finding{finding.New(CodeNotVideo, "文件不是视频：%s 文件中没有视频轨道（可能只有音频）", container)}, false
	}
	if err != nil {
		if s.truncated {
			err = errors.Join(errTruncated, err)
		}
		return nil, unknown(err), true
	}
	info.Container = container
	var fs []finding.Finding
	if s.truncated {
		fs = append(fs, finding.New(CodeTruncated, "视频文件不完整（可能未上传完或已损坏），无法作为视频报送；文件记录的时长为 %s", formatSeconds(info.DurationSeconds)))
	}
	return info, fs, false
}

// check rejects measurements no real video has.
func check(info *Info) error {
	ok := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) && x >= 0 && x < maxSeconds }
	if !ok(info.DurationSeconds) || !ok(info.VideoSeconds) {
		return corrupt("implausible duration %v / %v", info.DurationSeconds, info.VideoSeconds)
	}
	if info.DurationSeconds == 0 { // as ffprobe, the streams' length stands for the file's
		info.DurationSeconds = info.VideoSeconds
	}
	if info.DurationSeconds == 0 {
		return errNoDuration
	}
	if info.Width < 0 || info.Height < 0 || info.Width > 1<<16 || info.Height > 1<<16 {
		info.Width, info.Height = 0, 0
	}
	return nil
}

// maxSeconds is a length no real submission reaches (a year); anything
// longer comes from a damaged header.
const maxSeconds = 365 * 24 * 3600

func roundMicro(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// unknown returns the video_length_unknown finding for err.
func unknown(err error) []finding.Finding {
	return []finding.Finding{finding.New(CodeUnknown, "视频时长无法检查：%s", reasonZH(err))}
}
