package xls

import (
	"encoding/binary"
	"unicode/utf16"
)

// segReader reads across the SST record and its CONTINUE records.
type segReader struct {
	segs [][]byte
	i    int // current segment
	p    int // position in it
}

func (r *segReader) left() int {
	n := 0
	for i := r.i; i < len(r.segs); i++ {
		n += len(r.segs[i])
	}
	return n - r.p
}

// next moves to the next segment when the current one is used up.
func (r *segReader) next() bool {
	for r.i < len(r.segs) && r.p >= len(r.segs[r.i]) {
		r.i++
		r.p = 0
	}
	return r.i < len(r.segs)
}

func (r *segReader) byte() (byte, bool) {
	if !r.next() {
		return 0, false
	}
	b := r.segs[r.i][r.p]
	r.p++
	return b, true
}

func (r *segReader) uint16() (uint16, bool) {
	lo, ok1 := r.byte()
	hi, ok2 := r.byte()
	return uint16(lo) | uint16(hi)<<8, ok1 && ok2
}

func (r *segReader) uint32() (uint32, bool) {
	lo, ok1 := r.uint16()
	hi, ok2 := r.uint16()
	return uint32(lo) | uint32(hi)<<16, ok1 && ok2
}

// skip drops n bytes, across segments.
func (r *segReader) skip(n int) bool {
	for n > 0 {
		if !r.next() {
			return false
		}
		k := min(n, len(r.segs[r.i])-r.p)
		r.p += k
		n -= k
	}
	return true
}

// chars reads n characters; when a CONTINUE record starts inside the
// characters, it begins with a new option byte saying whether the rest is
// 8- or 16-bit (MS-XLS 2.5.293).
func (r *segReader) chars(n int, high bool) (string, bool) {
	u := make([]uint16, 0, min(n, 1<<16))
	for len(u) < n {
		if r.i >= len(r.segs) {
			return string(utf16.Decode(u)), false
		}
		if r.p >= len(r.segs[r.i]) {
			r.i++
			r.p = 0
			if r.i >= len(r.segs) || len(r.segs[r.i]) == 0 {
				return string(utf16.Decode(u)), false
			}
			high = r.segs[r.i][0]&0x01 != 0
			r.p = 1
			continue
		}
		seg := r.segs[r.i]
		if high {
			if r.p+2 > len(seg) {
				return string(utf16.Decode(u)), false
			}
			u = append(u, binary.LittleEndian.Uint16(seg[r.p:]))
			r.p += 2
		} else {
			u = append(u, uint16(seg[r.p]))
			r.p++
		}
	}
	return string(utf16.Decode(u)), true
}

// readSST decodes the shared string table; a damaged table keeps the
// strings read before the damage.
func readSST(segs [][]byte) []string {
	r := &segReader{segs: segs}
	if _, ok := r.uint32(); !ok { // cstTotal
		return nil
	}
	unique, ok := r.uint32()
	if !ok {
		return nil
	}
	// Each string takes at least 3 bytes: do not trust the count further.
	n := min(int(unique), r.left()/3)
	out := make([]string, 0, n)
	for range n {
		if !r.next() {
			break
		}
		cch, ok1 := r.uint16()
		flags, ok2 := r.byte()
		if !ok1 || !ok2 {
			break
		}
		var runs uint16
		var ext uint32
		if flags&0x08 != 0 {
			runs, _ = r.uint16()
		}
		if flags&0x04 != 0 {
			ext, _ = r.uint32()
		}
		s, ok := r.chars(int(cch), flags&0x01 != 0)
		out = append(out, s)
		if !ok || !r.skip(4*int(runs)) || !r.skip(int(ext)) {
			break
		}
	}
	return out
}
