package video

import (
	"context"
	"encoding/json"
	"flag"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/shoubao/shoubao/parsers/finding"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json: ffprobe's reference lengths and Probe's output")

// tolerance is how far a length may be from ffprobe's, in seconds.
const tolerance = 0.05

// fixture is one file made by testdata/gen.sh and what it is checked against.
type fixture struct {
	file      string
	container string
	// ref names the ffprobe measurement DurationSeconds must agree with:
	// "format" (-show_format), "packets" (span of every demuxed packet), or
	// "twin:FILE" (FILE's format duration: the file this one was cut from,
	// whose length the damaged copy's headers still record). Empty: the
	// length cannot be known and want is the finding.
	ref string
	// video names what VideoSeconds must agree with: "stream" (the video
	// stream's start plus duration), "span" (the video packets' span), "end"
	// (the video's last packet end from the file's start), or "" when the
	// container records no video duration.
	video string
	// want is the finding code expected, if any.
	want string
}

// DurationSeconds is ffprobe's format duration wherever ffprobe gives one:
// the container's recorded duration (ISO BMFF movie header, AVI, Matroska
// Info, FLV onMetaData); for ASF the play duration plus how much later the
// video starts than the audio; for FLV without one in onMetaData, the last
// tag's timestamp; for MPEG-TS/PS ffprobe's estimate from the timestamps
// (each stream's last PES timestamp plus one frame). Where ffprobe says N/A
// (Matroska/WebM written to a pipe, FLV cut short) it is the span of the
// packets.
var fixtures = []fixture{
	{"mp4_faststart.mp4", "mp4", "format", "stream", ""},
	{"mp4_moov_end.mp4", "mp4", "format", "stream", ""},
	{"mp4_v1.mp4", "mp4", "format", "stream", ""},
	{"mov.mov", "mov", "format", "stream", ""},
	{"m4v.m4v", "mp4", "format", "stream", ""},
	{"3gp.3gp", "3gp", "format", "stream", ""},
	{"3g2.3g2", "3gp", "format", "stream", ""},
	{"frag.mp4", "mp4", "format", "stream", ""},
	{"frag_moov.mp4", "mp4", "format", "stream", ""},
	{"frag_dash.mp4", "mp4", "format", "stream", ""},
	{"frag_ismv.mp4", "mp4", "format", "stream", ""},
	{"edit_trim.mp4", "mp4", "format", "stream", ""},
	{"edit_empty.mp4", "mp4", "format", "stream", ""},
	{"edit_delay.mp4", "mp4", "format", "stream", ""},
	{"av_diff.mp4", "mp4", "format", "stream", ""},
	{"avi.avi", "avi", "format", "stream", ""},
	{"mkv.mkv", "matroska", "format", "end", ""},
	{"mkv_pipe.mkv", "matroska", "packets", "end", ""},
	{"webm.webm", "webm", "format", "end", ""},
	{"webm_pipe.webm", "webm", "packets", "end", ""},
	{"flv.flv", "flv", "format", "end", ""},
	{"flv_pipe.flv", "flv", "format", "end", ""},
	{"wmv.wmv", "asf", "format", "", ""},
	{"wmv_mp3.wmv", "asf", "format", "", ""},
	{"ts.ts", "mpegts", "format", "span", ""},
	{"ts_wrap.ts", "mpegts", "format", "span", ""},
	{"m2ts.m2ts", "mpegts", "format", "span", ""},
	{"mpg.mpg", "mpegps", "format", "span", ""},
	{"vob.vob", "mpegps", "format", "span", ""},
	// Damaged: cut at 60 % of their size by gen.sh.
	{"trunc_faststart.mp4", "mp4", "twin:mp4_faststart.mp4", "", CodeTruncated},
	{"trunc.avi", "avi", "twin:avi.avi", "", CodeTruncated},
	{"trunc.mkv", "matroska", "twin:mkv.mkv", "", CodeTruncated},
	{"trunc.wmv", "asf", "twin:wmv.wmv", "", CodeTruncated},
	{"trunc.flv", "flv", "packets", "end", CodeTruncated},
	{"trunc.ts", "mpegts", "format", "span", CodeTruncated},
	{"trunc_moov_end.mp4", "", "", "", CodeUnknown},
	{"jpeg_named.mp4", "", "", "", CodeNotVideo},
	{"rm.rm", "", "", "", CodeNotVideo}, // RealMedia: only ffprobe knows it
}

// probeResult is Probe's output as stored in testdata/probe.golden.json.
type probeResult struct {
	Info     *Info             `json:"video"`
	Findings []finding.Finding `json:"findings"`
}

