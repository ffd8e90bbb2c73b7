package service_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/poller/imaptest"
	"github.com/shoubao/shoubao/pipeline/service"
)

// TestMetricsServed: with http.listen set, `run` serves /metrics and
// /readyz beside the console, and the metrics say what was stored.
func TestMetricsServed(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := imaptest.Mem(t)
	srv.Append(t, "INBOX", fixture(t, "rfc2231_gbk.eml"), time.Now())
	cfg, err := config.Parse([]byte(strings.Replace(testConfigYAML(t, "", "", "", srv, ""), "worker:", "http: {listen: \"127.0.0.1:0\"}\nworker:", 1)))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := service.Open(ctx, cfg, quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	addr, err := svc.ListenConsole()
	if err != nil || addr == nil {
		t.Fatalf("listen: %v %v", addr, err)
	}
	if err := svc.Once(ctx); err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = svc.Run(rctx); close(done) }()
	defer func() { stop(); <-done }()
	get := func(path string) (int, string) {
		deadline := time.Now().Add(10 * time.Second)
		for {
			resp, err := http.Get("http://" + addr.String() + path)
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				return resp.StatusCode, string(b)
			}
			if time.Now().After(deadline) {
				t.Fatal(err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	code, body := get("/metrics")
	if code != 200 || !strings.Contains(body, `shoubao_mailbox_messages_stored{mailbox="jc-2024/jcskjhzk@163.com"} 1`) ||
		!strings.Contains(body, "shoubao_scrape_ok 1") {
		t.Errorf("/metrics %d:\n%s", code, body)
	}
	if code, body := get("/readyz"); code != 200 {
		t.Errorf("/readyz %d: %s", code, body)
	}
}
