package links

import (
	"net/url"
	"testing"
	"unicode/utf8"
)

// FuzzFind: no panic, and every link found is a recognised URL with
// valid UTF-8 text.
func FuzzFind(f *testing.F) {
	f.Add(textQQ, "")
	f.Add("", html163)
	f.Add("陵川.mp4 (1G, 2024年13月40日 到期) https://pan.baidu.com/s/1x 提取码：abcd", "<a href='https://share.weiyun.com/x'>总结.docx</a>")
	f.Fuzz(func(t *testing.T, text, html string) {
		for _, l := range Find(text, html) {
			if Provider(l.URL) != l.Provider {
				t.Errorf("provider %q for %q", l.Provider, l.URL)
			}
			if _, err := url.Parse(l.URL); err != nil {
				t.Errorf("bad url %q", l.URL)
			}
			if !utf8.ValidString(l.Name) || !utf8.ValidString(l.Code) || l.Size < 0 {
				t.Errorf("bad link %+v", l)
			}
		}
	})
}
