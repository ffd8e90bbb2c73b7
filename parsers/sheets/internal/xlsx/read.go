package xlsx

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"path"
	"strings"

	"github.com/shoubao/shoubao/parsers/sheets/internal/xmlscan"
)

// reader holds what is shared by the parts of one workbook.
type reader struct {
	ctx   context.Context
	lim   Limits
	files map[string]*zip.File
	lower map[string]*zip.File // by lower-cased name, for a badly cased target

	totalLeft int64 // bytes that may still be decompressed
	cellsLeft int   // cell budget over all sheets
	textLeft  int64 // text budget over all sheets

	sst *sst

	bufSize int                       // the scanners' initial buffer
	buf     []byte                    // a buffer for the next scanner
	wrap    func(io.Reader) io.Reader // wraps part readers (tests)
}

// scan starts a scanner on a part of about size bytes (its zip entry's
// word, only a hint: the scanner's buffer grows for a long tag), with the
// buffer of the previous part (parts are read one after the other) when it
// is large enough; done takes the buffer back. A small part gets a buffer
// of its size, not of bufSize.
func (rd *reader) scan(rc io.Reader, size uint64) *xmlscan.Scanner {
	if rd.wrap != nil {
		rc = rd.wrap(rc)
	}
	want := xmlscan.SizeFor(size, rd.bufSize)
	if len(rd.buf) >= want {
		s := xmlscan.NewBuffer(rd.ctx, rc, rd.buf)
		rd.buf = nil
		return s
	}
	return xmlscan.New(rd.ctx, rc, want)
}

func (rd *reader) done(s *xmlscan.Scanner) { rd.buf = s.Buffer() }

// Read reads every sheet of the workbook in r (size bytes). On a
// cancelled context it returns the sheets read so far with the context's
// error. Otherwise an error means the workbook could not be read at all;
// a damaged or over-limit sheet is reported in its Sheet.
func Read(ctx context.Context, r io.ReaderAt, size int64, lim Limits) (*Workbook, error) {
	return read(ctx, r, size, lim, xmlscan.BufSize, nil)
}

// ReadZip is Read for a workbook whose zip the caller has opened, after
// checking the entry count ZipEntries gives against lim.MaxParts as Read
// does before opening it.
func ReadZip(ctx context.Context, zr *zip.Reader, lim Limits) (*Workbook, error) {
	return readZip(ctx, zr, lim.WithDefaults(), xmlscan.BufSize, nil)
}

// read is Read with the scanner's initial buffer size and a wrapper of
// the parts' readers, for tests of the buffer's edges.
func read(ctx context.Context, r io.ReaderAt, size int64, lim Limits, bufSize int, wrap func(io.Reader) io.Reader) (*Workbook, error) {
	lim = lim.WithDefaults()
	if n, ok := ZipEntries(r, size); ok && n > int64(lim.MaxParts) {
		return nil, ErrTooManyParts
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, err
	}
	return readZip(ctx, zr, lim, bufSize, wrap)
}

// readZip is read once the zip is open; lim has its defaults.
func readZip(ctx context.Context, zr *zip.Reader, lim Limits, bufSize int, wrap func(io.Reader) io.Reader) (*Workbook, error) {
	if len(zr.File) > lim.MaxParts {
		return nil, ErrTooManyParts
	}
	rd := &reader{
		ctx:       ctx,
		lim:       lim,
		files:     make(map[string]*zip.File, len(zr.File)),
		lower:     make(map[string]*zip.File, len(zr.File)),
		totalLeft: lim.MaxTotalBytes,
		cellsLeft: lim.MaxCells,
		textLeft:  lim.MaxTextBytes,
		bufSize:   bufSize,
		wrap:      wrap,
	}
	for _, f := range zr.File {
		name := strings.TrimPrefix(strings.ReplaceAll(f.Name, "\\", "/"), "/")
		if _, dup := rd.files[name]; !dup {
			rd.files[name] = f
		}
		if _, dup := rd.lower[strings.ToLower(name)]; !dup {
			rd.lower[strings.ToLower(name)] = f
		}
	}
	return rd.read()
}

// eocdLen is the length of a zip's end of central directory record
// without its comment.
const eocdLen = 22

// ZipEntries reads the entry count from a zip's end of central directory
// record, so that a zip claiming millions of entries can be refused before
// archive/zip allocates them. ok is false when the record is not found
// (archive/zip then reports the damage).
func ZipEntries(r io.ReaderAt, size int64) (n int64, ok bool) {
	const maxComment = 65535
	if size < eocdLen {
		return 0, false
	}
	// The record ends the file but for a comment, most often empty: look
	// in the last KiB first, then as far as a comment may reach (the
	// search runs from the end, so it finds the same record either way).
	if tail := min(size, 1<<10); tail < min(size, eocdLen+maxComment) {
		if n, ok, found := zipEntries(r, size, tail); found {
			return n, ok
		}
	}
	n, ok, _ = zipEntries(r, size, min(size, eocdLen+maxComment))
	return n, ok
}

