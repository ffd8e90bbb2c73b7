package xls

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"reflect"
	"strconv"
	"testing"
	"unicode/utf16"
)

var limits = Limits{MaxStreamBytes: 64 << 20, MaxCells: 1 << 20, MaxRows: 1 << 16}

func TestReadLibreOfficeFixture(t *testing.T) {
	f, err := os.Open("../../testdata/stats_template.xls")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets, err := Read(context.Background(), f, limits)
	if err != nil {
		t.Fatal(err)
	}
	if len(sheets) != 1 || sheets[0].Name != "统计表" || sheets[0].Hidden {
		t.Fatalf("sheets = %+v", sheets)
	}
	s := sheets[0]
	cell := func(r, c int) string {
		if r < len(s.Rows) && c < len(s.Rows[r]) {
			return s.Rows[r][c]
		}
		return ""
	}
	for _, tt := range []struct {
		r, c int
		want string
	}{
		{0, 0, "附件 1"},
		{2, 0, "部门/地方（盖章）：高平市科技局"},
		{3, 0, "科普活动开展次数"},
		{3, 2, "12"},  // a number
		{6, 2, "0.5"}, // a decimal
		{7, 2, "3万"},  // a shared string
		{8, 2, "1,200"},
		{12, 0, ""}, // covered by the merged group cell
		{11, 1, "科普专职人员数量"},
		{11, 0, "科普工作人员\n参与数量(单位: 人次)"}, // multi-line
	} {
		if got := cell(tt.r, tt.c); got != tt.want {
			t.Errorf("cell(%d,%d) = %q, want %q", tt.r, tt.c, got, tt.want)
		}
	}
	want := Range{FirstRow: 4, LastRow: 10, FirstCol: 0, LastCol: 0}
	found := false
	for _, m := range s.Merges {
		found = found || m == want
	}
	if !found {
		t.Errorf("merges %v lack the 经费 group %v", s.Merges, want)
	}
}

