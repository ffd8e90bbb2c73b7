package inspect

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/shoubao/shoubao/parsers/links"
)

func TestDownloadLink(t *testing.T) {
	photo, err := os.ReadFile("../mail/testdata/media/photo.jpg")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/page" {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html></html>"))
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(photo)
	}))
	defer srv.Close()
	sink := &memSink{}
	in := newInspector(Options{TempDir: t.TempDir(), Files: sink, DownloadLinks: true})
	n, err := in.download(context.Background(), links.Link{Provider: "test", URL: srv.URL + "/x/活动.jpg", Name: "活动照片.jpg"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n.Kind != "photo" || n.Name != "活动照片.jpg" || n.Size != int64(len(photo)) || sink.files[n.SHA256] == nil {
		t.Errorf("node = %+v", n)
	}
	n, err = in.download(context.Background(), links.Link{Provider: "test", URL: srv.URL + "/page"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n.SHA256 != "" || len(n.Findings) != 1 || n.Findings[0].Code != "link_not_direct" {
		t.Errorf("page node = %+v", n)
	}
}
