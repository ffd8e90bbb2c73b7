package bus

import (
	"fmt"
	"testing"
)

func TestKnownSetForgetsOldestFirst(t *testing.T) {
	t.Parallel()
	k := newKnownSet(3)
	for i := range 5 {
		k.add(fmt.Sprint(i))
	}
	k.add("4") // already there: nothing forgotten
	for i, want := range []bool{false, false, true, true, true} {
		if got := k.has(fmt.Sprint(i)); got != want {
			t.Errorf("has(%d) = %v, want %v", i, got, want)
		}
	}
}