func TestRK(t *testing.T) {
	tests := []struct {
		v    uint32
		want float64
	}{
		{12<<2 | 0x02, 12},
		{1234<<2 | 0x03, 12.34},
		{0x3FF00000, 1}, // IEEE 1.0, upper 30 bits
		{0x3FF00001, 0.01},
	}
	for _, tt := range tests {
		if got := rk(tt.v); got != tt.want {
			t.Errorf("rk(%#x) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

// sstString encodes one XLUnicodeRichExtendedString without runs.
func sstString(s string, high bool) []byte {
	var b []byte
	b = binary.LittleEndian.AppendUint16(b, uint16(len(utf16.Encode([]rune(s)))))
	if high {
		b = append(b, 0x01)
		for _, u := range utf16.Encode([]rune(s)) {
			b = binary.LittleEndian.AppendUint16(b, u)
		}
	} else {
		b = append(b, 0x00)
		b = append(b, s...)
	}
	return b
}

func TestReadSSTAcrossContinue(t *testing.T) {
	head := binary.LittleEndian.AppendUint32(nil, 3)
	head = binary.LittleEndian.AppendUint32(head, 3)
	first := sstString("科普活动", true)
	second := sstString("线下活动群众参与数量", true)
	// The second string breaks after its 4th character; the CONTINUE
	// record restarts with an option byte, here switching to 8-bit is
	// not possible for Han characters, so it stays 16-bit.
	cut := 3 + 2*4
	seg1 := append(append(append([]byte{}, head...), first...), second[:cut]...)
	seg2 := append([]byte{0x01}, second[cut:]...)
	// A Latin string split into a 16-bit start and an 8-bit rest.
	third := sstString("ab", true)
	seg2 = append(seg2, third[:3+2]...)
	seg3 := []byte{0x00, 'b'}
	got := readSST([][]byte{seg1, seg2, seg3})
	want := []string{"科普活动", "线下活动群众参与数量", "ab"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("readSST = %q, want %q", got, want)
	}
	// A lying count never allocates more than the bytes allow.
	bad := binary.LittleEndian.AppendUint32(nil, 0xFFFFFFFF)
	bad = binary.LittleEndian.AppendUint32(bad, 0xFFFFFFFF)
	if got := readSST([][]byte{bad}); len(got) != 0 {
		t.Errorf("readSST(lying count) = %q", got)
	}
}

func TestReadErrors(t *testing.T) {
	doc, err := os.ReadFile("../../testdata/stats_word.doc")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"text", []byte("not a compound file at all, just text"), ErrNotCompoundFile},
		{"word", doc, ErrWordDocument},
	}
	for _, tt := range tests {
		_, err := Read(context.Background(), bytes.NewReader(tt.data), limits)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func FuzzRead(f *testing.F) {
	for _, name := range []string{"../../testdata/stats_template.xls", "../../testdata/recommend_2026.xls"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sheets, err := Read(context.Background(), bytes.NewReader(data), Limits{MaxStreamBytes: 1 << 20, MaxCells: 1 << 16, MaxRows: 1 << 12})
		if err != nil {
			return
		}
		cells := 0
		for _, s := range sheets {
			for _, r := range s.Rows {
				cells += len(r)
			}
		}
		if cells > 1<<16 {
			t.Fatalf("%d cells past the limit", cells)
		}
	})
}

// FuzzWorkbookStream fuzzes the BIFF8 record reader directly, past the
// compound file container that FuzzRead mostly breaks.
func FuzzWorkbookStream(f *testing.F) {
	for _, name := range []string{"../../testdata/stats_template.xls", "../../testdata/recommend_2026.xls", "../../testdata/stats_formula.xls"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		stream, err := workbookStream(bytes.NewReader(data), limits)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(stream)
	}
	f.Fuzz(func(t *testing.T, stream []byte) {
		sheets, err := readStream(context.Background(), stream, Limits{MaxStreamBytes: 1 << 20, MaxCells: 1 << 16, MaxRows: 1 << 12})
		if err != nil {
			return
		}
		for _, s := range sheets {
			if len(s.Rows) > 1<<12 {
				t.Fatalf("%d rows past the limit", len(s.Rows))
			}
		}
	})
}

// record encodes one BIFF record.
func record(id uint16, data []byte) []byte {
	b := binary.LittleEndian.AppendUint16(nil, id)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(data)))
	return append(b, data...)
}

// TestReadStreamSSTContinue reads a workbook stream whose shared strings
// continue in CONTINUE records (a regression: the reader once looped on
// the first CONTINUE forever).
func TestReadStreamSSTContinue(t *testing.T) {
	bof := func(dt uint16) []byte {
		d := binary.LittleEndian.AppendUint16(nil, 0x0600)
		d = binary.LittleEndian.AppendUint16(d, dt)
		return record(recBOF, append(d, make([]byte, 12)...))
	}
	var sst []byte
	sst = binary.LittleEndian.AppendUint32(sst, 2)
	sst = binary.LittleEndian.AppendUint32(sst, 2)
	sst = append(sst, sstString("推荐单位", true)...)
	second := sstString("晋城市科学技术协会", true)
	cut := 3 + 2*3
	sst = append(sst, second[:cut]...)
	cont1 := append([]byte{0x01}, second[cut:cut+4]...)
	cont2 := append([]byte{0x01}, second[cut+4:]...)

	var globals []byte
	globals = append(globals, bof(0x0005)...)
	boundAt := len(globals) + 4 // the BOUNDSHEET data, patched below
	bound := make([]byte, 6)
	bound = append(bound, 2, 0, 'S', '1')
	globals = append(globals, record(recBoundSheet, bound)...)
	globals = append(globals, record(recSST, sst)...)
	globals = append(globals, record(recContinue, cont1)...)
	globals = append(globals, record(recContinue, cont2)...)
	globals = append(globals, record(recEOF, nil)...)
	binary.LittleEndian.PutUint32(globals[boundAt:], uint32(len(globals)))

	labelSST := func(row, col uint16, isst uint32) []byte {
		d := binary.LittleEndian.AppendUint16(nil, row)
		d = binary.LittleEndian.AppendUint16(d, col)
		d = binary.LittleEndian.AppendUint16(d, 0)
		return record(recLabelSST, binary.LittleEndian.AppendUint32(d, isst))
	}
	stream := append([]byte{}, globals...)
	stream = append(stream, bof(0x0010)...)
	stream = append(stream, labelSST(0, 0, 0)...)
	stream = append(stream, labelSST(1, 0, 1)...)
	stream = append(stream, record(recEOF, nil)...)

	sheets, err := readStream(context.Background(), stream, limits)
	if err != nil {
		t.Fatal(err)
	}
	if len(sheets) != 1 || sheets[0].Name != "S1" {
		t.Fatalf("sheets = %+v", sheets)
	}
	want := [][]string{{"推荐单位"}, {"晋城市科学技术协会"}}
	if !reflect.DeepEqual(sheets[0].Rows, want) {
		t.Errorf("rows = %q, want %q", sheets[0].Rows, want)
	}
}

// TestLibreOfficeSSTContinue reads a LibreOffice .xls whose shared string
// table continues over CONTINUE records.
func TestLibreOfficeSSTContinue(t *testing.T) {
	data, err := os.ReadFile("../../testdata/recommend_long.xls")
	if err != nil {
		t.Fatal(err)
	}
	stream, err := workbookStream(bytes.NewReader(data), limits)
	if err != nil {
		t.Fatal(err)
	}
	b := &book{stream: stream}
	continues := 0
	for off, prev := 0, 0; off < len(stream); {
		id, _, next, err := b.record(off)
		if err != nil {
			break
		}
		if id == recContinue && (prev == recSST || prev == recContinue) {
			continues++
		}
		if id != recContinue {
			prev = id
		}
		off = next
	}
	if continues < 2 {
		t.Fatalf("fixture has %d SST CONTINUE records; regenerate it larger", continues)
	}
	sheets, err := readStream(context.Background(), stream, limits)
	if err != nil {
		t.Fatal(err)
	}
	rows := sheets[0].Rows
	if len(rows) != 151 {
		t.Fatalf("%d rows, want 151", len(rows))
	}
	for i := 1; i <= 150; i++ {
		want := "第" + itoa(i) + "项科普进校园活动"
		if rows[i][1] != want {
			t.Fatalf("row %d name = %q, want %q", i, rows[i][1], want)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
