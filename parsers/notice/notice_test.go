package notice

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shoubao/shoubao/parsers/finding"
	"github.com/shoubao/shoubao/pipeline/campaign"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// readFixture reads a file of testdata with Read.
func readFixture(t testing.TB, name string, opts *Options) (*Notice, []finding.Finding) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	n, fs, err := Read(t.Context(), f, st.Size(), name, opts)
	if err != nil {
		t.Fatalf("Read %s: %v", name, err)
	}
	return n, fs
}

// TestGolden compares the whole extraction of every fixture with its golden
// file (go test -update rewrites them).
func TestGolden(t *testing.T) {
	names, _ := filepath.Glob("testdata/*.txt")
	pdfs, _ := filepath.Glob("testdata/*.pdf")
	docxs, _ := filepath.Glob("testdata/*.docx")
	names = append(append(names, pdfs...), docxs...)
	if len(names) < 8 {
		t.Fatalf("only %d fixtures; run testdata/gen.sh", len(names))
	}
	for _, path := range names {
		name := filepath.Base(path)
		if strings.HasPrefix(name, "scanned") {
			continue // no text: TestReadFailures
		}
		t.Run(name, func(t *testing.T) {
			if strings.HasSuffix(name, ".pdf") {
				needPDFToText(t)
			}
			n, fs := readFixture(t, name, nil)
			got, err := json.MarshalIndent(struct {
				Notice   *Notice           `json:"notice"`
				Findings []finding.Finding `json:"findings"`
			}{n, fs}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s; run go test -update and review the diff\ngot:\n%s", name, golden, got)
			}
		})
	}
}

func needPDFToText(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("SHOUBAO_REQUIRE_SERVICES") != "" {
			t.Fatal("pdftotext (poppler-utils) is required: SHOUBAO_REQUIRE_SERVICES is set")
		}
		t.Skip("pdftotext not installed")
	}
}

func materials(n *Notice) []campaign.Material {
	var out []campaign.Material
	for _, m := range n.Materials {
		out = append(out, m.Material)
	}
	return out
}

type mailbox struct{ Address, Office string }

func mailboxes(n *Notice) []mailbox {
	var out []mailbox
	for _, m := range n.Mailboxes {
		out = append(out, mailbox{m.Address, m.Office})
	}
	return out
}

