package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// validCampaign is a campaign without problems, appended to the test files
// below so that only the problem under test is reported.
const validCampaign = `
campaigns:
  - id: c1
    title: t
    deadline: 2026-06-08
    materials: [report]
    mailboxes:
      - address: a@163.com
        imap: {host: imap.163.com, password_env: SHOUBAO_TEST_UNSET_SECRET}
`

// problemsOf decodes src (without the secret check) and returns its
// problems by key path.
func problemsOf(t *testing.T, src string) (map[string]string, error) {
	t.Helper()
	_, err := Decode([]byte(src))
	if err == nil {
		return nil, nil
	}
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("want *Error, got %v", err)
	}
	got := map[string]string{}
	for _, p := range ce.Problems {
		got[p.Path] += p.Message
	}
	return got, err
}

// TestURLPasswordsMasked: a URL's password never appears in a validation
// message; the URL is shown with the password replaced by xxxxx.
func TestURLPasswordsMasked(t *testing.T) {
	for _, tc := range []struct {
		name     string
		yaml     string
		env      map[string]string
		path     string
		want     string // in the message at path
		password string // nowhere in the error
	}{
		{name: "bus url without host", yaml: `bus: {url: "nats://user:secret@"}`,
			path: "bus.url", want: `"nats://user:xxxxx@"`, password: "secret"},
		{name: "bus url, one of a cluster", yaml: `bus: {url: "nats://10.0.0.1:4222, nats://user:hunter2@/x"}`,
			path: "bus.url", want: "nats://user:xxxxx@/x", password: "hunter2"},
		{name: "bus url without scheme", yaml: `bus: {url: "user:pa55word@:4222"}`,
			path: "bus.url", want: "user:xxxxx@:4222", password: "pa55word"},
		{name: "bus url with a token", yaml: `bus: {url: "nats://s3cr3tt0ken@"}`,
			path: "bus.url", want: "nats://xxxxx@", password: "s3cr3tt0ken"},
		{name: "bus url from the environment", env: map[string]string{EnvNATSURL: "nats://u:envsecret@"},
			path: "bus.url", want: "nats://u:xxxxx@", password: "envsecret"},
		{name: "store url wrong scheme", yaml: `store: {url: "mysql://root:secret@db/shoubao"}`,
			path: "store.url", want: `"mysql://root:xxxxx@db/shoubao"`, password: "secret"},
		{name: "store url that does not parse", yaml: `store: {url: "postgres://shoubao:se%zzcret@db/shoubao"}`,
			path: "store.url", want: "postgres://shoubao:xxxxx@db/shoubao", password: "se%zzcret"},
		{name: "store url password in the query", yaml: `store: {url: "pg://db/shoubao?user=s&password=qsecret"}`,
			path: "store.url", want: "password=xxxxx", password: "qsecret"},
		{name: "store url from the environment", env: map[string]string{EnvDatabaseURL: "mysql://u:envpass@db/x"},
			path: "store.url", want: "mysql://u:xxxxx@db/x", password: "envpass"},
		{name: "store url in the wrong place", yaml: `store: "postgres://shoubao:notwhere@db/shoubao"`,
			path: "store", want: "mapping", password: "notwhere"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			got, err := problemsOf(t, tc.yaml+"\n"+validCampaign)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(got[tc.path], tc.want) {
				t.Errorf("problem at %s = %q, want it to contain %q; all:\n%v", tc.path, got[tc.path], tc.want, err)
			}
			if strings.Contains(err.Error(), tc.password) {
				t.Errorf("error shows the password %q:\n%v", tc.password, err)
			}
		})
	}
}

func TestRedactURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"nats://127.0.0.1:4222", "nats://127.0.0.1:4222"},
		{"nats://user:secret@host:4222", "nats://user:xxxxx@host:4222"},
		{"nats://token@host:4222", "nats://xxxxx@host:4222"},
		{"tls://token@host:4222", "tls://xxxxx@host:4222"},
		{"nats://a:1@h1:4222, nats://b:2@h2:4222", "nats://a:xxxxx@h1:4222, nats://b:xxxxx@h2:4222"},
		{"postgres://shoubao@db/shoubao", "postgres://shoubao@db/shoubao"},
		{"postgres://shoubao:s3cret@db:5432/shoubao?sslmode=disable", "postgres://shoubao:xxxxx@db:5432/shoubao?sslmode=disable"},
		{"postgresql://shoubao:p@ss/w:rd@db/shoubao", "postgresql://shoubao:xxxxx@db/shoubao"},
		{"postgres://db/shoubao?user=u&password=s3cret&sslmode=disable", "postgres://db/shoubao?user=u&password=xxxxx&sslmode=disable"},
		{"user:secret@host:4222", "user:xxxxx@host:4222"},
		{"not a url", "not a url"},
	} {
		if got := RedactURL(tc.in); got != tc.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestConfigRedact: text that quotes the configured URLs or their
// passwords (errors from drivers, log lines) is masked.
func TestConfigRedact(t *testing.T) {
	c := &Config{Store: Store{URL: "postgres://shoubao:s%40cret@db/shoubao"}, Bus: Bus{URL: "nats://n:natspw@h:4222,nats://tok3n@h2:4222"}}
	for _, tc := range []struct{ in, want string }{
		{`connect "postgres://shoubao:s%40cret@db/shoubao": refused`, `connect "postgres://shoubao:xxxxx@db/shoubao": refused`},
		{"password s@cret rejected", "password xxxxx rejected"},
		{"nats: natspw and tok3n", "nats: xxxxx and xxxxx"},
		{"nothing secret", "nothing secret"},
	} {
		if got := c.Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestCampaignsRequired: a configuration without a campaign would run
// forever doing nothing; it is refused at key campaigns, by every entry
// point run and status use.
func TestCampaignsRequired(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		yaml string
	}{
		{"empty file", ""},
		{"comments only", "# nothing yet\n"},
		{"no campaigns key", "log_level: info\ndata_dir: /tmp/x\n"},
		{"empty campaigns", "campaigns:\n"},
		{"empty list", "campaigns: []\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			for name, f := range map[string]func() (*Config, error){
				"Parse":  func() (*Config, error) { return Parse([]byte(tc.yaml)) },
				"Decode": func() (*Config, error) { return Decode([]byte(tc.yaml)) },
				"Load":   func() (*Config, error) { return Load(path) },
				"Read":   func() (*Config, error) { return Read(path) },
			} {
				_, err := f()
				var ce *Error
				if !errors.As(err, &ce) {
					t.Fatalf("%s: want *Error, got %v", name, err)
				}
				found := false
				for _, p := range ce.Problems {
					if p.Path == "campaigns" && strings.Contains(p.Message, "campaign") {
						found = true
					}
				}
				if !found {
					t.Errorf("%s: no problem at campaigns:\n%v", name, err)
				}
			}
		})
	}
	// A file holding only campaigns: (what `campaign import` writes) is
	// accepted.
	if _, err := Decode([]byte(validCampaign)); err != nil {
		t.Fatalf("campaigns only: %v", err)
	}
}

