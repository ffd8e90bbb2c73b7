// Package pgtest gives tests a private PostgreSQL schema on the real server:
// the URL comes from SHOUBAO_TEST_DATABASE_URL (default: the local server,
// database "test", user postgres, trust auth) and each call creates a fresh
// schema that is dropped when the test ends.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable holding the test server's URL.
const EnvURL = "SHOUBAO_TEST_DATABASE_URL"

// DefaultURL is used when EnvURL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// EnvRequire, when set to 1 (the test script sets it), turns an unreachable
// server into a test failure instead of a skip.
const EnvRequire = "SHOUBAO_REQUIRE_SERVICES"

// BaseURL returns the test server's URL.
func BaseURL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

// SchemaURL creates a new schema and returns a URL whose connections use it.
// The schema is dropped in t.Cleanup.
func SchemaURL(t testing.TB) string {
	t.Helper()
	base := BaseURL()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("PostgreSQL at %s is required but unreachable: %v", base, err)
		}
		t.Skipf("PostgreSQL unreachable at %s (set %s=1 to fail instead): %v", base, EnvRequire, err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "shoubao_test_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("drop schema %s: %v", schema, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", base, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
