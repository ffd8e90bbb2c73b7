package poller

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
)

// spooled is a large message kept in a temporary file while it is hashed,
// when it may be a copy the store holds already: a stored copy is then
// relocated without putting the bytes again, a new message is put from the
// file. It reads from the file's start.
type spooled struct {
	f   *os.File
	sum [32]byte
}

// spoolHashed copies r into a new temporary file and hashes it.
func spoolHashed(r io.Reader) (*spooled, error) {
	f, err := os.CreateTemp("", "shoubao-poller-*")
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	// Unlinked at once: the file goes away with the process, whatever
	// stops it.
	_ = os.Remove(f.Name())
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, h), r); err != nil {
		f.Close()
		return nil, fmt.Errorf("spool: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("spool: %w", err)
	}
	s := &spooled{f: f}
	h.Sum(s.sum[:0])
	return s, nil
}

func (s *spooled) Read(b []byte) (int, error) { return s.f.Read(b) }

// remove closes the file; a nil *spooled does nothing.
func (s *spooled) remove() {
	if s != nil {
		s.f.Close()
	}
}
