// Package mailtest makes large test messages for benchmarks, streamed to
// disk (never built in memory), and reads the process's peak memory.
package mailtest

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// WriteLargeMessage writes dir/big.eml, a message with one base64 video
// attachment of size pseudo-random bytes in 76-character lines (LF line ends, which
// mail parsers accept and base64 -d needs), and
// dir/payload.b64, the attachment's base64 alone (input for a reference
// tool such as `base64 -d | sha256sum`).
func WriteLargeMessage(dir string, size int64) (msg, payload string, err error) {
	msg, payload = filepath.Join(dir, "big.eml"), filepath.Join(dir, "payload.b64")
	if err := writePayload(payload, size); err != nil {
		return "", "", err
	}
	mf, err := os.Create(msg)
	if err != nil {
		return "", "", err
	}
	defer mf.Close()
	fmt.Fprint(mf, "From: =?UTF-8?B?6auY5bmz5biC56eR5oqA5bGA?= <gpkjj@163.com>\n"+
		"To: jcskjhzk@163.com\nSubject: =?UTF-8?B?5rS75Yqo6KeG6aKR?=\nDate: Mon, 03 Jun 2024 10:15:00 +0800\n"+
		"Message-ID: <big@bench>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"BOUNDARY\"\n\n"+
		"--BOUNDARY\nContent-Type: text/plain; charset=utf-8\n\n视频见附件。\n"+
		"--BOUNDARY\nContent-Type: video/mp4; name=\"big.mp4\"\nContent-Transfer-Encoding: base64\n"+
		"Content-Disposition: attachment; filename=\"big.mp4\"\n\n")
	pf, err := os.Open(payload)
	if err != nil {
		return "", "", err
	}
	defer pf.Close()
	if _, err := io.Copy(mf, pf); err != nil {
		return "", "", err
	}
	if _, err := fmt.Fprint(mf, "--BOUNDARY--\n"); err != nil {
		return "", "", err
	}
	return msg, payload, mf.Close()
}

func writePayload(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	enc := base64.NewEncoder(base64.StdEncoding, &lineWriter{w: bw})
	rng := rand.NewChaCha8([32]byte{1, 2, 3})
	buf := make([]byte, 1<<20)
	for left := size; left > 0; left -= int64(len(buf)) {
		chunk := buf[:min(left, int64(len(buf)))]
		rng.Read(chunk)
		if _, err := enc.Write(chunk); err != nil {
			return err
		}
	}
	if err := enc.Close(); err != nil {
		return err
	}
	bw.WriteString("\n")
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// lineWriter breaks base64 output into 76-character lines.
type lineWriter struct {
	w   io.Writer
	col int
}

func (l *lineWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(76-l.col, len(p))
		if _, err := l.w.Write(p[:k]); err != nil {
			return n, err
		}
		n, p, l.col = n+k, p[k:], l.col+k
		if l.col == 76 {
			if _, err := l.w.Write([]byte("\n")); err != nil {
				return n, err
			}
			l.col = 0
		}
	}
	return n, nil
}

// PeakRSS returns this process's peak resident set size in bytes (Linux
// VmHWM), or 0 when it cannot be read.
func PeakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// ResetPeakRSS starts a new peak measurement (Linux: clear_refs 5).
func ResetPeakRSS() error { return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }
