package xmlscan

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// scanTokens lists the tokens of data as read by the Scanner with an
// initial buffer of size bytes (one byte per read if slow): "<local
// a=v …>", "</local>", and text, adjacent texts joined.
func scanTokens(data []byte, size int, slow bool) ([]string, error) {
	var src io.Reader = bytes.NewReader(data)
	if slow {
		src = iotest.OneByteReader(src)
	}
	s := New(context.Background(), src, size)
	var out []string
	text := false
	for {
		switch s.Next() {
		case KindError:
			return out, s.Err()
		case KindEOF:
			return out, nil
		case KindStart:
			var b strings.Builder
			b.WriteString("<" + string(s.Local))
			for _, a := range s.attrs {
				fmt.Fprintf(&b, " %s=%q", a.local, s.Attr(string(a.local)))
			}
			out = append(out, b.String()+">")
			text = false
		case KindEnd:
			out = append(out, "</"+string(s.Local)+">")
			text = false
		case KindText:
			if text {
				out[len(out)-1] += string(s.Text)
			} else {
				out = append(out, string(s.Text))
				text = true
			}
		}
	}
}

// stdTokens lists the tokens of data as encoding/xml reads them, in the
// form of scanTokens; comments, processing instructions and directives
// are dropped.
func stdTokens(data []byte) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var out []string
	text := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var b strings.Builder
			b.WriteString("<" + t.Name.Local)
			for _, a := range t.Attr {
				fmt.Fprintf(&b, " %s=%q", a.Name.Local, a.Value)
			}
			out = append(out, b.String()+">")
			text = false
		case xml.EndElement:
			out = append(out, "</"+t.Name.Local+">")
			text = false
		case xml.CharData:
			if text {
				out[len(out)-1] += string(t)
			} else {
				out = append(out, string(t))
				text = true
			}
		}
	}
}

// scanSeeds are XML snippets with the constructs the Scanner handles.
var scanSeeds = []string{
	`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n" + `<worksheet xmlns="m" xmlns:r="r"><sheetData><row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>`,
	`<a b='1' c = "2 &amp; &lt;3&gt; &#20013;&#x56fd; &quot;&apos;">x &amp; y &#13; z</a>`,
	"<a>line\r\nline\rline\n</a>",
	`<a><![CDATA[ <not> &amp; a tag ]] ]]></a>`,
	`<!DOCTYPE a [ <!ENTITY e "x>y"> ]><a>&e;</a>`,
	`<a><!-- comment <b> --><?pi stuff?>text</a>`,
	`<x:a xmlns:x="u"><x:b x:c="1"/></x:a>`,
	`<a>&unknown; &#0000000000000000065; &#xD800; &#x110000;</a>`,
	`<a b="v>w"/>`,
	`<a><b></b ><c/></a>`,
	`<a b="1"c="2"/>`,
	`<a>unclosed`,
	`<a></b>`,
	`<a>]]></a>`,
}

func TestScannerMatchesEncodingXML(t *testing.T) {
	for _, seed := range scanSeeds {
		checkScanner(t, []byte(seed))
	}
}

// checkScanner: where encoding/xml reads data without error, the Scanner
// reads the same tokens, whatever its buffer and read sizes; elsewhere it
// must only not panic or hang.
func checkScanner(t *testing.T, data []byte) {
	t.Helper()
	want, stdErr := stdTokens(data)
	for _, size := range []int{16, 17, 64, BufSize} {
		for _, slow := range []bool{false, true} {
			got, err := scanTokens(data, size, slow)
			if stdErr != nil {
				continue
			}
			if err != nil {
				t.Fatalf("%q (buffer %d, slow %v): error %v; encoding/xml read %q", data, size, slow, err, want)
			}
			if strings.Join(got, "\x00") != strings.Join(want, "\x00") || len(got) != len(want) {
				t.Fatalf("%q (buffer %d, slow %v):\n got %q\nwant %q", data, size, slow, got, want)
			}
		}
	}
}

// FuzzScanner compares the Scanner with encoding/xml.
func FuzzScanner(f *testing.F) {
	for _, seed := range scanSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		checkScanner(t, data)
	})
}

func TestScannerLimits(t *testing.T) {
	deep := strings.Repeat("<a>", maxDepth+1)
	if _, err := scanTokens([]byte(deep), 64, false); err != errTooDeep {
		t.Errorf("deep: %v", err)
	}
	long := "<a " + strings.Repeat(`b="c" `, maxTagBytes/6+1) + "/>"
	if _, err := scanTokens([]byte(long), 64, false); err != errTagLong {
		t.Errorf("long tag: %v", err)
	}
	// Long text comes in pieces no larger than the buffer.
	s := New(context.Background(), strings.NewReader("<a>"+strings.Repeat("x", 10<<20)+"</a>"), 4096)
	pieces := 0
	for k := s.Next(); k != KindEOF; k = s.Next() {
		if k == KindError {
			t.Fatal(s.Err())
		}
		if k == KindText {
			pieces++
			if len(s.Text) > 4096 {
				t.Fatalf("piece of %d bytes", len(s.Text))
			}
		}
	}
	if pieces < 10<<20/4096 || len(s.buf) > 4096 {
		t.Errorf("%d pieces, buffer %d", pieces, len(s.buf))
	}
}

func TestScannerContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := New(ctx, strings.NewReader(strings.Repeat("<a/>", ctxEvery)), 64)
	for {
		switch s.Next() {
		case KindError:
			if s.Err() != context.Canceled {
				t.Fatal(s.Err())
			}
			return
		case KindEOF:
			t.Fatal("context not checked")
		}
	}
}