// zipEntries is ZipEntries looking for the record in the last tail bytes;
// found is false when it is not there.
func zipEntries(r io.ReaderAt, size, tail int64) (n int64, ok, found bool) {
	b := make([]byte, tail)
	if _, err := r.ReadAt(b, size-tail); err != nil && err != io.EOF {
		return 0, false, false
	}
	for i := len(b) - eocdLen; i >= 0; i-- {
		if !bytes.Equal(b[i:i+4], []byte("PK\x05\x06")) {
			continue
		}
		if i+eocdLen+int(binary.LittleEndian.Uint16(b[i+20:])) > len(b) {
			continue
		}
		n = int64(binary.LittleEndian.Uint16(b[i+10:]))
		if n != 0xFFFF {
			return n, true, true
		}
		// Zip64: the locator precedes the record.
		at := size - tail + int64(i) - 20
		if at < 0 {
			return 0, false, true
		}
		loc := make([]byte, 20)
		if _, err := r.ReadAt(loc, at); err != nil || !bytes.Equal(loc[:4], []byte("PK\x06\x07")) {
			return 0, false, true
		}
		off := int64(binary.LittleEndian.Uint64(loc[8:]))
		rec := make([]byte, 56)
		if off < 0 || off > size-56 {
			return 0, false, true
		}
		if _, err := r.ReadAt(rec, off); err != nil || !bytes.Equal(rec[:4], []byte("PK\x06\x06")) {
			return 0, false, true
		}
		total := binary.LittleEndian.Uint64(rec[32:])
		if total > 1<<40 {
			total = 1 << 40
		}
		return int64(total), true, true
	}
	return 0, false, false
}

// file finds a part by name.
func (rd *reader) file(name string) *zip.File {
	if f := rd.files[name]; f != nil {
		return f
	}
	return rd.lower[strings.ToLower(name)]
}

// countingReader fails once its part or the workbook's total exceeds its
// limit.
type countingReader struct {
	rc    io.ReadCloser
	rd    *reader
	name  string
	n     int64
	limit int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	c.n += int64(n)
	c.rd.totalLeft -= int64(n)
	if c.n > c.limit {
		return 0, &LimitError{Err: ErrTooLarge, Part: c.name, What: "part", Size: c.n, Limit: c.limit}
	}
	if c.rd.totalLeft < 0 {
		return 0, &LimitError{Err: ErrTooLarge, Part: c.name, What: "total", Size: c.rd.lim.MaxTotalBytes - c.rd.totalLeft, Limit: c.rd.lim.MaxTotalBytes}
	}
	return n, err
}

func (c *countingReader) Close() error { return c.rc.Close() }

// check refuses a part by its declared sizes before it is opened.
// archive/zip fails a part that decompresses past its declared size, so
// the declared size is a true bound.
func (rd *reader) check(f *zip.File, limit int64) error {
	u, c := int64(min(f.UncompressedSize64, 1<<62)), int64(min(f.CompressedSize64, 1<<62))
	switch {
	case u > limit:
		return &LimitError{Err: ErrTooLarge, Part: f.Name, What: "part", Size: u, Limit: limit}
	case u > rd.totalLeft:
		return &LimitError{Err: ErrTooLarge, Part: f.Name, What: "total", Size: rd.lim.MaxTotalBytes - rd.totalLeft + u, Limit: rd.lim.MaxTotalBytes}
	case u > RatioFloor && u/max(c, 1) > rd.lim.MaxRatio:
		return &LimitError{Err: ErrRatio, Part: f.Name, What: "ratio", Size: u / max(c, 1), Limit: rd.lim.MaxRatio}
	}
	return nil
}

// open opens a part for reading, under limit bytes.
func (rd *reader) open(f *zip.File, limit int64) (io.ReadCloser, error) {
	if err := rd.check(f, limit); err != nil {
		return nil, err
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	return &countingReader{rc: rc, rd: rd, name: f.Name, limit: limit}, nil
}

// relationship is one entry of a .rels part.
type relationship struct {
	id, typ, target string
}

// readRels reads a .rels part; a missing part has no relationships.
func (rd *reader) readRels(name string) ([]relationship, error) {
	f := rd.file(name)
	if f == nil {
		return nil, nil
	}
	rc, err := rd.open(f, min(maxMetaBytes, rd.lim.MaxPartBytes))
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	s := rd.scan(rc, f.UncompressedSize64)
	defer rd.done(s)
	var rels []relationship
	for {
		switch s.Next() {
		case xmlscan.KindError:
			return rels, partErr(s.Err())
		case xmlscan.KindEOF:
			return rels, nil
		case xmlscan.KindStart:
			if string(s.Local) == "Relationship" && !bytes.EqualFold(s.Attr("TargetMode"), []byte("External")) {
				if len(rels) >= rd.lim.MaxParts {
					return rels, ErrTooManyParts
				}
				rels = append(rels, relationship{
					id:     string(s.Attr("Id")),
					typ:    string(s.Attr("Type")),
					target: string(s.Attr("Target")),
				})
			}
		}
	}
}

// partErr keeps a limit or context error and calls anything else damage.
func partErr(err error) error {
	var le *LimitError
	switch {
	case errors.As(err, &le):
		return err
	case err == context.Canceled || err == context.DeadlineExceeded:
		return err
	}
	return ErrMalformed
}

// resolve turns a relationship target into a part name: relative to
// the directory of the part holding the relationship, or absolute.
func resolve(dir, target string) string {
	target = strings.ReplaceAll(target, "\\", "/")
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Clean(dir+"/"+target), "/")
}

