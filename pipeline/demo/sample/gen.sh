#!/usr/bin/env bash
# Regenerates the files attached to the demo's sample messages, with the
# software units really use: openpyxl (Excel tables), LibreOffice (Word
# report), ffmpeg (photo and videos). Tiny on purpose (16x16 pixels, 1 fps).
# Needs: python3-openpyxl, libreoffice-writer, ffmpeg (Debian packages).
set -euo pipefail
cd "$(dirname "$0")"
PY=/usr/bin/python3

$PY - <<'PYEOF'
import openpyxl
from openpyxl.styles import Alignment
# 2024 template (附件 1): group labels merged over their sub-rows.
wb = openpyxl.Workbook(); ws = wb.active; ws.title = "统计表"
rows = [
 ("附件 1", None, None),
 ("2024 年晋城市科技活动周开展情况统计表", None, None),
 ("部门/地方（盖章）：陵川县发展改革和科技局", None, None),
 ("科普活动开展次数", None, "12"),
 ("活动经费投入数量 (单位: 万元)", "中央财政经费投入情况", "0"),
 (None, "省级、副省级财政经费投入情况", "2"),
 (None, "市级财政经费投入情况", "1.5"),
 (None, "县级财政经费投入情况", "3万"),
 (None, "企业赞助经费情况", "无"),
 (None, "实物投入情况(如: 捐赠图书、光盘、创新操作室等)", "0.8"),
 (None, "其他经费情况", "/"),
 ("科普工作人员参与数量(单位: 人次)", "科普专职人员数量", "35"),
 (None, "科技工作者参与数量", "1,200"),
 (None, "招募科技志愿者数量", "约80"),
 (None, "其他人员数量", "二十"),
 ("科普活动群众参与数量(单位: 人次)", "线下活动群众参与数量", "1.2万"),
 (None, "线上活动群众参与数量", "30000"),
 ("宣传报道情况", "参与媒体数量", "6"),
 (None, "宣传报道数量", "14"),
 ("活动周期间开放的科普场馆数量", None, "3"),
 ("活动周期间开放活动的科研机构数量", None, "1"),
 ("活动周期间开放活动的大学数量", None, "0"),
]
for r in rows: ws.append(r)
for a, b in [(5, 11), (12, 15), (16, 17), (18, 19)]:
    ws.merge_cells(start_row=a, start_column=1, end_row=b, end_column=1)
for r in (1, 2, 3, 4, 20, 21, 22):
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
ws.column_dimensions["A"].width = 30; ws.column_dimensions["B"].width = 40
wb.save("stats.xlsx")

wb = openpyxl.Workbook(); ws = wb.active; ws.title = "推荐表"
ws.append(["2026年晋城市科技活动周和科技工作者日 特色群众性主题实践活动推荐表"])
ws.append(["序号", "活动名称", "活动内容简介", "举办时间", "举办地点", "承办单位", "依托基地", "推荐单位", "联系人", "联系电话"])
ws.append([1, "气象科普进校园", "走进中小学讲解气象知识，\n演示气象观测仪器。", "5月下旬", "阳城县第一中学", "阳城县气象局", "阳城县气象局山西省科普基地", "阳城县科技和商务局", "王宇环", "0356-4223668"])
ws.append([2, "蚕桑科技研学", "开放蚕桑研学基地。", "5月下旬至6月上旬", "禹珈豪蚕桑科普基地", "山西禹珈豪丝业股份有限公司", "禹珈豪蚕桑科普基地", "阳城县科技和商务局", "郝燕妮", "13068058857"])
wb.save("recommend.xlsx")
PYEOF

cat > /tmp/shoubao-demo-report.html <<'HTML'
<html><head><meta charset="utf-8"></head><body>
<h1>陵川县2026年科技活动周活动总结</h1>
<p>按照《关于举办2026年晋城市科技活动周和科技工作者日活动的通知》要求，我县于5月24日至31日组织开展了科技活动周系列活动。</p>
<p>一、主要活动：开放省级科普基地3个，举办科普讲座12场，参与群众1.2万人次。</p>
<p>二、经验与不足：……</p>
</body></html>
HTML
soffice --headless --convert-to docx:"MS Word 2007 XML" --outdir /tmp /tmp/shoubao-demo-report.html >/dev/null 2>&1
mv /tmp/shoubao-demo-report.docx report.docx

ffmpeg -v error -y -f lavfi -i "testsrc=size=64x48:rate=1" -frames:v 1 -q:v 10 photo.jpg
ffmpeg -v error -y -f lavfi -i "testsrc=size=16x16:rate=1" -t 95 -c:v libx264 -preset veryslow -crf 51 -pix_fmt yuv420p -movflags +faststart clip.mp4
ffmpeg -v error -y -f lavfi -i "testsrc=size=16x16:rate=1" -t 215 -c:v libx264 -preset veryslow -crf 51 -pix_fmt yuv420p long.mp4
ls -l
