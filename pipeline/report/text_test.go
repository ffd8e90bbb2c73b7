package report_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/campaign"
	"github.com/shoubao/shoubao/pipeline/report"
	"github.com/shoubao/shoubao/pipeline/rules"
)

// TestWriteTextFailedReceipts: a receipt the mail server refused is shown
// to the officer, who must then contact the unit.
func TestWriteTextFailedReceipts(t *testing.T) {
	t.Parallel()
	st := &rules.State{Campaign: rules.CampaignInfo{Title: "活动", Deadline: time.Date(2026, 6, 9, 0, 0, 0, 0, campaign.ChinaTime())},
		Units: []rules.UnitState{{Name: "甲局", Status: rules.CompleteOnTime, Messages: []rules.MessageState{
			{Key: "a@x", Subject: "甲局材料", From: "a@163.com", Category: rules.Submission, Receipt: "failed: 550 user unknown"},
			{Key: "b@x", Subject: "补充", From: "a@163.com", Category: rules.Supplement, Receipt: "sent"},
		}}}}
	var b bytes.Buffer
	if err := report.WriteText(&b, st); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "回执发送失败") || !strings.Contains(out, "《甲局材料》  550 user unknown") || strings.Contains(out, "《补充》") {
		t.Errorf("failed receipts not shown as they should be:\n%s", out)
	}
}
