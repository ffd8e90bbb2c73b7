#!/bin/sh
# Runs the 50,000-row benchmark of package sheets and, on the same
# generated .xlsx, the reference readers: the raw decompression of the
# sheet XML (unzip -p | wc -c, the floor for any reader) and openpyxl in
# read-only mode (Debian python3-openpyxl, installed here when missing),
# each the best of 3 runs by wall time, with its max RSS. The parse is
# also run alone in a process of its own (its max RSS is the parse's, not
# the benchmark's or excelize's that wrote the file), with Go's defaults
# and under the service's default memory_limit (GOMEMLIMIT=64MiB).
#
# Run: sh parsers/sheets/bench.sh
set -eu
cd "$(dirname "$0")/../.."
if ! /usr/bin/python3 -c 'import openpyxl' 2>/dev/null; then
	echo "== installing python3-openpyxl (Debian), the reference reader"
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-openpyxl >/dev/null
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
f=$dir/bench50k.xlsx
go test -c -o "$dir/sheets.test" ./parsers/sheets

echo "== go test -bench Recommend50k (3 runs, in the benchmark's process)"
(cd parsers/sheets && SHEETS_BENCH_KEEP=$f "$dir/sheets.test" -test.run XXX -test.bench Recommend50k -test.benchtime 3x | grep Benchmark)

# best3 NAME CMD...: runs CMD 3 times; prints and records (in $dir/NAME)
# the best wall time and the largest max RSS.
best3() {
	name=$1
	shift
	best= rss=0
	for _ in 1 2 3; do
		/usr/bin/time -f '%e %M' -o "$dir/time" "$@" >"$dir/out" 2>&1
		read -r wall kib <"$dir/time"
		if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then best=$wall; fi
		[ "$kib" -gt "$rss" ] && rss=$kib
	done
	echo "$best $rss" >"$dir/$name"
	printf '%-40s %6.2f s wall (best of 3), max RSS %d MiB\n' "$name" "$best" $((rss / 1024))
	sed -n 's/^parsed /    parsed /p; s/^\([0-9]* rows\)$/    \1/p' "$dir/out"
}

echo "== one parse per process, best of 3"
best3 "shoubao (Go defaults)" env SHEETS_BENCH_FILE="$f" "$dir/sheets.test" -test.run '^TestParseBenchFile$'
best3 "shoubao (GOMEMLIMIT=64MiB)" env GOMEMLIMIT=64MiB SHEETS_BENCH_FILE="$f" "$dir/sheets.test" -test.run '^TestParseBenchFile$'
best3 "unzip -p sheet1.xml | wc -c" sh -c "unzip -p '$f' xl/worksheets/sheet1.xml | wc -c"
best3 "openpyxl read_only, all rows' values" /usr/bin/python3 -c "
import openpyxl, sys
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
ws = wb.active
ws.reset_dimensions()  # excelize's stream writer leaves the dimension at A1
n = sum(1 for _ in ws.iter_rows(values_only=True))
print(n, 'rows')
" "$f"

read -r go _ <"$dir/shoubao (Go defaults)"
read -r unz _ <"$dir/unzip -p sheet1.xml | wc -c"
read -r opx _ <"$dir/openpyxl read_only, all rows' values"
echo "== ratios (wall, process included)"
awk -v go="$go" -v unz="$unz" -v opx="$opx" 'BEGIN {
	printf "shoubao / unzip -p:   %.1fx\n", go / unz
	printf "openpyxl / shoubao:   %.1fx\n", opx / go
	printf "shoubao:              %d rows/s (process included)\n", 50000 / go
}'
