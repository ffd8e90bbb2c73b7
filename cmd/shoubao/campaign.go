package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"
	"gopkg.in/yaml.v3"

	"github.com/shoubao/shoubao/parsers/notice"
	"github.com/shoubao/shoubao/pipeline/config"
)

const campaignUsage = `usage: shoubao campaign import [--id ID] [--out FILE] NOTICE

Reads a notice (.txt in UTF-8 or GBK, .docx, or .pdf with a text layer) and
prints a campaign configuration for "shoubao run", each value commented with
the sentence it came from, and a list of what the notice does not say.`

// cmdCampaign runs the campaign tools; today only "import".
func cmdCampaign(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 {
		return usageError{"missing subcommand\n" + campaignUsage}
	}
	switch args[0] {
	case "import":
		return campaignImport(ctx, env, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(env.stderr, campaignUsage)
		return flag.ErrHelp
	}
	return usageError{fmt.Sprintf("unknown subcommand %q\n%s", args[0], campaignUsage)}
}

func campaignImport(ctx context.Context, env *environment, args []string) error {
	fs := newFlagSet(env, "campaign import")
	id := fs.String("id", "", "campaign id (default: derived from the notice's document number or title)")
	out := fs.String("out", "", "write the configuration to `FILE` instead of standard output")
	fs.Usage = func() {
		fmt.Fprintln(env.stderr, campaignUsage+"\n\nflags:")
		fs.PrintDefaults()
	}
	// Flags may come before or after NOTICE.
	var files []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) != 1 {
		return usageError{"want exactly one NOTICE file\n" + campaignUsage}
	}
	if *id != "" && !reCampaignID.MatchString(*id) {
		return usageError{fmt.Sprintf("--id %q: use letters, digits, '-' and '_'", *id)}
	}
	path := files[0]
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("campaign import: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("campaign import: %w", err)
	}
	n, findings, err := notice.Read(ctx, f, st.Size(), path, nil)
	if err != nil {
		return fmt.Errorf("campaign import: %w", err)
	}
	if n.TextLength == 0 {
		var msgs []string
		for _, f := range findings {
			msgs = append(msgs, f.String())
		}
		if len(msgs) == 0 {
			msgs = append(msgs, "the notice is empty")
		}
		return fmt.Errorf("campaign import: no text in %s: %s", path, strings.Join(msgs, "; "))
	}
	var notes []string
	for _, f := range findings {
		notes = append(notes, f.String())
	}
	b, err := draftYAML(n, filepath.Base(path), *id, notes)
	if err != nil {
		return fmt.Errorf("campaign import: %w", err)
	}
	for _, f := range findings {
		fmt.Fprintf(env.stderr, "notice: %s\n", f)
	}
	if _, err := config.Decode(b); err != nil {
		fmt.Fprintf(env.stderr, "the draft needs editing before `shoubao run` accepts it (see the 未找到 list at its top):\n%v\n", err)
	}
	if *out == "" {
		_, err = env.stdout.Write(b)
		return err
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		return fmt.Errorf("campaign import: %w", err)
	}
	fmt.Fprintf(env.stderr, "wrote %s\n", *out)
	return nil
}

// imapHosts are the IMAP servers of the mail providers units and offices
// use, by domain. All take implicit TLS on port 993.
var imapHosts = map[string]string{
	"163.com":     "imap.163.com",
	"126.com":     "imap.126.com",
	"yeah.net":    "imap.yeah.net",
	"188.com":     "imap.188.com",
	"vip.163.com": "imap.vip.163.com",
	"vip.126.com": "imap.vip.126.com",
	"qq.com":      "imap.qq.com",
	"vip.qq.com":  "imap.qq.com",
	"foxmail.com": "imap.qq.com",
	"sina.com":    "imap.sina.com",
	"sina.cn":     "imap.sina.cn",
	"sohu.com":    "imap.sohu.com",
	"139.com":     "imap.139.com",
	"189.cn":      "imap.189.cn",
	"aliyun.com":  "imap.aliyun.com",
	"outlook.com": "outlook.office365.com",
	"hotmail.com": "outlook.office365.com",
	"gmail.com":   "imap.gmail.com",
}

