package video

import (
	"bytes"
	"encoding/binary"
)

// Sniff returns the container family of a file from its first bytes (pass at
// least the first 4 KiB when available), or "" when it is not a video
// container we know. Families: mp4, mov, 3gp, avi, matroska, webm, flv, asf,
// mpegts, mpegps.
func Sniff(head []byte) string {
	switch {
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		return ftypFamily(string(head[8:12]))
	case len(head) >= 8 && isQuickTimeAtom(head):
		return "mov"
	case len(head) >= 12 && string(head[0:4]) == "RIFF" && string(head[8:12]) == "AVI ":
		return "avi"
	case bytes.HasPrefix(head, ebmlMagic):
		if ebmlDocType(head) == "webm" {
			return "webm"
		}
		return "matroska"
	case len(head) >= 9 && string(head[0:3]) == "FLV" && head[3] == 1:
		return "flv"
	case bytes.HasPrefix(head, guidASFHeader[:]):
		return "asf"
	case bytes.HasPrefix(head, []byte{0, 0, 1, 0xBA}):
		return "mpegps"
	case tsLayout(head) != (tsGeom{}):
		return "mpegts"
	}
	return ""
}

// ftypFamily maps an ISO BMFF major brand to a family; still-image brands
// (HEIF, AVIF) are photos, not videos.
func ftypFamily(brand string) string {
	switch brand {
	case "heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs",
		"mif1", "msf1", "avif", "avis", "jpeg", "avci":
		return ""
	case "qt  ":
		return "mov"
	}
	if brand[:3] == "3gp" || brand[:3] == "3g2" || brand[:3] == "3ge" || brand[:3] == "3gg" {
		return "3gp"
	}
	return "mp4"
}

// isQuickTimeAtom reports whether head starts with a top-level atom that old
// QuickTime files (written before ftyp existed) begin with.
func isQuickTimeAtom(head []byte) bool {
	switch string(head[4:8]) {
	case "moov", "mdat", "wide", "free", "skip", "pnot":
	default:
		return false
	}
	size := binary.BigEndian.Uint32(head)
	return size == 0 || size == 1 || size >= 8
}

// identify names common non-video formats, for the not_a_video message.
func identify(head []byte) string {
	has := func(off int, magic string) bool {
		return len(head) >= off+len(magic) && string(head[off:off+len(magic)]) == magic
	}
	switch {
	case has(0, "\xFF\xD8\xFF"):
		return "JPEG图片"
	case has(0, "\x89PNG\r\n\x1a\n"):
		return "PNG图片"
	case has(0, "GIF87a"), has(0, "GIF89a"):
		return "GIF图片"
	case has(0, "RIFF") && has(8, "WEBP"):
		return "WebP图片"
	case has(4, "ftyp") && len(head) >= 12:
		return "HEIC/AVIF图片"
	case has(0, "II*\x00"), has(0, "MM\x00*"):
		return "TIFF图片"
	case has(0, "%PDF-"):
		return "PDF文档"
	case has(0, "PK\x03\x04"):
		return "ZIP压缩包或Office文档"
	case has(0, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"):
		return "Office 97-2003文档"
	case has(0, "Rar!\x1a\x07"):
		return "RAR压缩包"
	case has(0, "7z\xBC\xAF\x27\x1C"):
		return "7z压缩包"
	case has(0, "ID3"), len(head) >= 2 && head[0] == 0xFF && head[1]&0xE0 == 0xE0:
		return "MP3/AAC音频"
	case has(0, "RIFF") && has(8, "WAVE"):
		return "WAV音频"
	}
	return ""
}
