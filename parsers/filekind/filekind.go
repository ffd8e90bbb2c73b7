// Package filekind tells what a submitted file is: its format from the
// content's magic bytes (then its extension), and the material it holds
// (report, statistics table, recommendation list, video, photo, archive,
// message) from the format and the file name's keywords.
package filekind

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/richardlehane/mscfb"
	"github.com/shoubao/shoubao/parsers/archive"
	"github.com/shoubao/shoubao/parsers/video"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Kinds of file, as in the public `shoubao probe --json` format.
const (
	Message        = "message"
	Archive        = "archive"
	Report         = "report"
	StatsTable     = "stats_table"
	RecommendTable = "recommend_table"
	Video          = "video"
	Photo          = "photo"
	Other          = "other"
)

// Families group formats by what can be done with them.
const (
	FamilyPhoto       = "photo"
	FamilyVideo       = "video"
	FamilyArchive     = "archive"
	FamilyDocument    = "document"
	FamilySpreadsheet = "spreadsheet"
	FamilyMessage     = "message"
	FamilyOther       = "other"
)

// Result is what Detect found.
type Result struct {
	// Kind is one of the kind constants.
	Kind string
	// Format is the file format: "jpeg", "docx", "xls", "zip", "mp4"…, or ""
	// when neither content nor extension tells.
	Format string
	// Family is the format's family (FamilyPhoto…).
	Family string
	// ByContent is true when Format came from the content, not the name.
	ByContent bool
	// Encrypted is true for a password-protected Office file.
	Encrypted bool
	// Mismatch is the format the extension claims when the content says
	// otherwise (a .mp4 that is a JPEG: Mismatch "mp4"), else "".
	Mismatch string
	// Keyword is the kind the file name's keywords name (统计表 →
	// StatsTable, 推荐表 → RecommendTable, 总结/报告 → Report, 视频 → Video),
	// whether or not it decided Kind; "" when the name has none.
	Keyword string
	// NameKind is the kind the name alone says (extension, then keywords)
	// when the content rules it out: a .docx that is not a zip, a 1-byte
	// "总结", a text file named .mp4. Kind is then Other (or what the
	// content is) and Reason says why, in Chinese. "" otherwise, and when
	// Mismatch already tells.
	NameKind string
	// Reason completes NameKind: "内容只有 1 字节", "内容不是 DOCX 文件"…
	Reason string
	// Damaged is true when the content starts as the container of the
	// format the name gives (a zip for .xlsx .docx .pptx .odt .ods, an OLE2
	// compound file for .xls .et .doc .wps) but the container cannot be
	// read (a truncated upload, a damaged file): Format is then the name's
	// and the kind is the one the name says, not archive or other.
	Damaged bool
}

// HeadSize is how many leading bytes Detect looks at.
const HeadSize = 4096

// Detect identifies the file held by ra (size bytes) named name. ra may be
// nil, in which case only the name is used.
//
// The content wins over the name: magic bytes decide the format; when
// they say nothing, the name's format and keywords decide only if the
// content could be that (not 1 byte, text for a text format, not text for
// a video); else the kind is Other and NameKind/Reason say what the name
// claimed and why it was not believed.
func Detect(ra io.ReaderAt, size int64, name string) Result {
	var head []byte
	if ra != nil {
		n := min(size, HeadSize)
		head = make([]byte, n)
		m, _ := ra.ReadAt(head, 0)
		head = head[:m]
	}
	var r Result
	var unreadable bool
	r.Format, r.Encrypted, unreadable = sniff(head, ra, size, name)
	base := baseName(name)
	extFormat := formatByExt[strings.ToLower(path.Ext(base))]
	if extFormat == "gzip" && strings.HasSuffix(strings.ToLower(base), ".tar.gz") {
		extFormat = "tar.gz"
	}
	if unreadable && extFormat != "" && containerOf[extFormat] == r.Format {
		// The name's format in a container that cannot be read: a damaged
		// file of the kind the name says.
		r.Format, r.Damaged = extFormat, true
	}
	if r.Format != "" {
		r.ByContent = true
		if extFormat != "" && familyOf(extFormat) != familyOf(r.Format) && !compatible(extFormat, r.Format) {
			r.Mismatch = extFormat
		}
	} else {
		r.Format = extFormat
	}
	r.Family = familyOf(r.Format)
	r.Kind = kindOf(r.Family, r.Format, base)
	r.Keyword = keyword(strings.ToLower(base))
	if ra == nil {
		return r
	}
	nameKind := kindOf(familyOf(extFormat), extFormat, base)
	if !r.ByContent {
		if size == 0 {
			// Nothing can be what its name says; empty_file tells.
			r.Kind = Other
			return r
		}
		if reason := implausible(r.Kind, extFormat, head, size); reason != "" {
			r.Kind, r.NameKind, r.Reason = Other, nameKind, reason
			return r
		}
		return r
	}
	if r.Mismatch == "" && r.Kind == Other && claimsMaterial(nameKind) {
		r.NameKind, r.Reason = nameKind, "内容是"+describe(r.Format)
	}
	return r
}

