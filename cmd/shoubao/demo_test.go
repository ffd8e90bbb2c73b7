package main

import (
	"strings"
	"testing"
)

// TestDemo runs `shoubao demo` as a user would and checks what it prints
// for the sample mailbox: every unit accounted for, the late one, the
// unit that sent to one mailbox only, the unknown sender, the auto-reply.
func TestDemo(t *testing.T) {
	got, code := run(t, "demo")
	if code != 0 {
		t.Fatalf("demo exited %d\nstdout:\n%s", code, got)
	}
	for _, want := range []string{
		"应报 12 个单位：已报 9（按时报齐 5，逾期报齐 2，材料不全 2），未报 3；有问题 6；共收到邮件 15 封",
		// GBK names inside a Windows zip are read.
		"阳城县科技和商务局          ✓ 按时报齐  06-03 16:40  活动总结报告、推荐表、影像资料（照片）",
		// The video of a forwarded submission is measured; too long, it does
		// not count as the 影像资料.
		"沁水县科技活动周宣传片.mp4 — 视频时长 3分35秒，超过规定的 3分钟",
		"沁水县发展和改革局和科技局  ◐ 材料不全  06-06 11:00  活动总结报告",
		// A 163 large-attachment link counts as the video, with a notice.
		"高平市发展改革和科技局      ✓ 按时报齐  06-05 10:05  活动总结报告、影像资料（视频链接，未核实）",
		// The table's stamp names another unit.
		"统计表盖章单位指向“陵川县发展改革和科技局”",
		"陵川县发展改革和科技局      ✓ 按时报齐  06-02 09:12  活动总结报告、影像资料（视频、照片）",
		"泽州县教育局                ⚠ 逾期报齐",
		"但邮箱 kxxhb88@163.com 未收到该单位的材料",
		"晋城市图书馆                ✗ 未报送",
		"13912345678@qq.com  《活动总结》",
		"自动回复  lckx@163.com",
		"15 messages (25 copies) in 2 sample mailboxes",
		"两个邮箱共收到 15 封邮件（25 份副本），全部入库",
		// Photos supplemented after the deadline, from an address learned
		// from the unit's first mail: complete, late.
		"城区教育和科技局            ⚠ 逾期报齐  06-07 17:02  活动总结报告、影像资料（照片）",
		"逾期报齐：材料于 2026-06-09 09:40 报齐",
		// A county name that fits two units is not a guess.
		"可能是：阳城县科学技术协会、阳城县科技和商务局",
		// A known unit's auto-reply is shown as the unit's, and counts for nothing.
		"外出自动回复  jcqxj@163.com（晋城市气象局）",
		// Receipts go to every sender but the two robots, one per message
		// (not per copy), and the first one is printed.
		"自动回执：已发出 13 封",
		"主题：自动回执：陵川县2026年科技活动周总结及影像资料",
		"Auto-Submitted: auto-replied",
		"3. 活动视频.mp4 — 视频 1分35秒 ✓",
		"贵单位的报送材料已齐全。",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("demo output:\n%s", got)
	}
}
