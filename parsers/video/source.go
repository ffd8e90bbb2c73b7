package video

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// maxChunk caps a single read: no container reader ever needs more than this
// at once (an Info element, a trun box, an FLV script tag, a PES window), so
// no untrusted size field can make us allocate more.
const maxChunk = 1 << 20

// source is the bounded, cancellable view of one file that every container
// reader goes through. It refuses reads past the end of the file, counts the
// bytes read against Options.MaxRead and the structural steps (boxes,
// elements, tags, packets) against Options.MaxSteps, and checks ctx.
type source struct {
	ctx      context.Context
	r        io.ReaderAt
	size     int64
	read     int64
	maxRead  int64
	steps    int
	maxSteps int
	// truncated is set by readers that notice the file ends before its
	// structure says it should; Probe turns it into a video_truncated finding.
	truncated bool
}

// readAt returns exactly n bytes at off.
func (s *source) readAt(off int64, n int) ([]byte, error) {
	if err := s.ctx.Err(); err != nil {
		return nil, err
	}
	if n < 0 || off < 0 || off > s.size || int64(n) > s.size-off {
		return nil, fmt.Errorf("read %d bytes at %d of %d: %w", n, off, s.size, errTruncated)
	}
	if n > maxChunk {
		return nil, fmt.Errorf("read %d bytes at %d: %w", n, off, errTooLarge)
	}
	if s.read+int64(n) > s.maxRead {
		return nil, fmt.Errorf("read %d bytes at %d after %d: %w", n, off, s.read, errReadLimit)
	}
	buf := make([]byte, n)
	m, err := s.r.ReadAt(buf, off)
	s.read += int64(m)
	if m < n {
		if err == nil || errors.Is(err, io.EOF) {
			err = errTruncated
		}
		return nil, fmt.Errorf("read %d bytes at %d: %w", n, off, err)
	}
	return buf, nil
}

// readUpTo returns up to n bytes at off, fewer when the file ends first.
func (s *source) readUpTo(off int64, n int) ([]byte, error) {
	if off >= s.size {
		return nil, nil
	}
	return s.readAt(off, int(min(int64(n), s.size-off)))
}

// step counts one structural element; readers call it once per box, element,
// tag or packet they visit so that no file can make them loop for long.
func (s *source) step() error {
	s.steps++
	if s.steps > s.maxSteps {
		return fmt.Errorf("after %d elements: %w", s.maxSteps, errStepLimit)
	}
	if s.steps&1023 == 0 {
		return s.ctx.Err()
	}
	return nil
}

// failure is an error that carries the Chinese explanation shown to officers
// in a video_length_unknown finding.
type failure struct{ en, zh string }

func (f *failure) Error() string { return f.en }

var (
	errTruncated  = &failure{"file is truncated", "文件不完整（可能没有传完或已损坏）"}
	errTooLarge   = &failure{"structure too large to read", "文件结构中的索引过大"}
	errReadLimit  = &failure{"read limit reached", "需要读取的索引数据超过上限"}
	errStepLimit  = &failure{"element limit reached", "文件结构条目过多，超过上限"}
	errNoDuration = &failure{"no duration recorded", "文件中没有记录时长"}
	errNoVideo    = &failure{"no video track", "文件中没有视频轨道"}
	errLive       = &failure{"broadcast stream without duration", "文件是直播流格式，没有记录时长"}
)

// corrupt returns an error for a structure that contradicts itself.
func corrupt(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), errCorrupt)
}

var errCorrupt = &failure{"corrupt structure", "文件结构损坏"}

// reasonZH returns the Chinese explanation for err.
func reasonZH(err error) string {
	var f *failure
	switch {
	case errors.As(err, &f):
		return f.zh
	case errors.Is(err, context.DeadlineExceeded):
		return "检查超时"
	case errors.Is(err, context.Canceled):
		return "检查被取消"
	default:
		return "读取文件出错"
	}
}
