package export

import "testing"

func TestFitHeight(t *testing.T) {
	for _, tc := range []struct {
		texts  []string
		widths []float64
		lines  int
	}{
		{[]string{""}, []float64{10}, 1},
		{[]string{"abc"}, []float64{10}, 1},
		{[]string{"一二三四五六七八九十"}, []float64{21.5}, 1}, // 20 units in 20
		{[]string{"一二三四五六七八九十一"}, []float64{21.5}, 2},
		{[]string{"一\n二\n\n三"}, []float64{30}, 4},
		{[]string{"短", "一二三四五六七八九十一二三四五六七八九十"}, []float64{10, 11.5}, 4},
	} {
		want := float64(tc.lines)*lineHeight + 4
		if got := fitHeight(tc.texts, tc.widths, 0); got != want {
			t.Errorf("fitHeight(%q, %v) = %v, want %v (%d lines)", tc.texts, tc.widths, got, want, tc.lines)
		}
	}
	if got := fitHeight([]string{"x"}, []float64{10}, 30); got != 30 {
		t.Errorf("minimum: %v", got)
	}
	long := make([]byte, 0, 10000)
	for range 5000 {
		long = append(long, "一\n"...)
	}
	if got := fitHeight([]string{string(long)}, []float64{10}, 0); got != maxHeight {
		t.Errorf("maximum: %v", got)
	}
}
