// Command genhostile writes the hostile workbooks of package
// internal/hostile (cells at column XFD, a million rows, wide rows, zip
// and shared-string bombs, a huge cell) into a directory, for measuring
// a reader on them. With -small it writes only the small ones, as kept
// in testdata/hostile.
//
// Usage: go run ./parsers/sheets/testdata/genhostile [-small] DIR
package main

import (
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/shoubao/shoubao/parsers/sheets/internal/hostile"
)

func main() {
	small := flag.Bool("small", false, "only the small files")
	flag.Parse()
	if flag.NArg() != 1 {
		log.Fatal("usage: genhostile [-small] DIR")
	}
	dir := flag.Arg(0)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Fatal(err)
	}
	for _, f := range hostile.Files() {
		if *small && !f.Small {
			continue
		}
		path := dir + "/" + f.Name
		if err := f.Write(path); err != nil {
			log.Fatal(err)
		}
		st, _ := os.Stat(path)
		fmt.Printf("%-26s %10d bytes  %s\n", f.Name, st.Size(), f.About)
	}
}
