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
#   genxlsx (excelize v2.11.0, go run)
#     recommend_2024.xlsx    the 2024 four-column list of the notice
#     recommend_reordered.xlsx  columns reordered + extra column, date cell,
#                            phone as number, merged 推荐单位, empty first sheet
#   LibreOffice (soffice --headless, Debian libreoffice-calc/-writer)
#     stats_template.xls, recommend_2026.xls, recommend_long.xls
#                            "MS Excel 97" (BIFF8)
#     stats_formula.xlsx/.xls  formulas recalculated and cached by Calc
#     stats_word.docx        the template filled in a Word table
#     stats_word.doc         the same as "MS Word 97" (needs manual review)
#     recommend_2024.docx    a Word-table list, header repeated, merged cell
#   sh (bad input)
#     truncated.xlsx, not_a_table.xls, empty.xlsx
#
# Run: sh parsers/sheets/testdata/gen.sh
set -eu
cd "$(dirname "$0")"
/usr/bin/python3 gen_openpyxl.py .
go run ./genxlsx .
chmod 644 recommend_2024.xlsx recommend_reordered.xlsx

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
lo --infilter="HTML (StarWriter)" --convert-to 'docx:MS Word 2007 XML' --outdir . stats_word.html recommend_2024.html
lo --infilter="HTML (StarWriter)" --convert-to 'doc:MS Word 97' --outdir . stats_word.html

head -c 1500 stats_template.xlsx > truncated.xlsx
printf '序号,活动名称\n1,这是文本不是表格\n' > not_a_table.xls
: > empty.xlsx
ls -l ./*.xlsx ./*.xls ./*.docx ./*.doc
