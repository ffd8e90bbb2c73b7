#!/bin/sh
# Regenerates the .docx fixtures of package docx with LibreOffice Writer
# (Debian package libreoffice-writer), run headless:
#
#   tables.html -> tables.docx   HTML imported by Writer ("HTML (StarWriter)"):
#                                paragraphs, <br>, rowspan/colspan, a nested table
#   tabs.fodt   -> tabs.docx     flat ODF text: tabs, line breaks, a text box,
#                                merged cells
#
# Run from anywhere: sh parsers/docx/testdata/gen.sh
# A private LibreOffice profile keeps it from colliding with another soffice.
set -eu
cd "$(dirname "$0")"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
lo() { soffice -env:UserInstallation="file://$profile" --headless "$@" >/dev/null 2>&1; }
lo --infilter="HTML (StarWriter)" --convert-to 'docx:MS Word 2007 XML' tables.html
lo --convert-to 'docx:MS Word 2007 XML' tabs.fodt
ls -l ./*.docx
