package mail

import (
	"context"
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	base := "From: Unit <unit@163.com>\r\nTo: jcskjhzk@163.com\r\nDate: Mon, 03 Jun 2024 10:15:00 +0800\r\n"
	tests := []struct {
		name, header string
		body         string
		want         Class
	}{
		{"plain submission", "Subject: 高平市总结报告\r\n", "", Submission},
		{"auto-submitted auto-replied", "Subject: Re: x\r\nAuto-Submitted: auto-replied\r\n", "", AutoReply},
		{"auto-submitted auto-generated; params", "Subject: x\r\nAuto-Submitted: auto-generated; owner-email=a@b\r\n", "", AutoReply},
		{"auto-submitted no", "Subject: 总结\r\nAuto-Submitted: no\r\n", "", Submission},
		{"x-autoreply", "Subject: x\r\nX-Autoreply: yes\r\n", "", AutoReply},
		{"x-autorespond", "Subject: x\r\nX-Autorespond: x\r\n", "", AutoReply},
		{"precedence auto_reply", "Subject: x\r\nPrecedence: auto_reply\r\n", "", AutoReply},
		{"subject 自动回复", "Subject: 自动回复：您的来信已收到\r\n", "", AutoReply},
		{"subject 自动答复 encoded", "Subject: =?UTF-8?B?6Ieq5Yqo562U5aSNOiDmgLvnu5M=?=\r\n", "", AutoReply},
		{"subject out of office", "Subject: Out of Office: 材料\r\n", "", AutoReply},
		{"subject Auto Reply", "Subject: Auto Reply: 材料\r\n", "", AutoReply},
		{"read receipt report", "Subject: 已读: 材料\r\nContent-Type: multipart/report; report-type=disposition-notification; boundary=b\r\n", "--b\r\nContent-Type: message/disposition-notification\r\n\r\nFinal-Recipient: rfc822; a@b\r\n--b--\r\n", AutoReply},
		{"dsn report", "Subject: failure\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n", "--b\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed\r\n--b--\r\n", Bounce},
		{"x-failed-recipients", "Subject: x\r\nX-Failed-Recipients: a@b\r\n", "", Bounce},
		{"退信 from a daemon-ish sender with empty return path", "Subject: 系统退信\r\nReturn-Path: <>\r\n", "", Bounce},
		{"退信 mentioned by a person", "Subject: 关于上次退信的说明\r\n", "", Submission},
		{"list-id", "Subject: 周报\r\nList-Id: <news.example.cn>\r\n", "", Bulk},
		{"precedence bulk", "Subject: 周报\r\nPrecedence: bulk\r\n", "", Bulk},
		{"precedence junk", "Subject: 周报\r\nPrecedence: junk\r\n", "", Bulk},
		{"list-unsubscribe alone is not bulk", "Subject: 总结\r\nList-Unsubscribe: <mailto:u@x>\r\n", "", Submission},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := base + tt.header + "\r\n" + tt.body
			m, err := Walk(context.Background(), strings.NewReader(raw), Limits{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if m.Class != tt.want {
				t.Errorf("class = %s, want %s", m.Class, tt.want)
			}
		})
	}
	for _, from := range []string{"MAILER-DAEMON@qq.com", "postmaster@126.com"} {
		m, _ := Walk(context.Background(), strings.NewReader("From: "+from+"\r\nSubject: Undelivered Mail\r\n\r\nx"), Limits{}, nil)
		if m.Class != Bounce {
			t.Errorf("%s: class %s", from, m.Class)
		}
	}
}
