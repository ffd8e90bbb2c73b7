package rules_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/rules"
	"github.com/shoubao/shoubao/sinks"
)

// TestAsOf checks that the state a message found on arrival, read from one
// judgment of the whole campaign, is what judging only the messages received
// up to it gives (what receipts used to do, once per receipt).
func TestAsOf(t *testing.T) {
	t.Parallel()
	c := testCampaign()
	var rows []sinks.Message
	rows = append(rows, both("a@x", "lckjj@163.com", "陵川县科技活动周总结", day(3, 9), report)...)
	rows = append(rows, row(bureau, "b@x", "gpkjj@163.com", "高平市科技活动周材料", day(3, 10), "submission", report, long))
	rows = append(rows, row(bureau, "q@x", "someone@qq.com", "请问视频可以用网盘发送吗", day(3, 11), "submission"))
	rows = append(rows, both("c@x", "lckjj@163.com", "陵川县补充影像资料", day(4, 9), photo)...)
	rows = append(rows, row(assoc, "d@x", "gpkjj@163.com", "高平市更正：以此为准", day(5, 9), "submission", report, clip))
	rows = append(rows, row(bureau, "e@x", "zzkj@163.com", "泽州县科技局 活动总结", day(6, 9), "submission", report))
	rows = append(rows, row(bureau, "f@x", "zzkj@163.com", "泽州县科技局 照片", day(6, 10), "submission", photo))
	rows = append(rows, row(bureau, "g@x", "unknown@163.com", "活动材料", day(7, 9), "submission", report))
	rows = append(rows, both("h@x", "lckjj@163.com", "陵川县科技活动周总结", day(9, 9), report, photo)...)
	// A copy that reached the second mailbox before the first one's copy.
	rows = append(rows, row(assoc, "e@x", "zzkj@163.com", "泽州县科技局 活动总结", day(6, 8), "submission", report))
	ds := []rules.Decision{{Kind: rules.DecideExtension, Unit: "高平市发展改革和科技局", Until: time.Date(2026, 6, 12, 0, 0, 0, 0, cst)}}

	msgs := rules.FromStored(rows)
	j := rules.Prepare(c, msgs, ds)
	if !j.Has("a@x") || j.Has("nope@x") {
		t.Fatalf("Has: a@x %v, nope@x %v", j.Has("a@x"), j.Has("nope@x"))
	}
	if _, _, ok := j.AsOf("nope@x"); ok {
		t.Fatal("AsOf of a message the campaign does not have")
	}
	withUnit := 0
	// Twice: in arrival order, then in the reverse order (a unit judged
	// again from its start).
	order := append(slices.Clone(msgs), msgs...)
	slices.Reverse(order[len(msgs):])
	for _, m := range order {
		var upTo []rules.Message
		for _, o := range msgs {
			if !o.Arrival().After(m.Arrival()) {
				upTo = append(upTo, o)
			}
		}
		wantMsg, wantUnit := find(rules.Judge(c, upTo, ds, day(20, 0)), m.Key)
		gotMsg, gotUnit, ok := j.AsOf(m.Key)
		if !ok || wantMsg == nil {
			t.Fatalf("%s: AsOf ok=%v, judged alone %v", m.Key, ok, wantMsg)
		}
		if a, b := js(t, gotMsg), js(t, wantMsg); a != b {
			t.Errorf("%s: message\n got %s\nwant %s", m.Key, a, b)
		}
		if (gotUnit == nil) != (wantUnit == nil) {
			t.Fatalf("%s: unit %v, want %v", m.Key, gotUnit, wantUnit)
		}
		if gotUnit == nil {
			continue
		}
		withUnit++
		// AsOf's unit leaves out what a receipt does not read.
		if len(gotUnit.Messages) > 0 || len(gotUnit.Problems) > 0 || gotUnit.Stats != nil {
			t.Errorf("%s: AsOf's unit has messages, problems or a table: %+v", m.Key, gotUnit)
		}
		wantUnit.Messages, wantUnit.Problems, wantUnit.Stats = gotUnit.Messages, gotUnit.Problems, nil
		gotUnit.Addresses, wantUnit.Addresses = nil, nil
		if a, b := js(t, gotUnit), js(t, wantUnit); a != b {
			t.Errorf("%s: unit\n got %s\nwant %s", m.Key, a, b)
		}
	}
	if withUnit < 12 {
		t.Errorf("only %d messages were attributed; the test does not test much", withUnit)
	}
	// The state as a whole is unchanged by reading states as of arrivals.
	if a, b := js(t, j.State(day(20, 0))), js(t, rules.Judge(c, msgs, ds, day(20, 0))); a != b {
		t.Errorf("State after AsOf differs from Judge:\n%s\n%s", a, b)
	}
}

func find(st *rules.State, key string) (*rules.MessageState, *rules.UnitState) {
	for i := range st.Units {
		if k := slices.IndexFunc(st.Units[i].Messages, func(m rules.MessageState) bool { return m.Key == key }); k >= 0 {
			return &st.Units[i].Messages[k], &st.Units[i]
		}
	}
	for _, list := range [][]rules.MessageState{st.Unmatched, st.Inquiries, st.Other} {
		if k := slices.IndexFunc(list, func(m rules.MessageState) bool { return m.Key == key }); k >= 0 {
			return &list[k], nil
		}
	}
	return nil, nil
}

func js(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
