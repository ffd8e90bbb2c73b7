package xlsx

import "io"

// Read-ahead of a worksheet part: blocks in flight and their size.
const (
	raBlocks    = 4
	raBlockSize = 64 << 10
)

// readahead inflates a part in a goroutine of its own, a few blocks ahead
// of the scanner, so that decompressing and scanning a large sheet use two
// cores. Close stops the goroutine and waits for it, so that the part's
// byte count (reader.totalLeft) is the caller's again.
type readahead struct {
	rc     io.ReadCloser
	full   chan []byte // blocks read, in order
	free   chan []byte // blocks to read into
	done   chan struct{}
	exited chan struct{}
	err    error  // why reading ended; set before full is closed
	block  []byte // the block being consumed
	cur    []byte // its unread part
}

func newReadahead(rc io.ReadCloser) *readahead {
	ra := &readahead{
		rc:     rc,
		full:   make(chan []byte, raBlocks),
		free:   make(chan []byte, raBlocks),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	for range raBlocks {
		ra.free <- make([]byte, raBlockSize)
	}
	go ra.fill()
	return ra
}

func (ra *readahead) fill() {
	defer close(ra.exited)
	defer close(ra.full)
	for {
		var buf []byte
		select {
		case buf = <-ra.free:
		case <-ra.done:
			return
		}
		n, err := io.ReadFull(ra.rc, buf[:cap(buf)])
		if n > 0 {
			select {
			case ra.full <- buf[:n]:
			case <-ra.done:
				return
			}
		}
		if err != nil {
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			ra.err = err
			return
		}
	}
}

func (ra *readahead) Read(p []byte) (int, error) {
	for len(ra.cur) == 0 {
		if ra.block != nil {
			ra.free <- ra.block[:cap(ra.block)]
			ra.block = nil
		}
		b, ok := <-ra.full
		if !ok {
			return 0, ra.err
		}
		ra.block, ra.cur = b, b
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// Close stops reading ahead, waits for the goroutine and closes the part.
func (ra *readahead) Close() error {
	close(ra.done)
	<-ra.exited
	return ra.rc.Close()
}