// claimsMaterial reports whether a kind is one a unit submits as material,
// worth a finding when the content says otherwise.
func claimsMaterial(kind string) bool {
	switch kind {
	case Report, StatsTable, RecommendTable, Video, Photo:
		return true
	}
	return false
}

// Smallest contents the name's kind is believed for when the magic bytes
// say nothing: no report or table fits in fewer bytes than a word or two
// (a 1-byte "总结" is not one), no video in fewer than a kilobyte (its
// container headers alone take more).
const (
	minTextBytes  = 8
	minVideoBytes = 1024
)

// magicFormats always start with their magic bytes: content without them
// is not that format.
var magicFormats = map[string]bool{
	"docx": true, "xlsx": true, "pptx": true, "odt": true, "ods": true, "pdf": true,
	"jpeg": true, "png": true, "gif": true, "webp": true, "heic": true, "avif": true,
	"bmp": true, "tiff": true,
}

// textTolerant formats are often really text (CSV or HTML saved as .xls,
// HTML saved as .doc), which Office opens all the same.
var textTolerant = map[string]bool{
	"doc": true, "xls": true, "et": true, "wps": true, "rtf": true, "txt": true, "csv": true,
}

// implausible returns why content the magic bytes did not identify cannot
// be the kind its name gave it, or "" when it may be.
func implausible(kind, extFormat string, head []byte, size int64) string {
	switch kind {
	case Report, StatsTable, RecommendTable, Photo:
	case Video:
		switch {
		case size < minVideoBytes:
			return fmt.Sprintf("内容只有 %d 字节，不可能是视频", size)
		case textLike(head):
			return "内容是文本，不是视频"
		}
		return "" // parsers/video (and ffprobe) decide
	default:
		return ""
	}
	switch {
	case size < minTextBytes:
		return fmt.Sprintf("内容只有 %d 字节", size)
	case magicFormats[extFormat]:
		return "内容不是" + describe(extFormat)
	case textTolerant[extFormat] || extFormat == "":
		if !textLike(head) {
			if extFormat == "" {
				return "内容不是可识别的文档，也不是文本"
			}
			return "内容既不是" + describe(extFormat) + "，也不是文本"
		}
	}
	return ""
}

// describe names a format for a finding.
func describe(format string) string {
	switch format {
	case "exe":
		return "Windows 可执行程序（exe）"
	case "elf":
		return "Linux 可执行程序（ELF）"
	case "ole":
		return "无法识别的 Office 97-2003 文件"
	case "":
		return "无法识别的格式"
	}
	return strings.ToUpper(format) + " 文件"
}

// textLike reports whether head looks like text: a UTF-16 byte order mark,
// or no NUL, few control characters, and valid UTF-8 or GB18030.
func textLike(head []byte) bool {
	if len(head) == 0 {
		return false
	}
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		return true
	}
	controls := 0
	for _, c := range head {
		switch {
		case c == 0:
			return false
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1a && c != 0x1b:
			controls++
		}
	}
	if controls > len(head)/100 {
		return false
	}
	// The head may end inside a character.
	trimmed := head
	for i := 0; i < utf8.UTFMax && len(trimmed) > 0 && !utf8.Valid(trimmed); i++ {
		trimmed = trimmed[:len(trimmed)-1]
	}
	if len(trimmed) > 0 && utf8.Valid(trimmed) {
		return true
	}
	dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(head)
	if err != nil {
		return false
	}
	return bytes.Count(dec, []byte("\uFFFD")) <= len(head)/100
}

// baseName returns the last element of a path written with either slash,
// leaving alone the \uXXXX escapes that shown names carry (see
// mail.SanitizeName).
func baseName(name string) string {
	for i := len(name) - 1; i >= 0; i-- {
		switch {
		case name[i] == '/':
			return name[i+1:]
		case name[i] == '\\' && !isEscape(name[i:]):
			return name[i+1:]
		}
	}
	return name
}

