#!/bin/sh
# gen.sh regenerates the derived notice fixtures from the .txt notices beside it:
#
#   *.gb18030.txt  the 2024 notice re-encoded as GB18030, as Windows editors save it
#   *.docx         the notice as a Word document, tables as real Word tables,
#                  written by LibreOffice Writer
#   *.pdf          that Word document exported to PDF by LibreOffice (text layer
#                  only; this machine has no CJK font, so glyphs may render as
#                  boxes, but the text layer carries the characters)
#   scanned.pdf    a page holding only an image, as a scanned notice is: no
#                  text layer (ffmpeg draws the image, LibreOffice the PDF)
#
# How: each .txt becomes a small HTML file (one <p> per line, runs of
# tab-separated lines become one <table>), LibreOffice Writer imports the HTML
# and saves it as .docx, then converts the .docx to .pdf. So the .docx and .pdf
# fixtures are what units and officers really exchange: LibreOffice's own
# Word and PDF output.
#
# Requires: /usr/bin/python3, iconv, ffmpeg, soffice (libreoffice-writer).
# Run from anywhere: sh parsers/notice/testdata/gen.sh
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

iconv -f UTF-8 -t GB18030 jincheng-2024-notice.txt > jincheng-2024-notice.gb18030.txt

for f in jincheng-2024-notice jincheng-2026-notice shanxi-2026-provincial; do
	/usr/bin/python3 - "$f.txt" "$work/$f.html" <<'PY'
import html, sys
src, dst = sys.argv[1], sys.argv[2]
lines = open(src, encoding="utf-8").read().split("\n")
out = ['<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>']
table = []
def flush():
    if not table:
        return
    out.append('<table border="1">')
    for row in table:
        out.append("<tr>" + "".join("<td>%s</td>" % html.escape(c) for c in row) + "</tr>")
    out.append("</table>")
    table.clear()
for line in lines:
    if "\t" in line:
        table.append(line.split("\t"))
        continue
    flush()
    if line.strip():
        out.append("<p>%s</p>" % html.escape(line))
flush()
out.append("</body></html>")
open(dst, "w", encoding="utf-8").write("\n".join(out))
PY
done

profile="file://$work/profile"
(cd "$work" && timeout 300 soffice -env:UserInstallation="$profile" --headless \
	--infilter="HTML (StarWriter)" --convert-to 'docx:MS Word 2007 XML' *.html >/dev/null)
(cd "$work" && timeout 300 soffice -env:UserInstallation="$profile" --headless \
	--convert-to pdf:writer_pdf_Export *.docx >/dev/null)
for f in jincheng-2024-notice jincheng-2026-notice shanxi-2026-provincial; do
	cp "$work/$f.docx" "$work/$f.pdf" .
done

ffmpeg -loglevel error -y -f lavfi -i color=c=gray:s=120x80 -frames:v 1 "$work/scan.png"
echo '<html><body><p><img src="scan.png" width="120" height="80"></p></body></html>' > "$work/scanned.html"
(cd "$work" && timeout 300 soffice -env:UserInstallation="$profile" --headless \
	--infilter="HTML (StarWriter)" --convert-to pdf:writer_pdf_Export scanned.html >/dev/null)
cp "$work/scanned.pdf" .
