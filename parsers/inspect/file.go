package inspect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/shoubao/shoubao/parsers/docx"
	"github.com/shoubao/shoubao/parsers/filekind"
	"github.com/shoubao/shoubao/parsers/finding"
	"github.com/shoubao/shoubao/parsers/mail"
	"github.com/shoubao/shoubao/parsers/sheets"
	"github.com/shoubao/shoubao/parsers/video"
)

// File inspects a file of any kind (an .eml, an archive, a table, a video,
// anything), for `shoubao probe`. The error is non-nil when the file cannot
// be opened or read, for ctx cancellation, scratch-disk failure or a
// FileSink error; everything wrong with the content is a finding.
func File(ctx context.Context, path string, opts Options) (*Node, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("inspect file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("inspect file: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("inspect file %s: is a directory", path)
	}
	in := newInspector(opts)
	if err := in.checkTempDir(); err != nil {
		return nil, err
	}
	raw := filepath.Base(path)
	name, changed := mail.SanitizeName(raw)
	n, err := in.budgeted(ctx, func(ctx context.Context) (*Node, error) {
		if filekind.Detect(f, st.Size(), name).Kind == filekind.Message {
			return in.message(ctx, f, 0)
		}
		n := &Node{Name: name, RawName: rawName(raw, name)}
		if w := mail.BidiWarning(raw); w != "" {
			n.Findings = append(n.Findings, finding.New("unsafe_file_name", "文件名%s", w))
		} else if changed {
			n.Findings = append(n.Findings, finding.New("unsafe_file_name", "文件名 %q 含有控制字符，已改为 %q", raw, name))
		}
		hash := sha256.New()
		size, err := copyCtx(ctx, hash, f)
		if err != nil {
			return n, fmt.Errorf("inspect file: read %s: %w", path, err)
		}
		n.Size, n.SHA256 = size, hex.EncodeToString(hash.Sum(nil))
		in.files++
		return n, in.analyse(ctx, n, &part{in: in, size: size, f: f}, 0, 0)
	})
	if err != nil {
		return nil, err
	}
	n.Path = path
	if n.Kind == filekind.Message {
		n.Name = ""
	}
	return n, nil
}

// file spools one file's bytes from body (into memory or a scratch file,
// see spool), hashing them, then analyses it and hands it to the FileSink.
// extra returns findings known once body is read (the walker's findings
// about the part).
func (in *inspector) file(ctx context.Context, n *Node, body io.Reader, depth, archDepth int, extra func() []finding.Finding) error {
	n.Findings = []finding.Finding{}
	in.files++
	if in.files > in.lim.MaxFiles {
		n.Kind = filekind.Detect(nil, 0, n.Name).Kind
		n.Findings = append(n.Findings, finding.New("too_many_files", "文件数超过 %d 个的上限，此文件未检查", in.lim.MaxFiles))
		return nil
	}
	hash := sha256.New()
	p, err := in.spool(ctx, hash, body)
	if err != nil {
		return err
	}
	defer p.close()
	n.Size, n.SHA256 = p.size, hex.EncodeToString(hash.Sum(nil))
	if extra != nil {
		n.Findings = append(n.Findings, extra()...)
	}
	return in.analyse(ctx, n, p, depth, archDepth)
}