// isEscape reports whether s starts with a \uXXXX escape.
func isEscape(s string) bool {
	if len(s) < 6 || s[1] != 'u' {
		return false
	}
	for _, c := range s[2:6] {
		if !strings.ContainsRune("0123456789ABCDEFabcdef", c) {
			return false
		}
	}
	return true
}

// keyword returns the kind a file name's keywords name, or "".
func keyword(base string) string {
	if k := tableKeyword(base); k != "" {
		return k
	}
	switch {
	case strings.Contains(base, "总结"), strings.Contains(base, "报告"):
		return Report
	case strings.Contains(base, "视频"):
		return Video
	}
	return ""
}

// compatible lists extension/content pairs that are not worth a finding.
func compatible(ext, content string) bool {
	switch {
	case ext == "et" && content == "xls", ext == "wps" && content == "doc":
		return true
	}
	return false
}

// kindOf picks the kind: photos, videos, archives and messages by format;
// documents and spreadsheets refined by name keywords.
func kindOf(family, format, name string) string {
	base := strings.ToLower(baseName(name))
	switch family {
	case FamilyPhoto:
		return Photo
	case FamilyVideo:
		return Video
	case FamilyArchive:
		return Archive
	case FamilyMessage:
		return Message
	case FamilyDocument, FamilySpreadsheet:
		if k := tableKeyword(base); k != "" {
			return k
		}
		if family == FamilyDocument {
			return Report
		}
		if strings.Contains(base, "总结") {
			return Report
		}
		return Other
	}
	if format == "" {
		if k := tableKeyword(base); k != "" {
			return k
		}
		switch {
		case strings.Contains(base, "总结"):
			return Report
		case strings.Contains(base, "视频"):
			return Video
		}
	}
	return Other
}

// tableKeyword returns the table kind named in a file name, or "".
func tableKeyword(base string) string {
	switch {
	case strings.Contains(base, "统计表"), strings.Contains(base, "情况统计"):
		return StatsTable
	case strings.Contains(base, "推荐表"), strings.Contains(base, "推荐清单"), strings.Contains(base, "推荐名单"):
		return RecommendTable
	}
	return ""
}

func familyOf(format string) string {
	if f, ok := families[format]; ok {
		return f
	}
	return FamilyOther
}

var families = map[string]string{
	"jpeg": FamilyPhoto, "png": FamilyPhoto, "gif": FamilyPhoto, "webp": FamilyPhoto,
	"heic": FamilyPhoto, "avif": FamilyPhoto, "bmp": FamilyPhoto, "tiff": FamilyPhoto,
	"mp4": FamilyVideo, "mov": FamilyVideo, "3gp": FamilyVideo, "avi": FamilyVideo,
	"asf": FamilyVideo, "flv": FamilyVideo, "matroska": FamilyVideo, "webm": FamilyVideo,
	"mpegps": FamilyVideo, "mpegts": FamilyVideo,
	"zip": FamilyArchive, "rar": FamilyArchive, "7z": FamilyArchive,
	"tar": FamilyArchive, "gzip": FamilyArchive, "tar.gz": FamilyArchive,
	"docx": FamilyDocument, "doc": FamilyDocument, "wps": FamilyDocument, "pdf": FamilyDocument,
	"txt": FamilyDocument, "odt": FamilyDocument, "rtf": FamilyDocument,
	"xlsx": FamilySpreadsheet, "xls": FamilySpreadsheet, "et": FamilySpreadsheet,
	"ods": FamilySpreadsheet, "csv": FamilySpreadsheet,
	"eml": FamilyMessage,
}

var formatByExt = map[string]string{
	".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg", ".jfif": "jpeg", ".png": "png",
	".gif": "gif", ".webp": "webp", ".heic": "heic", ".heif": "heic", ".avif": "avif",
	".bmp": "bmp", ".tif": "tiff", ".tiff": "tiff",
	".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".3gp": "3gp", ".3g2": "3gp",
	".avi": "avi", ".wmv": "asf", ".asf": "asf", ".flv": "flv", ".f4v": "mp4",
	".mkv": "matroska", ".webm": "webm", ".mpg": "mpegps", ".mpeg": "mpegps", ".vob": "mpegps",
	".ts": "mpegts", ".mts": "mpegts", ".m2ts": "mpegts",
	".zip": "zip", ".rar": "rar", ".7z": "7z",
	".tar": "tar", ".gz": "gzip", ".tgz": "tar.gz",
	".exe": "exe", ".scr": "exe", ".dll": "exe",
	".docx": "docx", ".doc": "doc", ".wps": "wps", ".pdf": "pdf", ".txt": "txt",
	".odt": "odt", ".rtf": "rtf",
	".xlsx": "xlsx", ".xls": "xls", ".et": "et", ".ods": "ods", ".csv": "csv",
	".eml": "eml",
}