// TestRealNotices checks the values the campaign needs, field by field, in
// every form of the two real notices.
func TestRealNotices(t *testing.T) {
	cst := campaign.ChinaTime()
	for _, tc := range []struct {
		files     []string
		title     string
		number    string
		offices   []string
		published string
		deadline  string
		end       time.Time
		materials []campaign.Material
		video     int
		mailboxes []mailbox
		delivery  string
		attach    []string
	}{
		{
			files:     []string{"jincheng-2024-notice.txt", "jincheng-2024-notice.gb18030.txt", "jincheng-2024-notice.pdf", "jincheng-2024-notice.docx"},
			title:     "关于举办2024年晋城市科技活动周的通知",
			number:    "晋市科字〔2024〕8号",
			offices:   []string{"晋城市科学技术局", "中共晋城市委宣传部", "晋城市科学技术协会"},
			published: "2024-05-06",
			deadline:  "2024-06-07",
			end:       time.Date(2024, 6, 8, 0, 0, 0, 0, cst),
			materials: []campaign.Material{campaign.MaterialStats, campaign.MaterialReport, campaign.MaterialMedia},
			video:     180,
			mailboxes: []mailbox{{"jcskjhzk@163.com", ""}},
			delivery:  campaign.DeliveryAny,
			attach:    []string{"2024年晋城市科技活动周开展情况统计表", "2024年晋城市科技活动周特色科技活动推荐清单"},
		},
		{
			files:     []string{"jincheng-2026-notice.txt", "jincheng-2026-notice.pdf", "jincheng-2026-notice.docx"},
			title:     "关于举办2026年晋城市科技活动周和科技工作者日活动的通知",
			number:    "晋市科字〔2026〕3号",
			offices:   []string{"晋城市科学技术局", "中共晋城市委宣传部", "晋城市科学技术协会"},
			published: "2026-05-20",
			deadline:  "2026-06-08",
			end:       time.Date(2026, 6, 9, 0, 0, 0, 0, cst),
			materials: []campaign.Material{campaign.MaterialReport, campaign.MaterialMedia},
			video:     180,
			mailboxes: []mailbox{{"jcskjjptk@163.com", "晋城市科学技术局"}, {"kxxhb88@163.com", "晋城市科学技术协会"}},
			delivery:  campaign.DeliveryEach,
			attach:    []string{"特色群众性主题实践活动推荐表"},
		},
	} {
		for _, file := range tc.files {
			t.Run(file, func(t *testing.T) {
				if strings.HasSuffix(file, ".pdf") {
					needPDFToText(t)
				}
				n, fs := readFixture(t, file, nil)
				if len(fs) != 0 {
					t.Errorf("findings: %v", fs)
				}
				if n.Title == nil || n.Title.Value != tc.title {
					t.Errorf("title = %+v, want %s", n.Title, tc.title)
				}
				if n.Number == nil || n.Number.Value != tc.number {
					t.Errorf("number = %+v, want %s", n.Number, tc.number)
				}
				var offices []string
				for _, o := range n.Offices {
					offices = append(offices, o.Value)
				}
				if !slices.Equal(offices, tc.offices) {
					t.Errorf("offices = %v, want %v", offices, tc.offices)
				}
				if n.Published == nil || n.Published.String() != tc.published {
					t.Errorf("published = %+v, want %s", n.Published, tc.published)
				}
				if n.Deadline == nil || n.Deadline.Config() != tc.deadline || !n.Deadline.End.Equal(tc.end) {
					t.Errorf("deadline = %+v, want %s ending %v", n.Deadline, tc.deadline, tc.end)
				}
				if got := materials(n); !slices.Equal(got, tc.materials) {
					t.Errorf("materials = %v, want %v", got, tc.materials)
				}
				if n.VideoLimit == nil || n.VideoLimit.Seconds != tc.video {
					t.Errorf("video limit = %+v, want %d", n.VideoLimit, tc.video)
				}
				if got := mailboxes(n); !slices.Equal(got, tc.mailboxes) {
					t.Errorf("mailboxes = %v, want %v", got, tc.mailboxes)
				}
				if n.Delivery == nil || n.Delivery.Mode != tc.delivery {
					t.Errorf("delivery = %+v, want %s", n.Delivery, tc.delivery)
				}
				var attach []string
				for _, a := range n.Attachments {
					attach = append(attach, a.Title)
				}
				if !slices.Equal(attach, tc.attach) {
					t.Errorf("attachments = %v, want %v", attach, tc.attach)
				}
				if t.Failed() {
					return
				}
				// Every value quotes where it came from.
				for what, src := range map[string]Source{
					"title": n.Title.Source, "number": n.Number.Source, "deadline": n.Deadline.Source,
					"video": n.VideoLimit.Source, "delivery": n.Delivery.Source,
				} {
					if src.Text == "" || src.Line < 1 {
						t.Errorf("%s has no source: %+v", what, src)
					}
				}
			})
		}
	}
}

