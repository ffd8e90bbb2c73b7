package console

import (
	"net/http"
	"net/url"

	"github.com/shoubao/shoubao/pipeline/rules"
)

// campaignRow is one campaign of the list on /.
type campaignRow struct {
	C  *rules.CampaignInfo
	N  rules.Counts
	OK bool
}

// campaignList is /: the only campaign's overview, or the list of them.
func (c *Console) campaignList(w http.ResponseWriter, r *http.Request) {
	if len(c.campaigns) == 1 {
		http.Redirect(w, r, "/c/"+url.PathEscape(c.campaigns[0].ID)+"/", http.StatusSeeOther)
		return
	}
	var rows []campaignRow
	for _, cp := range c.campaigns {
		s, err := c.cache.get(r.Context(), cp)
		if err != nil {
			c.o.Log.Error("console: judge campaign", "campaign", cp.ID, "err", err)
			c.fail(w, r, http.StatusServiceUnavailable, "暂时无法读取数据库，请稍后再试。")
			return
		}
		rows = append(rows, campaignRow{C: &s.st.Campaign, N: s.st.Counts, OK: true})
	}
	c.render(w, r, http.StatusOK, "campaigns", &page{Title: "全部活动", Data: rows})
}