// draftYAML builds the configuration document for notice n.
func draftYAML(n *notice.Notice, file, id string, notes []string) ([]byte, error) {
	d := &draft{n: n}
	cp := d.campaign(id)
	root := mapping(str("campaigns"), &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{cp}})
	doc := &yaml.Node{Kind: yaml.DocumentNode, HeadComment: d.head(file, notes), Content: []*yaml.Node{root}}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode draft: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode draft: %w", err)
	}
	return buf.Bytes(), nil
}

// draft collects what the officer must be told while the document is
// built.
type draft struct {
	n       *notice.Notice
	missing []string // labels of what could not be found or guessed
}

func (d *draft) miss(label string) { d.missing = append(d.missing, label) }

// cite formats a source for a comment: 第109行：“…”.
func cite(s notice.Source) string {
	return fmt.Sprintf("第%d行：“%s”", s.Line, shorten(s.Text, 90))
}

// shorten cuts s to at most n characters, keeping both ends.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n*2/3]) + "……" + string(r[len(r)-n/3:])
}

func (d *draft) campaign(id string) *yaml.Node {
	n := d.n
	m := mapping()
	idComment := "由 --id 指定"
	if id == "" {
		id, idComment = campaignID(n)
	}
	m.Content = append(m.Content, str("id"), withComment(str(id), idComment))

	if n.Title != nil {
		m.Content = append(m.Content, str("title"), withComment(str(n.Title.Value), cite(n.Title.Source)))
	} else {
		d.miss(notice.MissingLabel(notice.MissingTitle))
		m.Content = append(m.Content, str("title"), null("未找到，请填写通知标题"))
	}
	if n.Number != nil {
		m.Content = append(m.Content, str("notice_number"), withComment(str(n.Number.Value), cite(n.Number.Source)))
	} else {
		d.miss(notice.MissingLabel(notice.MissingNumber))
		m.Content = append(m.Content, str("notice_number"), null("未找到发文字号（可留空）"))
	}
	if dl := n.Deadline; dl != nil {
		what := "即北京时间" + dl.Date + "当天结束前"
		if dl.Clock != "" {
			what = "即北京时间" + dl.Date + " " + dl.Clock + "前"
		}
		m.Content = append(m.Content, str("deadline"), withComment(plain(dl.Config()), what+"；"+cite(dl.Source)))
	} else {
		d.miss(notice.MissingLabel(notice.MissingDeadline))
		m.Content = append(m.Content, str("deadline"), null("未找到，请填写截止日期，如 2026-06-08（当天结束前）或 2026-06-08 17:00"))
	}
	if v := n.VideoLimit; v != nil {
		m.Content = append(m.Content, str("video_limit_seconds"), withComment(integer(v.Seconds), cite(v.Source)))
	} else {
		d.miss(notice.MissingLabel(notice.MissingVideoLimit))
		m.Content = append(m.Content, str("video_limit_seconds"), null("未找到视频时长要求；留空表示不限时长"))
	}
	m.Content = append(m.Content, str("materials"), d.materials())
	if dv := n.Delivery; dv != nil {
		what := "统一报送：任一邮箱收到即可"
		if dv.Mode == config.DeliveryEach {
			what = "分别报送：每个邮箱都须收到材料"
		}
		if len(n.Requests) == 0 || (dv.Mode == config.DeliveryAny && !strings.Contains(dv.Source.Text, "统一")) {
			what = "只有一个报送邮箱"
		}
		m.Content = append(m.Content, str("delivery"), withComment(str(dv.Mode), what+"；"+cite(dv.Source)))
	} else {
		d.miss(notice.MissingLabel(notice.MissingDelivery))
		m.Content = append(m.Content, str("delivery"), null("未找到：分别报送填 each，统一报送填 any（留空按 any）"))
	}
	m.Content = append(m.Content, str("mailboxes"), d.mailboxes())
	m.Content = append(m.Content, str("units"), d.units())
	return m
}

