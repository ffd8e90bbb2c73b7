package sheets

// Field is one row of the statistics template (附件 1 of the 2024 notice).
type Field struct {
	// Label is the template's row label, the key of Stats.Fields.
	Label string `json:"label"`
	// Group is the label of the merged group cell the row sits under, or
	// "" for a top-level row.
	Group string `json:"group"`
	// Unit is the row's unit: "万元", "人次", "次", "个".
	Unit string `json:"unit"`
}

// Template groups.
const (
	groupFunds  = "活动经费投入数量"
	groupStaff  = "科普工作人员参与数量"
	groupPublic = "科普活动群众参与数量"
	groupPress  = "宣传报道情况"
)

// templateFields is the statistics template in template order.
var templateFields = []Field{
	{"科普活动开展次数", "", "次"},
	{"中央财政经费投入情况", groupFunds, "万元"},
	{"省级、副省级财政经费投入情况", groupFunds, "万元"},
	{"市级财政经费投入情况", groupFunds, "万元"},
	{"县级财政经费投入情况", groupFunds, "万元"},
	{"企业赞助经费情况", groupFunds, "万元"},
	{"实物投入情况（如：捐赠图书、光盘、创新操作室等）", groupFunds, "万元"},
	{"其他经费情况", groupFunds, "万元"},
	{"科普专职人员数量", groupStaff, "人次"},
	{"科技工作者参与数量", groupStaff, "人次"},
	{"招募科技志愿者数量", groupStaff, "人次"},
	{"其他人员数量", groupStaff, "人次"},
	{"线下活动群众参与数量", groupPublic, "人次"},
	{"线上活动群众参与数量", groupPublic, "人次"},
	{"参与媒体数量", groupPress, "个"},
	{"宣传报道数量", groupPress, "个"},
	{"活动周期间开放的科普场馆数量", "", "个"},
	{"活动周期间开放活动的科研机构数量", "", "个"},
	{"活动周期间开放活动的大学数量", "", "个"},
}

var templateGroups = []string{groupFunds, groupStaff, groupPublic, groupPress}

// StatsFields lists the template's fields in template order.
func StatsFields() []Field {
	return append([]Field(nil), templateFields...)
}
