package docx

import (
	"context"
	"errors"
	"io"
	"unicode/utf8"
)

// DefaultMaxMarkupBytes bounds one tag (with its attributes), comment,
// processing instruction or declaration. encoding/xml holds each whole in
// memory; Word writes none longer than a few hundred kilobytes (o:gfxdata
// attributes of legacy shapes are the largest).
const DefaultMaxMarkupBytes = 4 << 20

// errMarkupTooLong stops the read at a tag, comment or declaration longer
// than the markup limit.
var errMarkupTooLong = errors.New("docx: markup construct too long")

// capReader sits between the decompressed document part and the XML
// decoder. The decoder buffers a whole run of character data (and a whole
// CDATA section) before it hands out a token, so a 100 MB paragraph would
// cost 100 MB and more; capReader passes at most maxRun bytes of each run
// and drops the rest before the decoder sees it. It cuts only where the
// XML stays well formed: after a whole character or entity reference, and
// it keeps the "]]>" that ends a CDATA section. A markup construct longer
// than maxMarkup cannot be cut safely: the read ends there with
// errMarkupTooLong.
type capReader struct {
	r         io.Reader
	ctx       context.Context
	maxRun    int
	maxMarkup int

	in   []byte // input chunk
	pend []byte // output not yet handed out

	state    int
	run      int    // bytes in the current run (text, CDATA or markup)
	dropping bool   // past maxRun in the current text or CDATA run
	entity   int    // >0: inside an entity reference, bytes so far
	quote    byte   // open attribute quote in a tag or declaration
	brackets int    // open '[' of a DOCTYPE internal subset
	bang     []byte // bytes after "<!" while deciding what follows
	prev     [2]byte

	// cut counts the runs that were shortened.
	cut int
	// tooLong is set when the read ended at an over-long markup construct.
	tooLong bool
	err     error
}

const (
	stText    = iota
	stOpen    // after '<'
	stBang    // after "<!"
	stTag     // start or end tag
	stComment // <!-- … -->
	stCDATA   // <![CDATA[ … ]]>
	stPI      // <? … ?>
	stDecl    // <!DOCTYPE …>
)

// maxEntity is how far past the run limit a cut waits for the ';' that
// ends an entity reference (&#x20000; is the longest Word writes).
const maxEntity = 16

func newCapReader(ctx context.Context, r io.Reader, maxRun, maxMarkup int) *capReader {
	return &capReader{r: r, ctx: ctx, maxRun: maxRun, maxMarkup: maxMarkup, in: make([]byte, 32<<10)}
}

func (c *capReader) Read(p []byte) (int, error) {
	for len(c.pend) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		if err := c.ctx.Err(); err != nil {
			c.err = err
			return 0, err
		}
		n, err := c.r.Read(c.in)
		c.pend = c.pend[:0]
		for _, b := range c.in[:n] {
			if !c.step(b) {
				break
			}
		}
		if c.err == nil && err != nil {
			c.err = err
		}
	}
	n := copy(p, c.pend)
	c.pend = c.pend[n:]
	return n, nil
}

// emit passes b on to the decoder.
func (c *capReader) emit(b byte) { c.pend = append(c.pend, b) }

// markup counts one byte of a markup construct; false (and the read ends)
// past the limit.
func (c *capReader) markup() bool {
	c.run++
	if c.run > c.maxMarkup {
		c.tooLong = true
		c.err = errMarkupTooLong
		return false
	}
	return true
}

func isContinuation(b byte) bool { return b&0xC0 == 0x80 }

// keepText reports whether a byte of character data at the current run
// length is passed on: below the limit, or completing the character or
// entity reference the limit fell inside.
func (c *capReader) keepText(b byte) bool {
	if c.dropping {
		return false
	}
	over := c.run - c.maxRun
	if over < 0 || (isContinuation(b) && over < utf8.UTFMax-1) || (c.entity > 0 && c.entity < maxEntity) {
		return true
	}
	c.dropping = true
	c.cut++
	return false
}

// step handles one input byte; false ends the read.
func (c *capReader) step(b byte) bool {
	prev := c.prev
	c.prev = [2]byte{prev[1], b}
	switch c.state {
	case stText:
		if b == '<' {
			c.state, c.run, c.dropping, c.entity = stOpen, 1, false, 0
			c.emit(b)
			return true
		}
		if !c.keepText(b) {
			return true
		}
		c.run++
		switch {
		case b == '&':
			c.entity = 1
		case b == ';':
			c.entity = 0
		case c.entity > 0:
			c.entity++
		}
		c.emit(b)
		return true
	case stCDATA:
		if b == '>' && prev == [2]byte{']', ']'} {
			if c.dropping {
				c.pend = append(c.pend, ']', ']')
			}
			c.emit(b)
			c.state, c.run, c.dropping = stText, 0, false
			return true
		}
		if c.keepText(b) {
			c.run++
			c.emit(b)
		}
		return true
	}
	c.emit(b)
	if !c.markup() {
		return false
	}
	switch c.state {
	case stOpen:
		switch b {
		case '!':
			c.state, c.bang = stBang, c.bang[:0]
		case '?':
			c.state = stPI
		default:
			c.state, c.quote = stTag, 0
			if b == '>' {
				c.state, c.run = stText, 0
			}
		}
	case stBang:
		c.bang = append(c.bang, b)
		switch s := string(c.bang); {
		case s == "--":
			c.state = stComment
			c.prev = [2]byte{} // "<!--->" does not end the comment
		case s == "[CDATA[":
			c.state, c.run, c.dropping = stCDATA, 0, false
			c.prev = [2]byte{}
		case len(s) <= 7 && (s == "--"[:min(len(s), 2)] || s == "[CDATA["[:len(s)]):
			// still undecided
		default:
			c.state, c.quote, c.brackets = stDecl, 0, 0
			return c.decl(b)
		}
	case stTag:
		switch {
		case c.quote != 0:
			if b == c.quote {
				c.quote = 0
			}
		case b == '"' || b == '\'':
			c.quote = b
		case b == '>':
			c.state, c.run = stText, 0
		}
	case stComment:
		if b == '>' && prev == [2]byte{'-', '-'} {
			c.state, c.run = stText, 0
		}
	case stPI:
		if b == '>' && prev[1] == '?' {
			c.state, c.run = stText, 0
		}
	case stDecl:
		return c.decl(b)
	}
	return true
}

// decl follows a declaration (<!DOCTYPE …>, <!ENTITY …>) to its end.
func (c *capReader) decl(b byte) bool {
	switch {
	case c.quote != 0:
		if b == c.quote {
			c.quote = 0
		}
	case b == '"' || b == '\'':
		c.quote = b
	case b == '[':
		c.brackets++
	case b == ']':
		c.brackets = max(c.brackets-1, 0)
	case b == '>' && c.brackets == 0:
		c.state, c.run = stText, 0
	}
	return true
}
