package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/shoubao/shoubao/sinks/sqlite"
	"github.com/shoubao/shoubao/sinks/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "shoubao.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	})
}

// TestReopen checks that reopening applies no migration twice and keeps data.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shoubao.db")
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		s.Close()
	}
}
