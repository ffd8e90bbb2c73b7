package bus_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/shoubao/shoubao/pipeline/bus/bustest"
)

// BenchmarkAttempt is what the poison-message guard costs a delivery after
// the first (a first delivery that succeeds costs nothing) on the
// embedded server: the attempt recorded before reading, one file noted,
// the record removed at the end (three key-value round trips).
//
//	go test -run XXX -bench Attempt ./pipeline/bus
func BenchmarkAttempt(b *testing.B) {
	bs := bustest.Embedded(b)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		id := fmt.Sprintf("c/a@163.com/1/%d", i)
		i++
		a, err := bs.BeginAttempt(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		if err := bs.NoteAttemptFile(ctx, a, "统计表.xlsx"); err != nil {
			b.Fatal(err)
		}
		if err := bs.EndAttempt(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}
