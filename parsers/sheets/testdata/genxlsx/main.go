// Command genxlsx writes the excelize fixtures of package sheets: the 2024
// recommendation list (附件 2) as printed in the notice, and a 2026 list
// with its columns reordered, an extra column, a date cell, a phone number
// stored as a number and a merged 推荐单位 column.
//
// Usage (from parsers/sheets/testdata): go run ./genxlsx .
package main

import (
	"archive/zip"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

func main() {
	dir := "."
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := recommend2024(filepath.Join(dir, "recommend_2024.xlsx")); err != nil {
		log.Fatal(err)
	}
	if err := recommendReordered(filepath.Join(dir, "recommend_reordered.xlsx")); err != nil {
		log.Fatal(err)
	}
	if err := writeRaw(filepath.Join(dir, "stats_wps.xlsx"), wpsStatsSheet(), wpsStatsStrings); err != nil {
		log.Fatal(err)
	}
	if err := writeRaw(filepath.Join(dir, "recommend_wps.xlsx"), wpsRecommendSheet(), wpsRecommendStrings); err != nil {
		log.Fatal(err)
	}
	if err := writeODS(filepath.Join(dir, "stats_uncached.ods"), uncachedODS()); err != nil {
		log.Fatal(err)
	}
}

// rows2024 are the rows of 附件 2 of the 2024 notice.
var rows2024 = [][]any{
	{1, "高新技术企业风采展", "晋城市城区融媒体", "城区教育和科技局"},
	{2, "挖掘、开发、支持新农人活动", "泽州县教育局", "泽州县教育局"},
	{3, "青少年科普教育活动", "吉利尔潞绸历史文化展示馆\n等科普基地", "高平市科技局"},
	{4, "防震减灾 科普先行", "高平市青少年活动中心", "高平市科技局"},
	{5, "高新技术企业授牌仪式、高新技术企业培育专题培训活动", "阳城县科学技术局", "阳城县科技局"},
	{6, "春季蚕桑研学暨蚕宝宝领养活动", "山西禹珈豪丝业股份有限公司", "阳城县科技局"},
	{7, "谷子新品种长农“47号”技术推广", "陵川县西河底镇人民政府", "陵川县科技局"},
	{8, "认识中医大家了解中药文化", "山西兰花太行中药有限公司", "陵川县科技局"},
	{9, "开放气象科普教育基地", "沁水气象台", "沁水县教育局"},
	{10, "气象科普进校园", "市气象站", "晋城市气象局"},
	{11, "防震减灾科普研学活动", "市防震减灾中心", "晋城市防震减灾中心"},
	{12, "世界读书日科普读物推荐活动", "市图书馆", "晋城市文化和旅游局"},
	{13, "“活字印刷”科普教育活动", "市文物保护研究中心\n（晋城博物馆）", "晋城市文化和旅游局"},
	{14, "博物馆里的非遗课堂——古法造纸", "市文物保护研究中心\n（晋城博物馆）", "晋城市文化和旅游局"},
	{15, "走进晋城古建筑专题讲座", "市文物保护研究中心\n（晋城博物馆）", "晋城市文化和旅游局"},
	{16, "“交通安全，与我童行”", "晋城市交通安全体验馆\n科普基地", "山西汽运集团晋城公司"},
}

func recommend2024(path string) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Sheet1"
	set := func(cell string, v any) {
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			log.Fatal(err)
		}
	}
	set("A1", "附件 2")
	set("A2", "2024 年晋城市科技活动周特色科技活动 推荐清单")
	if err := f.MergeCell(sheet, "A2", "D2"); err != nil {
		return err
	}
	for i, h := range []string{"序号", "推荐活动", "举办单位", "推荐单位"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 3)
		set(cell, h)
	}
	for r, row := range rows2024 {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+4)
			set(cell, v)
		}
	}
	return f.SaveAs(path)
}

