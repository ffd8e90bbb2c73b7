package video

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// fakeFFprobe writes a shell script standing in for ffprobe: it records
// that it ran, then runs body.
func fakeFFprobe(t *testing.T, body string) (bin, ran string) {
	t.Helper()
	dir := t.TempDir()
	bin, ran = filepath.Join(dir, "ffprobe"), filepath.Join(dir, "ran")
	script := "#!/bin/sh\ntouch '" + ran + "'\n" + body + "\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, ran
}

const fakeVideo = `echo '{"streams":[{"codec_type":"audio","duration":"12.0"},{"codec_type":"video","width":320,"height":240,"duration":"12.4","disposition":{"attached_pic":0}}],"format":{"format_name":"rm","duration":"12.500000"}}'`

func TestFFprobeFallback(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		body    string
		wantRun bool
		wantDur float64 // 0: no Info
		code    string
	}{
		{"unknown container: asked", "rm.rm", fakeVideo, true, 12.5, ""},
		{"damaged: asked", "trunc_moov_end.mp4", fakeVideo, true, 12.5, ""},
		{"damaged and ffprobe fails too", "trunc_moov_end.mp4", "exit 1", true, 0, CodeUnknown},
		{"a JPEG: not asked", "jpeg_named.mp4", fakeVideo, false, 0, CodeNotVideo},
		{"readable: not asked", "mp4_faststart.mp4", fakeVideo, false, 5, ""},
		{"ffprobe sees a still image", "rm.rm", `echo '{"streams":[{"codec_type":"video"}],"format":{"format_name":"image2","duration":"0.04"}}'`, true, 0, CodeNotVideo},
		{"ffprobe sees cover art only", "rm.rm", `echo '{"streams":[{"codec_type":"video","disposition":{"attached_pic":1}}],"format":{"format_name":"mp3","duration":"200"}}'`, true, 0, CodeNotVideo},
		{"ffprobe has no duration", "rm.rm", `echo '{"streams":[{"codec_type":"video"}],"format":{"format_name":"rm","duration":"N/A"}}'`, true, 0, CodeNotVideo},
		{"ffprobe prints garbage", "rm.rm", `echo '{not json'`, true, 0, CodeNotVideo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin, ran := fakeFFprobe(t, tt.body)
			info, fs := ProbeFile(context.Background(), filepath.Join("testdata", tt.file), Options{FFprobe: bin, Timeout: 5 * time.Second})
			if _, err := os.Stat(ran); (err == nil) != tt.wantRun {
				t.Errorf("ffprobe ran: %v, want %v", err == nil, tt.wantRun)
			}
			if tt.wantDur == 0 {
				if info != nil {
					t.Errorf("Info %+v, want nil", info)
				}
			} else if info == nil || info.DurationSeconds != tt.wantDur {
				t.Errorf("Info %+v %v, want duration %v", info, fs, tt.wantDur)
			}
			checkFindings(t, fs, tt.code, "")
		})
	}
}

func TestFFprobeTimeout(t *testing.T) {
	bin, _ := fakeFFprobe(t, "exec sleep 30")
	start := time.Now()
	info, fs := ProbeFile(context.Background(), "testdata/rm.rm", Options{FFprobe: bin, Timeout: 200 * time.Millisecond})
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("took %v with a 200ms timeout", elapsed)
	}
	if info != nil || len(fs) == 0 {
		t.Errorf("Info %+v findings %v, want the original finding", info, fs)
	}
}

// TestRealFFprobe asks the installed ffprobe about a container we do not
// read.
func TestRealFFprobe(t *testing.T) {
	ffprobe, err := exec.LookPath("ffprobe")
	if err != nil {
		t.Skip("no ffprobe on PATH")
	}
	info, fs := ProbeFile(context.Background(), "testdata/rm.rm", Options{FFprobe: ffprobe})
	if info == nil || info.Container != "rm" || info.DurationSeconds != 5 || info.Width != 16 {
		t.Errorf("Info %+v %v, want rm, 5 s, 16 wide", info, fs)
	}
}
