package video

import (
	"encoding/binary"
	"fmt"
	"math"
)

// AVI: a RIFF file whose hdrl list holds the main header (avih: frame
// period, frame count, size), one strl list per stream (strh: scale, rate,
// length) and, in OpenDML files over 1 GB, an odml list whose dmlh counts
// the frames of every RIFF part (avih counts only the first). Only hdrl is
// read: a file cut short still reports the length its headers record.

// chunk is one RIFF chunk; list is its list type for LIST and RIFF chunks.
type chunk struct {
	id, list string
	body     int64
	end      int64 // end of the data, before the pad byte
}

// nextChunk reads the chunk header at off inside a parent ending at end.
func (s *source) nextChunk(off, end int64) (chunk, error) {
	if err := s.step(); err != nil {
		return chunk{}, err
	}
	h, err := s.readAt(off, int(min(12, end-off)))
	if err != nil {
		return chunk{}, err
	}
	c := chunk{id: string(h[0:4]), body: off + 8}
	size := int64(binary.LittleEndian.Uint32(h[4:]))
	if size > end-c.body {
		if end != s.size {
			return chunk{}, corrupt("avi: chunk %q at %d: size %d overruns its list", c.id, off, size)
		}
		s.truncated = true
		size = end - c.body
	}
	c.end = c.body + size
	if (c.id == "LIST" || c.id == "RIFF") && len(h) >= 12 && size >= 4 {
		c.list = string(h[8:12])
		c.body += 4
	}
	return c, nil
}

// chunks calls fn for each chunk in [off, end).
func (s *source) chunks(off, end int64, fn func(chunk) error) error {
	for end-off >= 8 {
		c, err := s.nextChunk(off, end)
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
		off = c.end + c.end&1 // chunks are padded to an even length
	}
	return nil
}

type aviStream struct {
	kind                string // strh fccType: vids, auds, …
	scale, rate, length uint32
	width, height       int
}

func (st *aviStream) seconds() float64 {
	if st.rate == 0 || st.scale == 0 {
		return 0
	}
	return float64(st.length) * float64(st.scale) / float64(st.rate)
}

func probeAVI(s *source) (*Info, error) {
	riff, err := s.nextChunk(0, s.size)
	if err != nil {
		return nil, fmt.Errorf("avi: %w", err)
	}
	var (
		usPerFrame, avihFrames, dmlhFrames uint32
		width, height                      int
		streams                            []*aviStream
		hdrl                               bool
	)
	err = s.chunks(riff.body, riff.end, func(c chunk) error {
		switch {
		case c.list == "hdrl":
			hdrl = true
			return s.chunks(c.body, c.end, func(c chunk) error {
				switch {
				case c.id == "avih":
					p, err := s.readAt(c.body, int(min(40, c.end-c.body)))
					if err != nil {
						return err
					}
					if len(p) < 40 {
						return corrupt("avih: %d bytes", len(p))
					}
					usPerFrame, avihFrames = le32(p), le32(p[16:])
					width, height = int(le32(p[32:])), int(le32(p[36:]))
				case c.list == "strl" && len(streams) < maxTracks:
					st, err := s.readStrl(c)
					if err != nil {
						return err
					}
					streams = append(streams, st)
				case c.list == "odml":
					return s.chunks(c.body, c.end, func(c chunk) error {
						if c.id == "dmlh" && c.end-c.body >= 4 {
							p, err := s.readAt(c.body, 4)
							if err != nil {
								return err
							}
							dmlhFrames = le32(p)
						}
						return nil
					})
				}
				return nil
			})
		case c.list == "movi":
			return errStop // headers are all before movi
		}
		return nil
	})
	if err != nil && err != errStop {
		return nil, fmt.Errorf("avi: %w", err)
	}
	if !hdrl {
		return nil, fmt.Errorf("avi: no hdrl list: %w", errCorrupt)
	}
	info := &Info{Width: width, Height: height}
	hasVideo := false
	for _, st := range streams {
		d := st.seconds()
		if st.kind == "vids" {
			// OpenDML: dmlh counts the frames of all RIFF parts; some
			// writers leave strh and avih at the first part's count.
			d = max(d, float64(dmlhFrames)*float64(usPerFrame)/1e6, float64(avihFrames)*float64(usPerFrame)/1e6)
			if !hasVideo && st.width > 0 {
				info.Width, info.Height = st.width, st.height
			}
			hasVideo = true
			info.VideoSeconds = max(info.VideoSeconds, d)
		}
		info.DurationSeconds = max(info.DurationSeconds, d)
	}
	if !hasVideo {
		return nil, errNoVideo
	}
	return info, nil
}

func (s *source) readStrl(strl chunk) (*aviStream, error) {
	st := &aviStream{}
	err := s.chunks(strl.body, strl.end, func(c chunk) error {
		switch c.id {
		case "strh":
			p, err := s.readAt(c.body, int(min(48, c.end-c.body)))
			if err != nil {
				return err
			}
			if len(p) < 48 {
				return corrupt("strh: %d bytes", len(p))
			}
			st.kind = string(p[0:4])
			st.scale, st.rate, st.length = le32(p[20:]), le32(p[24:]), le32(p[32:])
		case "strf":
			if st.kind != "vids" {
				return nil
			}
			p, err := s.readAt(c.body, int(min(12, c.end-c.body)))
			if err != nil {
				return err
			}
			if len(p) == 12 { // BITMAPINFOHEADER biWidth, biHeight (negative: top-down)
				w, h := int32(le32(p[4:])), int32(le32(p[8:]))
				st.width, st.height = int(w), int(h)
				if h < 0 && h != math.MinInt32 {
					st.height = int(-h)
				}
			}
		}
		return nil
	})
	return st, err
}

func le32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
