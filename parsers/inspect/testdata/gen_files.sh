#!/bin/sh
# gen_files.sh makes the single files of files/, as units send them, from
# the fixtures of the parsers that read them (the videos there are made by
# ffmpeg, see parsers/video/testdata/gen.sh). Then refresh the golden files:
#   go test ./parsers/inspect -run TestGoldenFiles -update
set -eu
cd "$(dirname "$0")/files"
video=../../../video/testdata
sheets=../../../sheets/testdata
cut() { head -c "$(( $(wc -c < "$1") * $2 / 100 ))" "$1" > "$3"; }

# A picture the unit named as its video.
cp "$video/jpeg_named.mp4" 活动视频.mp4
# A video whose upload stopped at 60 %: it claims 5 s.
cp "$video/trunc_faststart.mp4" 活动视频（未传完）.mp4
# A 179.9 s Matroska written to a pipe, its clock starting at 0.148 s: within
# 3 minutes, though its last block ends at 180.048 s.
cp "$video/mkv_pipe.mkv" 科技周活动视频.mkv
# Windows Media whose video starts 138 ms after its MP3 audio: 5.276 s.
cp "$video/wmv_mp3.wmv" 活动视频.wmv
# Spreadsheets cut short: a zip (xlsx) and an OLE2 file (xls) that cannot
# be opened keep the kind their names say.
cut "$sheets/stats_formula.xlsx" 60 开展情况统计表.xlsx
cut "$sheets/recommend_2026.xls" 60 特色活动推荐表.xls
