package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoubao/shoubao/pipeline/demo"
	"github.com/shoubao/shoubao/pipeline/rules"
)

// TestReportAndDecide reads the demo's record with `report`, then records
// officers' decisions with `decide` and sees the next report change, and
// changes the deadline in the configuration: no reprocessing.
func TestReportAndDecide(t *testing.T) {
	dir := t.TempDir()
	if _, code := run(t, "demo", "--data-dir", dir); code != 0 {
		t.Fatalf("demo exited %d", code)
	}
	cfg := filepath.Join(dir, "shoubao.yaml")
	write := func(yaml string) {
		if err := os.WriteFile(cfg, []byte("data_dir: "+dir+"\ncampaigns:"+yaml), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(demo.CampaignYAML("127.0.0.1", 1143, filepath.Join(dir, "none")))
	state := func() *rules.State {
		t.Helper()
		out, code := run(t, "report", "--config", cfg, "--format", "json")
		if code != 0 {
			t.Fatalf("report exited %d", code)
		}
		var st rules.State
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			t.Fatalf("report json: %v\n%s", err, out)
		}
		return &st
	}
	unit := func(st *rules.State, name string) rules.UnitState {
		for _, u := range st.Units {
			if u.Name == name {
				return u
			}
		}
		t.Fatalf("no unit %s", name)
		return rules.UnitState{}
	}
	st := state()
	if st.Campaign.ID != demo.CampaignID || len(st.Units) != 12 || st.Counts.Messages != 15 || len(st.Unmatched) != 2 {
		t.Fatalf("report: campaign %s, %d units, %d messages, %d unmatched", st.Campaign.ID, len(st.Units), st.Counts.Messages, len(st.Unmatched))
	}
	if u := unit(st, "晋城市图书馆"); u.Status != rules.NotSubmitted || len(u.Missing) != 2 {
		t.Errorf("图书馆: %+v", u)
	}
	lc := unit(st, "陵川县发展改革和科技局")
	if lc.Status != rules.CompleteOnTime || len(lc.Messages) != 1 || len(lc.Messages[0].Copies) != 2 || lc.CompletedBy == "" {
		t.Errorf("陵川 (one message, two copies): %+v", lc)
	}
	text, code := run(t, "report", "--config", cfg)
	if code != 0 || !strings.Contains(text, "晋城市图书馆                ✗ 未报送") || !strings.Contains(text, "13912345678@qq.com") {
		t.Errorf("text report (exit %d):\n%s", code, text)
	}

	// The unknown sender's report is the library's: assign it.
	var msg string
	for _, m := range st.Unmatched {
		if strings.Contains(m.From, "13912345678") {
			msg = m.Key
		}
	}
	out, code := run(t, "decide", "--config", cfg, "--by", "王科长", "--reason", "电话确认", "assign", msg, "晋城市图书馆")
	if code != 0 || !strings.Contains(out, "晋城市图书馆：未报送 → 材料不全") {
		t.Fatalf("decide assign (exit %d):\n%s", code, out)
	}
	st = state()
	lib := unit(st, "晋城市图书馆")
	if len(st.Unmatched) != 1 || lib.Status != rules.Incomplete || lib.Messages[0].Attribution.By != rules.ByOfficer ||
		len(lib.Messages[0].Decisions) != 1 || lib.Messages[0].Decisions[0].By != "王科长" {
		t.Errorf("after assign: unmatched %d, 图书馆 %+v", len(st.Unmatched), lib)
	}

	// 泽州县教育局 was late; an extension makes it on time.
	if out, code := run(t, "decide", "--config", cfg, "extend", "泽州县教育局", "2026-06-10"); code != 0 || !strings.Contains(out, "逾期报齐 → 按时报齐") {
		t.Fatalf("decide extend (exit %d):\n%s", code, out)
	}
	if u := unit(state(), "泽州县教育局"); u.Status != rules.CompleteOnTime || !u.Extended {
		t.Errorf("after extension: %+v", u)
	}

	// A wrong unit or message is refused with a usage error.
	if _, code := run(t, "decide", "--config", cfg, "assign", msg, "不存在的单位"); code != 2 {
		t.Errorf("assign to a unit not on the roster: exit %d, want 2", code)
	}
	if _, code := run(t, "decide", "--config", cfg, "not-submission", "nobody@nowhere"); code != 2 {
		t.Errorf("a message that does not exist: exit %d, want 2", code)
	}
	if out, code := run(t, "decide", "--config", cfg, "list"); code != 0 || !strings.Contains(out, "王科长  assign") || !strings.Contains(out, "（电话确认）") {
		t.Errorf("decide list (exit %d):\n%s", code, out)
	}

	// The deadline moves in the configuration: the next report re-judges
	// the stored mail, with no reprocessing.
	write(strings.Replace(demo.CampaignYAML("127.0.0.1", 1143, filepath.Join(dir, "none")), "deadline: 2026-06-08", "deadline: 2026-06-01", 1))
	// Only the unit with its own extension stays on time.
	st = state()
	if st.Counts.OnTime != 1 || unit(st, "泽州县教育局").Status != rules.CompleteOnTime || unit(st, "陵川县发展改革和科技局").Status != rules.CompleteLate {
		t.Errorf("after moving the deadline to 1 June: %+v", st.Counts)
	}
}

func TestVersion(t *testing.T) {
	out, code := run(t, "version")
	if code != 0 || !strings.HasPrefix(out, "shoubao ") || !strings.Contains(out, "go1.") {
		t.Errorf("version (exit %d): %q", code, out)
	}
}
