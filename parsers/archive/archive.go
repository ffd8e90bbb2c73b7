// Package archive lists and reads the members of the archives units send —
// zip (with GBK member names from Chinese Windows), rar, 7z, tar, and gzip
// (a .tar.gz, or one compressed file) — as streams, within limits on
// expanded size (in all and per member), compression ratio, member count
// and time shared by all archives of one input, checked as the bytes come
// out, so that a bomb becomes a finding rather than an exhausted disk.
package archive

import (
	"context"
	"errors"
	"io"
	"path"
	"strings"
	"time"

	"github.com/shoubao/shoubao/parsers/finding"
	"github.com/shoubao/shoubao/parsers/mail"
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
	// MaxMemberBytes is the most one member may expand to.
	MaxMemberBytes int64
	// MaxDuration bounds the time spent expanding, from the first Walk on
	// this budget.
	MaxDuration time.Duration

	start    time.Time
	active   int   // walks under way (nested ones included)
	outer    int64 // compressed bytes of the outermost archives walked
	expanded int64 // bytes expanded by all walks
	// halted is the finding that stopped every walk on this budget (a
	// bomb across nested archives, the time limit); "" while none did.
	halted string
}

// Default limits.
const (
	DefaultMaxBytes      = 2 << 30
	DefaultMaxMembers    = 2000
	DefaultMaxRatio      = 100
	DefaultRatioFloor    = 16 << 20
	DefaultMaxDictionary = 256 << 20
	DefaultMaxMember     = 1 << 30
	DefaultMaxDuration   = 2 * time.Minute
)