// relsName is the relationships part of a part.
func relsName(part string) string {
	dir, base := path.Split(part)
	return dir + "_rels/" + base + ".rels"
}

// sheetEntry is a sheet as listed in workbook.xml.
type sheetEntry struct {
	name, state, rid string
}

func (rd *reader) read() (*Workbook, error) {
	// The workbook part: from the package relationships, else the usual
	// place.
	wbName := "xl/workbook.xml"
	rels, err := rd.readRels("_rels/.rels")
	if err != nil {
		return nil, err
	}
	for _, r := range rels {
		if strings.HasSuffix(r.typ, "/officeDocument") {
			if name := resolve("", r.target); rd.file(name) != nil {
				wbName = name
			}
			break
		}
	}
	wbFile := rd.file(wbName)
	if wbFile == nil {
		return nil, ErrNoWorkbook
	}
	wbDir := path.Dir(wbName)
	if wbDir == "." {
		wbDir = ""
	}
	wbRels, err := rd.readRels(relsName(wbName))
	if err != nil {
		return nil, err
	}
	entries, err := rd.readWorkbook(wbFile)
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 {
		return nil, ErrNoWorkbook // also an .xlsb's workbook.bin
	}

	// The parts to read, checked by their declared sizes first.
	targets := map[string]string{}
	sstName := ""
	for _, r := range wbRels {
		targets[r.id] = resolve(wbDir, r.target)
		if strings.HasSuffix(r.typ, "/sharedStrings") && sstName == "" {
			sstName = resolve(wbDir, r.target)
		}
	}
	if sstName == "" || rd.file(sstName) == nil {
		sstName = path.Join(wbDir, "sharedStrings.xml")
	}
	var declared int64
	seen := map[*zip.File]bool{}
	for _, name := range append([]string{sstName}, mapValues(targets, entries)...) {
		f := rd.file(name)
		if f == nil || seen[f] {
			continue
		}
		seen[f] = true
		if err := rd.check(f, rd.lim.MaxPartBytes); err != nil {
			return nil, err
		}
		declared += int64(min(f.UncompressedSize64, 1<<40))
		if declared > rd.totalLeft {
			return nil, &LimitError{Err: ErrTooLarge, Part: f.Name, What: "total", Size: rd.lim.MaxTotalBytes - rd.totalLeft + declared, Limit: rd.lim.MaxTotalBytes}
		}
	}

	rd.sst = &sst{}
	if f := rd.file(sstName); f != nil {
		if err := rd.readSST(f); err != nil {
			return nil, err
		}
	}

	wb := &Workbook{CutStrings: rd.sst.cut}
	for _, e := range entries {
		if err := rd.ctx.Err(); err != nil {
			return wb, err
		}
		sh := &Sheet{Name: e.name, Hidden: e.state != "" && e.state != "visible"}
		wb.Sheets = append(wb.Sheets, sh)
		f := rd.file(targets[e.rid])
		if e.rid == "" || targets[e.rid] == "" || f == nil {
			sh.Missing = true
			continue
		}
		if err := rd.readSheet(f, sh); err != nil {
			if rd.ctx.Err() != nil {
				return wb, err
			}
			return nil, err // over a byte limit
		}
	}
	return wb, nil
}

// mapValues lists the targets of the sheets, in workbook order.
func mapValues(targets map[string]string, entries []sheetEntry) []string {
	var out []string
	for _, e := range entries {
		if t := targets[e.rid]; t != "" {
			out = append(out, t)
		}
	}
	return out
}

// readWorkbook lists the sheets of workbook.xml.
func (rd *reader) readWorkbook(f *zip.File) ([]sheetEntry, error) {
	rc, err := rd.open(f, min(maxMetaBytes, rd.lim.MaxPartBytes))
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	s := rd.scan(rc, f.UncompressedSize64)
	defer rd.done(s)
	var out []sheetEntry
	for {
		switch s.Next() {
		case xmlscan.KindError:
			return nil, partErr(s.Err())
		case xmlscan.KindEOF:
			return out, nil
		case xmlscan.KindStart:
			if string(s.Local) == "sheet" {
				if len(out) >= rd.lim.MaxParts {
					return nil, ErrTooManyParts
				}
				out = append(out, sheetEntry{
					name:  validString(s.Attr("name")),
					state: string(s.Attr("state")),
					rid:   string(s.Attr("id")),
				})
			}
		}
	}
}