func (d *draft) materials() *yaml.Node {
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	for _, mt := range d.n.Materials {
		seq.Content = append(seq.Content, withComment(str(string(mt.Material)),
			fmt.Sprintf("%s（第%d行）", mt.Name, mt.Source.Line)))
	}
	if len(seq.Content) == 0 {
		d.miss(notice.MissingLabel(notice.MissingMaterials))
		seq.Style = yaml.FlowStyle
		var names []string
		for _, m := range config.Materials {
			names = append(names, string(m)+"（"+m.Label()+"）")
		}
		seq.LineComment = "未找到，请填写：" + strings.Join(names, "、")
	}
	return seq
}

var reLocalPart = regexp.MustCompile(`[^A-Za-z0-9]+`)

func (d *draft) mailboxes() *yaml.Node {
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	envs := map[string]int{}
	for _, mb := range d.n.Mailboxes {
		envs[envName(mb.Address, false)]++
	}
	for _, mb := range d.n.Mailboxes {
		m := mapping(str("address"), withComment(str(mb.Address), cite(mb.Source)))
		if mb.Office != "" {
			m.Content = append(m.Content, str("office"), withComment(str(mb.Office), cite(*mb.OfficeSource)))
		} else {
			d.miss(notice.MissingLabel(notice.MissingMailboxOffice + ":" + mb.Address))
			m.Content = append(m.Content, str("office"), null("未找到该邮箱所属单位，请填写"))
		}
		domain := strings.ToLower(mb.Address[strings.LastIndex(mb.Address, "@")+1:])
		imap := mapping()
		if host, ok := imapHosts[domain]; ok {
			imap.Content = append(imap.Content,
				str("host"), withComment(str(host), "按邮箱域名 "+domain+" 推断"),
				str("port"), integer(993),
				str("tls"), str("implicit"))
		} else {
			d.miss("邮箱 " + mb.Address + " 的 IMAP 服务器")
			imap.Content = append(imap.Content,
				str("host"), null("请填写 IMAP 服务器（无法由域名 "+domain+" 推断）"),
				str("port"), withComment(integer(993), "IMAP over TLS 的常用端口，请向邮箱管理员核实"),
				str("tls"), str("implicit"))
		}
		env := envName(mb.Address, envs[envName(mb.Address, false)] > 1)
		imap.Content = append(imap.Content, str("password_env"),
			withComment(str(env), "运行前把该邮箱的授权码（或密码）放入此环境变量"))
		m.Content = append(m.Content, str("imap"), imap)
		seq.Content = append(seq.Content, m)
	}
	if len(seq.Content) == 0 {
		d.miss(notice.MissingLabel(notice.MissingMailboxes))
		seq.Style = yaml.FlowStyle
		seq.LineComment = "未找到，请按此格式填写：- {address: x@163.com, office: 某单位, imap: {host: imap.163.com, port: 993, tls: implicit, password_env: SHOUBAO_IMAP_X}}"
	}
	return seq
}

// envName is SHOUBAO_IMAP_<LOCALPART>, with the domain added when two
// mailboxes share a local part.
func envName(addr string, withDomain bool) string {
	at := strings.LastIndex(addr, "@")
	name := addr[:at]
	if withDomain {
		name = addr
	}
	return "SHOUBAO_IMAP_" + strings.Trim(strings.ToUpper(reLocalPart.ReplaceAllString(name, "_")), "_")
}

