package inspect

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"

	"github.com/shoubao/shoubao/parsers/archive"
)

// part is one spooled file: its bytes held in memory (a small part of a
// message or archive) or in a file (a large part, a downloaded link, the
// input of File). The parsers read it through ReadAt; the tools that need
// a path (ffprobe) get one from Path, which writes a part held in memory
// out to a scratch file only then.
type part struct {
	in   *inspector
	size int64
	// buf is the pooled buffer holding the bytes (nil for a part on
	// disk); its capacity is what it takes of the inspector's memory
	// budget.
	buf *[]byte
	// f is the file holding the bytes: the part spooled to disk, or a part
	// held in memory written out by Path. temp: f is ours to remove.
	f    *os.File
	temp bool
}

// ReadAt reads the part's bytes at off.
func (p *part) ReadAt(b []byte, off int64) (int, error) {
	if p.buf != nil {
		return bytes.NewReader((*p.buf)[:p.size]).ReadAt(b, off)
	}
	return p.f.ReadAt(b, off)
}

// Path returns the path of a file holding the part's bytes. A part held
// in memory is written to a scratch file in Options.TempDir on the first
// call (removed by close).
func (p *part) Path() (string, error) {
	if p.f != nil {
		return p.f.Name(), nil
	}
	f, err := os.CreateTemp(p.in.opts.TempDir, "shoubao-*")
	if err != nil {
		return "", fmt.Errorf("inspect: create scratch file: %w", err)
	}
	p.f, p.temp = f, true
	if _, err := f.Write((*p.buf)[:p.size]); err != nil {
		return "", fmt.Errorf("inspect: write scratch file: %w", err)
	}
	return f.Name(), nil
}

// open returns a reader of the part's bytes from the start.
func (p *part) open() (io.Reader, error) {
	if p.buf != nil {
		return bytes.NewReader((*p.buf)[:p.size]), nil
	}
	if _, err := p.f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("inspect: rewind scratch file: %w", err)
	}
	return io.LimitReader(p.f, p.size), nil
}

// archiveReader returns what archive.Walk reads the part from: a reader
// of the bytes held in memory, or the file itself.
func (p *part) archiveReader() archive.ReaderAt {
	if p.buf != nil {
		return bytes.NewReader((*p.buf)[:p.size])
	}
	return p.f
}

// close releases the part: its memory back to the budget and the pool,
// its scratch file removed.
func (p *part) close() {
	if p.buf != nil {
		p.in.memLeft += int64(cap(*p.buf))
		putBuffer(p.buf)
		p.buf = nil
	}
	if p.f != nil && p.temp {
		p.f.Close()
		os.Remove(p.f.Name())
	}
	p.f = nil
}

// Sizes of the buffers parts are held in.
const (
	// minBuffer is the capacity of a new buffer.
	minBuffer = 32 << 10
	// maxPooled is the largest buffer kept for reuse; larger ones (parts
	// near Options.MemPartBytes) are left to the garbage collector.
	maxPooled = 256 << 10
)

// buffers are the buffers of parts held in memory, reused between parts
// and inputs (a cache: what it holds is never read before written).
var buffers = sync.Pool{New: func() any {
	b := make([]byte, 0, minBuffer)
	return &b
}}

func getBuffer() *[]byte { return buffers.Get().(*[]byte) }

func putBuffer(b *[]byte) {
	if cap(*b) <= maxPooled {
		*b = (*b)[:0]
		buffers.Put(b)
	}
}

// spool reads body to its end, hashing it, into a part: held in memory
// when it has at most Options.MemPartBytes bytes and fits in what
// Options.MemBytes leaves, else in a scratch file. The caller closes it.
func (in *inspector) spool(ctx context.Context, hash io.Writer, body io.Reader) (*part, error) {
	p := &part{in: in}
	limit := min(in.memPart, in.memLeft)
	var head []byte // bytes read into memory before the part proved too large
	if limit > 0 {
		buf := getBuffer()
		b, err := readUpTo(ctx, hash, body, (*buf)[:0], limit)
		*buf = b
		if err != nil {
			putBuffer(buf)
			return nil, err
		}
		if int64(len(b)) <= limit {
			p.buf, p.size = buf, int64(len(b))
			in.memLeft -= int64(cap(b))
			return p, nil
		}
		head = b
		defer putBuffer(buf)
	}
	f, err := os.CreateTemp(in.opts.TempDir, "shoubao-*")
	if err != nil {
		return nil, fmt.Errorf("inspect: create scratch file: %w", err)
	}
	p.f, p.temp = f, true
	if _, err := f.Write(head); err != nil {
		p.close()
		return nil, fmt.Errorf("inspect: write scratch file: %w", err)
	}
	n, err := spoolFile(ctx, f, hash, body)
	if err != nil {
		p.close()
		return nil, err
	}
	p.size = int64(len(head)) + n
	return p, nil
}

// readUpTo appends body's bytes to b, hashing them, until its end or until
// more than limit bytes are held, growing b at most to limit+1 bytes.
func readUpTo(ctx context.Context, hash io.Writer, body io.Reader, b []byte, limit int64) ([]byte, error) {
	for {
		if err := ctx.Err(); err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = slices.Grow(b, int(min(int64(max(cap(b), minBuffer)), limit+1-int64(len(b)))))
		}
		k, err := body.Read(b[len(b):cap(b)])
		if k > 0 {
			hash.Write(b[len(b) : len(b)+k])
			b = b[:len(b)+k]
		}
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			// As spoolFile's io.ReadFull: a body cut short ends there.
			return b, nil
		case err != nil:
			return b, err
		case int64(len(b)) > limit:
			return b, nil
		}
	}
}
