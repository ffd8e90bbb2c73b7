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
		"应报 12 个单位：已报 9，未报 3，逾期 1，材料不全 3，有问题 4",
		// GBK names inside a Windows zip are read.
		"阳城县科技和商务局          ✓ 按时    06-03 16:40  活动总结报告、推荐表、影像资料（照片）",
		// The video of a forwarded submission is measured.
		"沁水县科技活动周宣传片.mp4 — 视频时长 3分35秒，超过规定的 3分钟",
		// A 163 large-attachment link counts as the video, with a notice.
		"高平市发展改革和科技局      ✓ 按时    06-05 10:05  活动总结报告、影像资料（视频）",
		// The table's stamp names another unit.
		"统计表盖章单位指向“陵川县发展改革和科技局”",
		"陵川县发展改革和科技局      ✓ 按时    06-02 09:12  活动总结报告、影像资料（视频、照片）",
		"泽州县教育局                ⚠ 逾期",
		"未报送至：kxxhb88@163.com",
		"晋城市图书馆                ✗ 未报送",
		"13912345678@qq.com  《活动总结》",
		"自动回复  lckx@163.com",
		"两个邮箱共收到 20 封邮件，全部入库",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("demo output:\n%s", got)
	}
}