// TestRealNoticeDetails checks contacts and the roster. A PDF's tables are
// rebuilt from word positions (pdftable.go), so its units must match too.
func TestRealNoticeDetails(t *testing.T) {
	for _, file := range []string{"jincheng-2024-notice.txt", "jincheng-2024-notice.docx", "jincheng-2024-notice.pdf"} {
		t.Run(file, func(t *testing.T) {
			if strings.HasSuffix(file, ".pdf") {
				needPDFToText(t)
			}
			n, _ := readFixture(t, file, nil)
			want := []Contact{
				{Office: "晋城市科学技术局国际交流与合作科", Person: "梁妮", Phones: []string{"0356-2688000"}},
				{Office: "中共晋城市委宣传部宣传教育科", Person: "马永进", Phones: []string{"0356-2198510"}},
				{Office: "晋城市科学技术协会普及部", Person: "郭剑波", Phones: []string{"0356-2633881"}},
			}
			checkContacts(t, n, want)
			var units []string
			for _, u := range n.Units {
				units = append(units, u.Name)
			}
			wantUnits := []string{"城区教育和科技局", "泽州县教育局", "高平市科技局", "阳城县科技局", "陵川县科技局",
				"沁水县教育局", "晋城市气象局", "晋城市防震减灾中心", "晋城市文化和旅游局", "山西汽运集团晋城公司"}
			if !slices.Equal(units, wantUnits) {
				t.Errorf("units = %v, want %v", units, wantUnits)
			}
		})
	}
	for _, file := range []string{"jincheng-2026-notice.txt", "jincheng-2026-notice.docx", "jincheng-2026-notice.pdf"} {
		t.Run(file, func(t *testing.T) {
			if strings.HasSuffix(file, ".pdf") {
				needPDFToText(t)
			}
			n, _ := readFixture(t, file, nil)
			checkContacts(t, n, []Contact{
				{Office: "晋城市科学技术局", Phones: []string{"0356-2688000"}},
				{Office: "晋城市科学技术协会", Phones: []string{"0356-2633228"}},
			})
			if len(n.Units) != 14 {
				t.Errorf("%d units, want 14: %+v", len(n.Units), n.Units)
			}
			byName := map[string]Unit{}
			for _, u := range n.Units {
				byName[u.Name] = u
			}
			if u := byName["陵川县发展改革和科技局"]; !slices.Equal(u.Aliases, []string{"陵川县发展和改革局和科技局"}) || !slices.Equal(u.Rows, []string{"17", "18"}) {
				t.Errorf("陵川 unit = %+v, want the row-18 spelling as an alias", u)
			}
			if u := byName["阳城县科技和商务局"]; !slices.Equal(u.Rows, []string{"12", "14", "15"}) {
				t.Errorf("阳城 unit rows = %v", u.Rows)
			}
			if u := byName["晋城市图书馆"]; !strings.HasSuffix(file, ".pdf") && u.Source.Text != "晋城市 图书馆" {
				t.Errorf("unit source = %q, want the cell as written", u.Source.Text)
			}
			if !byName["晋城市科学技术局"].Issuer || !byName["晋城市科学技术协会"].Issuer || byName["晋城博物馆"].Issuer {
				t.Errorf("issuing offices not marked: %+v", n.Units[:3])
			}
			if len(n.OtherUnits) == 0 || n.OtherUnits[0].Name != "晋城合为城市体验中心有限公司" || n.OtherUnits[0].Column != "承办单位" {
				t.Errorf("other units = %+v", n.OtherUnits)
			}
		})
	}
}

func checkContacts(t *testing.T, n *Notice, want []Contact) {
	t.Helper()
	if len(n.Contacts) != len(want) {
		t.Fatalf("contacts = %+v, want %+v", n.Contacts, want)
	}
	for i, c := range n.Contacts {
		w := want[i]
		if c.Office != w.Office || c.Person != w.Person || !slices.Equal(c.Phones, w.Phones) || c.Source.Text == "" {
			t.Errorf("contact %d = %+v, want %+v", i, c, w)
		}
	}
}

