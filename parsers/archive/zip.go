package archive

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// zip walks a zip archive.
func (w *walk) zip(ra ReaderAt) error {
	if n, ok := zipEntryCount(ra, w.size); ok && n > uint64(w.b.Members) {
		w.fl.Add("too_many_members", "压缩包声明了 %d 个文件，超过剩余的 %d 个上限，未解压", n, w.b.Members)
		return nil
	}
	zr, err := zip.NewReader(ra, w.size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		w.fl.Add("archive_corrupt", "无法读取 zip 压缩包：%s", clipErr(err))
		return nil
	}
	var declared int64
	for _, f := range zr.File {
		declared += int64(min(f.UncompressedSize64, 1<<62))
		if declared < 0 {
			declared = 1 << 62
		}
	}
	if !w.checkDeclared(declared) {
		return nil
	}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || f.Mode()&fs.ModeSymlink != 0 {
			continue
		}
		if !w.admit() {
			return nil
		}
		m := newMember(zipName(f), f.Name)
		m.Size = int64(min(f.UncompressedSize64, 1<<62))
		m.Modified = f.Modified
		if f.Flags&0x1 != 0 {
			m.Encrypted = true
			if err := w.member(m, nil); err != nil {
				return err
			}
			continue
		}
		rc, err := f.Open()
		if err := w.opened(m, rc, err); err != nil {
			return err
		}
		if w.stopped {
			return nil
		}
	}
	return nil
}

// opened hands a member to the walk function with the result of opening
// it: its content, or, when it could not be opened, no content and an
// archive_corrupt finding. It closes rc.
func (w *walk) opened(m *Member, rc io.ReadCloser, openErr error) error {
	if openErr != nil {
		m.Findings.Add("archive_corrupt", "无法读取压缩包内的文件 %s：%s", m.Path, clipErr(openErr))
		return w.member(m, eofReader{})
	}
	defer rc.Close()
	return w.member(m, rc)
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// zipName decodes a member name: UTF-8 when the UTF-8 flag is set; else the
// Info-ZIP Unicode Path field when present; else UTF-8 when the bytes are
// valid UTF-8; else GB18030.
//
// QUIRK: Windows' built-in zip, WinRAR and 7-Zip on Chinese Windows store
// names in the OEM code page (CP936/GBK) without the UTF-8 flag; macOS
// stores UTF-8 without the flag.
func zipName(f *zip.File) string {
	if f.Flags&0x800 != 0 {
		return f.Name
	}
	if u, ok := unicodePathExtra(f.Extra, f.Name); ok {
		return u
	}
	return legacyName(f.Name)
}

// legacyName decodes a member name stored without a declared encoding:
// UTF-8 when the bytes are valid UTF-8, else GB18030 (a superset of the GBK
// that Chinese Windows writes).
func legacyName(raw string) string {
	if utf8.ValidString(raw) {
		return raw
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().String(raw)
	if err != nil {
		return raw
	}
	return out
}

// unicodePathExtra reads the Info-ZIP Unicode Path extra field (0x7075),
// valid only when its CRC matches the stored name.
func unicodePathExtra(extra []byte, name string) (string, bool) {
	for len(extra) >= 4 {
		id := binary.LittleEndian.Uint16(extra)
		size := int(binary.LittleEndian.Uint16(extra[2:]))
		if 4+size > len(extra) {
			return "", false
		}
		data := extra[4 : 4+size]
		extra = extra[4+size:]
		if id != 0x7075 || len(data) < 5 || data[0] != 1 {
			continue
		}
		if binary.LittleEndian.Uint32(data[1:]) != crc32.ChecksumIEEE([]byte(name)) {
			return "", false
		}
		u := string(data[5:])
		return u, utf8.ValidString(u)
	}
	return "", false
}

// zipEntryCount reads the entry count from the end of central directory
// record (zip64 aware) without loading the directory.
func zipEntryCount(ra io.ReaderAt, size int64) (uint64, bool) {
	const eocdLen = 22
	tail := min(size, 65535+eocdLen)
	buf := make([]byte, tail)
	if _, err := ra.ReadAt(buf, size-tail); err != nil && err != io.EOF {
		return 0, false
	}
	for i := len(buf) - eocdLen; i >= 0; i-- {
		if string(buf[i:i+4]) != "PK\x05\x06" {
			continue
		}
		n := uint64(binary.LittleEndian.Uint16(buf[i+10:]))
		if n != 0xffff || i < 20 || string(buf[i-20:i-16]) != "PK\x06\x07" {
			return n, true
		}
		off := int64(binary.LittleEndian.Uint64(buf[i-20+8:]))
		rec := make([]byte, 56)
		if off < 0 || off > size-56 {
			return n, true
		}
		if _, err := ra.ReadAt(rec, off); err != nil || string(rec[:4]) != "PK\x06\x06" {
			return n, true
		}
		return binary.LittleEndian.Uint64(rec[32:]), true
	}
	return 0, false
}