func (d *draft) units() *yaml.Node {
	seq := &yaml.Node{Kind: yaml.SequenceNode}
	var issuers []string
	for _, u := range d.n.Units {
		if u.Issuer {
			issuers = append(issuers, u.Name)
			continue
		}
		where := fmt.Sprintf("“%s”列，第%d行（序号 %s）", u.Column, u.Source.Line, strings.Join(u.Rows, "、"))
		if u.Source.Line == 0 { // rebuilt from a PDF's word positions
			where = fmt.Sprintf("表格“%s”列，序号 %s", u.Column, strings.Join(u.Rows, "、"))
		}
		m := mapping(str("name"), withComment(str(u.Name), where))
		if len(u.Aliases) > 0 {
			al := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
			for _, a := range u.Aliases {
				al.Content = append(al.Content, str(a))
			}
			al.LineComment = "表中另一种写法"
			m.Content = append(m.Content, str("aliases"), al)
		}
		seq.Content = append(seq.Content, m)
	}
	var notes []string
	if len(seq.Content) > 0 {
		notes = append(notes, "以上单位取自通知表格的“推荐单位”列，只是名单草稿：请补充未出现在表中的单位（如各县科技部门、科协、市直部门）。")
	}
	if len(issuers) > 0 {
		notes = append(notes, "表中作为推荐单位出现的发文机关未列入："+strings.Join(issuers, "、")+"。")
	}
	if len(d.n.OtherUnits) > 0 {
		listed := map[string]bool{}
		for _, u := range d.n.Units {
			listed[u.Name] = true
		}
		var others []string
		for _, u := range d.n.OtherUnits {
			if !listed[u.Name] && !u.Issuer {
				others = append(others, u.Name)
			}
		}
		if len(others) > 0 {
			notes = append(notes, "表中“承办单位/举办单位”列的其他单位（多为活动承办方，未列入，仅供参考）："+strings.Join(others, "、")+"。")
		}
	}
	if len(seq.Content) == 0 {
		d.miss(notice.MissingLabel(notice.MissingUnits))
		seq.Style = yaml.FlowStyle
		seq.LineComment = "未找到，请填写应报送的单位：- {name: 某县科技局, aliases: [旧称], senders: [常用发件邮箱]}"
	}
	seq.FootComment = strings.Join(notes, "\n")
	return seq
}

