package rules

import (
	"strings"
)

// Category is what a message is for the campaign.
type Category string

// Categories. Only submissions, supplements, resubmissions and duplicates
// (and malformed messages with readable materials) count toward a unit's
// materials; robots and replies are listed on the unit's page and never
// make a unit late.
const (
	Submission   Category = "submission"   // materials
	Supplement   Category = "supplement"   // 补充, 补报: adds to what the unit sent
	Resubmission Category = "resubmission" // 更正, 重新报送, 以此为准: replaces what the unit sent before
	Duplicate    Category = "duplicate"    // the same files again
	Inquiry      Category = "inquiry"      // a question without materials: an officer must answer
	Reply        Category = "reply"        // 收到, 谢谢: no materials
	AutoReply    Category = "auto_reply"
	OutOfOffice  Category = "out_of_office"
	Bounce       Category = "bounce"
	ReadReceipt  Category = "read_receipt"
	SystemNotice Category = "system_notice" // provider notices: quota, security
	Newsletter   Category = "newsletter"
	Malformed    Category = "malformed" // broken structure; what could be read is still used
	// NotSubmission: an officer decided the message is not a submission.
	NotSubmission Category = "not_submission"
)

// Label is the category's Chinese name.
func (c Category) Label() string {
	return map[Category]string{
		Submission: "报送", Supplement: "补充报送", Resubmission: "更正（重新报送）", Duplicate: "重复发送",
		Inquiry: "咨询（待答复）", Reply: "回复", AutoReply: "自动回复", OutOfOffice: "外出自动回复",
		Bounce: "退信", ReadReceipt: "已读回执", SystemNotice: "系统通知", Newsletter: "订阅邮件",
		Malformed: "格式损坏", NotSubmission: "非报送（已人工确认）",
	}[c]
}

// Counts reports whether messages of this category count toward a unit's
// materials.
func (c Category) Counts() bool {
	switch c {
	case Submission, Supplement, Resubmission, Duplicate, Malformed:
		return true
	}
	return false
}

// Robot reports whether the category is mail sent by a machine.
func (c Category) Robot() bool {
	switch c {
	case AutoReply, OutOfOffice, Bounce, ReadReceipt, SystemNotice, Newsletter:
		return true
	}
	return false
}

// Words that mark a message's intent, searched in its subject (and for
// questions, in its body).
var (
	resubmitWords   = []string{"更正", "重新报送", "重新提交", "重报", "以此为准", "以此件为准", "以本邮件为准", "修改版", "修正", "替换"}
	supplementWords = []string{"补充", "补报", "补发", "补交", "追加", "补送"}
	questionWords   = []string{"?", "？", "请问", "咨询", "是否", "能否", "可否", "怎么", "如何", "哪些", "什么时候", "多久"}
	thanksWords     = []string{"收到", "已收", "谢谢", "感谢", "好的", "辛苦", "ok"}
	outOfOffice     = []string{"外出", "休假", "不在办公室", "out of office", "out of the office", "away from office", "假期"}
	readReceipt     = []string{"已读", "read receipt", "read:", "已读回执", "阅读回执"}
	systemSenders   = []string{"@service.netease.com", "@service.mail.qq.com", "@notice.", "@service.", "@safe.", "@security.", "10000@qq.com"}
	systemWords     = []string{"容量", "空间不足", "安全提醒", "登录提醒", "异地登录", "密码", "验证码", "账号安全", "邮箱已满"}
)

func containsAny(s string, words []string) bool {
	s = strings.ToLower(s)
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// HasMaterial reports whether the message carries anything that can be a
// material: a report, a table, a photo or a video, or a large-attachment
// link.
func (m *Message) HasMaterial() bool {
	if len(m.Links) > 0 {
		return true
	}
	for _, f := range m.Files {
		if len(materialsOf(f.Kind)) > 0 {
			return true
		}
	}
	return false
}

// Categorize decides a message's category from its parser class, its
// words and whether it carries materials, as far as the message alone
// tells: Duplicate and NotSubmission need the unit's other messages and the
// officers' decisions, and are decided by Judge.
func Categorize(m *Message) Category {
	subject := m.Subject
	switch m.Class {
	case "bounce":
		return Bounce
	case "auto_reply":
		switch {
		case containsAny(subject, readReceipt):
			return ReadReceipt
		case containsAny(subject+"\n"+m.Text, outOfOffice):
			return OutOfOffice
		}
		return AutoReply
	case "bulk":
		if containsAny(m.FromAddress, systemSenders) || containsAny(subject, systemWords) {
			return SystemNotice
		}
		return Newsletter
	case "malformed":
		return Malformed
	}
	if containsAny(m.FromAddress, systemSenders) && !m.HasMaterial() {
		return SystemNotice
	}
	if m.HasMaterial() {
		switch {
		case containsAny(subject, resubmitWords):
			return Resubmission
		case containsAny(subject, supplementWords):
			return Supplement
		}
		return Submission
	}
	text := subject + "\n" + m.Text
	switch {
	case containsAny(text, questionWords):
		return Inquiry
	case containsAny(text, thanksWords):
		return Reply
	}
	// A person's mail with no materials and no question: an officer should
	// read it (often a cover note whose attachment was forgotten).
	return Inquiry
}
