#!/bin/sh
# Regenerates the fixtures of package sheets. Each file is written by the
# software units really use, or by a library we rely on:
#
#   gen_openpyxl.py (Debian python3-openpyxl, run with /usr/bin/python3)
#     stats_template.xlsx    附件 1 as in the 2024 notice, merged group cells,
#                            values 12, 0, 无, 0.5, 3万, 1,200, 约2, 三, 十二,
#                            一千二百, /, 约500, -, 若干 (unreadable)
#     stats_variant.xlsx     rows inserted/deleted/renamed, no merges, values
#                            one or two columns further right
#     stats_hidden.xlsx      filled table in a hidden sheet, blank template
#                            visible
#     recommend_2026.xlsx    the 2026 ten-column list (rows of the notice),
#                            header repeated per page, multi-line cells, a
#                            note, two rows with a bad phone / missing values
#     recommend_long.xlsx    150 rows: its .xls has shared strings spread
#                            over CONTINUE records
#     stats_values_typed.xlsx  无 — - ／ / (0), 5千 3百 1.2万 in 万元 rows,
#                            约500, 12篇（条）, a blank; the 盖章 line blank
#     stats_value_left.xlsx  values left of the labels (header 数量), a
#                            备注 column with numbers
#     stats_value_far.xlsx   values four columns right (header 本年填报数)
#                            past 计量单位 and 上年数 columns
#     stats_transposed.xlsx  labels across (groups merged over them), values
#                            in the row below
#     stats_toplevel_after_group.xlsx  no merges, top-level rows in the
#                            sub-labels' column right after a group
#     stats_hidden_differs.xlsx  a filled visible table, a different one hidden
#     recommend_two_row_header.xlsx  联系人 merged over 姓名 and 电话
#   genxlsx (excelize v2.11.0, and parts written by hand, go run)
#     recommend_2024.xlsx    the 2024 four-column list of the notice
#     recommend_reordered.xlsx  columns reordered + extra column, date cell,
#                            phone as number, merged 推荐单位, empty first sheet
#     stats_wps.xlsx, recommend_wps.xlsx  as WPS and programs write OOXML:
#                            rich-text shared strings (with a phonetic run),
#                            inline strings, a formula without its result
#                            beside a number, a cached string formula, a date
#                            serial, a phone as a number
#     stats_uncached.ods     an .ods as programs write it: no styles, text:s,
#                            a formula without its result, 1,200 shown
#   LibreOffice (soffice --headless, Debian libreoffice-calc/-writer)
#     stats_template.xls, recommend_2026.xls, recommend_long.xls
#                            "MS Excel 97" (BIFF8)
#     stats_formula.xlsx/.xls  formulas recalculated and cached by Calc
#     stats_word.docx        the template filled in a Word table
#     stats_word.doc         the same as "MS Word 97" (needs manual review)
#     recommend_2024.docx    a Word-table list, header repeated, merged cell
#     recommend_split.docx   a list over two Word tables, header repeated
#     recommend_split_nohdr.docx  the same, the second table without header
#     stats_word_split.docx  the template over two Word tables, header row
#                            项目/数量/备注, a number in 备注 beside a blank
#     stats_template.ods, recommend_2026.ods, stats_hidden.ods,
#     stats_transposed.ods, recommend_two_row_header.ods,
#     stats_value_left.ods   "ODF Spreadsheet" of the .xlsx of the same name
#     recommend_2026.csv     "Text CSV", UTF-8, comma
#     recommend_2026_tab_bom.csv  tab-separated, UTF-8 with a BOM
#   iconv
#     recommend_2026_gbk.csv the UTF-8 CSV in GBK, as WPS and Excel save it
#                            on Chinese Windows
#   sh (bad input)
#     truncated.xlsx, not_a_table.xls, empty.xlsx
#
# Run: sh parsers/sheets/testdata/gen.sh
set -eu
cd "$(dirname "$0")"

# The writers, from Debian, installed when missing.
need=
/usr/bin/python3 -c 'import openpyxl' 2>/dev/null || need="$need python3-openpyxl"
command -v soffice >/dev/null || need="$need libreoffice-calc libreoffice-writer"
[ -e /usr/lib/libreoffice/program/swriter ] || need="$need libreoffice-writer"
command -v iconv >/dev/null || need="$need libc-bin"
if [ -n "$need" ]; then
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	# shellcheck disable=SC2086
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
/usr/bin/python3 gen_openpyxl.py .
go run ./genxlsx .
chmod 644 recommend_2024.xlsx recommend_reordered.xlsx stats_wps.xlsx recommend_wps.xlsx stats_uncached.ods

profile=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$profile" "$work"' EXIT
lo() { soffice -env:UserInstallation="file://$profile" --headless "$@" >/dev/null 2>&1; }

lo --convert-to 'xls:MS Excel 97' --outdir . stats_template.xlsx recommend_2026.xlsx recommend_long.xlsx
lo --convert-to 'xlsx:Calc MS Excel 2007 XML' --outdir "$work" stats_formula_source.xlsx
mv "$work/stats_formula_source.xlsx" stats_formula.xlsx
lo --convert-to 'xls:MS Excel 97' --outdir "$work" stats_formula_source.xlsx
mv "$work/stats_formula_source.xls" stats_formula.xls
rm stats_formula_source.xlsx
lo --infilter="HTML (StarWriter)" --convert-to 'docx:MS Word 2007 XML' --outdir . stats_word.html recommend_2024.html \
	recommend_split.html recommend_split_nohdr.html stats_word_split.html
lo --infilter="HTML (StarWriter)" --convert-to 'doc:MS Word 97' --outdir . stats_word.html

lo --convert-to ods --outdir . stats_template.xlsx recommend_2026.xlsx stats_hidden.xlsx stats_transposed.xlsx \
	recommend_two_row_header.xlsx stats_value_left.xlsx
lo --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1' --outdir . recommend_2026.xlsx
lo --convert-to 'csv:Text - txt - csv (StarCalc):9,34,76,1' --outdir "$work" recommend_2026.xlsx
{ printf '\357\273\277'; cat "$work/recommend_2026.csv"; } > recommend_2026_tab_bom.csv
iconv -f UTF-8 -t GBK recommend_2026.csv > recommend_2026_gbk.csv

head -c 1500 stats_template.xlsx > truncated.xlsx
printf '序号,活动名称\n1,这是文本不是表格\n' > not_a_table.xls
: > empty.xlsx
ls -l ./*.xlsx ./*.xls ./*.docx ./*.doc ./*.ods ./*.csv