// head writes the comment block at the top: what the notice says that has
// no key in the configuration, and what could not be found.
func (d *draft) head(file string, notes []string) string {
	n := d.n
	var b strings.Builder
	fmt.Fprintf(&b, "shoubao 活动配置草稿：由 shoubao campaign import 从 %s 生成。\n", file)
	b.WriteString("每个值旁的注释引用通知原文（行号为通知文本的行号）。请核对、补全后使用：\n")
	b.WriteString("  shoubao run --config 本文件（或把 campaigns 下的内容并入已有的配置文件）\n")
	b.WriteString("邮箱授权码不写在文件里：运行前设置 password_env 所指的环境变量。\n")
	b.WriteString("\n")
	if len(n.Offices) > 0 {
		var names []string
		for _, o := range n.Offices {
			names = append(names, o.Value)
		}
		fmt.Fprintf(&b, "发文机关：%s（%s）\n", strings.Join(names, "、"), cite(n.Offices[0].Source))
	} else {
		d.miss(notice.MissingLabel(notice.MissingOffices))
	}
	if p := n.Published; p != nil {
		fmt.Fprintf(&b, "成文日期：%s（%s）\n", p.String(), cite(p.Source))
	} else {
		d.miss(notice.MissingLabel(notice.MissingPublished))
	}
	for _, r := range n.Requests {
		fmt.Fprintf(&b, "报送要求：第%d行：“%s”\n", r.Source.Line, shorten(r.Source.Text, 240))
	}
	if len(n.Attachments) > 0 {
		b.WriteString("附件：\n")
		for _, a := range n.Attachments {
			num := ""
			if a.Number > 0 {
				num = strconv.Itoa(a.Number) + ". "
			}
			extra := ""
			if a.Material != "" {
				extra = "（" + string(a.Material) + "）"
				if !hasMaterial(n, a.Material) {
					extra = "（" + string(a.Material) + "：报送要求中未列出；如需各单位报送，请在 materials 中加入 " + string(a.Material) + "）"
				}
			}
			fmt.Fprintf(&b, "  %s%s%s\n", num, a.Title, extra)
		}
	} else {
		d.miss(notice.MissingLabel(notice.MissingAttachments))
	}
	if len(n.Contacts) > 0 {
		b.WriteString("联系人和电话：\n")
		for _, c := range n.Contacts {
			parts := []string{}
			for _, s := range []string{c.Office, c.Person, strings.Join(c.Phones, "、")} {
				if s != "" {
					parts = append(parts, s)
				}
			}
			fmt.Fprintf(&b, "  %s（第%d行）\n", strings.Join(parts, " "), c.Source.Line)
		}
	} else {
		d.miss(notice.MissingLabel(notice.MissingContacts))
	}
	// The campaign's own misses are known only once it is built; head is
	// called after campaign.
	b.WriteString("\n")
	if len(d.missing) > 0 {
		b.WriteString("未找到（通知中没有写明，请核对后手工填写）：\n")
		for _, m := range d.missing {
			fmt.Fprintf(&b, "  - %s\n", m)
		}
	} else {
		b.WriteString("未找到：无\n")
	}
	if len(notes) > 0 {
		b.WriteString("读取通知时的提示：\n")
		for _, s := range notes {
			fmt.Fprintf(&b, "  - %s\n", s)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func hasMaterial(n *notice.Notice, m config.Material) bool {
	for _, x := range n.Materials {
		if x.Material == m {
			return true
		}
	}
	return false
}

var (
	reCampaignID  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`) // as pipeline/config checks it
	reNumberParts = regexp.MustCompile(`^(.+)〔(\d{4})〕(\d+)号$`)
)

var reIDNoise = regexp.MustCompile(`^关于|^(?:举办|开展|做好|印发|报送|组织|加强)|的?(?:通知|通报|函)$|\d{4}年(?:度)?`)

// campaignID derives an id from the document number (晋市科字〔2026〕3号 →
// jskz-2026-3) or, lacking one, from the title's initials and the year.
func campaignID(n *notice.Notice) (string, string) {
	initials := func(s string) string {
		return strings.Join(pinyin.LazyPinyin(s, pinyin.Args{Style: pinyin.FirstLetter}), "")
	}
	if n.Number != nil {
		m := reNumberParts.FindStringSubmatch(n.Number.Value)
		if m != nil {
			if p := initials(m[1]); p != "" {
				return fmt.Sprintf("%s-%s-%s", p, m[2], m[3]), "由发文字号生成；可用 --id 另行指定"
			}
		}
	}
	year := ""
	if n.Year > 0 {
		year = strconv.Itoa(n.Year)
	}
	if n.Title != nil {
		core := n.Title.Value
		for i := 0; i < 4; i++ {
			core = reIDNoise.ReplaceAllString(core, "")
		}
		if s := initials(core); s != "" {
			if len(s) > 10 {
				s = s[:10]
			}
			return strings.Trim(s+"-"+year, "-"), "由标题和年份生成；可用 --id 另行指定"
		}
	}
	if year != "" {
		return "notice-" + year, "通知中无文号和标题，请改为有意义的标识"
	}
	return "notice", "通知中无文号、标题和年份，请改为有意义的标识"
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// plain is a string written without quotes even when it looks like a date.
func plain(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }

func integer(v int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(v)}
}

func null(comment string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", LineComment: comment}
}

func withComment(n *yaml.Node, c string) *yaml.Node { n.LineComment = c; return n }

func mapping(kv ...*yaml.Node) *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Content: kv} }