func TestFixtures(t *testing.T) {
	ffprobe, _ := exec.LookPath("ffprobe")
	refs := map[string]reference{}
	readGolden(t, "testdata/ffprobe.golden.json", &refs)
	got := map[string]probeResult{}
	readGolden(t, "testdata/probe.golden.json", &got)
	if *update {
		if ffprobe == "" {
			t.Fatal("-update needs ffprobe on PATH")
		}
		refs = map[string]reference{}
		got = map[string]probeResult{}
	}
	if ffprobe != "" {
		t.Logf("reference lengths: live from %s", ffprobe)
	} else {
		t.Logf("reference lengths: testdata/ffprobe.golden.json (no ffprobe on PATH)")
	}
	reference := func(t *testing.T, file string) reference {
		if ffprobe != "" {
			r, err := ffprobeReference(ffprobe, filepath.Join("testdata", file))
			if err != nil {
				t.Fatal(err)
			}
			if *update {
				refs[file] = r
			} else if g, ok := refs[file]; ok && g != r {
				t.Logf("ffprobe now measures %+v, golden has %+v", r, g)
			}
			return r
		}
		r, ok := refs[file]
		if !ok {
			t.Fatalf("%s: no reference in testdata/ffprobe.golden.json", file)
		}
		return r
	}

	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			info, fs := ProbeFile(context.Background(), filepath.Join("testdata", fx.file), Options{})
			res := probeResult{info, fs}
			if *update {
				got[fx.file] = res
			} else if want, ok := got[fx.file]; !ok || !reflect.DeepEqual(want, res) {
				t.Errorf("Probe = %s\ngolden %s", jsonString(res), jsonString(want))
			}
			if fx.want != "" && !finding.List(fs).Has(fx.want) {
				t.Errorf("findings %v, want %s", fs, fx.want)
			}
			if fx.want == "" && len(fs) > 0 {
				t.Errorf("unexpected findings %v", fs)
			}
			if fx.ref == "" {
				if info != nil {
					t.Errorf("Info = %+v, want nil", info)
				}
				return
			}
			if info == nil {
				t.Fatalf("no Info; findings %v", fs)
			}
			if info.Container != fx.container {
				t.Errorf("container %q, want %q", info.Container, fx.container)
			}
			var want float64
			refFile, kind := fx.file, fx.ref
			if twin, ok := strings.CutPrefix(fx.ref, "twin:"); ok {
				refFile, kind = twin, "format"
			}
			r := reference(t, refFile)
			switch kind {
			case "format":
				want = r.Format
			case "packets":
				want = r.Packets
			}
			if want <= 0 || math.Abs(info.DurationSeconds-want) > tolerance {
				t.Errorf("duration %.6f s, ffprobe %s says %.6f s", info.DurationSeconds, fx.ref, want)
			}
			var wantVideo float64
			switch fx.video {
			case "":
				return
			case "stream":
				wantVideo = r.VideoStream
			case "span":
				wantVideo = r.VideoSpan
			case "end":
				wantVideo = r.VideoEnd
			}
			if wantVideo <= 0 || math.Abs(info.VideoSeconds-wantVideo) > tolerance {
				t.Errorf("video %.6f s, ffprobe video %s says %.6f s", info.VideoSeconds, fx.video, wantVideo)
			}
		})
	}
	if *update {
		writeGolden(t, "testdata/ffprobe.golden.json", refs)
		writeGolden(t, "testdata/probe.golden.json", got)
	}
}

// TestFixturesListed keeps the table and testdata in step: every fixture
// gen.sh makes is checked.
func TestFixturesListed(t *testing.T) {
	listed := map[string]bool{}
	for _, fx := range fixtures {
		listed[fx.file] = true
	}
	for _, path := range fixtureFiles(t) {
		if !listed[filepath.Base(path)] {
			t.Errorf("%s is not in the fixtures table", path)
		}
	}
}

// fixtureFiles lists the media files in testdata (not the fuzz corpus).
func fixtureFiles(tb testing.TB) []string {
	paths, err := filepath.Glob("testdata/*")
	if err != nil {
		tb.Fatal(err)
	}
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			tb.Fatal(err)
		}
		if ext := filepath.Ext(p); !st.IsDir() && ext != ".sh" && ext != ".json" {
			files = append(files, p)
		}
	}
	return files
}

func readGolden(t *testing.T, path string, v any) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) && *update {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func writeGolden(t *testing.T, path string, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