func recommendReordered(path string) error {
	f := excelize.NewFile()
	defer f.Close()
	// The first sheet is left empty; the list is on the second.
	const sheet = "活动"
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	header := []any{"活动名称", "序号", "推荐单位", "举办时间", "举办地点", "承办单位", "依托基地", "活动内容简介", "联系人", "联系电话", "备注"}
	rows := [][]any{
		{"开放气象科普基地", 16, "阳城县气象局", time.Date(2026, 5, 25, 0, 0, 0, 0, time.UTC), "阳城县气象局", "阳城县气象局", "阳城县气象局山西省科普基地", "开放气象科普基地,邀请社会公众前来参观学习。", "王宇环", "0356-4223668", ""},
		{"窑火千年 琉光璃彩", 12, "阳城县科技和商务局", "5月下旬至6月上旬", "乔氏琉璃博物馆", "阳城县红都琉璃工艺品厂", "阳城县乔氏琉璃烧制技艺山西省科普基地", "通过琉璃烧制技艺科技讲座、古建琉璃构件科学解析、非遗匠人现场演示，向公众普及琉璃材料科学。", "石浩", 13133160761, "新增"},
		{"探秘蚕桑科技,点亮创新梦想", 15, nil, "5月下旬", "禹珈豪蚕桑科普基地", "山西禹珈豪丝业股份有限公司", "禹珈豪蚕桑科普基地", "本次活动面向青少年及群众敞开蚕桑研学基地大门。", "郝燕妮", "13068058857", ""},
		{"“行走的课堂·智探蟒河秘境”科普实践活动", 14, nil, "5月下旬", "蟒河景区", "山西皇城相府蟒河旅游开发有限公司", "山西阳城蟒河生态旅游区研学旅游科普基地", "活动面向中小學生及亲子家庭，通过构建“认知-观察-实践”进阶课程。", "张银枝", "13509767852 / 0356-4223668", ""},
	}
	if err := f.SetSheetRow(sheet, "A2", &header); err != nil {
		return err
	}
	if err := f.SetCellValue(sheet, "A1", "阳城县特色群众性主题实践活动推荐表"); err != nil {
		return err
	}
	for i, row := range rows {
		cell := fmt.Sprintf("A%d", i+3)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return err
		}
	}
	// 推荐单位 merged over the three rows of the same unit.
	if err := f.MergeCell(sheet, "C4", "C6"); err != nil {
		return err
	}
	if err := f.SetCellValue(sheet, "C4", "阳城县科技和商务局"); err != nil {
		return err
	}
	style, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		return err
	}
	if err := f.SetCellStyle(sheet, "D3", "D3", style); err != nil {
		return err
	}
	return f.SaveAs(path)
}

// The WPS-like workbooks are written part by part, as WPS Office and
// programs writing OOXML by hand do, with their quirks: labels in shared
// strings made of rich-text runs (and a phonetic run that is not text),
// values as inline strings (t="inlineStr"), a formula saved without its
// result (no <v>), a formula with a cached string (t="str"), a date as a
// serial number, a phone stored as a number.

