package deploy

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/config"
)

// TestProvinceExample loads shoubao.province.example.yaml with shoubao's
// own loader, as `shoubao run` does on a host whose secrets.env holds what
// the file's header says, and checks that it describes the province
// deployment. (Not parallel: it sets the environment.)
func TestProvinceExample(t *testing.T) {
	const file = "shoubao.province.example.yaml"
	text := readFile(t, file)
	for _, m := range regexp.MustCompile(`password_env: (\w+)`).FindAllStringSubmatch(text, -1) {
		t.Setenv(m[1], "authorization-code")
	}
	for _, v := range []string{config.EnvDatabaseURL, config.EnvNATSURL, config.EnvDataDir} {
		t.Setenv(v, "")
	}

	cfg, err := config.Load(file)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if !strings.HasPrefix(cfg.Store.URL, "postgres://shoubao@") {
		t.Errorf("store.url %q, want PostgreSQL without a password", cfg.Store.URL)
	}
	if servers := strings.Split(cfg.Bus.URL, ","); len(servers) != 3 {
		t.Errorf("bus.url %q, want the three NATS servers", cfg.Bus.URL)
	}
	if cfg.Bus.Replicas != 3 || cfg.Bus.LeaseTTL != 25*time.Second {
		t.Errorf("bus.replicas %d, lease_ttl %s; want 3 and 25s", cfg.Bus.Replicas, cfg.Bus.LeaseTTL)
	}
	if cfg.HTTP.Listen == "" || cfg.HTTP.SecureCookies != config.SecureCookiesAlways {
		t.Errorf("http %+v, want the console behind an HTTPS proxy", cfg.HTTP)
	}

	// secrets.env's URLs, as the header writes them, override the file's.
	header := text[:strings.Index(text, "\ndata_dir:")]
	for _, v := range []string{config.EnvDatabaseURL, config.EnvNATSURL} {
		m := regexp.MustCompile(`(?m)^#\s+` + v + `=(\S+)`).FindStringSubmatch(header)
		if m == nil {
			t.Fatalf("%s: the header does not show %s", file, v)
		}
		t.Setenv(v, strings.ReplaceAll(m[1], "…", "secret"))
	}
	cfg, err = config.Load(file)
	if err != nil {
		t.Fatalf("%s with secrets.env's URLs: %v", file, err)
	}
	if !strings.Contains(cfg.Store.URL, ":secret@") || strings.Count(cfg.Bus.URL, ":secret@") != 3 {
		t.Errorf("with secrets.env: store %q, bus %q", cfg.Store.URL, cfg.Bus.URL)
	}
	if r := cfg.Redact("connect " + cfg.Bus.URL); strings.Contains(r, "secret") {
		t.Errorf("the NATS password shows in %q", r)
	}
}