// containerOf names the container each Office format lives in, as sniff
// reports it when it cannot look inside.
var containerOf = map[string]string{
	"xlsx": "zip", "docx": "zip", "pptx": "zip", "odt": "zip", "ods": "zip",
	"xls": "ole", "et": "ole", "doc": "ole", "wps": "ole",
}

// sniff returns the format the content shows, or "". unreadable is true
// when the content is a zip or OLE2 container that cannot be opened (the
// format is then "zip" or "ole").
func sniff(h []byte, ra io.ReaderAt, size int64, name string) (format string, encrypted, unreadable bool) {
	ext := strings.ToLower(path.Ext(name))
	has := func(off int, sig string) bool {
		return len(h) >= off+len(sig) && string(h[off:off+len(sig)]) == sig
	}
	switch {
	case has(0, "\xff\xd8\xff"):
		return "jpeg", false, false
	case has(0, "\x89PNG\r\n\x1a\n"):
		return "png", false, false
	case has(0, "GIF87a"), has(0, "GIF89a"):
		return "gif", false, false
	case has(0, "RIFF") && has(8, "WEBP"):
		return "webp", false, false
	case has(0, "II*\x00"), has(0, "MM\x00*"):
		return "tiff", false, false
	case has(0, "BM") && len(h) >= 18 && (h[14] == 12 || h[14] == 40 || h[14] == 56 || h[14] == 108 || h[14] == 124) && h[15] == 0:
		return "bmp", false, false
	case has(4, "ftyp") && stillImage(h) != "":
		return stillImage(h), false, false
	case video.Sniff(h) != "":
		// The video parser owns the container families.
		return video.Sniff(h), false, false
	case has(0, "%PDF-"), bytes.Contains(h[:min(len(h), 1024)], []byte("%PDF-")):
		// Acrobat accepts the header anywhere in the first kilobyte.
		return "pdf", false, false
	case has(0, "{\\rtf"):
		return "rtf", false, false
	case has(0, "Rar!\x1a\x07"):
		return "rar", false, false
	case has(0, "7z\xbc\xaf\x27\x1c"):
		return "7z", false, false
	case has(0, "\x1f\x8b\x08"):
		return gzipFormat(ra, size), false, false
	case len(h) >= 512 && archive.IsTarHeader(h):
		return "tar", false, false
	case has(0, "MZ") && isPE(h):
		return "exe", false, false
	case has(0, "\x7fELF"):
		return "elf", false, false
	case has(0, "PK\x03\x04"), has(0, "PK\x05\x06"), has(0, "PK\x07\x08"):
		format, ok := zipFormat(ra, size)
		return format, false, !ok
	case has(0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
		return oleFormat(ra, ext)
	case looksLikeMessage(h):
		return "eml", false, false
	}
	return "", false, false
}

// isPE reports whether an MZ header points to a PE signature: a Windows
// program (.exe, .dll, .scr), whatever its name says.
func isPE(h []byte) bool {
	if len(h) < 0x40 {
		return false
	}
	off := int(binary.LittleEndian.Uint32(h[0x3c:]))
	return off >= 0x40 && off+4 <= len(h) && string(h[off:off+4]) == "PE\x00\x00"
}

// gzipFormat tells a .tar.gz from a lone gzipped file by the first block
// of the decompressed stream.
func gzipFormat(ra io.ReaderAt, size int64) string {
	if ra == nil {
		return "gzip"
	}
	zr, err := gzip.NewReader(io.NewSectionReader(ra, 0, size))
	if err != nil {
		return "gzip"
	}
	block := make([]byte, 512)
	if _, err := io.ReadFull(zr, block); err == nil && archive.IsTarHeader(block) {
		return "tar.gz"
	}
	return "gzip"
}

// stillImage returns "heic" or "avif" when an ISO BMFF file's major or
// compatible brands name a still image format, else "".
func stillImage(h []byte) string {
	if len(h) < 12 {
		return ""
	}
	boxLen := int(h[0])<<24 | int(h[1])<<16 | int(h[2])<<8 | int(h[3])
	boxLen = min(max(boxLen, 12), len(h))
	brands := []string{string(h[8:12])}
	for off := 16; off+4 <= boxLen; off += 4 {
		brands = append(brands, string(h[off:off+4]))
	}
	for _, b := range brands {
		switch b {
		case "heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs", "mif1", "msf1":
			return "heic"
		case "avif", "avis":
			return "avif"
		}
	}
	return ""
}

// zipFormat tells an OOXML or ODF document from a plain zip by its members;
// ok is false when the zip's directory cannot be read.
func zipFormat(ra io.ReaderAt, size int64) (format string, ok bool) {
	if ra == nil {
		return "zip", true
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return "zip", false
	}
	var contentTypes, xl, word, ppt bool
	for i, f := range zr.File {
		if i > 5000 {
			break
		}
		n := f.Name
		switch {
		case n == "[Content_Types].xml":
			contentTypes = true
		case strings.HasPrefix(n, "xl/"):
			xl = true
		case strings.HasPrefix(n, "word/"):
			word = true
		case strings.HasPrefix(n, "ppt/"):
			ppt = true
		case n == "mimetype" && i == 0:
			if f.UncompressedSize64 < 200 {
				if rc, err := f.Open(); err == nil {
					b, _ := io.ReadAll(io.LimitReader(rc, 200))
					rc.Close()
					switch strings.TrimSpace(string(b)) {
					case "application/vnd.oasis.opendocument.text":
						return "odt", true
					case "application/vnd.oasis.opendocument.spreadsheet":
						return "ods", true
					}
				}
			}
		}
	}
	switch {
	case contentTypes && xl:
		return "xlsx", true
	case contentTypes && word:
		return "docx", true
	case contentTypes && ppt:
		return "pptx", true
	}
	return "zip", true
}

// oleFormat tells Excel/WPS spreadsheets from Word/WPS documents in an OLE2
// compound file by their stream names; unreadable when the compound file
// cannot be opened.
func oleFormat(ra io.ReaderAt, ext string) (string, bool, bool) {
	if ra == nil {
		return "ole", false, false
	}
	doc, err := mscfb.New(ra)
	if err != nil {
		return "ole", false, true
	}
	var book, word, ppt, encrypted, msg bool
	for i := 0; i < 10000; i++ {
		e, err := doc.Next()
		if err != nil {
			break
		}
		switch {
		case e.Name == "Workbook" || e.Name == "Book":
			book = true
		case e.Name == "WordDocument":
			word = true
		case e.Name == "PowerPoint Document":
			ppt = true
		case e.Name == "EncryptedPackage":
			encrypted = true
		case strings.HasPrefix(e.Name, "__substg1.0_"):
			msg = true
		}
	}
	switch {
	case encrypted:
		switch ext {
		case ".xlsx", ".xls", ".et":
			return "xlsx", true, false
		case ".docx", ".doc", ".wps":
			return "docx", true, false
		}
		return "ole", true, false
	case book && ext == ".et":
		return "et", false, false
	case book:
		return "xls", false, false
	case word && ext == ".wps":
		return "wps", false, false
	case word:
		return "doc", false, false
	case ppt:
		return "ppt", false, false
	case msg:
		return "outlook-msg", false, false
	}
	return "ole", false, false
}

// looksLikeMessage reports whether h starts like an RFC 5322 message: a
// header of "Name: value" lines that includes From and one of Date,
// Subject, Message-ID or Received — or, when the head is all trace fields
// (long Received chains), at least three header lines including Received
// or Return-Path.
func looksLikeMessage(h []byte) bool {
	lines := bytes.Split(h, []byte("\n"))
	var from, other, trace bool
	fields := 0
	for i, l := range lines {
		l = bytes.TrimRight(l, "\r")
		if len(l) == 0 {
			break
		}
		if i == 0 && bytes.HasPrefix(l, []byte("From ")) {
			continue // mbox separator
		}
		if l[0] == ' ' || l[0] == '\t' {
			continue
		}
		colon := bytes.IndexByte(l, ':')
		if colon <= 0 || bytes.ContainsAny(l[:colon], " \t") {
			if i == len(lines)-1 {
				break // cut line at the end of the head
			}
			return false
		}
		fields++
		switch strings.ToLower(string(l[:colon])) {
		case "from":
			from = true
		case "received", "return-path", "delivered-to", "x-original-to":
			trace, other = true, true
		case "date", "subject", "message-id", "mime-version":
			other = true
		}
	}
	return from && other || trace && fields >= 3
}
