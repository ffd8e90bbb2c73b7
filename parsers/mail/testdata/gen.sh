#!/bin/sh
# Regenerates the fixtures in this directory. Run from anywhere:
#   sh parsers/mail/testdata/gen.sh
# Needs: ffmpeg, openpyxl (/usr/bin/python3), soffice (LibreOffice), 7z, mpack.
# Messages are written by Python's email package (gen.py) and by mpack;
# the media and office files they carry are made by ffmpeg, openpyxl and
# LibreOffice so that content sniffing sees what units really send.
set -eu
cd "$(dirname "$0")"
mkdir -p media
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A 16x16 JPEG and PNG, and a 1-second 32x32 MP4 (H.264) from ffmpeg.
ffmpeg -v error -y -f lavfi -i color=c=red:s=16x16 -frames:v 1 media/photo.jpg
ffmpeg -v error -y -f lavfi -i color=c=blue:s=16x16 -frames:v 1 media/photo.png
ffmpeg -v error -y -f lavfi -i testsrc=s=32x32:r=5:d=1 -pix_fmt yuv420p -c:v libx264 -preset ultrafast media/clip.mp4
# A 200-second video (over the 3-minute limit), tiny: 16x16 at 1 frame/s.
ffmpeg -v error -y -f lavfi -i color=c=green:s=16x16:r=1:d=200 -pix_fmt yuv420p -c:v libx264 -preset ultrafast media/long.mp4

# A statistics table in the 2024 template (附件 1), filled in, from openpyxl.
/usr/bin/python3 - <<'PY'
import openpyxl
wb = openpyxl.Workbook()
ws = wb.active
rows = [
    ["附件 1"],
    ["2024年晋城市科技活动周开展情况统计表"],
    ["部门/地方（盖章）：高平市发展改革和科技局"],
    ["科普活动开展次数", None, "12"],
    ["活动经费投入数量（单位：万元）", "中央财政经费投入情况", "0"],
    [None, "省级、副省级财政经费投入情况", "0"],
    [None, "市级财政经费投入情况", "2"],
    [None, "县级财政经费投入情况", "3万"],
    [None, "企业赞助经费情况", "无"],
    [None, "实物投入情况（如：捐赠图书、光盘、创新操作室等）", "0.5"],
    [None, "其他经费情况", "/"],
    ["科普工作人员参与数量（单位：人次）", "科普专职人员数量", "15"],
    [None, "科技工作者参与数量", "1,200"],
    [None, "招募科技志愿者数量", "约500"],
    [None, "其他人员数量", ""],
    ["科普活动群众参与数量（单位：人次）", "线下活动群众参与数量", "3万"],
    [None, "线上活动群众参与数量", "12000"],
    ["宣传报道情况", "参与媒体数量", "6"],
    [None, "宣传报道数量", "18"],
    ["活动周期间开放的科普场馆数量", None, "2"],
    ["活动周期间开放活动的科研机构数量", None, "1"],
    ["活动周期间开放活动的大学数量", None, "0"],
]
for r in rows:
    ws.append(r)
for start, end in ((5, 11), (12, 15), (16, 17), (18, 19)):
    ws.merge_cells(start_row=start, start_column=1, end_row=end, end_column=1)
wb.save("media/stats.xlsx")
PY

# A tiny report from LibreOffice (text -> docx and doc).
printf '高平市2024年科技活动周总结\n\n活动开展情况良好。\n' > "$work/report.txt"
soffice --headless --convert-to docx --outdir "$work" "$work/report.txt" >/dev/null 2>&1
soffice --headless --convert-to doc --outdir "$work" "$work/report.txt" >/dev/null 2>&1
cp "$work/report.docx" media/report.docx
cp "$work/report.doc" media/report.doc

# A zip with GBK member names and no UTF-8 flag, as Windows' "send to
# compressed folder" writes them on a Chinese system (Python's zipfile with
# the name encoded in CP936).
/usr/bin/python3 - <<'PY'
import zipfile
class GBKInfo(zipfile.ZipInfo):
    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits & ~0x800
with zipfile.ZipFile("media/gbk.zip", "w") as z:
    for name, src in (("材料/活动照片.jpg", "media/photo.jpg"), ("材料/活动总结.docx", "media/report.docx")):
        info = GBKInfo(name, (2024, 6, 3, 10, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, open(src, "rb").read())
PY

# Messages from Python's email package.
/usr/bin/python3 gen.py

# mpack: a message carrying a photo with a Chinese file name.
cp media/photo.jpg "$work/活动照片.jpg"
(cd "$work" && mpack -s "mpack 发送的照片" -o mpack_photo.eml 活动照片.jpg)
# mpack writes no From or Date; add them as a mail client would.
{ printf 'From: unit@126.com\nDate: Mon, 3 Jun 2024 10:00:00 +0800\n'; cat "$work/mpack_photo.eml"; } > mpack_photo.eml
