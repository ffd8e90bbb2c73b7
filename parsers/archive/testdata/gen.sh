#!/bin/sh
# Regenerates the archive fixtures. Run: sh parsers/archive/testdata/gen.sh
# Needs 7z (p7zip-full) and /usr/bin/python3. No RAR creator is packaged
# for Debian (rar is non-free; unrar-free and unar only read), so stored.rar
# is written by gen_rar.py straight from the RAR 4 format description
# (stored members, GBK names as WinRAR on Chinese Windows writes them).
# Zip bombs are generated at test time (archive_test.go), never committed.
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
photo=../../mail/testdata/media/photo.jpg
docx=../../mail/testdata/media/report.docx
xlsx=../../mail/testdata/media/stats.xlsx

/usr/bin/python3 gen_rar.py "$photo" "$docx"

mkdir -p "$work/t/材料"
cp "$photo" "$work/t/材料/活动照片.jpg"
cp "$docx" "$work/t/材料/活动总结.docx"
cp "$xlsx" "$work/t/开展情况统计表.xlsx"

# A zip made by 7-Zip. 7-Zip here (p7zip, no code page support) ignores
# -mcu=off -mcp=936 and writes UTF-8 names with the UTF-8 flag; the GBK
# zips below are written by Python's zipfile the way Windows writes them.
rm -f utf8_7zip.zip
(cd "$work/t" && 7z a -tzip -mcu=off -mcp=936 -bd -bso0 "$OLDPWD/utf8_7zip.zip" 材料 开展情况统计表.xlsx)

# 7-Zip's own format, UTF-16 names.
rm -f materials.7z
(cd "$work/t" && 7z a -t7z -bd -bso0 "$OLDPWD/materials.7z" 材料 开展情况统计表.xlsx)

# A password-protected zip (ZipCrypto) and 7z with encrypted headers.
rm -f encrypted.zip encrypted.7z
(cd "$work/t" && 7z a -tzip -pSECRET -bd -bso0 "$OLDPWD/encrypted.zip" 开展情况统计表.xlsx)
(cd "$work/t" && 7z a -t7z -pSECRET -mhe=on -bd -bso0 "$OLDPWD/encrypted.7z" 开展情况统计表.xlsx)

/usr/bin/python3 - "$photo" "$docx" <<'PY'
import sys, zipfile, io
photo = open(sys.argv[1], "rb").read()
docx = open(sys.argv[2], "rb").read()

class GBKInfo(zipfile.ZipInfo):
    """Writes the name in CP936 without the UTF-8 flag, as Windows'
    "Send to compressed folder" does on a Chinese system."""
    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits & ~0x800

def add(z, info, data):
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data)

with zipfile.ZipFile("gbk_windows.zip", "w") as z:
    add(z, GBKInfo("高平市/活动照片.jpg", (2024, 6, 3, 10, 0, 0)), photo)
    add(z, GBKInfo("高平市/活动总结.docx", (2024, 6, 3, 10, 0, 0)), docx)

# Python's default: UTF-8 names with the UTF-8 flag.
with zipfile.ZipFile("utf8_flag.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(zipfile.ZipInfo("活动照片.jpg", (2024, 6, 3, 10, 0, 0)), photo)

# Path traversal names.
with zipfile.ZipFile("traversal.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(zipfile.ZipInfo("../../etc/passwd.xlsx", (2024, 6, 3, 10, 0, 0)), b"not really")
    z.writestr(zipfile.ZipInfo("/abs/照片.jpg", (2024, 6, 3, 10, 0, 0)), photo)

# A zip in a zip in a zip.
inner = io.BytesIO()
with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(zipfile.ZipInfo("总结.docx", (2024, 6, 3, 10, 0, 0)), docx)
middle = io.BytesIO()
with zipfile.ZipFile(middle, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(zipfile.ZipInfo("inner.zip", (2024, 6, 3, 10, 0, 0)), inner.getvalue())
    z.writestr(zipfile.ZipInfo("照片.jpg", (2024, 6, 3, 10, 0, 0)), photo)
with zipfile.ZipFile("nested.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr(zipfile.ZipInfo("middle.zip", (2024, 6, 3, 10, 0, 0)), middle.getvalue())

# A truncated zip (the download broke off).
data = open("gbk_windows.zip", "rb").read()
open("truncated.zip", "wb").write(data[: len(data) // 2])

# A member whose compressed data is damaged (CRC error on read).
buf = bytearray(open("utf8_flag.zip", "rb").read())
buf[60] ^= 0xff
buf[70] ^= 0xff
open("damaged_member.zip", "wb").write(bytes(buf))

# Only a RAR signature: what reading a broken rar looks like.
open("signature_only.rar", "wb").write(b"Rar!\x1a\x07\x01\x00" + b"\x00" * 32)
PY
