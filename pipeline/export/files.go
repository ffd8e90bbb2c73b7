package export

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/shoubao/shoubao/pipeline/campaign"
)

// Files opens stored files by their SHA-256: the bus's files bucket
// (*bus.Bus).
type Files interface {
	OpenFile(ctx context.Context, sha256 string) (io.ReadCloser, error)
}

// linksFile is the text file listing a unit's large-attachment links.
const linksFile = "超大附件链接.txt"

// ZipResult says what went into the zip.
type ZipResult struct {
	// Files and Bytes count the material files written.
	Files int
	Bytes int64
	// Missing are the files the files bucket does not hold (path in the
	// zip → why); the 一览表 in the zip names them too.
	Missing map[string]string
}

// TotalBytes is what WriteZip copies: the sizes of every unit's files.
func TotalBytes(c *Campaign) int64 {
	var n int64
	for _, u := range c.Units {
		for _, f := range u.Files {
			n += f.Size
		}
	}
	return n
}

// WriteZip writes the 报送材料 zip into w: the 一览表 at the top, then one
// folder per unit (SafeName of the unit) holding its final materials under
// their decoded names made safe (Unit.Files[].Path), and the unit's
// large-attachment links in 超大附件链接.txt. Each file is streamed from
// files into the zip, never held in memory; names are UTF-8 with the zip
// UTF-8 flag, which 7-Zip, Windows Explorer and unzip honour. A file the
// bucket does not hold is left out and listed in ZipResult.Missing (and in
// the 一览表); a file whose bytes fail their check while read ends the
// export with an error. progress, when not nil, is called with the bytes
// copied so far.
func WriteZip(ctx context.Context, w io.Writer, c *Campaign, files Files, progress func(done int64)) (*ZipResult, error) {
	res := &ZipResult{Missing: map[string]string{}}
	// The bucket's manifests first: the 一览表, written first, names the
	// files that are missing.
	for _, u := range c.Units {
		for _, f := range u.Files {
			rc, err := files.OpenFile(ctx, f.SHA256)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				res.Missing[f.Path] = "文件库中没有此文件，未能放入压缩包（" + shortErr(err) + "）"
				continue
			}
			rc.Close()
		}
	}
	zw := zip.NewWriter(w)
	var list bytes.Buffer
	if err := writeList(&list, c, res.Missing); err != nil {
		return nil, err
	}
	now := c.State.GeneratedAt.In(campaign.ChinaTime())
	if err := writeEntry(zw, c.ListName, now, zip.Deflate, &list); err != nil {
		return nil, err
	}
	var done int64
	for _, u := range c.Units {
		if len(u.Files) == 0 && len(u.Links) == 0 {
			continue
		}
		dir := &zip.FileHeader{Name: u.Folder + "/", Modified: now}
		dir.SetMode(fs.ModeDir | 0o755)
		if _, err := zw.CreateHeader(dir); err != nil {
			return nil, fmt.Errorf("zip: %w", err)
		}
		for _, f := range u.Files {
			if _, missing := res.Missing[f.Path]; missing {
				continue
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			rc, err := files.OpenFile(ctx, f.SHA256)
			if err != nil {
				return nil, fmt.Errorf("zip: %s: %w", f.Path, err)
			}
			method := zip.Deflate
			if f.Kind == "video" || f.Kind == "photo" {
				method = zip.Store // already compressed
			}
			pr := &progressReader{r: rc, done: &done, report: progress}
			err = writeEntry(zw, f.Path, f.Arrival.In(campaign.ChinaTime()), method, pr)
			rc.Close()
			if err != nil {
				return nil, fmt.Errorf("zip: %s (%s): %w", f.Path, f.SHA256, err)
			}
			res.Files++
			res.Bytes += pr.n
		}
		if len(u.Links) > 0 {
			var s strings.Builder
			s.WriteString("\ufeff" + u.State.Name + " 以超大附件（或网盘）链接发送的文件，压缩包中没有，请在到期前下载：\r\n\r\n")
			for _, l := range u.Links {
				s.WriteString(linkLabel(l) + "\r\n" + l.URL + "\r\n")
				if l.Expires != "" {
					s.WriteString("到期：" + l.Expires + "\r\n")
				}
				s.WriteString("\r\n")
			}
			if err := writeEntry(zw, u.Folder+"/"+linksFile, now, zip.Deflate, strings.NewReader(s.String())); err != nil {
				return nil, err
			}
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("zip: %w", err)
	}
	return res, nil
}

// writeEntry streams r into a new zip entry.
func writeEntry(zw *zip.Writer, name string, modified time.Time, method uint16, r io.Reader) error {
	h := &zip.FileHeader{Name: name, Method: method, Modified: modified}
	h.SetMode(0o644)
	ew, err := zw.CreateHeader(h)
	if err != nil {
		return fmt.Errorf("zip %s: %w", name, err)
	}
	if _, err := io.Copy(ew, r); err != nil {
		return fmt.Errorf("zip %s: %w", name, err)
	}
	return nil
}

// progressReader counts the bytes read and reports them at most every
// megabyte.
type progressReader struct {
	r      io.Reader
	n      int64
	done   *int64
	last   int64
	report func(int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	*p.done += int64(n)
	if p.report != nil && (*p.done-p.last >= 1<<20 || errors.Is(err, io.EOF)) {
		p.last = *p.done
		p.report(*p.done)
	}
	return n, err
}

// shortErr is an error's last part, for an officer.
func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}