// NewBudget returns a budget with the given limits; zero values take the
// defaults.
func NewBudget(maxBytes int64, maxMembers int, maxRatio int) *Budget {
	b := &Budget{Bytes: maxBytes, Members: maxMembers, Ratio: int64(maxRatio),
		RatioFloor: DefaultRatioFloor, MaxDictionary: DefaultMaxDictionary,
		MaxMemberBytes: DefaultMaxMember, MaxDuration: DefaultMaxDuration}
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
// in the given format ("zip", "rar", "7z", "tar", "gzip" or "tar.gz"). It
// returns findings about the archive as a whole; the error is non-nil only
// when ctx is done or fn returns an error.
func Walk(ctx context.Context, ra ReaderAt, size int64, format string, b *Budget, fn WalkFunc) (finding.List, error) {
	return WalkNamed(ctx, ra, size, format, "", b, fn)
}

// WalkNamed is Walk for an archive file named name: a gzip file that holds
// one file (not a tar) gives one member named by the gzip header, else by
// name without its .gz.
func WalkNamed(ctx context.Context, ra ReaderAt, size int64, format, name string, b *Budget, fn WalkFunc) (finding.List, error) {
	w := &walk{ctx: ctx, size: size, name: name, b: b, fn: fn}
	if b.start.IsZero() {
		b.start = time.Now()
	}
	if b.active == 0 {
		b.outer += max(size, 1)
		if b.halted == "zip_bomb" {
			// The bomb was in another attachment: this one may be read.
			b.halted = ""
		}
	}
	b.active++
	defer func() { b.active-- }()
	if b.halted != "" {
		w.fl.Add(b.halted, "此前已停止解压（%s），压缩包未解压", haltReason[b.halted])
		return w.fl, nil
	}
	var err error
	switch format {
	case "zip":
		err = w.zip(ra)
	case "rar":
		err = w.rar(ra)
	case "7z":
		err = w.sevenZip(ra)
	case "tar":
		w.in = &countReader{r: io.NewSectionReader(ra, 0, size)}
		err = w.tar(&streamGuard{r: w.in, w: w})
	case "gzip", "tar.gz":
		err = w.gzip(ra)
	default:
		w.fl.Add("archive_unsupported", "不支持的压缩格式 %q", format)
	}
	if err != nil {
		return w.fl, err
	}
	return w.fl, ctx.Err()
}

// haltReason says in a finding why every archive of the input stopped.
var haltReason = map[string]string{
	"zip_bomb":             "疑似压缩炸弹",
	"time_budget_exceeded": "解压时间超过上限",
}

// walk is the state of one Walk.
type walk struct {
	ctx      context.Context
	size     int64
	name     string // the archive file's name, for a lone gzip member
	b        *Budget
	fn       WalkFunc
	fl       finding.List
	expanded int64 // bytes expanded from this archive
	stopped  bool  // a limit was reached: no more members
	// in counts the compressed bytes consumed so far, for the formats read
	// as one stream (tar, gzip): their ratio is checked against it rather
	// than against the whole file, so a bomb is caught at the floor.
	in *countReader
}

// ratioBase is the compressed size the expanded bytes are compared with.
func (w *walk) ratioBase() int64 {
	if w.in != nil {
		return max(w.in.n, 1)
	}
	return w.size
}

// halt stops every walk on the budget with the finding code.
func (w *walk) halt(code, format string, args ...any) {
	w.stopped = true
	w.b.halted = code
	if !w.fl.Has(code) {
		w.fl.Add(code, format, args...)
	}
}

// checkTime halts the walks once the budget's time is spent.
func (w *walk) checkTime() bool {
	if w.b.MaxDuration > 0 && time.Since(w.b.start) > w.b.MaxDuration {
		w.halt("time_budget_exceeded", "解压时间超过 %s 的上限，其余文件未检查", w.b.MaxDuration)
		return false
	}
	return true
}

// admit counts one member against the budget; false when none may follow.
func (w *walk) admit() bool {
	if w.stopped {
		return false
	}
	if w.b.halted != "" {
		w.stopped = true
		if !w.fl.Has(w.b.halted) {
			w.fl.Add(w.b.halted, "已停止解压（%s），其余文件未检查", haltReason[w.b.halted])
		}
		return false
	}
	if !w.checkTime() {
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
		if w.b.active > 1 {
			// A bomb nested in an archive: the others beside it are
			// likely copies; stop them all.
			w.b.halted = "zip_bomb"
		}
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
	case w.b.MaxMemberBytes > 0 && size > w.b.MaxMemberBytes:
		w.fl.Add("archive_too_large", "压缩包内的文件解压后 %d 字节，超过单个文件 %d 字节的上限，未解压", size, w.b.MaxMemberBytes)
	case size > w.b.Bytes:
		w.fl.Add("archive_too_large", "压缩包内的文件解压后 %d 字节，超过剩余的 %d 字节上限，未解压", size, w.b.Bytes)
	case total > w.b.RatioFloor && w.size > 0 && total/w.size > w.b.Ratio:
		w.fl.Add("zip_bomb", "压缩包解压后 %d 字节，是压缩后大小的 %d 倍，疑似压缩炸弹，未解压", total, total/w.size)
		if w.b.active > 1 {
			// A bomb nested in an archive: the others beside it are
			// likely copies; stop them all.
			w.b.halted = "zip_bomb"
		}
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
	w, b := l.w, l.w.b
	if w.stopped {
		// A stream guard below stopped the archive mid-member.
		l.ended = true
		l.m.Findings.Add("member_truncated", "文件 %s 因解压上限未完整读取", l.m.Path)
		return 0, io.EOF
	}
	if !w.checkTime() {
		l.ended = true
		l.m.Findings.Add("member_truncated", "文件 %s 因解压时间上限未完整读取", l.m.Path)
		return 0, io.EOF
	}
	limit := b.Bytes + 1
	if b.MaxMemberBytes > 0 {
		limit = min(limit, b.MaxMemberBytes-l.n+1)
	}
	if int64(len(p)) > limit {
		p = p[:limit]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	w.expanded += int64(n)
	b.expanded += int64(n)
	b.Bytes -= int64(n)
	switch {
	case b.Bytes < 0:
		b.Bytes = 0
		l.stop("archive_too_large", "解压内容超过上限，文件 %s 只读取了一部分，其余文件未检查", l.m.Path)
		return n, io.EOF
	case b.MaxMemberBytes > 0 && l.n > b.MaxMemberBytes:
		l.stop("archive_too_large", "压缩包内的文件 %s 解压后超过单个文件 %d 字节的上限，只读取了一部分，其余文件未检查", l.m.Path, b.MaxMemberBytes)
		return n, io.EOF
	case b.active > 1 && b.expanded > b.RatioFloor && b.expanded/max(b.outer, 1) > b.Ratio:
		// Nested archives, each maybe below the ratio, together far above
		// it: stop them all.
		l.stop("zip_bomb", "压缩包（含其中嵌套的压缩包）解压出的内容已是压缩后大小的 %d 倍，疑似压缩炸弹，停止解压", b.expanded/max(b.outer, 1))
		b.halted = "zip_bomb"
		return n, io.EOF
	case w.expanded > b.RatioFloor && w.size > 0 && w.expanded/w.ratioBase() > b.Ratio:
		l.stop("zip_bomb", "压缩包解压出的内容已是压缩后大小的 %d 倍，疑似压缩炸弹，停止解压", w.expanded/w.ratioBase())
		return n, io.EOF
	case err == io.EOF:
		l.ended = true
		return n, io.EOF
	case err != nil:
		l.ended = true
		if cerr := w.ctx.Err(); cerr != nil {
			return n, cerr
		}
		if w.stopped || errors.Is(err, errStop) {
			l.m.Findings.Add("member_truncated", "文件 %s 因解压上限未完整读取", l.m.Path)
			return n, io.EOF
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

// cleanPath makes a member path safe and reports whether it changed:
// "..", "." and drive letters dropped, control characters (C0, DEL, C1)
// dropped, characters that change the display direction shown as \uXXXX
// escapes (mail.EscapeBidi), each segment in NFC. Control characters go
// before ".." is looked for, so that ".\x00." cannot become "..".
func cleanPath(p string) (string, bool) {
	orig := p
	p = strings.ToValidUTF8(p, "\uFFFD")
	p = strings.ReplaceAll(p, `\`, "/")
	var parts []string
	for _, seg := range strings.Split(p, "/") {
		seg = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				return -1
			}
			return r
		}, seg)
		seg = strings.TrimSpace(norm.NFC.String(seg))
		switch seg {
		case "", ".", "..":
			continue
		}
		if len(seg) == 2 && seg[1] == ':' {
			continue // drive letter
		}
		seg, _ = mail.EscapeBidi(seg)
		parts = append(parts, seg)
	}
	p = strings.Join(parts, "/")
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
		if w := mail.BidiWarning(decoded); w != "" {
			m.Findings.Add("unsafe_file_name", "压缩包内的文件名%s", w)
		} else {
			m.Findings.Add("unsafe_file_name", "压缩包内的文件名 %q 含有路径跳转或控制字符，已改为 %q", decoded, clean)
		}
	}
	return m
}
