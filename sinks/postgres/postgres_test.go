package postgres_test

import (
	"context"
	"testing"

	"github.com/shoubao/shoubao/sinks/postgres"
	"github.com/shoubao/shoubao/sinks/postgres/pgtest"
	"github.com/shoubao/shoubao/sinks/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		s, err := postgres.Open(context.Background(), pgtest.SchemaURL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	})
}

// TestMigrateTwice checks that opening an up-to-date database (as every
// restart does) applies nothing and fails nothing, also concurrently.
func TestMigrateTwice(t *testing.T) {
	url := pgtest.SchemaURL(t)
	errs := make(chan error, 3)
	for i := 0; i < 3; i++ {
		go func() {
			s, err := postgres.Open(context.Background(), url)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for i := 0; i < 3; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