// analyse sets the kind of the file held by p (already hashed into n),
// expands archives and embedded messages, runs the video and table parsers,
// and hands the bytes to the FileSink.
func (in *inspector) analyse(ctx context.Context, n *Node, p *part, depth, archDepth int) error {
	if n.Findings == nil {
		n.Findings = []finding.Finding{}
	}
	if in.opts.Progress != nil {
		in.opts.Progress(n.Name)
	}
	res := filekind.Detect(p, n.Size, n.Name)
	n.Kind, n.Format = res.Kind, res.Format
	// A picture named as a video is the unit's video gone wrong, not a
	// photo: the kind stays video, which cannot be used.
	pictureAsVideo := res.Kind == filekind.Photo && res.Mismatch != "" &&
		filekind.Detect(nil, 0, n.Name).Family == filekind.FamilyVideo
	switch {
	case pictureAsVideo:
		n.Kind = filekind.Video
		n.Findings = append(n.Findings, finding.New(video.CodeUnreadable,
			"文件名为视频，实际是图片（%s 的内容是 %s 图片），无法作为视频报送", n.Name, strings.ToUpper(res.Format)))
	case res.Mismatch != "":
		n.Findings = append(n.Findings, finding.New("extension_mismatch",
			"文件 %s 的扩展名表示 %s，但内容是 %s，按内容处理", n.Name, res.Mismatch, res.Format))
	}
	if res.Damaged {
		n.Findings = append(n.Findings, finding.New("file_corrupt",
			"文件 %s 已损坏，无法打开（不是完整的 %s 文件，可能未上传完）", n.Name, strings.ToUpper(res.Format)))
	}
	if res.NameKind != "" {
		n.Findings = append(n.Findings, finding.New("kind_mismatch",
			"文件名 %s 显示为%s，但%s，按其他文件处理", n.Name, kindNames[res.NameKind], res.Reason))
	}
	if res.Encrypted {
		n.Findings = append(n.Findings, finding.New("file_encrypted", "文件 %s 设有密码，无法读取内容", n.Name))
	}
	if n.Size == 0 {
		n.Findings = append(n.Findings, finding.New("empty_file", "文件 %s 是空的（0 字节）", n.Name))
	}
	switch {
	case n.ContentType == "application/ms-tnef" || strings.EqualFold(n.Name, "winmail.dat"):
		n.Findings = append(n.Findings, finding.New("unsupported_container",
			"附件 %s 是 Outlook 的 TNEF 封装（winmail.dat），其中的文件无法读取；请对方改用 HTML 或纯文本格式重新发送", n.Name))
	case res.Format == "outlook-msg":
		n.Findings = append(n.Findings, finding.New("unsupported_container",
			"附件 %s 是 Outlook 邮件文件（.msg），其中的附件无法读取；请对方直接发送附件", n.Name))
	}
	switch n.Kind {
	case filekind.Message:
		if err := in.embeddedMessage(ctx, n, p, depth); err != nil {
			return err
		}
	case filekind.Archive:
		if err := in.archive(ctx, n, p, res.Format, depth, archDepth); err != nil {
			return err
		}
	case filekind.Report, filekind.StatsTable, filekind.RecommendTable, filekind.Other:
		if err := in.tables(ctx, n, p, res); err != nil {
			return err
		}
	case filekind.Video:
		if pictureAsVideo {
			break
		}
		info, fl, err := in.probeVideo(ctx, p)
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		n.Video = info
		n.Findings = append(n.Findings, fl...)
		n.Findings = append(n.Findings, video.CheckLimit(info, in.opts.VideoLimitSeconds)...)
	}
	if in.opts.Files != nil && n.Kind != filekind.Message {
		r, err := p.open()
		if err != nil {
			return err
		}
		if err := in.opts.Files.PutFile(ctx, n.SHA256, n.Size, r); err != nil {
			return fmt.Errorf("inspect: store file %s: %w", n.SHA256, err)
		}
	}
	return nil
}

// probeVideo measures a video. ffprobe (Options.FFprobe) is asked only
// when the video package cannot read the container itself; only then is a
// part held in memory written out to a scratch file (Path) for it.
func (in *inspector) probeVideo(ctx context.Context, p *part) (*video.Info, []finding.Finding, error) {
	return video.ProbeAt(ctx, p, p.size, p.Path, video.Options{FFprobe: in.opts.FFprobe})
}

// tableFormats are the formats parsers/sheets reads (.doc and .wps only to
// say that it cannot).
var tableFormats = map[string]bool{
	"xlsx": true, "xls": true, "et": true, "ods": true, "csv": true, "docx": true,
	"doc": true, "wps": true,
}

