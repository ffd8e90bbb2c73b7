package video

import "fmt"

// MPEG transport streams (.ts, and .m2ts/.mts with a 4-byte prefix per
// packet): 188-byte packets; each PES packet that starts in one (payload
// unit start) carries the stream ID and usually a PTS.

// tsGeom is a packet layout: the packet size and where the 0x47 sync byte
// sits in each packet.
type tsGeom struct{ size, sync int }

// tsLayout recognises a transport stream by the sync bytes of its first
// three packets.
func tsLayout(head []byte) tsGeom {
	for _, g := range []tsGeom{{188, 0}, {192, 4}, {204, 0}} {
		if len(head) > g.sync+2*g.size && head[g.sync] == 0x47 && head[g.sync+g.size] == 0x47 && head[g.sync+2*g.size] == 0x47 {
			return g
		}
	}
	return tsGeom{}
}

// Window sizes read at each end of an MPEG stream.
const (
	mpegHead    = 1 << 20
	mpegTail    = 1 << 20
	mpegTailMax = 4 << 20
)

func probeTS(s *source) (*Info, error) {
	head, err := s.readUpTo(0, sniffLen)
	if err != nil {
		return nil, fmt.Errorf("mpegts: %w", err)
	}
	g := tsLayout(head)
	tl := newTimeline()
	pass := func(from, to int64) error {
		tl.startPass()
		return s.windows(from, to, func(b []byte, atEOF bool) (int, error) {
			return tsPackets(s, tl, g, b, atEOF)
		})
	}
	if err := scanEnds(s, tl, pass); err != nil {
		return nil, fmt.Errorf("mpegts: %w", err)
	}
	return tl.info()
}

// scanEnds runs pass over the head window and then over a tail window
// grown until every stream has a timestamp in it.
func scanEnds(s *source, tl *timeline, pass func(from, to int64) error) error {
	headEnd := min(s.size, mpegHead)
	if err := pass(0, headEnd); err != nil {
		return err
	}
	for tail := int64(mpegTail); headEnd < s.size; tail *= 4 {
		if err := pass(max(headEnd, s.size-tail), s.size); err != nil {
			return err
		}
		if !tl.missingInTail() || tail >= mpegTailMax || s.size-tail <= headEnd {
			break
		}
	}
	return nil
}

// windows reads [from, to) in chunks of at most maxChunk bytes and hands
// them to fn, which returns how many bytes it consumed; the rest is read
// again at the start of the next chunk.
func (s *source) windows(from, to int64, fn func(b []byte, atEOF bool) (int, error)) error {
	for from < to {
		b, err := s.readAt(from, int(min(to-from, maxChunk)))
		if err != nil {
			return err
		}
		atEOF := from+int64(len(b)) == s.size
		n, err := fn(b, atEOF)
		if err != nil {
			return err
		}
		if n <= 0 || from+int64(len(b)) == to {
			return nil
		}
		from += int64(n)
	}
	return nil
}

// tsPackets feeds the packets in b to tl and returns the bytes consumed.
func tsPackets(s *source, tl *timeline, g tsGeom, b []byte, atEOF bool) (int, error) {
	i := tsSync(b, 0, g)
	for i >= 0 && i+188 <= len(b) {
		if err := s.step(); err != nil {
			return 0, err
		}
		if b[i] != 0x47 {
			i = tsSync(b, i, g)
			continue
		}
		tsPacket(tl, b[i:i+188])
		i += g.size
	}
	if i >= 0 && i < len(b) && atEOF {
		s.truncated = true // a packet cut short at the end of the file
	}
	if i < 0 {
		return len(b), nil
	}
	return i - g.sync, nil
}

// tsSync finds the next sync byte at or after from that is followed by
// another one a packet later.
func tsSync(b []byte, from int, g tsGeom) int {
	for i := from; i < len(b); i++ {
		if b[i] == 0x47 && (i+g.size >= len(b) || b[i+g.size] == 0x47) {
			return i
		}
	}
	return -1
}

// tsPacket handles one 188-byte packet.
func tsPacket(tl *timeline, p []byte) {
	pid := uint32(p[1]&0x1F)<<8 | uint32(p[2])
	afc := p[3] >> 4 & 3
	if afc&1 == 0 || pid == 0x1FFF {
		return // no payload, or null packet
	}
	start := 4
	if afc&2 != 0 {
		start += 1 + int(p[4])
	}
	if start >= len(p) {
		return
	}
	payload := p[start:]
	if p[1]&0x40 == 0 {
		tl.more(pid, payload)
		return
	}
	pts, hasPTS, body, ok := pesHeader(payload)
	if !ok {
		return
	}
	if kind := streamKind(payload[3], payload[body:]); kind != 0 {
		tl.pes(pid, kind, pts, hasPTS, payload[body:])
	}
}
