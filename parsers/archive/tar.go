package archive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxSkipped bounds the tar entries that are not files (directories,
// links, devices) walked past: each costs a header and is not counted as a
// member.
const maxSkipped = 10_000

// tar walks a tar stream read from r (already guarded).
func (w *walk) tar(r io.Reader) error {
	tr := tar.NewReader(r)
	skipped := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if cerr := w.ctx.Err(); cerr != nil {
				return cerr
			}
			if !w.stopped {
				w.fl.Add("archive_corrupt", "无法读取 tar 压缩包：%s", clipErr(err))
			}
			return nil
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeRegA && h.Typeflag != tar.TypeGNUSparse {
			skipped++
			if skipped > maxSkipped {
				w.fl.Add("too_many_members", "tar 压缩包中的目录和链接过多（超过 %d 个），其余文件未检查", maxSkipped)
				return nil
			}
			continue
		}
		if !w.admit() {
			return nil
		}
		// QUIRK: tar names are bytes; GNU tar on Chinese Linux and most
		// tools write UTF-8 (PAX records always do), old Windows tools
		// GBK.
		m := newMember(legacyName(h.Name), h.Name)
		m.Size = h.Size
		m.Modified = h.ModTime
		if !w.checkMember(h.Size) {
			return nil
		}
		if err := w.member(m, tr); err != nil {
			return err
		}
		if w.stopped {
			return nil
		}
	}
}

// gzip walks a gzip file: a tar inside it (.tar.gz, .tgz) is walked as a
// tar; anything else is one member.
func (w *walk) gzip(ra ReaderAt) error {
	w.in = &countReader{r: io.NewSectionReader(ra, 0, w.size)}
	zr, err := gzip.NewReader(w.in)
	if err != nil {
		w.fl.Add("archive_corrupt", "无法读取 gzip 压缩文件：%s", clipErr(err))
		return nil
	}
	defer zr.Close()
	// The trailer's size (mod 2^32, of the last gzip member) can only
	// understate what a real file holds: when it already breaks the limits
	// the file is a bomb.
	if isize, ok := gzipTrailerSize(ra, w.size); ok && !w.checkDeclared(isize) {
		return nil
	}
	br := bufio.NewReaderSize(&streamGuard{r: zr, w: w}, 4096)
	head, err := br.Peek(512)
	if w.stopped {
		return nil
	}
	if err == nil && isTarHeader(head) {
		return w.tar(br)
	}
	if len(head) == 0 && err != nil && err != io.EOF {
		if cerr := w.ctx.Err(); cerr != nil {
			return cerr
		}
		w.fl.Add("archive_corrupt", "无法读取 gzip 压缩文件：%s", clipErr(err))
		return nil
	}
	if !w.admit() {
		return nil
	}
	name, raw := gzipMemberName(zr.Name, w.name)
	m := newMember(name, raw)
	m.Modified = zr.ModTime
	return w.member(m, br)
}

// gzipMemberName names the file inside a lone gzip: the name in its
// header (written as Latin-1 by the spec, as UTF-8 or GBK bytes in
// practice), else the archive's name without .gz (.tgz → .tar).
func gzipMemberName(header, archive string) (name, raw string) {
	if header != "" {
		b := make([]byte, 0, len(header))
		latin1 := true
		for _, r := range header {
			if r > 0xFF {
				latin1 = false
				break
			}
			b = append(b, byte(r))
		}
		if latin1 {
			return legacyName(string(b)), string(b)
		}
		return header, header
	}
	base := path.Base(strings.ReplaceAll(archive, `\`, "/"))
	lower := strings.ToLower(base)
	switch {
	case archive == "":
		return "解压内容", "解压内容"
	case strings.HasSuffix(lower, ".tgz"):
		base = base[:len(base)-4] + ".tar"
	case strings.HasSuffix(lower, ".gz") && len(base) > 3:
		base = base[:len(base)-3]
	}
	if !utf8.ValidString(base) {
		base = legacyName(base)
	}
	return base, base
}

// gzipTrailerSize reads the ISIZE field at the end of a gzip file.
func gzipTrailerSize(ra io.ReaderAt, size int64) (int64, bool) {
	if size < 18+8 {
		return 0, false
	}
	var b [4]byte
	if _, err := ra.ReadAt(b[:], size-4); err != nil {
		return 0, false
	}
	return int64(binary.LittleEndian.Uint32(b[:])), true
}

// isTarHeader reports whether h starts with a tar header block: its
// checksum matches (v7, ustar, GNU and PAX headers all carry one).
func isTarHeader(h []byte) bool {
	if len(h) < 512 || h[0] == 0 {
		return false
	}
	field := bytes.TrimRight(bytes.TrimLeft(h[148:156], " \x00"), " \x00")
	want, err := strconv.ParseUint(string(field), 8, 32)
	if err != nil {
		return false
	}
	var sum uint64
	for i, c := range h[:512] {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += uint64(c)
	}
	return sum == want
}

// IsTarHeader reports whether head (at least 512 bytes) starts with a tar
// header block, for format detection.
func IsTarHeader(head []byte) bool { return isTarHeader(head) }

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// streamGuard checks the whole decompressed stream of a tar or gzip as it
// is read — tar headers, padding and skipped entries included, which no
// member reader sees — against the budget's bytes, the ratio to the
// compressed bytes consumed, the time and ctx. It fails with errStop
// after adding the finding.
type streamGuard struct {
	r io.Reader
	w *walk
	n int64
}

func (g *streamGuard) Read(p []byte) (int, error) {
	w := g.w
	if w.stopped {
		return 0, errStop
	}
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	if !w.checkTime() {
		return 0, errStop
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	switch {
	case g.n > w.b.RatioFloor && g.n/w.ratioBase() > w.b.Ratio:
		w.stopped = true
		if !w.fl.Has("zip_bomb") {
			w.fl.Add("zip_bomb", "压缩包解压出的内容已是压缩后大小的 %d 倍，疑似压缩炸弹，停止解压", g.n/w.ratioBase())
		}
		return n, errStop
	case g.n-w.expanded > w.b.Bytes+w.b.RatioFloor:
		w.stopped = true
		if !w.fl.Has("archive_too_large") {
			w.fl.Add("archive_too_large", "解压内容超过上限，其余文件未检查")
		}
		return n, errStop
	}
	if err != nil && !errors.Is(err, io.EOF) {
		if cerr := w.ctx.Err(); cerr != nil {
			return n, cerr
		}
	}
	return n, err
}
