package video

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// fuzzProbe seeds f with the fixtures whose extension is in exts (all when
// none) and extra inputs, then checks Probe's promises on every input: no
// panic, no hang, a result or a reason but not both, sane numbers.
func fuzzProbe(f *testing.F, exts []string, extra ...[]byte) {
	for _, p := range fixtureFiles(f) {
		if len(exts) > 0 && !slices.Contains(exts, filepath.Ext(p)) {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, b := range extra {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		info, fs := Probe(ctx, bytes.NewReader(data), int64(len(data)), Options{MaxSteps: 200_000})
		if ctx.Err() != nil {
			t.Fatal("Probe ran into its 10 s deadline")
		}
		for _, f := range fs {
			if f.Code == "" || f.Message == "" {
				t.Fatalf("empty finding %+v", f)
			}
		}
		if info == nil {
			if len(fs) != 1 || (fs[0].Code != CodeUnknown && fs[0].Code != CodeNotVideo) {
				t.Fatalf("nil Info with findings %v", fs)
			}
			return
		}
		if len(fs) > 1 || (len(fs) == 1 && fs[0].Code != CodeTruncated) {
			t.Fatalf("Info %+v with findings %v", info, fs)
		}
		if info.Container != Sniff(data[:min(len(data), sniffLen)]) {
			t.Fatalf("container %q, Sniff says %q", info.Container, Sniff(data))
		}
		for _, d := range []float64{info.DurationSeconds, info.VideoSeconds} {
			if math.IsNaN(d) || math.IsInf(d, 0) || d < 0 || d >= maxSeconds {
				t.Fatalf("duration %v in %+v", d, info)
			}
		}
		if info.DurationSeconds <= 0 || info.Width < 0 || info.Height < 0 {
			t.Fatalf("Info %+v", info)
		}
	})
}

func FuzzProbe(f *testing.F) { fuzzProbe(f, nil) }

func FuzzMP4(f *testing.F) {
	fuzzProbe(f, []string{".mp4", ".mov", ".m4v", ".3gp", ".3g2"},
		cat(ftyp("isom"), bx("moov", mvhd0(1000, 0), track(1, "vide", 1000, 5000, elst0([2]int32{1000, -1}, [2]int32{4000, 0})),
			bx("mvex", bx("mehd", be(uint32(0), uint32(6000))), bx("trex", be(uint32(0), uint32(1), uint32(1), uint32(40), uint32(0), uint32(0))))),
			moof(1, 1000, 3, []uint32{10, 20, 30}), moof(1, -1, 5, nil)))
}

func FuzzAVI(f *testing.F) {
	fuzzProbe(f, []string{".avi"},
		riffList("RIFF", "AVI ", riffList("LIST", "hdrl", avih(40000, 100), riffList("LIST", "strl", strh("vids", 1, 25, 100)),
			riffList("LIST", "odml", ck("dmlh", le(uint32(300))))), riffList("LIST", "movi")))
}

func FuzzMatroska(f *testing.F) {
	fuzzProbe(f, []string{".mkv", ".webm"},
		cat(mkvHeader("webm"), unsized(idSegment, mkvTracks(40_000_000, 1),
			unsized(idCluster, el(idTimecode, u(0)), simpleBlock(0, 1), simpleBlock(40, 3)),
			el(idCluster, el(idTimecode, u(200)), el(idBlockGroup, el(idBlock, []byte{0x81, 0, 0, 0}), el(idBlockDuration, u(10)))))))
}

func FuzzFLV(f *testing.F) {
	fuzzProbe(f, []string{".flv"},
		cat(flvHeader(), metaData(map[string]float64{"duration": 1, "framerate": 25}), videoTags(0, 40, 4),
			flvTagBytes(flvVideo, 160, []byte{0x27, 1, 0, 0, 40})))
}

func FuzzASF(f *testing.F) {
	fuzzProbe(f, []string{".wmv"}, asfFile(asfFileProps(125_000_000, 3000, 2), asfStream(guidVideoMedia)),
		cat(asfFile(asfFilePropsP(125_000_000, 3000, 0, 100), asfStreamN(guidAudioMedia, 1), asfStreamN(guidVideoMedia, 2)),
			asfData(asfPacketBytes(100, 2900, asfPayload{1, 3000, false}, asfPayload{2, 3064, true}))))
}

func FuzzMPEG(f *testing.F) {
	fuzzProbe(f, []string{".ts", ".m2ts", ".mpg", ".vob"},
		cat(tsPacketBytes(0x100, true, pesPTS(0xE0, ptsWrap-3600, nil)), tsPacketBytes(0x100, true, pesPTS(0xE0, 0, nil)),
			tsPacketBytes(0x101, true, pesPTS(0xC0, 100, []byte{0xFF, 0xF1, 0x4C, 0x80, 0x01, 0x1F, 0xFC, 0}))))
}
