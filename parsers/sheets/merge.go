package sheets

import "math"

// MergeStats sums statistics tables field by field, for the table sent one
// level up. A field's value is nil only when it is nil in every table; Raw
// is left empty, and Unit is the units' names joined with "、". Unknown rows
// are concatenated. Nil tables are skipped.
func MergeStats(tables []*Stats) *Stats {
	out := &Stats{Fields: map[string]Value{}, UnknownRows: []string{}}
	var units []string
	for _, t := range tables {
		if t == nil {
			continue
		}
		if t.Unit != "" {
			units = append(units, t.Unit)
		}
		for label, v := range t.Fields {
			sum := out.Fields[label]
			if v.Value != nil {
				total := *v.Value
				if sum.Value != nil {
					total += *sum.Value
				}
				// Sums of decimals (0.1 + 0.2) are rounded back to
				// what was typed.
				total = math.Round(total*1e9) / 1e9
				sum.Value = &total
			}
			out.Fields[label] = sum
		}
		out.UnknownRows = append(out.UnknownRows, t.UnknownRows...)
	}
	for i, u := range units {
		if i > 0 {
			out.Unit += "、"
		}
		out.Unit += u
	}
	return out
}

// MergeRecommend concatenates recommendation lists: the columns are the
// union of the lists' columns in order of first appearance, the rows all
// rows in list order. Nil lists are skipped.
func MergeRecommend(lists []*Recommend) *Recommend {
	out := &Recommend{Columns: []string{}, Rows: []map[string]string{}}
	seen := map[string]bool{}
	for _, l := range lists {
		if l == nil {
			continue
		}
		for _, c := range l.Columns {
			if !seen[c] {
				seen[c] = true
				out.Columns = append(out.Columns, c)
			}
		}
		out.Rows = append(out.Rows, l.Rows...)
	}
	return out
}