// TestKeyProblems: unknown keys and values of the wrong type are reported
// at their key path, in the file's words (no Go type names), with the
// nearest valid key of that mapping suggested.
func TestKeyProblems(t *testing.T) {
	for _, tc := range []struct {
		name string
		yaml string // with validCampaign appended unless it has campaigns:
		path string
		want []string // in the message at path
	}{
		{name: "top level", yaml: "log_levle: debug\n",
			path: "log_levle", want: []string{"line 1", "unknown key", "did you mean log_level?"}},
		{name: "top level, case", yaml: "Data_Dir: x\n",
			path: "Data_Dir", want: []string{"did you mean data_dir?"}},
		{name: "top level campaigns", yaml: "campaings: []\n",
			path: "campaings", want: []string{"did you mean campaigns?"}},
		{name: "store", yaml: "store: {ulr: x}\n",
			path: "store.ulr", want: []string{"did you mean url?"}},
		{name: "bus", yaml: "bus: {namepsace: x}\n",
			path: "bus.namepsace", want: []string{"did you mean namespace?"}},
		{name: "bus.embedded", yaml: "bus:\n  embedded:\n    max_stor: 1GB\n",
			path: "bus.embedded.max_stor", want: []string{"line 3", "did you mean max_store?"}},
		{name: "smtp", yaml: "smtp: {hots: smtp.163.com}\n",
			path: "smtp.hots", want: []string{"did you mean host?"}},
		{name: "smtp inline secret", yaml: "smtp: {password_evn: X}\n",
			path: "smtp.password_evn", want: []string{"did you mean password_env?"}},
		{name: "poll", yaml: "poll: {intervall: 1m}\n",
			path: "poll.intervall", want: []string{"did you mean interval?"}},
		{name: "worker", yaml: "worker: {concurency: 3}\n",
			path: "worker.concurency", want: []string{"did you mean concurrency?"}},
		{name: "campaign", yaml: `
campaigns:
  - id: c1
    title: t
    deadine: 2026-06-08
    materials: [report]
    mailboxes:
      - address: a@163.com
        imap: {host: imap.163.com, password_env: X}
`, path: "campaigns[0].deadine", want: []string{"line 5", "unknown key", "did you mean deadline?"}},
		{name: "mailbox", yaml: `
campaigns:
  - id: c1
    title: t
    deadline: 2026-06-08
    materials: [report]
    mailboxes:
      - address: a@163.com
        ofice: 科技局
        imap: {host: imap.163.com, password_env: X}
`, path: "campaigns[0].mailboxes[0].ofice", want: []string{"did you mean office?"}},
		{name: "imap", yaml: `
campaigns:
  - id: c1
    title: t
    deadline: 2026-06-08
    materials: [report]
    mailboxes:
      - address: a@163.com
        imap: {host: imap.163.com, password_env: X, folder: INBOX, fodler: x}
`, path: "campaigns[0].mailboxes[0].imap.fodler", want: []string{"did you mean folder?"}},
		{name: "unit", yaml: `
campaigns:
  - id: c1
    title: t
    deadline: 2026-06-08
    materials: [report]
    mailboxes:
      - address: a@163.com
        imap: {host: imap.163.com, password_env: X}
    units:
      - name: 甲局
      - name: 乙局
        alias: [乙]
`, path: "campaigns[0].units[1].alias", want: []string{"did you mean aliases?"}},
		{name: "nothing near", yaml: "worker: {zzzzzzzz: 1}\n",
			path: "worker.zzzzzzzz", want: []string{"unknown key", "concurrency, max_deliver"}},
		{name: "rejected key not suggested", yaml: "smtp: {passwd: x}\n",
			path: "smtp.passwd", want: []string{"password_env, password_file"}},
		{name: "duration", yaml: "poll: {interval: soon}\n",
			path: "poll.interval", want: []string{"line 1", `"soon"`, "duration"}},
		{name: "integer", yaml: "worker: {concurrency: many}\n",
			path: "worker.concurrency", want: []string{`"many"`, "whole number"}},
		{name: "boolean", yaml: "worker: {download_links: maybe}\n",
			path: "worker.download_links", want: []string{"true or false"}},
		{name: "size", yaml: "worker: {max_message_size: huge}\n",
			path: "worker.max_message_size", want: []string{"invalid size"}},
		{name: "mapping expected", yaml: "poll: 2m\n",
			path: "poll", want: []string{"mapping", "interval"}},
		{name: "list expected", yaml: `
campaigns:
  - id: c1
    title: t
    deadline: 2026-06-08
    materials: report
    mailboxes:
      - address: a@163.com
        imap: {host: imap.163.com, password_env: X}
`, path: "campaigns[0].materials", want: []string{"list"}},
		{name: "text expected", yaml: "log_level: [debug]\n",
			path: "log_level", want: []string{"single value", "not a list"}},
		{name: "key given twice", yaml: "log_level: info\nlog_level: debug\n",
			path: "log_level", want: []string{"line 2", "twice", "line 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.yaml
			if !strings.Contains(src, "campaigns:") {
				src += validCampaign
			}
			got, err := problemsOf(t, src)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(got[tc.path], w) {
					t.Errorf("problem at %s = %q, want it to contain %q; all:\n%v", tc.path, got[tc.path], w, err)
				}
			}
			for _, goWords := range []string{"config.", "in type", "into ", "!!", "time.Duration", "int64"} {
				if strings.Contains(err.Error(), goWords) {
					t.Errorf("message names Go types (%q):\n%v", goWords, err)
				}
			}
		})
	}
}

// TestKeyProblemsDoNotStopDecoding: a file with unknown keys or bad values
// is still read to the end, so that every other problem is reported too.
func TestKeyProblemsDoNotStopDecoding(t *testing.T) {
	got, err := problemsOf(t, `
worker: {concurency: 3, max_deliver: -1}
poll: {interval: soon, post_process: delete}
campaigns:
  - id: c1
    titel: t
    deadline: 2026-06-08
    materials: [report]
    mailboxes:
      - address: a@163.com
        imap: {host: imap.163.com, password_env: X, tls: bogus}
`)
	for _, path := range []string{"worker.concurency", "worker.max_deliver", "poll.interval", "poll.post_process",
		"campaigns[0].titel", "campaigns[0].title", "campaigns[0].mailboxes[0].imap.tls"} {
		if got[path] == "" {
			t.Errorf("no problem at %s:\n%v", path, err)
		}
	}
}