// wpsStatsStrings are the shared strings of stats_wps.xlsx: rich text.
var wpsStatsStrings = []string{
	`<si><r><rPr><b/><sz val="14"/></rPr><t>2024 年晋城市科技活动周</t></r><r><t>开展情况统计表</t></r></si>`,
	`<si><r><t xml:space="preserve">部门/地方（盖章）：</t></r><r><rPr><u/></rPr><t xml:space="preserve">          </t></r></si>`,
	`<si><r><rPr><sz val="11"/><rFont val="宋体"/></rPr><t>科普活动</t></r><r><rPr><sz val="11"/><rFont val="宋体"/></rPr><t>开展次数</t></r><rPh sb="0" eb="2"><t>カガク</t></rPh><phoneticPr fontId="1"/></si>`,
	`<si><t>活动经费投入数量（单位：万元）</t></si>`,
	`<si><r><t>中央财政</t></r><r><rPr><i/></rPr><t>经费投入情况</t></r></si>`,
	`<si><t>省级、副省级财政经费投入情况</t></si>`,
	`<si><t>市级财政经费投入情况</t></si>`,
	`<si><t>县级财政经费投入情况</t></si>`,
	`<si><t>企业赞助经费情况</t></si>`,
	`<si><t>实物投入情况（如：捐赠图书、光盘、创新操作室等）</t></si>`,
	`<si><t>其他经费情况</t></si>`,
	`<si><t>科普工作人员参与数量（单位：人次）</t></si>`,
	`<si><t>科普专职人员数量</t></si>`,
	`<si><t>科技工作者参与数量</t></si>`,
	`<si><t>招募科技志愿者数量</t></si>`,
	`<si><t>其他人员数量</t></si>`,
	`<si><t>科普活动群众参与数量（单位：人次）</t></si>`,
	`<si><t>线下活动群众参与数量</t></si>`,
	`<si><t>线上活动群众参与数量</t></si>`,
	`<si><t>宣传报道情况</t></si>`,
	`<si><t>参与媒体数量</t></si>`,
	`<si><t>宣传报道数量</t></si>`,
	`<si><t>活动周期间开放的科普场馆数量</t></si>`,
	`<si><t>活动周期间开放活动的科研机构数量</t></si>`,
	`<si><t>活动周期间开放活动的大学数量</t></si>`,
	`<si><t>备注</t></si>`,
}

// wpsStatsSheet is 附件 1 with the 盖章 line left blank (its label merged
// across the row), values as numbers and inline strings, 线下活动群众参与数量
// a formula without its result next to a number in the 备注 column, and
// 宣传报道数量 a formula whose string result is cached.
func wpsStatsSheet() string {
	var b strings.Builder
	b.WriteString(`<sheetData>`)
	row := func(r int, cells ...string) {
		fmt.Fprintf(&b, `<row r="%d" spans="1:4">%s</row>`, r, strings.Join(cells, ""))
	}
	sst := func(ref string, i int) string { return fmt.Sprintf(`<c r="%s" s="1" t="s"><v>%d</v></c>`, ref, i) }
	num := func(ref, v string) string { return fmt.Sprintf(`<c r="%s" s="2"><v>%s</v></c>`, ref, v) }
	inl := func(ref, v string) string {
		return fmt.Sprintf(`<c r="%s" s="2" t="inlineStr"><is><r><rPr><sz val="11"/></rPr><t>%s</t></r></is></c>`, ref, v)
	}
	row(1, sst("A1", 0))
	row(2, sst("A2", 1))
	row(3, sst("A3", 2), `<c r="B3" s="1"/>`, num("C3", "8"))
	row(4, sst("A4", 3), sst("B4", 4), num("C4", "0"))
	row(5, `<c r="A5" s="1"/>`, sst("B5", 5), inl("C5", "无"))
	row(6, `<c r="A6" s="1"/>`, sst("B6", 6), num("C6", "1.5"))
	row(7, `<c r="A7" s="1"/>`, sst("B7", 7), inl("C7", "5千"))
	row(8, `<c r="A8" s="1"/>`, sst("B8", 8), inl("C8", "—"))
	row(9, `<c r="A9" s="1"/>`, sst("B9", 9), num("C9", "0.2"))
	row(10, `<c r="A10" s="1"/>`, sst("B10", 10), `<c r="C10" s="2"/>`)
	row(11, sst("A11", 11), sst("B11", 12), num("C11", "4"))
	row(12, `<c r="A12" s="1"/>`, sst("B12", 13), inl("C12", "约30"))
	row(13, `<c r="A13" s="1"/>`, sst("B13", 14), num("C13", "12"))
	row(14, `<c r="A14" s="1"/>`, sst("B14", 15), inl("C14", "／"))
	row(15, sst("A15", 16), sst("B15", 17), `<c r="C15" s="2"><f>C16*2</f></c>`, num("D15", "99"))
	row(16, `<c r="A16" s="1"/>`, sst("B16", 18), inl("C16", "1.2万"))
	row(17, sst("A17", 19), sst("B17", 20), num("C17", "3"))
	row(18, `<c r="A18" s="1"/>`, sst("B18", 21), `<c r="C18" s="2" t="str"><f>"12篇"</f><v>12篇</v></c>`)
	row(19, sst("A19", 22), `<c r="B19" s="1"/>`, num("C19", "1"))
	row(20, sst("A20", 23), `<c r="B20" s="1"/>`, inl("C20", "-"))
	row(21, sst("A21", 24), `<c r="B21" s="1"/>`, inl("C21", "无"))
	b.WriteString(`</sheetData><mergeCells count="10"><mergeCell ref="A1:C1"/><mergeCell ref="A2:C2"/><mergeCell ref="A3:B3"/>` +
		`<mergeCell ref="A4:A10"/><mergeCell ref="A11:A14"/><mergeCell ref="A15:A16"/><mergeCell ref="A17:A18"/>` +
		`<mergeCell ref="A19:B19"/><mergeCell ref="A20:B20"/><mergeCell ref="A21:B21"/></mergeCells>`)
	return b.String()
}

// wpsRecommendStrings are the shared strings of recommend_wps.xlsx: the
// header, in rich-text runs.
var wpsRecommendStrings = []string{
	`<si><r><t>序</t></r><r><t>号</t></r></si>`,
	`<si><r><rPr><b/></rPr><t>活动名称</t></r></si>`,
	`<si><t>活动内容简介</t></si>`,
	`<si><t>举办时间</t></si>`,
	`<si><t>举办地点</t></si>`,
	`<si><t>承办单位</t></si>`,
	`<si><t>依托基地</t></si>`,
	`<si><t>推荐单位</t></si>`,
	`<si><t>联系人</t></si>`,
	`<si><r><t>联系</t></r><r><rPr><b/></rPr><t xml:space="preserve">
电话</t></r></si>`,
}

// wpsRecommendSheet is a 2026 list: header in shared strings, every data
// cell an inline string except 序号, a date serial in 举办时间 and a phone
// stored as a number.
func wpsRecommendSheet() string {
	var b strings.Builder
	b.WriteString(`<sheetData><row r="1">`)
	for c := range 10 {
		fmt.Fprintf(&b, `<c r="%c1" t="s"><v>%d</v></c>`, 'A'+c, c)
	}
	b.WriteString(`</row>`)
	rows := [][]string{
		{"1", "科普大篷车进乡村", "科普展品巡展、科学实验表演。", "#46167", "泽州县各乡镇", "泽州县科协", "", "泽州县科协", "刘洋", "#13835675002"},
		{"2", "气象开放日", "开放气象观测场，讲解气象科普知识。", "5月下旬", "高平市气象局", "高平市气象局", "高平市气象科普基地", "高平市气象局", "李明", "0356-5221234"},
	}
	for i, r := range rows {
		fmt.Fprintf(&b, `<row r="%d">`, i+2)
		for c, v := range r {
			ref := fmt.Sprintf("%c%d", 'A'+c, i+2)
			switch {
			case v == "":
			case c == 0:
				fmt.Fprintf(&b, `<c r="%s"><v>%s</v></c>`, ref, v)
			case strings.HasPrefix(v, "#"):
				fmt.Fprintf(&b, `<c r="%s" s="1"><v>%s</v></c>`, ref, v[1:])
			default:
				fmt.Fprintf(&b, `<c r="%s" t="inlineStr"><is><t>%s</t></is></c>`, ref, v)
			}
		}
		b.WriteString(`</row>`)
	}
	b.WriteString(`</sheetData>`)
	return b.String()
}

