package report

import (
	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/rules"
)

// Received names the materials a unit has usable files for, as the text
// report's 已收材料 column does ("活动总结报告、影像资料（视频、照片）", "—"
// for none). Exports use it so that their tables say what the report says.
func Received(u rules.UnitState) string { return receivedList(u) }

// MaterialNames names materials in Chinese, joined with "、" ("—" for none).
func MaterialNames(ms []campaign.Material) string { return materialList(ms) }
