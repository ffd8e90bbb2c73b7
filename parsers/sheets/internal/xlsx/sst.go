package xlsx

import (
	"archive/zip"
	"bytes"
	"unicode/utf8"
	"unsafe"

	"github.com/shoubao/shoubao/parsers/sheets/internal/xmlscan"
)

// sst is the shared string table: all strings in one block, so that a
// cell's string is a substring of it, never a copy.
type sst struct {
	data []byte
	str  string   // data as a string, once read
	off  []uint32 // string i is str[off[i]:off[i+1]]
	cut  int      // strings cut to Limits.MaxCellRunes
}

// get returns shared string i.
func (t *sst) get(i int) (string, bool) {
	if i < 0 || i+1 >= len(t.off) {
		return "", false
	}
	return t.str[t.off[i]:t.off[i+1]], true
}

// SST parse states.
const (
	sstTop = iota
	sstSI
	sstSIT  // <si><t>
	sstR    // <si><r>
	sstRT   // <si><r><t>
	sstSkip // inside an item past its limit
)

// readSST reads the shared string table: per item its <t>, or its rich
// text runs' <t> joined; phonetic runs (<rPh>) are left out.
func (rd *reader) readSST(f *zip.File) error {
	t := rd.sst
	t.off = []uint32{0}
	// The text is no longer than the part's XML (as archive/zip
	// enforces its declared size): one allocation, never regrown and
	// copied, up to the limit.
	t.data = make([]byte, 0, min(int64(min(f.UncompressedSize64, 1<<40)), rd.lim.MaxSharedStringBytes+1))
	rc, err := rd.open(f, rd.lim.MaxPartBytes)
	if err != nil {
		return err
	}
	defer rc.Close()
	s := rd.scan(rc, f.UncompressedSize64)
	defer rd.done(s)
	capBytes := rawCap(rd.lim.MaxCellRunes)
	var item, text []byte
	over := false
	st := sstTop
	for {
		switch s.Next() {
		case xmlscan.KindError:
			return partErr(s.Err())
		case xmlscan.KindEOF:
			t.str = unsafe.String(unsafe.SliceData(t.data), len(t.data))
			return nil
		case xmlscan.KindStart:
			switch st {
			case sstTop:
				if string(s.Local) == "sst" && len(t.off) == 1 {
					// The announced count, as a capacity only.
					if n, ok := parseRowNum(s.Attr("uniqueCount")); ok {
						t.off = make([]uint32, 1, min(n, rd.lim.MaxSharedStrings)+1)
					}
				}
				if string(s.Local) == "si" {
					if len(t.off)-1 >= rd.lim.MaxSharedStrings {
						return &LimitError{Err: ErrSharedStrings, Part: f.Name, What: "count", Size: int64(len(t.off)), Limit: int64(rd.lim.MaxSharedStrings)}
					}
					st, item, over = sstSI, item[:0], false
				}
			case sstSI:
				switch string(s.Local) {
				case "t":
					st = sstSIT
				case "r":
					st = sstR
				default:
					s.Skip()
				}
			case sstR:
				if string(s.Local) == "t" {
					st = sstRT
				} else {
					s.Skip()
				}
			default:
				s.Skip()
			}
		case xmlscan.KindEnd:
			switch st {
			case sstSIT, sstR:
				st = sstSI
			case sstRT:
				st = sstR
			case sstSI:
				st = sstTop
				var cut bool
				text, cut = appendText(text[:0], item, rd.lim.MaxCellRunes, true)
				if cut || over {
					t.cut++
				}
				if size := int64(len(t.data) + len(text)); size > rd.lim.MaxSharedStringBytes {
					return &LimitError{Err: ErrSharedStrings, Part: f.Name, What: "bytes", Size: size, Limit: rd.lim.MaxSharedStringBytes}
				}
				t.data = append(t.data, text...)
				t.off = append(t.off, uint32(len(t.data)))
			}
		case xmlscan.KindText:
			if st == sstSIT || st == sstRT {
				item, over = appendCapped(item, s.Text, capBytes, over)
			}
		}
	}
}

// rawCap is how many bytes of a cell's text are collected before it is
// decoded and cut to maxRunes: enough for maxRunes characters written as
// _xHHHH_ escapes.
func rawCap(maxRunes int) int { return 7*maxRunes + 16 }

// appendCapped appends text to b up to capBytes; over reports that text
// was dropped.
func appendCapped(b, text []byte, capBytes int, over bool) ([]byte, bool) {
	if room := capBytes - len(b); len(text) > room {
		return append(b, text[:max(room, 0)]...), true
	}
	return append(b, text...), over
}

// appendText appends a cell's raw text to dst: with _xHHHH_ escapes
// decoded if bstr, invalid UTF-8 replaced, and cut to maxRunes
// characters (cut is then true).
func appendText(dst, raw []byte, maxRunes int, bstr bool) (out []byte, cut bool) {
	start := len(dst)
	if bstr && bytes.Contains(raw, []byte("_x")) {
		dst = unescapeBstr(dst, raw)
	} else {
		dst = append(dst, raw...)
	}
	if !utf8.Valid(dst[start:]) {
		fixed := bytes.ToValidUTF8(dst[start:], []byte("\uFFFD"))
		dst = append(dst[:start], fixed...)
	}
	if len(dst)-start > maxRunes { // bytes ≥ runes: count only when it may matter
		n := 0
		for i := start; i < len(dst); {
			if n == maxRunes {
				return dst[:i], true
			}
			_, size := utf8.DecodeRune(dst[i:])
			i += size
			n++
		}
	}
	return dst, false
}

// unescapeBstr appends raw with the _xHHHH_ escapes of OOXML strings
// decoded as excelize did: "_x000D_" is "\r", "_x005F_" is "_" (so
// "_x005F_x000D_" stays "_x000D_"), an escape of a surrogate is dropped.
func unescapeBstr(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		if raw[i] == '_' && i+7 <= len(raw) && raw[i+1] == 'x' && raw[i+6] == '_' && isHex4(raw[i+2:i+6]) {
			v := hex4(raw[i+2 : i+6])
			if v < 0xD800 || v > 0xDFFF {
				dst = utf8.AppendRune(dst, v)
			}
			i += 7
			continue
		}
		dst = append(dst, raw[i])
		i++
	}
	return dst
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func hex4(b []byte) rune {
	var v rune
	for _, c := range b {
		v <<= 4
		switch {
		case c >= '0' && c <= '9':
			v |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			v |= rune(c - 'a' + 10)
		default:
			v |= rune(c - 'A' + 10)
		}
	}
	return v
}

// validString converts b to a string with invalid UTF-8 replaced.
func validString(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
}
