package links

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

func TestProvider(t *testing.T) {
	tests := []struct{ url, want string }{
		{"https://mail.163.com/large-attachment-download/index.html?p=X-NETEASE-HUGE-ATTACHMENT&file=djAy", "163mail"},
		{"http://mail.126.com/large-attachment-download/index.html?file=abc", "163mail"},
		{"https://dashi.163.com/html/cloud-attachment-download/index.html?key=abc", "163dashi"},
		{"https://mail.qq.com/cgi-bin/ftnExs_download?k=2c62&t=exs_ftn_download&code=bba4", "qqmail"},
		{"https://wx.mail.qq.com/ftn/download?func=3&k=abc&key=def", "qqmail"},
		{"https://exmail.qq.com/cgi-bin/ftnExs_download?k=00643&t=exs_ftn_download&code=ed13", "qqexmail"},
		{"https://pan.baidu.com/s/1AbCdEfGhIjK?pwd=8k2p", "baidu"},
		{"https://pan.baidu.com/share/init?surl=AbCd", "baidu"},
		{"https://www.aliyundrive.com/s/AbCdEf", "aliyun"},
		{"https://www.alipan.com/s/AbCdEf", "aliyun"},
		{"https://115.com/s/sw3abc", "115"},
		{"https://wwi.lanzoui.com/iAbCd12", "lanzou"},
		{"https://share.weiyun.com/AbCdEf", "weiyun"},
		{"https://cloud.189.cn/t/AbCdEf", "189"},
		{"https://caiyun.139.com/m/i?0F5CJUOrABC", "139"},
		{"https://pan.quark.cn/s/abcdef", "quark"},
		{"https://www.123pan.com/s/abc-def", "123pan"},
		{"http://u.163.com/RcUwvU56g?spm=pos.free_webmail", ""},
		{"https://mail.163.com/js6/main.jsp", ""},
		{"https://www.baidu.com/s?wd=x", ""},
		{"ftp://pan.baidu.com/s/1abc", ""},
		{"https://pan.baidu.com.evil.example/s/1abc", ""},
	}
	for _, tt := range tests {
		if got := Provider(tt.url); got != tt.want {
			t.Errorf("Provider(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

const html163 = `<div>活动视频较大，用超大附件发送。</div>
<div style="padding:4px"><div><b>从网易163邮箱发来的超大附件</b>
<a class="bigattach-mailmaster-download" href="http://u.163.com/RcUwvU56g?spm=pos">推荐客户端极速下载</a></div>
<div><a href="https://mail.163.com/large-attachment-download/index.html?p=X&amp;file=djAy"></a>
<a href="https://mail.163.com/large-attachment-download/index.html?p=X&amp;file=djAy">高平市科技活动周视频.mp4</a>
<span style="color:#bbb"> (350.5M, 2024年6月20日 18:21 到期)</span></div>
<div><a href="https://mail.163.com/large-attachment-download/index.html?p=X&amp;file=djAy">下载</a></div>
<div><a href="https://mail.163.com/large-attachment-download/index.html?p=X&amp;file=second">照片.zip</a>
<span> (20K, 2024年6月21日 9:05 到期)</span></div></div>`

const textQQ = `领导您好：
活动视频通过QQ邮箱超大附件发送：
陵川县科技周视频.mp4 (1.2G, 2024年06月25日 23:59 到期)
进入下载页面：https://mail.qq.com/cgi-bin/ftnExs_download?k=2c62&t=exs_ftn_download&code=bba47fa7
另外照片放在百度网盘：链接: https://pan.baidu.com/s/1AbCdEfGhIjK 提取码: 8k2p
阿里云盘 https://www.alipan.com/s/AbCdEf。
`

func TestFind(t *testing.T) {
	tests := []struct {
		name       string
		text, html string
		want       []Link
	}{
		{"163 html", "", html163, []Link{
			{Provider: "163mail", URL: "https://mail.163.com/large-attachment-download/index.html?p=X&file=djAy", Name: "高平市科技活动周视频.mp4", Size: 367525888, Expires: "2024-06-20T18:21:00+08:00"},
			{Provider: "163mail", URL: "https://mail.163.com/large-attachment-download/index.html?p=X&file=second", Name: "照片.zip", Size: 20480, Expires: "2024-06-21T09:05:00+08:00"},
		}},
		{"qq and drives in text", textQQ, "", []Link{
			{Provider: "qqmail", URL: "https://mail.qq.com/cgi-bin/ftnExs_download?k=2c62&t=exs_ftn_download&code=bba47fa7", Name: "陵川县科技周视频.mp4", Size: 1288490188, Expires: "2024-06-25T23:59:00+08:00"},
			{Provider: "baidu", URL: "https://pan.baidu.com/s/1AbCdEfGhIjK", Code: "8k2p"},
			{Provider: "aliyun", URL: "https://www.alipan.com/s/AbCdEf"},
		}},
		{"pwd in url", "https://pan.baidu.com/s/1xyz?pwd=ab12", "", []Link{
			{Provider: "baidu", URL: "https://pan.baidu.com/s/1xyz?pwd=ab12", Code: "ab12"},
		}},
		{"same link in text and html merged", "https://share.weiyun.com/AbC", `<a href="https://share.weiyun.com/AbC">总结.docx</a>`, []Link{
			{Provider: "weiyun", URL: "https://share.weiyun.com/AbC", Name: "总结.docx"},
		}},
		{"nothing", "见附件 https://www.gov.cn/ 谢谢", "<p>hello</p>", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Find(tt.text, tt.html)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Find =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestDownload(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/file":
			w.Header().Set("Content-Type", "video/mp4")
			w.Header().Set("Content-Disposition", `attachment; filename="clip.mp4"`)
			w.Write([]byte("0123456789"))
		case "/page":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte("<html>download page</html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	var buf bytes.Buffer
	name, n, err := Download(ctx, srv.URL+"/file", &buf, DownloadOptions{MaxBytes: 100, Timeout: 5 * time.Second})
	if err != nil || name != "clip.mp4" || n != 10 || buf.String() != "0123456789" {
		t.Errorf("file: %q %d %v %q", name, n, err, buf.String())
	}
	if _, _, err := Download(ctx, srv.URL+"/file", io.Discard, DownloadOptions{MaxBytes: 5}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("too large: %v", err)
	}
	if _, _, err := Download(ctx, srv.URL+"/page", io.Discard, DownloadOptions{}); !errors.Is(err, ErrNotFile) {
		t.Errorf("page: %v", err)
	}
	if _, _, err := Download(ctx, srv.URL+"/gone", io.Discard, DownloadOptions{}); err == nil {
		t.Error("404: no error")
	}
}
