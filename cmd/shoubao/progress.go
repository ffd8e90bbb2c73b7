package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progress reports how far a long command has come: a line redrawn at most
// every 200 ms on a terminal, nothing elsewhere (cron, a log file), where
// only the command's closing line is printed.
type progress struct {
	w     io.Writer
	tty   bool
	what  string
	total int
	last  time.Time
	start time.Time
}

func newProgress(w io.Writer, what string, total int) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil {
			tty = st.Mode()&os.ModeCharDevice != 0
		}
	}
	return &progress{w: w, tty: tty, what: what, total: total, start: time.Now()}
}

// set shows that done of total are done.
func (p *progress) set(done int) {
	if !p.tty || (time.Since(p.last) < 200*time.Millisecond && done < p.total) {
		return
	}
	p.last = time.Now()
	rate := float64(done) / max(time.Since(p.start).Seconds(), 0.001)
	fmt.Fprintf(p.w, "\r%s %d/%d (%.0f/s)   ", p.what, done, p.total, rate)
}

// done ends the progress line.
func (p *progress) done() {
	if p.tty {
		fmt.Fprintln(p.w)
	}
}