// writeRaw writes a one-sheet workbook from its sheet data and shared
// string items, part by part.
func writeRaw(path, sheetData string, sst []string) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer out.Close()
	zw := zip.NewWriter(out)
	const decl = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", decl + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`},
		{"_rels/.rels", decl + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", decl + `<workbook ` + ns + `><workbookPr/><bookViews><workbookView windowWidth="28800" windowHeight="12540"/></bookViews><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets><calcPr calcId="144525"/></workbook>`},
		{"xl/_rels/workbook.xml.rels", decl + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
		{"xl/styles.xml", decl + `<styleSheet ` + ns + `><numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts><fonts count="1"><font><sz val="11"/><name val="宋体"/><charset val="134"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="3"><xf/><xf numFmtId="176" applyNumberFormat="1"/><xf/></cellXfs></styleSheet>`},
		{"xl/worksheets/sheet1.xml", decl + `<worksheet ` + ns + `><sheetPr/><dimension ref="A1:J30"/><sheetViews><sheetView tabSelected="1" workbookViewId="0"/></sheetViews><sheetFormatPr defaultColWidth="9" defaultRowHeight="13.5"/>` + sheetData + `<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/></worksheet>`},
		{"xl/sharedStrings.xml", decl + fmt.Sprintf(`<sst `+ns+` count="%d" uniqueCount="%d">`, len(sst), len(sst)) + strings.Join(sst, "") + `</sst>`},
	}
	for _, p := range parts {
		w, err := zw.Create(p.name)
		if err != nil {
			return err
		}
		if _, err := w.Write([]byte(p.body)); err != nil {
			return err
		}
	}
	return zw.Close()
}

// uncachedODS is the body of an .ods as programs write it: no styles,
// spaces as text:s, text in text:span, a formula without its result
// (线下活动群众参与数量) beside a number in the next column, numbers
// whose shown text differs from their value (1,200 shown, 1200 stored).
func uncachedODS() string {
	var b strings.Builder
	cell := func(v string) string {
		if v == "" {
			return `<table:table-cell/>`
		}
		return `<table:table-cell office:value-type="string"><text:p><text:span>` + v + `</text:span></text:p></table:table-cell>`
	}
	num := func(v, shown string) string {
		return `<table:table-cell office:value-type="float" office:value="` + v + `"><text:p>` + shown + `</text:p></table:table-cell>`
	}
	row := func(cells ...string) {
		b.WriteString(`<table:table-row>` + strings.Join(cells, "") + `</table:table-row>`)
	}
	b.WriteString(`<table:table table:name="统计表">`)
	row(`<table:table-cell office:value-type="string"><text:p>部门/地方（盖章）：<text:s text:c="2"/>高平市教育局</text:p></table:table-cell>`)
	row(cell("项目"), cell(""), cell("数量"), cell("说明"))
	labels := []string{"科普活动开展次数", "科普专职人员数量", "科技工作者参与数量", "招募科技志愿者数量", "线下活动群众参与数量", "线上活动群众参与数量", "参与媒体数量", "宣传报道数量"}
	groups := map[int]string{1: "科普工作人员参与数量（单位：人次）", 4: "科普活动群众参与数量（单位：人次）", 6: "宣传报道情况"}
	for i, l := range labels {
		g := cell(groups[i])
		switch l {
		case "线下活动群众参与数量":
			row(g, cell(l), `<table:table-cell table:formula="of:=[.C7]+[.C8]"/>`, num("35", "35"))
		case "科技工作者参与数量":
			row(g, cell(l), num("1200", "1,200"), cell(""))
		default:
			row(g, cell(l), num(fmt.Sprint(i+1), fmt.Sprint(i+1)), cell(""))
		}
	}
	b.WriteString(`<table:table-row table:number-rows-repeated="1048560"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table>`)
	return b.String()
}

// writeODS writes an .ods from the body of its office:spreadsheet.
func writeODS(path, body string) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	defer out.Close()
	zw := zip.NewWriter(out)
	mt, err := zw.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	if err != nil {
		return err
	}
	mt.Write([]byte("application/vnd.oasis.opendocument.spreadsheet"))
	w, err := zw.Create("content.xml")
	if err != nil {
		return err
	}
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>` + body + `</office:spreadsheet></office:body></office:document-content>`))
	m, err := zw.Create("META-INF/manifest.xml")
	if err != nil {
		return err
	}
	m.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`))
	return zw.Close()
}
