package xmlscan

import (
	"math"
	"testing"
)

func TestSizeFor(t *testing.T) {
	for _, c := range []struct {
		hint  uint64
		limit int
		want  int
	}{
		{0, BufSize, 4 << 10},
		{100, BufSize, 4 << 10},
		{4 << 10, BufSize, 4<<10 + 1},
		{BufSize - 1, BufSize, BufSize},
		{BufSize, BufSize, BufSize},
		{math.MaxUint64, BufSize, BufSize},
		{0, 16, 16},
		{10, 16, 16},
		{15, 16, 16},
		{16, 16, 16},
		{1 << 40, 16, 16},
	} {
		if got := SizeFor(c.hint, c.limit); got != c.want {
			t.Errorf("SizeFor(%d, %d) = %d, want %d", c.hint, c.limit, got, c.want)
		}
	}
}
