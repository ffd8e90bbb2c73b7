#!/bin/sh
# Runs the 50,000-row benchmark of package sheets and, on the same
# generated .xlsx, two reference readers: the raw decompression of the
# sheet XML (unzip -p | wc -c, the floor for any reader) and openpyxl in
# read-only mode (Debian python3-openpyxl), with wall time and max RSS.
#
# Run: sh parsers/sheets/bench.sh
set -eu
cd "$(dirname "$0")/../.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
f=$dir/bench50k.xlsx
go test -c -o "$dir/sheets.test" ./parsers/sheets
echo "== shoubao sheets (go test -bench, 3 runs; max RSS includes generating the file)"
(cd parsers/sheets && SHEETS_BENCH_KEEP=$f /usr/bin/time -f 'max RSS %M KiB' \
	"$dir/sheets.test" -test.run XXX -test.bench Recommend50k -test.benchtime 3x)
echo "== unzip -p xl/worksheets/sheet1.xml | wc -c"
/usr/bin/time -f '%e s wall, max RSS %M KiB' sh -c "unzip -p '$f' xl/worksheets/sheet1.xml | wc -c"
echo "== openpyxl read_only, all rows' values"
/usr/bin/time -f '%e s wall, max RSS %M KiB' /usr/bin/python3 -c "
import openpyxl, sys
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
ws = wb.active
ws.reset_dimensions()  # excelize's stream writer leaves the dimension at A1
n = sum(1 for _ in ws.iter_rows(values_only=True))
print(n, 'rows')
" "$f"
