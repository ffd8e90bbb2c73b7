#!/bin/sh
# gen.sh regenerates every video fixture in this directory with ffmpeg, the
# tool that produces most of the videos units send (phones, screen recorders
# and editors use the same muxers). Fixtures are tiny on purpose: 16x16
# pixels, 5 frames per second, 8 kHz mono audio, a few seconds each.
#
# Run from this directory: ./gen.sh
# Then refresh the reference durations and golden output:
#   go test ./parsers/video -run TestFixtures -update
#
# Tested with ffmpeg 5.1 (Debian 12).
set -eu
cd "$(dirname "$0")"

ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }

# Sources: a 5 s test pattern at 5 fps and a 5 s sine tone.
V="-f lavfi -i testsrc=size=16x16:rate=5:duration=5"
A="-f lavfi -i sine=frequency=440:sample_rate=8000:duration=5"
X264="-c:v libx264 -preset ultrafast -crf 45 -g 10 -pix_fmt yuv420p"
AAC="-c:a aac -b:a 8k -ac 1"

# ISO BMFF family.
ff $V $A $X264 $AAC -movflags +faststart mp4_faststart.mp4
ff $V $A $X264 $AAC mp4_moov_end.mp4
ff $V $A $X264 $AAC -f mov mov.mov
ff $V $X264 m4v.m4v
ff $V $A -c:v mpeg4 -q:v 31 $AAC 3gp.3gp
ff $V $A $X264 $AAC -f 3g2 3g2.3g2
# Version 1 movie, track and media headers (64-bit durations).
ff $V $X264 -movie_timescale 1000000000 -video_track_timescale 1000000000 mp4_v1.mp4
# Fragmented: an empty moov then fragments; the first samples in moov and
# the rest in fragments; DASH style with a segment index; Smooth Streaming
# (no tfdt, unset 64-bit durations in moov).
ff $V $A $X264 $AAC -movflags frag_keyframe+empty_moov frag.mp4
ff $V $A $X264 $AAC -movflags frag_keyframe frag_moov.mp4
ff $V $X264 -movflags frag_keyframe+empty_moov+default_base_moof+global_sidx frag_dash.mp4
ff $V $X264 -f ismv frag_ismv.mp4
# Edit lists: a trimmed stream copy (starts between key frames), a stream
# copy delayed by 1 s (an empty edit first), and a video re-timed 1 s later
# than its audio.
ff -ss 1.3 -i mp4_moov_end.mp4 -c copy edit_trim.mp4
ff -itsoffset 1 -i m4v.m4v -c copy edit_empty.mp4
ff -itsoffset 1 $V $A $X264 $AAC -map 0:v -map 1:a edit_delay.mp4
# Tracks of different lengths: 3 s of video, 5 s of audio.
ff -f lavfi -i testsrc=size=16x16:rate=5:duration=3 $A $X264 $AAC av_diff.mp4

# RIFF AVI.
ff $V $A -c:v mpeg4 -q:v 31 -c:a libmp3lame -b:a 8k -ac 1 avi.avi

# Matroska and WebM; a WebM written to a pipe has no duration and no cues.
# (bitexact: fixed segment and track UIDs, so reruns give the same bytes.)
ff $V $A $X264 $AAC -fflags +bitexact mkv.mkv
ff $V $A -c:v libvpx -b:v 20k -c:a libopus -b:a 6k -ac 1 -fflags +bitexact webm.webm
ff $V -c:v libvpx -b:v 20k -fflags +bitexact -f webm - > webm_pipe.webm
# A 179.9 s Matroska written to a pipe whose clock starts at 0.148 s (as a
# recording cut from a stream with -copyts keeps it): its last block ends at
# 180.048 s, but it lasts 179.9 s and is within a 3-minute limit.
ff -f lavfi -i testsrc=size=16x16:rate=10:duration=179.9 -c:v libx264 -preset ultrafast -crf 45 -g 250 \
	-pix_fmt yuv420p -output_ts_offset 0.148 -fflags +bitexact -f matroska - > mkv_pipe.mkv

# FLV; written to a pipe the metadata carries no duration.
ff $V $A -c:v flv -q:v 31 -c:a libmp3lame -ar 11025 -b:a 8k -ac 1 flv.flv
ff $V $A -c:v flv -q:v 31 -c:a libmp3lame -ar 11025 -b:a 8k -ac 1 -f flv - > flv_pipe.flv

# ASF / Windows Media. The video starts 64 ms after the audio (138 ms with
# MP3 audio), which ffprobe's format duration counts.
ff $V $A -c:v wmv2 -q:v 31 -c:a wmav2 -b:a 24k -ac 1 wmv.wmv
ff $V $A -c:v wmv2 -q:v 31 -c:a libmp3lame -b:a 8k -ac 1 wmv_mp3.wmv

# MPEG transport streams: plain, timestamps wrapping past 2^33 mid-file,
# and a 192-byte-packet M2TS as camcorders write.
ff $V $A $X264 $AAC ts.ts
ff $V $A $X264 $AAC -output_ts_offset 95441 ts_wrap.ts
ff $V $A $X264 $AAC -mpegts_m2ts_mode 1 -f mpegts m2ts.m2ts

# MPEG program streams: MPEG-1 system stream and a DVD VOB.
ff $V $A -c:v mpeg1video -r 24 -q:v 31 -c:a mp2 -b:a 32k -ac 1 -f mpeg mpg.mpg
ff $V $A -c:v mpeg2video -r 25 -q:v 31 -c:a ac3 -b:a 32k -ac 1 -f vob vob.vob

# Not handled by our readers: RealMedia, for the ffprobe fallback.
ff $V -c:v rv10 -q:v 31 rm.rm

# Damaged and misnamed files.
ff -f lavfi -i testsrc=size=16x16 -frames:v 1 not_video.mp4.jpg
mv not_video.mp4.jpg jpeg_named.mp4
cut() { head -c "$(( $(wc -c < "$1") * $2 / 100 ))" "$1" > "$3"; }
cut mp4_moov_end.mp4 60 trunc_moov_end.mp4
cut mp4_faststart.mp4 60 trunc_faststart.mp4
cut mkv.mkv 60 trunc.mkv
cut flv_pipe.flv 60 trunc.flv
cut ts.ts 60 trunc.ts
cut avi.avi 60 trunc.avi
cut wmv.wmv 60 trunc.wmv
