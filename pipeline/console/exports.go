package console

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/shoubao/shoubao/pipeline/export"
)

// exportsData is the 导出 page: what pipeline/export makes for the next
// level up, each file made when it is downloaded from the record as it is
// then.
type exportsData struct {
	Items []exportItem
	// Units, Stats, Rows, Files and Bytes say what the exports hold now.
	Units, Stats, Rows, Files int
	Bytes                     int64
	Unmatched                 int
	// Upward is the 报送上级 part.
	Upward upwardData
}

type exportItem struct {
	Kind, Name, What string
	// Off says why it cannot be downloaded here ("" when it can).
	Off string
}

func (c *Console) exports(w http.ResponseWriter, r *http.Request, s *snapshot) {
	ec, err := export.Load(r.Context(), &recorder{Store: c.o.Store}, s.c, c.o.Now())
	if err != nil {
		c.o.Log.Error("console: exports", "campaign", s.c.ID, "err", err)
		c.fail(w, r, http.StatusServiceUnavailable, "暂时无法读取数据库，请稍后再试。")
		return
	}
	names := export.Names(s.c.ID, c.o.Now())
	d := exportsData{Units: len(ec.Units), Bytes: export.TotalBytes(ec), Unmatched: ec.UnmatchedStats + ec.UnmatchedLists}
	for _, u := range ec.Units {
		if u.Stats != nil {
			d.Stats++
		}
		if u.List != nil {
			d.Rows += len(u.List.List.Rows)
		}
		d.Files += len(u.Files)
	}
	d.Items = []exportItem{
		{Kind: "stats", Name: names.Stats, What: "统计汇总表：各单位统计表逐项相加，按模板格式排列（可直接报上级），另附分单位明细和数据来源"},
		{Kind: "recommend", Name: names.Recommend, What: "推荐活动汇总表：各单位推荐表合并，重新编号，注明来源单位和文件"},
		{Kind: "list", Name: names.List, What: "报送情况一览表：各单位状态、已收材料、缺少什么、有何问题，以及待处理的来信"},
		{Kind: "files", Name: names.Files, What: "报送材料压缩包：每个单位一个文件夹，内有其最终采用的材料"},
	}
	if c.o.Files == nil {
		d.Items[3].Off = "此处无法读取文件（请通过 shoubao run 的控制台下载，或用 shoubao export 命令）"
	}
	d.Upward = c.upwardState(r, s)
	c.render(w, r, http.StatusOK, "exports", c.page(w, r, s, "导出", "exports", d))
}

// exportFile makes one export and sends it. The tables are made in
// memory first (a failure is then a page, not half a file); the zip is
// streamed.
func (c *Console) exportFile(w http.ResponseWriter, r *http.Request, s *snapshot) {
	kind := r.PathValue("kind")
	now := c.o.Now()
	names := export.Names(s.c.ID, now)
	var name string
	var write func(w io.Writer, ec *export.Campaign) error
	switch kind {
	case "stats":
		name, write = names.Stats, export.WriteStats
	case "recommend":
		name, write = names.Recommend, export.WriteRecommend
	case "list":
		name, write = names.List, export.WriteList
	case "files":
		if c.o.Files == nil {
			c.fail(w, r, http.StatusServiceUnavailable, "此处无法读取文件：请通过 shoubao run 的控制台下载，或用 shoubao export 命令。")
			return
		}
		name = names.Files
	default:
		c.notFound(w, r)
		return
	}
	ec, err := export.Load(r.Context(), &recorder{Store: c.o.Store}, s.c, now)
	if err != nil {
		c.o.Log.Error("console: export", "campaign", s.c.ID, "err", err)
		c.fail(w, r, http.StatusServiceUnavailable, "暂时无法读取数据库，请稍后再试。")
		return
	}
	h := w.Header()
	h.Set("Content-Disposition", contentDisposition(name))
	h.Set("Cache-Control", "private, no-store")
	if kind == "files" {
		h.Set("Content-Type", "application/zip")
		res, err := export.WriteZip(r.Context(), w, ec, c.o.Files, nil)
		if err != nil {
			c.o.Log.Error("console: export zip", "campaign", s.c.ID, "err", err)
			return
		}
		c.o.Log.Info("console: export zip", "campaign", s.c.ID, "user", userOf(r).user.Name, "files", res.Files, "missing", len(res.Missing))
		return
	}
	var b bytes.Buffer
	if err := write(&b, ec); err != nil {
		c.o.Log.Error("console: export", "campaign", s.c.ID, "kind", kind, "err", err)
		c.fail(w, r, http.StatusInternalServerError, fmt.Sprintf("生成“%s”时出错，请稍后再试。", name))
		return
	}
	h.Set("Content-Type", contentTypes[".xlsx"])
	_, _ = b.WriteTo(w)
}
