#!/bin/sh
# Regenerates the office fixtures of parsers/filekind with LibreOffice:
# a legacy Excel .xls and Word .doc (OLE2 compound files) and ODF files.
# Run: sh parsers/filekind/testdata/gen.sh
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
media=../../mail/testdata/media
cp "$media/stats.xlsx" "$work/sheet.xlsx"
printf '活动总结\n' > "$work/report.txt"
soffice --headless --convert-to xls --outdir "$work" "$work/sheet.xlsx" >/dev/null 2>&1
soffice --headless --convert-to ods --outdir "$work" "$work/sheet.xlsx" >/dev/null 2>&1
soffice --headless --convert-to odt --outdir "$work" "$work/report.txt" >/dev/null 2>&1
cp "$work/sheet.xls" "$work/sheet.ods" "$work/report.odt" .
