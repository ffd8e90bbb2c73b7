// Package archive lists and reads the members of the archives units send —
// zip (with GBK member names from Chinese Windows), rar and 7z — as streams,
// within limits on expanded size, compression ratio and member count shared
// by all archives of one input, so that a zip bomb becomes a finding rather
// than an exhausted disk.
package archive

import (
	"context"
	"errors"
	"io"
	"path"
	"strings"
	"time"

	"github.com/shoubao/shoubao/parsers/finding"
	"golang.org/x/text/unicode/norm"
)

// Member is one file inside an archive.
type Member struct {
	// Path is the member's path inside the archive, decoded, slash
	// separated, cleaned of "..", "." and leading slashes (NFC).
	Path string
	// Name is the base name of Path.
	Name string
	// RawName is the name bytes as stored when they are not what Path shows
	// (GBK names, unsafe paths); may be invalid UTF-8.
	RawName string
	// Size is the declared uncompressed size (-1 when unknown).
	Size int64
	// Modified is the stored modification time (zero when unknown).
	Modified time.Time
	// Encrypted members cannot be read without a password; the WalkFunc
	// gets a nil reader for them.
	Encrypted bool
	// Findings about this member; they grow while its reader is read.
	Findings finding.List
}

// WalkFunc receives each file member with a reader of its bytes, or a nil
// reader when the member cannot be read (encrypted). Reading problems end
// the reader early and are added to m.Findings. A non-nil error stops Walk.
type WalkFunc func(ctx context.Context, m *Member, r io.Reader) error

// Budget is what all archives of one input may still expand. It is shared
// (by pointer) by nested archives. Use NewBudget.
type Budget struct {
	// Bytes is how many more bytes may be expanded.
	Bytes int64
	// Members is how many more members may be listed.
	Members int
	// Ratio is the largest expanded/compressed ratio accepted once
	// RatioFloor bytes of an archive have been expanded.
	Ratio int64
	// RatioFloor is the expansion below which the ratio is not checked
	// (small files of zeros are harmless).
	RatioFloor int64
	// MaxDictionary bounds the RAR decoder's dictionary (memory).
	MaxDictionary int64
}

// Default limits.
const (
	DefaultMaxBytes      = 2 << 30
	DefaultMaxMembers    = 2000
	DefaultMaxRatio      = 100
	DefaultRatioFloor    = 16 << 20
	DefaultMaxDictionary = 256 << 20
)

// NewBudget returns a budget with the given limits; zero values take the
// defaults.
func NewBudget(maxBytes int64, maxMembers int, maxRatio int) *Budget {
	b := &Budget{Bytes: maxBytes, Members: maxMembers, Ratio: int64(maxRatio),
		RatioFloor: DefaultRatioFloor, MaxDictionary: DefaultMaxDictionary}
	if b.Bytes <= 0 {
		b.Bytes = DefaultMaxBytes
	}
	if b.Members <= 0 {
		b.Members = DefaultMaxMembers
	}
	if b.Ratio <= 0 {
		b.Ratio = DefaultMaxRatio
	}
	return b
}

// ReaderAt is what Walk reads an archive from (an *os.File).
type ReaderAt interface {
	io.ReaderAt
	io.Reader
	io.Seeker
}

// errStop ends a member's reader when a limit is reached.
var errStop = errors.New("archive: limit reached")

// Walk calls fn for every file member of the archive held by ra (size bytes)
// in the given format ("zip", "rar" or "7z"). It returns findings about the
// archive as a whole; the error is non-nil only when ctx is done or fn
// returns an error.
func Walk(ctx context.Context, ra ReaderAt, size int64, format string, b *Budget, fn WalkFunc) (finding.List, error) {
	w := &walk{ctx: ctx, size: size, b: b, fn: fn}
	var err error
	switch format {
	case "zip":
		err = w.zip(ra)
	case "rar":
		err = w.rar(ra)
	case "7z":
		err = w.sevenZip(ra)
	default:
		w.fl.Add("archive_unsupported", "不支持的压缩格式 %q", format)
	}
	if err != nil {
		return w.fl, err
	}
	return w.fl, ctx.Err()
}

// walk is the state of one Walk.
type walk struct {
	ctx      context.Context
	size     int64
	b        *Budget
	fn       WalkFunc
	fl       finding.List
	expanded int64 // bytes expanded from this archive
	stopped  bool  // a limit was reached: no more members
}

// admit counts one member against the budget; false when none may follow.
func (w *walk) admit() bool {
	if w.stopped {
		return false
	}
	if w.b.Members <= 0 {
		w.fl.Add("too_many_members", "压缩包内文件过多，超过上限，其余文件未检查")
		w.stopped = true
		return false
	}
	w.b.Members--
	return true
}