// TestSynthetic checks notices laid out unlike the real ones: what is there
// is read, and what is not is missing, never invented.
func TestSynthetic(t *testing.T) {
	t.Run("provincial", func(t *testing.T) {
		for _, file := range []string{"shanxi-2026-provincial.txt", "shanxi-2026-provincial.docx", "shanxi-2026-provincial.pdf"} {
			t.Run(file, func(t *testing.T) {
				if strings.HasSuffix(file, ".pdf") {
					needPDFToText(t)
				}
				n, fs := readFixture(t, file, nil)
				if n.Number == nil || n.Number.Value != "晋科发〔2026〕23号" || n.Number.Source.Text != "晋科发［２０２６］２３号" {
					t.Errorf("number = %+v", n.Number)
				}
				if n.Title == nil || n.Title.Value != "关于举办2026年山西省科技活动周和科技工作者日活动的通知" {
					t.Errorf("title = %+v", n.Title)
				}
				if n.Deadline == nil || n.Deadline.Config() != "2026-06-12 17:00" ||
					!n.Deadline.End.Equal(time.Date(2026, 6, 12, 17, 0, 0, 0, campaign.ChinaTime())) {
					t.Errorf("deadline = %+v", n.Deadline)
				}
				if len(n.Requests) != 2 || n.Requests[0].Deadline.Config() != "2026-05-15" || !finding.List(fs).Has("notice_several_deadlines") {
					t.Errorf("requests = %+v, findings %v", n.Requests, fs)
				}
				want := []campaign.Material{campaign.MaterialRecommend, campaign.MaterialStats, campaign.MaterialReport, campaign.MaterialMedia}
				if got := materials(n); !slices.Equal(got, want) {
					t.Errorf("materials = %v, want %v", got, want)
				}
				if n.VideoLimit == nil || n.VideoLimit.Seconds != 210 {
					t.Errorf("video = %+v, want 210 s", n.VideoLimit)
				}
				if got := mailboxes(n); !slices.Equal(got, []mailbox{{"kjtkpc@shanxi.gov.cn", "省科技厅科普处"}}) {
					t.Errorf("mailboxes = %v", got)
				}
				if n.Delivery == nil || n.Delivery.Mode != campaign.DeliveryAny || !strings.Contains(n.Delivery.Source.Text, "统一报送") {
					t.Errorf("delivery = %+v", n.Delivery)
				}
				if len(n.Attachments) != 3 || n.Attachments[2].Number != 3 || n.Attachments[1].Material != campaign.MaterialStats {
					t.Errorf("attachments = %+v", n.Attachments)
				}
				if n.Published == nil || n.Published.String() != "2026-05-08" {
					t.Errorf("published = %+v", n.Published)
				}
				if len(n.Units) != 4 || n.Units[3].Name != "晋中市科学技术协会" {
					t.Errorf("units = %+v", n.Units)
				}
				if strings.HasSuffix(file, ".pdf") {
					return
				}
				var offices []string
				for _, o := range n.Offices {
					offices = append(offices, o.Value)
				}
				if !slices.Equal(offices, []string{"山西省科学技术厅", "中共山西省委宣传部", "山西省科学技术协会"}) {
					t.Errorf("offices = %v", offices)
				}
				checkContacts(t, n, []Contact{
					{Office: "省科技厅科普处", Person: "王强", Phones: []string{"0351-4040123"}},
					{Office: "省委宣传部宣传教育处", Person: "赵敏", Phones: []string{"0351-5232111"}},
					{Office: "省科协科学普及部", Person: "李娜", Phones: []string{"0351-4071234"}},
				})
				if len(n.Missing) != 0 {
					t.Errorf("missing = %v", n.Missing)
				}
			})
		}
	})
	t.Run("county without mailbox", func(t *testing.T) {
		n, _ := readFixture(t, "lingchuan-2026-county-nomail.txt", nil)
		wantMissing := []string{MissingNumber, MissingVideoLimit, MissingMailboxes, MissingDelivery, MissingAttachments, MissingUnits}
		if !slices.Equal(n.Missing, wantMissing) {
			t.Errorf("missing = %v, want %v", n.Missing, wantMissing)
		}
		if n.Mailboxes != nil || n.Delivery != nil || n.VideoLimit != nil || n.Number != nil {
			t.Errorf("invented values: %+v", n)
		}
		if n.Deadline == nil || n.Deadline.Config() != "2026-06-05" || n.Published.String() != "2026-05-22" {
			t.Errorf("deadline %+v published %+v", n.Deadline, n.Published)
		}
		if got := materials(n); !slices.Equal(got, []campaign.Material{campaign.MaterialReport, campaign.MaterialPhoto}) {
			t.Errorf("materials = %v", got)
		}
		if n.Materials[1].Name != "照片" || n.Materials[0].Name != "活动总结" {
			t.Errorf("material names = %+v", n.Materials)
		}
		checkContacts(t, n, []Contact{{Person: "韩燕", Phones: []string{"0356-6202755"}}})
	})
	t.Run("office heads each contact block", func(t *testing.T) {
		// Two blocks, the second longer (联系人, 办公电话, 手机, 传真, 地址,
		// 邮箱): each mailbox gets the office heading its own block. Two
		// people on one line get the numbers of the next line one each;
		// numbers written with long dashes are read.
		n, _ := readFixture(t, "zezhou-2026-county-contacts.txt", nil)
		want := []mailbox{{"zzfgkjg@163.com", "泽州县发展和改革局"}, {"zzxkx2026@126.com", "泽州县科学技术协会"}}
		if got := mailboxes(n); !slices.Equal(got, want) {
			t.Errorf("mailboxes = %v, want %v", got, want)
		}
		for _, mb := range n.Mailboxes {
			if mb.OfficeSource == nil || mb.OfficeSource.Text != mb.Office {
				t.Errorf("office of %s quoted as %+v", mb.Address, mb.OfficeSource)
			}
		}
		checkContacts(t, n, []Contact{
			{Office: "泽州县发展和改革局", Person: "刘涟", Phones: []string{"0356-2355832"}},
			{Office: "泽州县发展和改革局", Person: "苗长汀", Phones: []string{"0356-2355833"}},
			{Office: "泽州县科学技术协会", Person: "赵晋", Phones: []string{"0356-3022815", "13935688021"}},
		})
		if n.Delivery == nil || n.Delivery.Mode != campaign.DeliveryEach {
			t.Errorf("delivery = %+v", n.Delivery)
		}
		if slices.ContainsFunc(n.Missing, func(k string) bool { return strings.HasPrefix(k, MissingMailboxOffice) || k == MissingContacts }) {
			t.Errorf("missing = %v", n.Missing)
		}
	})
	t.Run("two people after the office", func(t *testing.T) {
		// The 2024 layout ("office 姓名" then a phone line) with two people
		// on the office line, and numbers written with ─ ― ——.
		n, _ := readFixture(t, "gaoping-2026-county-contacts.txt", nil)
		checkContacts(t, n, []Contact{
			{Office: "高平市发展和改革局和科技局科技股", Person: "刘涟", Phones: []string{"0356-5222316"}},
			{Office: "高平市发展和改革局和科技局科技股", Person: "苗长汀", Phones: []string{"0356-5222317"}},
			{Office: "高平市科学技术协会", Person: "李娜", Phones: []string{"0356-5223318"}},
			{Person: "王强", Phones: []string{"0356-5224001"}},
			{Person: "赵敏", Phones: []string{"13703561234"}},
		})
	})
	t.Run("county without deadline", func(t *testing.T) {
		n, _ := readFixture(t, "qinshui-2026-county-nodeadline.txt", nil)
		wantMissing := []string{MissingDeadline, MissingMailboxOffice + ":qsxkjj2026@qq.com", MissingAttachments, MissingUnits}
		if !slices.Equal(n.Missing, wantMissing) {
			t.Errorf("missing = %v, want %v", n.Missing, wantMissing)
		}
		if n.Deadline != nil {
			t.Errorf("invented deadline %+v", n.Deadline)
		}
		if got := materials(n); !slices.Equal(got, []campaign.Material{campaign.MaterialReport, campaign.MaterialVideo}) {
			t.Errorf("materials = %v", got)
		}
		if n.VideoLimit == nil || n.VideoLimit.Seconds != 120 {
			t.Errorf("video = %+v", n.VideoLimit)
		}
		if got := mailboxes(n); !slices.Equal(got, []mailbox{{"qsxkjj2026@qq.com", ""}}) {
			t.Errorf("mailboxes = %v", got)
		}
		if n.Delivery == nil || n.Delivery.Mode != campaign.DeliveryAny {
			t.Errorf("delivery = %+v (a single address means any)", n.Delivery)
		}
		if n.Number == nil || n.Number.Value != "沁发改科字〔2026〕7号" {
			t.Errorf("number = %+v", n.Number)
		}
		checkContacts(t, n, []Contact{{Person: "王树林", Phones: []string{"0356-7025422", "13903561234"}}})
	})
}
