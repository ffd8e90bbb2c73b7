package service_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/poller/imaptest"
	"github.com/shoubao/shoubao/pipeline/service"
	"github.com/shoubao/shoubao/sinks"
	"github.com/shoubao/shoubao/sinks/sqlstore/pgtest"
)

// TestOpenStoreFails: a store that cannot be reached, refuses the user, or
// is a damaged SQLite file makes service.Open and OpenStore return a clear
// error wrapping the store's sentinel — no panic (Open used to close a nil
// *postgres.Store hidden in a non-nil interface), no store left behind.
func TestOpenStoreFails(t *testing.T) {
	srv := imaptest.Mem(t)
	cases := []struct {
		name     string
		storeURL func(t *testing.T) string
		prepare  func(t *testing.T, dataDir string)
		want     error
	}{
		{"postgres port closed", func(*testing.T) string { return "postgres://shoubao:s3cret@127.0.0.1:1/test?sslmode=disable" }, nil, sinks.ErrUnavailable},
		{"postgres bad user", func(t *testing.T) string {
			u, err := url.Parse(pgtest.SchemaURL(t))
			if err != nil {
				t.Fatal(err)
			}
			u.User = url.UserPassword("shoubao_no_such_role", "s3cret")
			return u.String()
		}, nil, sinks.ErrUnavailable},
		{"sqlite corrupt", func(*testing.T) string { return "" }, func(t *testing.T, dataDir string) {
			if err := os.MkdirAll(dataDir, 0o750); err != nil {
				t.Fatal(err)
			}
			junk := []byte(strings.Repeat("not a database, a damaged copy\n", 300))
			if err := os.WriteFile(filepath.Join(dataDir, "shoubao.db"), junk, 0o600); err != nil {
				t.Fatal(err)
			}
		}, sinks.ErrCorrupt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t, c.storeURL(t), "", "", srv)
			if c.prepare != nil {
				c.prepare(t, cfg.DataDir)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("panicked: %v", r)
				}
			}()
			st, err := service.OpenStore(ctx, cfg)
			if err == nil || st != nil {
				t.Fatalf("OpenStore = %v, %v; want nil and an error", st, err)
			}
			if !errors.Is(err, c.want) {
				t.Errorf("OpenStore: %v; want it to wrap %v", err, c.want)
			}
			svc, err := service.Open(ctx, cfg, quiet())
			if err == nil {
				svc.Close()
				t.Fatal("service.Open succeeded")
			}
			if !errors.Is(err, c.want) || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("service.Open: %v; want it to wrap %v and hide the password", err, c.want)
			}
			t.Log(err)
		})
	}
}