// checkDeclared refuses archives whose declared sizes already break the
// limits (a bomb announces itself in its directory).
func (w *walk) checkDeclared(total int64) bool {
	switch {
	case total > w.b.Bytes:
		w.fl.Add("archive_too_large", "压缩包解压后共 %d 字节，超过剩余的 %d 字节上限，未解压", total, w.b.Bytes)
	case total > w.b.RatioFloor && w.size > 0 && total/w.size > w.b.Ratio:
		w.fl.Add("zip_bomb", "压缩包解压后 %d 字节，是压缩后大小的 %d 倍，疑似压缩炸弹，未解压", total, total/w.size)
	default:
		return true
	}
	w.stopped = true
	return false
}

// checkMember refuses a member whose declared size breaks the limits
// (formats read member by member, like rar).
func (w *walk) checkMember(size int64) bool {
	total := w.expanded + size
	switch {
	case size > w.b.Bytes:
		w.fl.Add("archive_too_large", "压缩包内的文件解压后 %d 字节，超过剩余的 %d 字节上限，未解压", size, w.b.Bytes)
	case total > w.b.RatioFloor && w.size > 0 && total/w.size > w.b.Ratio:
		w.fl.Add("zip_bomb", "压缩包解压后 %d 字节，是压缩后大小的 %d 倍，疑似压缩炸弹，未解压", total, total/w.size)
	default:
		return true
	}
	w.stopped = true
	return false
}

// member hands one member to fn through a limiting reader.
func (w *walk) member(m *Member, r io.Reader) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	if r == nil {
		m.Findings.Add("archive_encrypted", "压缩包内的文件 %s 设有密码，无法读取", m.Path)
		return w.fn(w.ctx, m, nil)
	}
	lr := &limitReader{r: r, w: w, m: m}
	if err := w.fn(w.ctx, m, lr); err != nil {
		return err
	}
	// Count what fn left unread too: it was expanded all the same.
	_, err := io.Copy(io.Discard, lr)
	if err != nil {
		return err
	}
	return w.ctx.Err()
}

// limitReader enforces the budget while a member is read, and turns read
// errors into findings.
type limitReader struct {
	r     io.Reader
	w     *walk
	m     *Member
	n     int64 // bytes of this member read
	ended bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.ended {
		return 0, io.EOF
	}
	if err := l.w.ctx.Err(); err != nil {
		return 0, err
	}
	w := l.w
	if int64(len(p)) > w.b.Bytes+1 {
		p = p[:w.b.Bytes+1]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	w.expanded += int64(n)
	w.b.Bytes -= int64(n)
	switch {
	case w.b.Bytes < 0:
		w.b.Bytes = 0
		l.stop("archive_too_large", "解压内容超过上限，文件 %s 只读取了一部分，其余文件未检查", l.m.Path)
		return n, io.EOF
	case w.expanded > w.b.RatioFloor && w.size > 0 && w.expanded/w.size > w.b.Ratio:
		l.stop("zip_bomb", "压缩包解压出的内容已是压缩后大小的 %d 倍，疑似压缩炸弹，停止解压", w.expanded/w.size)
		return n, io.EOF
	case err == io.EOF:
		l.ended = true
		return n, io.EOF
	case err != nil:
		l.ended = true
		if cerr := w.ctx.Err(); cerr != nil {
			return n, cerr
		}
		l.m.Findings.Add("archive_corrupt", "压缩包内的文件 %s 已损坏，只读出了 %d 字节：%s", l.m.Path, l.n, clipErr(err))
		return n, io.EOF
	}
	return n, nil
}

func (l *limitReader) stop(code, format string, args ...any) {
	l.ended = true
	l.w.stopped = true
	l.m.Findings.Add("member_truncated", "文件 %s 因解压上限未完整读取", l.m.Path)
	if !l.w.fl.Has(code) {
		l.w.fl.Add(code, format, args...)
	}
}

func clipErr(err error) string {
	s := err.Error()
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}

// cleanPath makes a member path safe and reports whether it changed.
func cleanPath(p string) (string, bool) {
	orig := p
	p = strings.ReplaceAll(p, `\`, "/")
	var parts []string
	for _, seg := range strings.Split(p, "/") {
		seg = strings.TrimSpace(seg)
		switch seg {
		case "", ".", "..":
			continue
		}
		if len(seg) == 2 && seg[1] == ':' {
			continue // drive letter
		}
		seg = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return -1
			}
			return r
		}, seg)
		parts = append(parts, seg)
	}
	p = norm.NFC.String(strings.Join(parts, "/"))
	return p, p != norm.NFC.String(strings.TrimSuffix(strings.ReplaceAll(orig, `\`, "/"), "/"))
}

// newMember builds a Member from a decoded name, recording unsafe paths.
func newMember(decoded, raw string) *Member {
	clean, changed := cleanPath(decoded)
	m := &Member{Path: clean, Name: path.Base(clean), Size: -1}
	if clean == "" {
		m.Name = ""
	}
	if raw != clean {
		m.RawName = raw
	}
	if changed {
		m.Findings.Add("unsafe_file_name", "压缩包内的文件名 %q 含有路径跳转或控制字符，已改为 %q", decoded, clean)
	}
	return m
}
