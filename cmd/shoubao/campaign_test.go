package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/shoubao/shoubao/pipeline/config"
)

func init() {
	// -update rewrites golden files; another test file of the package may
	// declare it first.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite testdata golden files")
	}
}

func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

const noticeDir = "../../parsers/notice/testdata"

func needPDFToText(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("SHOUBAO_REQUIRE_SERVICES") != "" {
			t.Fatal("pdftotext (poppler-utils) is required: SHOUBAO_REQUIRE_SERVICES is set")
		}
		t.Skip("pdftotext not installed")
	}
}

// runCLI runs shoubao with args and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runMain(t.Context(), &environment{stdout: &stdout, stderr: &stderr}, args)
	return code, stdout.String(), stderr.String()
}

// importNotice runs campaign import on a fixture and decodes the result
// without validating it.
func importNotice(t *testing.T, name string, extra ...string) (string, *config.Config, error) {
	t.Helper()
	if strings.HasSuffix(name, ".pdf") {
		needPDFToText(t)
	}
	code, out, errOut := runCLI(t, append([]string{"campaign", "import", filepath.Join(noticeDir, name)}, extra...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	cfg, err := config.Decode([]byte(out))
	return out, cfg, err
}

func TestCampaignImportGolden(t *testing.T) {
	for _, name := range []string{
		"jincheng-2024-notice.txt", "jincheng-2026-notice.txt", "shanxi-2026-provincial.txt",
		"lingchuan-2026-county-nomail.txt", "qinshui-2026-county-nodeadline.txt",
	} {
		t.Run(name, func(t *testing.T) {
			out, _, _ := importNotice(t, name)
			golden := filepath.Join("testdata", "campaign", strings.TrimSuffix(name, ".txt")+".yaml.golden")
			if updating() {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if out != string(want) {
				t.Errorf("output differs from %s; run go test -update and review the diff\n%s", golden, out)
			}
		})
	}
}

type mailboxConf struct{ Address, Office, Host, Env string }

func mailboxConfs(cp *config.Campaign) []mailboxConf {
	var out []mailboxConf
	for _, m := range cp.Mailboxes {
		out = append(out, mailboxConf{m.Address, m.Office, m.IMAP.Host, m.IMAP.Secret.PasswordEnv})
	}
	return out
}

// TestCampaignImportReal checks the two real notices field by field after
// decoding the configuration, in every form, and that `run`'s own loader
// (config.Parse, secrets checked) accepts it.
func TestCampaignImportReal(t *testing.T) {
	for _, tc := range []struct {
		files     []string
		id        string
		deadline  string
		materials []config.Material
		mailboxes []mailboxConf
		delivery  string
		units     int
	}{
		{
			files:     []string{"jincheng-2024-notice.txt", "jincheng-2024-notice.gb18030.txt", "jincheng-2024-notice.docx", "jincheng-2024-notice.pdf"},
			id:        "jskz-2024-8",
			deadline:  "2024-06-07",
			materials: []config.Material{config.MaterialStats, config.MaterialReport, config.MaterialMedia},
			mailboxes: []mailboxConf{{"jcskjhzk@163.com", "", "imap.163.com", "SHOUBAO_IMAP_JCSKJHZK"}},
			delivery:  config.DeliveryAny,
			units:     10,
		},
		{
			files:     []string{"jincheng-2026-notice.txt", "jincheng-2026-notice.docx", "jincheng-2026-notice.pdf"},
			id:        "jskz-2026-3",
			deadline:  "2026-06-08",
			materials: []config.Material{config.MaterialReport, config.MaterialMedia},
			mailboxes: []mailboxConf{
				{"jcskjjptk@163.com", "晋城市科学技术局", "imap.163.com", "SHOUBAO_IMAP_JCSKJJPTK"},
				{"kxxhb88@163.com", "晋城市科学技术协会", "imap.163.com", "SHOUBAO_IMAP_KXXHB88"},
			},
			delivery: config.DeliveryEach,
			units:    12, // 14 in the 推荐单位 column less the two issuing offices
		},
	} {
		for _, file := range tc.files {
			t.Run(file, func(t *testing.T) {
				out, cfg, err := importNotice(t, file)
				if err != nil {
					t.Fatalf("config.Decode: %v\n%s", err, out)
				}
				if len(cfg.Campaign) != 1 {
					t.Fatalf("%d campaigns", len(cfg.Campaign))
				}
				cp := cfg.Campaign[0]
				if cp.ID != tc.id {
					t.Errorf("id = %q, want %q", cp.ID, tc.id)
				}
				if cp.Deadline.Text != tc.deadline {
					t.Errorf("deadline = %q, want %q", cp.Deadline.Text, tc.deadline)
				}
				if !slices.Equal(cp.Materials, tc.materials) {
					t.Errorf("materials = %v, want %v", cp.Materials, tc.materials)
				}
				if cp.VideoLimitSeconds != 180 {
					t.Errorf("video limit = %d, want 180", cp.VideoLimitSeconds)
				}
				if got := mailboxConfs(&cp); !slices.Equal(got, tc.mailboxes) {
					t.Errorf("mailboxes = %+v, want %+v", got, tc.mailboxes)
				}
				for _, m := range cp.Mailboxes {
					if m.IMAP.Port != 993 || m.IMAP.TLS != "implicit" {
						t.Errorf("imap = %+v", m.IMAP)
					}
				}
				if cp.Delivery != tc.delivery {
					t.Errorf("delivery = %q, want %q", cp.Delivery, tc.delivery)
				}
				if len(cp.Units) != tc.units {
					t.Errorf("%d units, want %d", len(cp.Units), tc.units)
				}
				for _, m := range tc.mailboxes {
					t.Setenv(m.Env, "authorization-code")
				}
				if _, err := config.Parse([]byte(out)); err != nil {
					t.Errorf("config.Parse (as shoubao run loads it): %v", err)
				}
				if !strings.Contains(out, "\n# 未找到") {
					t.Error("no 未找到 block")
				}
			})
		}
	}
}

// TestCampaignImportSynthetic checks that nothing is invented: what the
// notices do not say is left empty, listed under 未找到, and exactly those
// gaps are what keeps `run` from accepting the draft.
func TestCampaignImportSynthetic(t *testing.T) {
	for _, tc := range []struct {
		file     string
		problems []string
		missing  []string
	}{
		{
			file:     "shanxi-2026-provincial.txt",
			problems: []string{"campaigns[0].mailboxes[0].imap.host"},
			missing:  []string{"邮箱 kjtkpc@shanxi.gov.cn 的 IMAP 服务器"},
		},
		{
			file:     "lingchuan-2026-county-nomail.txt",
			problems: []string{"campaigns[0].mailboxes"},
			missing:  []string{"发文字号", "视频时长要求", "报送方式（分别报送/统一报送）", "报送邮箱", "单位名单（通知表格中的推荐单位）", "附件"},
		},
		{
			file:     "qinshui-2026-county-nodeadline.txt",
			problems: []string{"campaigns[0].deadline"},
			missing:  []string{"报送截止日期", "邮箱 qsxkjj2026@qq.com 所属单位", "单位名单（通知表格中的推荐单位）", "附件"},
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			out, _, err := importNotice(t, tc.file)
			var cerr *config.Error
			if !errors.As(err, &cerr) {
				t.Fatalf("config.Decode error = %v, want the gaps reported", err)
			}
			var paths []string
			for _, p := range cerr.Problems {
				paths = append(paths, p.Path)
			}
			if !slices.Equal(paths, tc.problems) {
				t.Errorf("problems at %v, want %v", paths, tc.problems)
			}
			_, block, ok := strings.Cut(out, "# 未找到（通知中没有写明，请核对后手工填写）：\n")
			if !ok {
				t.Fatalf("no 未找到 list:\n%s", out)
			}
			var listed []string
			for _, l := range strings.Split(block, "\n") {
				item, ok := strings.CutPrefix(l, "#   - ")
				if !ok {
					break
				}
				listed = append(listed, item)
			}
			if !slices.Equal(listed, tc.missing) {
				t.Errorf("未找到 lists %q, want %q", listed, tc.missing)
			}
		})
	}
	// The unknown domain leaves the host empty with a placeholder comment.
	out, _, _ := importNotice(t, "shanxi-2026-provincial.txt")
	if !strings.Contains(out, "host: # 请填写 IMAP 服务器") {
		t.Errorf("no IMAP placeholder:\n%s", out)
	}
}

func TestCampaignImportFlags(t *testing.T) {
	notice := filepath.Join(noticeDir, "jincheng-2026-notice.txt")
	dir := t.TempDir()
	outFile := filepath.Join(dir, "campaign.yaml")

	code, stdout, stderr := runCLI(t, "campaign", "import", "--out", outFile, notice, "--id", "jc-2026-kjhdz")
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	b, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Decode(b)
	if err != nil || cfg.Campaign[0].ID != "jc-2026-kjhdz" {
		t.Fatalf("written file: %v %+v", err, cfg)
	}

	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"campaign"}, 2, "missing subcommand"},
		{[]string{"campaign", "export"}, 2, "unknown subcommand"},
		{[]string{"campaign", "import"}, 2, "exactly one NOTICE"},
		{[]string{"campaign", "import", notice, notice}, 2, "exactly one NOTICE"},
		{[]string{"campaign", "import", "--id", "晋城 2026", notice}, 2, "--id"},
		{[]string{"campaign", "import", "--bogus", notice}, 2, "bogus"},
		{[]string{"campaign", "import", filepath.Join(dir, "absent.txt")}, 1, "no such file"},
		{[]string{"campaign", "import", filepath.Join(noticeDir, "scanned.pdf")}, 1, "pdf_no_text_layer"},
		{[]string{"campaign", "import", "-h"}, 0, "usage: shoubao campaign import"},
	} {
		if strings.HasSuffix(tc.args[len(tc.args)-1], ".pdf") {
			needPDFToText(t)
		}
		code, stdout, stderr := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) || (code != 0 && stdout != "") {
			t.Errorf("%q: exit %d, stderr %q, stdout %d bytes; want exit %d and %q", tc.args, code, stderr, len(stdout), tc.code, tc.msg)
		}
	}
}

// TestCampaignImportSameAcrossFormats checks that the Word and PDF forms of
// a notice import to the same campaign as its text.
func TestCampaignImportSameAcrossFormats(t *testing.T) {
	raw := func(out string) []config.Campaign {
		t.Helper()
		// Not config.Decode: the provincial draft is incomplete (no IMAP
		// host) and must still compare equal.
		var c config.Config
		if err := yaml.Unmarshal([]byte(out), &c); err != nil {
			t.Fatal(err)
		}
		return c.Campaign
	}
	for _, base := range []string{"jincheng-2024-notice", "jincheng-2026-notice", "shanxi-2026-provincial"} {
		t.Run(base, func(t *testing.T) {
			out, _, _ := importNotice(t, base+".txt")
			want := raw(out)
			if len(want) != 1 || len(want[0].Units) == 0 {
				t.Fatalf("from .txt: %+v", want)
			}
			for _, ext := range []string{".docx", ".pdf"} {
				out, _, _ := importNotice(t, base+ext)
				if got := raw(out); !reflect.DeepEqual(got, want) {
					t.Errorf("%s imports to\n%+v\nwant (from .txt)\n%+v", ext, got, want)
				}
			}
		})
	}
}
