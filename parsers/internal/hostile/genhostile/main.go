// Command genhostile writes the hostile inputs of package hostile into a
// directory, for measuring `shoubao probe` on them:
//
//	go run ./parsers/internal/hostile/genhostile DIR
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/shoubao/shoubao/parsers/internal/hostile"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: genhostile DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	var small bytes.Buffer
	if err := hostile.DocxParagraph(&small, 64); err != nil {
		fail(err)
	}
	files := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"paragraph_100MB.docx", func(w io.Writer) error { return hostile.DocxParagraph(w, 100<<20) }},
		{"cells_2M.docx", func(w io.Writer) error { return hostile.DocxCells(w, 200_000, 10) }},
		{"zeros_2GB.gz", func(w io.Writer) error { return hostile.GzipZeros(w, "", 2<<30) }},
		{"materials.tar.gz", func(w io.Writer) error {
			return hostile.TarGz(w, []hostile.Entry{{Name: "材料/活动总结.docx", Data: small.Bytes()}, {Name: "材料/说明.txt", Data: []byte("活动总结见附件。\n")}})
		}},
		{"nested_bomb.tar.gz", func(w io.Writer) error { return hostile.NestedTarGzBomb(w, 16, 64<<20) }},
		{"rtl_name.eml", func(w io.Writer) error { return hostile.MessageWithAttachment(w, hostile.RTLName, []byte("x")) }},
	}
	for _, f := range files {
		out, err := os.Create(filepath.Join(dir, f.name))
		if err != nil {
			fail(err)
		}
		if err := f.write(out); err != nil {
			fail(err)
		}
		if err := out.Close(); err != nil {
			fail(err)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "genhostile:", err)
	os.Exit(1)
}
