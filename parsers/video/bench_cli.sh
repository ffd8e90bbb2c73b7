#!/bin/sh
# Compares `shoubao probe --json FILE` with `ffprobe -show_format FILE`, one
# process per file as a user runs them, over the video fixtures: the median
# over files of each file's median of 5 runs, and their ratio.
# Needs ffprobe (ffmpeg) and /usr/bin/python3. Run: sh parsers/video/bench_cli.sh
set -eu
cd "$(dirname "$0")/../.."
bin=$(mktemp -d)/shoubao
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/shoubao
cd parsers/video/testdata
/usr/bin/python3 - "$bin" <<'PY'
import glob, os, statistics, subprocess, sys, time
bin = sys.argv[1]
files = [f for f in sorted(glob.glob("*")) if os.path.isfile(f) and os.path.getsize(f) > 0
         and not f.endswith((".json", ".sh", ".golden", ".txt", ".md"))]
def med(cmd, n=5):
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)
ours = statistics.median(med([bin, "probe", "--json", f]) for f in files)
ref = statistics.median(med(["ffprobe", "-v", "error", "-show_format", f]) for f in files)
print(f"{len(files)} files: shoubao probe median {ours*1000:.1f} ms, ffprobe median {ref*1000:.1f} ms, ffprobe/shoubao {ref/ours:.2f}x")
PY