// tables runs the table parser on spreadsheets and Word documents. A table
// it recognises decides the kind, except that a document whose name says it
// is a report (总结, 报告) stays a report, with the table attached. A file
// whose kind says table but whose table could not be read always carries
// a finding saying why.
func (in *inspector) tables(ctx context.Context, n *Node, p *part, res filekind.Result) error {
	if res.Encrypted {
		return nil
	}
	if !tableFormats[res.Format] {
		in.unreadTable(n, fmt.Sprintf("%s 格式的文件无法自动读取表格", strings.ToUpper(res.Format)))
		return nil
	}
	r, fl := sheets.Parse(ctx, p, p.size, n.Name, sheets.Options{})
	if err := ctx.Err(); err != nil {
		return err
	}
	if r != nil {
		n.Stats, n.Recommend = r.Stats, r.Recommend
		if r.Kind != "" && res.Keyword != filekind.Report {
			n.Kind = r.Kind
		}
	}
	// A report that holds no table is no news; a spreadsheet or a table
	// that cannot be read is, and so is any document cut by a limit.
	if res.Family == filekind.FamilySpreadsheet || n.Kind == filekind.StatsTable || n.Kind == filekind.RecommendTable {
		n.Findings = append(n.Findings, fl...)
		in.unreadTable(n, "文件中没有找到表格内容（按项目名称和表头查找）")
		return nil
	}
	for _, f := range fl {
		if limitCodes[f.Code] {
			n.Findings = append(n.Findings, f)
		}
	}
	return nil
}

// unreadTable gives a file whose kind (from its name) is a table, but
// from which no table was read, a needs_manual_review finding with why,
// unless a finding already says why.
func (in *inspector) unreadTable(n *Node, why string) {
	if n.Kind != filekind.StatsTable && n.Kind != filekind.RecommendTable || n.Stats != nil || n.Recommend != nil {
		return
	}
	for _, f := range n.Findings {
		if unreadCodes[f.Code] {
			return
		}
	}
	n.Findings = append(n.Findings, finding.New(sheets.CodeManualReview, "文件名显示为%s，但%s，需人工核查", kindNames[n.Kind], why))
}

// unreadCodes say why a file could not be read.
var unreadCodes = map[string]bool{
	sheets.CodeManualReview: true, sheets.CodeTimeout: true, "file_corrupt": true, "file_encrypted": true, "empty_file": true,
}

// limitCodes are the table parser's findings kept for reports too: the
// document hit a limit (a hostile file), only part of it was read.
var limitCodes = map[string]bool{
	docx.CodeTooLarge: true, docx.CodeTooManyElements: true, docx.CodeTooDeep: true, "sheet_timeout": true,
}

// kindNames name kinds in findings.
var kindNames = map[string]string{
	filekind.Report: "报告", filekind.StatsTable: "统计表", filekind.RecommendTable: "推荐表",
	filekind.Video: "视频", filekind.Photo: "照片",
}

// embeddedMessage walks an .eml file found as an attachment or archive
// member.
func (in *inspector) embeddedMessage(ctx context.Context, n *Node, p *part, depth int) error {
	if depth >= in.lim.MaxDepth {
		n.Findings = append(n.Findings, finding.New("too_deep", "嵌套超过 %d 层，邮件 %s 未展开", in.lim.MaxDepth, n.Name))
		return nil
	}
	r, err := p.open()
	if err != nil {
		return err
	}
	sub, err := in.message(ctx, r, depth)
	if err != nil {
		return err
	}
	n.Message, n.Parts = sub.Message, sub.Parts
	n.Findings = append(n.Findings, sub.Findings...)
	return nil
}

// spoolFile copies body into dst while hashing, failing on ctx or a write
// error. Reads are gathered into large writes: decoders hand out a few KiB
// at a time.
func spoolFile(ctx context.Context, dst io.Writer, hash io.Writer, body io.Reader) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		k, rerr := io.ReadFull(body, buf)
		if k > 0 {
			hash.Write(buf[:k])
			if _, err := dst.Write(buf[:k]); err != nil {
				return n, fmt.Errorf("inspect: write scratch file: %w", err)
			}
			n += int64(k)
		}
		switch rerr {
		case nil:
		case io.EOF, io.ErrUnexpectedEOF:
			return n, nil
		default:
			return n, rerr
		}
	}
}

// copyCtx copies r to w, failing once ctx is done.
func copyCtx(ctx context.Context, w io.Writer, r io.Reader) (int64, error) {
	return io.Copy(w, &ctxReader{ctx: ctx, r: r})
}
