// Command genxlsx writes the excelize fixtures of package sheets: the 2024
// recommendation list (附件 2) as printed in the notice, and a 2026 list
// with its columns reordered, an extra column, a date cell, a phone number
// stored as a number and a merged 推荐单位 column.
//
// Usage (from parsers/sheets/testdata): go run ./genxlsx .
package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
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
