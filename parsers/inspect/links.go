package inspect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"

	"github.com/shoubao/shoubao/parsers/finding"
	"github.com/shoubao/shoubao/parsers/links"
	"github.com/shoubao/shoubao/parsers/mail"
)

// linkFinding tells the officer that a file was sent as a link.
func linkFinding(l links.Link) finding.Finding {
	what := l.Name
	if what == "" {
		what = l.URL
	}
	extra := ""
	if l.Expires != "" {
		extra = "，链接到期时间 " + l.Expires
	}
	return finding.New("attachment_link", "正文中有超大附件/网盘链接（%s）：%s%s；文件未随邮件附上，需下载后检查", l.Provider, what, extra)
}

// download fetches a link's file and inspects it as a part of the message.
// A link that cannot be downloaded yields a node without SHA256 holding
// the finding; the error is non-nil only for ctx, scratch disk or the sink.
func (in *inspector) download(ctx context.Context, l links.Link, depth int) (*Node, error) {
	n := &Node{Name: l.Name, URL: l.URL, Findings: []finding.Finding{}}
	tmp, err := os.CreateTemp(in.opts.TempDir, "shoubao-link-*")
	if err != nil {
		return n, fmt.Errorf("inspect: create scratch file: %w", err)
	}
	p := &part{in: in, f: tmp, temp: true}
	defer p.close()
	hash := sha256.New()
	name, size, err := links.Download(ctx, l.URL, io.MultiWriter(tmp, hash), links.DownloadOptions{
		MaxBytes: in.lim.MaxDownloadBytes, Timeout: in.lim.DownloadTimeout,
	})
	if err != nil {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		switch {
		case errors.Is(err, links.ErrNotFile):
			n.Findings = append(n.Findings, finding.New("link_not_direct", "链接 %s 是下载页面而不是文件，需人工下载", l.URL))
		case errors.Is(err, links.ErrTooLarge):
			n.Findings = append(n.Findings, finding.New("link_too_large", "链接 %s 的文件超过 %d 字节的下载上限", l.URL, in.lim.MaxDownloadBytes))
		default:
			n.Findings = append(n.Findings, finding.New("link_download_failed", "链接 %s 下载失败：%v", l.URL, err))
		}
		return n, nil
	}
	if n.Name == "" {
		n.Name = name
	}
	if n.Name == "" {
		if u, err := url.Parse(l.URL); err == nil {
			n.Name = path.Base(u.Path)
		}
	}
	n.Name, _ = mail.SanitizeName(n.Name)
	p.size = size
	n.Size, n.SHA256 = size, hex.EncodeToString(hash.Sum(nil))
	in.files++
	return n, in.analyse(ctx, n, p, depth+1, 0)
}
