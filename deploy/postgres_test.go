package deploy

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/shoubao/shoubao/sinks/sqlstore"
	"github.com/shoubao/shoubao/sinks/sqlstore/pgtest"
)

// TestPostgresSetup runs postgres-setup.sh against the test server as its
// superuser, twice, and checks what an operator relies on: the URL it
// prints reaches the new database as the new role, which holds the
// password in that URL and may create shoubao's tables (the migrations run
// through it), and nothing more; a second run prints the same URL and keeps
// the tables.
func TestPostgresSetup(t *testing.T) {
	t.Parallel()
	need(t, "psql")
	admin := adminConn(t)
	base, err := url.Parse(pgtest.BaseURL())
	if err != nil {
		t.Fatal(err)
	}
	name := "shoubao_deploy_" + randomHex(t, 4)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, q := range []string{"drop database if exists " + name + " with (force)", "drop role if exists " + name} {
			if _, err := admin.Exec(ctx, q); err != nil {
				t.Logf("%s: %v", q, err)
			}
		}
	})
	pwfile := filepath.Join(t.TempDir(), "etc", "postgres-password")
	run := func(extraEnv ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, "bash", "postgres-setup.sh", "--admin", pgtest.BaseURL(),
			"--role", name, "--database", name, "--host", base.Hostname(), "--port", portOf(base),
			"--sslmode", "disable", "--password-file", pwfile)
		cmd.Env = append(withoutEnv("SHOUBAO_PG_PASSWORD"), extraEnv...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("postgres-setup.sh: %v\n%s", err, stderr.String())
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) != 1 {
			t.Fatalf("postgres-setup.sh printed %q, want one URL", out)
		}
		return lines[0]
	}

	first := run()
	u, err := url.Parse(first)
	if err != nil {
		t.Fatalf("printed URL %q: %v", first, err)
	}
	password, _ := u.User.Password()
	if u.User.Username() != name || len(password) < 32 || u.Path != "/"+name {
		t.Errorf("printed URL %s: want user and database %s and a random password", first, name)
	}
	if fi, err := os.Stat(pwfile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("password file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	checkPassword(ctx, t, admin, name, password)

	// The URL works for shoubao: its migrations create the tables.
	st, err := sqlstore.OpenPostgres(ctx, first)
	if err != nil {
		t.Fatalf("shoubao's store on the printed URL: %v", err)
	}
	st.Close()
	tables := countTables(ctx, t, first)
	if tables < 5 {
		t.Fatalf("%d tables after shoubao's migrations, want its schema", tables)
	}
	var super, createdb, createrole bool
	if err := admin.QueryRow(ctx, "select rolsuper, rolcreatedb, rolcreaterole from pg_roles where rolname = $1", name).
		Scan(&super, &createdb, &createrole); err != nil {
		t.Fatal(err)
	}
	if super || createdb || createrole {
		t.Errorf("role %s: superuser %v, createdb %v, createrole %v; want none", name, super, createdb, createrole)
	}
	var publicConnect bool
	if err := admin.QueryRow(ctx, "select has_database_privilege('public', $1, 'connect')", name).Scan(&publicConnect); err != nil {
		t.Fatal(err)
	}
	if publicConnect {
		t.Errorf("every role may connect to %s", name)
	}

	// Again: the same URL, the same password, the tables kept.
	if second := run(); second != first {
		t.Errorf("second run printed %s, want %s", second, first)
	}
	checkPassword(ctx, t, admin, name, password)
	if n := countTables(ctx, t, first); n != tables {
		t.Errorf("%d tables after the second run, want %d", n, tables)
	}

	// A password given in the environment wins, and is written into the
	// URL escaped.
	const chosen = "a b@c:d/%e"
	third, err := url.Parse(run("SHOUBAO_PG_PASSWORD=" + chosen))
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := third.User.Password(); p != chosen {
		t.Errorf("URL with SHOUBAO_PG_PASSWORD: password %q, want %q", p, chosen)
	}
	checkPassword(ctx, t, admin, name, chosen)
}

// adminConn connects to the test server as its superuser.
func adminConn(t *testing.T) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, pgtest.BaseURL())
	if err != nil {
		if os.Getenv(envRequire) == "1" {
			t.Fatalf("PostgreSQL at %s is required but unreachable: %v", pgtest.BaseURL(), err)
		}
		t.Skipf("PostgreSQL unreachable at %s (set %s=1 to fail instead): %v", pgtest.BaseURL(), envRequire, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// checkPassword checks the role's stored password against password: the
// test server trusts every local connection, so logging in proves nothing.
func checkPassword(ctx context.Context, t *testing.T, admin *pgx.Conn, role, password string) {
	t.Helper()
	var stored string
	if err := admin.QueryRow(ctx, "select coalesce(rolpassword, '') from pg_authid where rolname = $1", role).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	ok, err := passwordMatches(stored, role, password)
	if err != nil {
		t.Fatalf("role %s: %v", role, err)
	}
	if !ok {
		t.Errorf("role %s: the stored password is not the one in the URL", role)
	}
	if ok, _ := passwordMatches(stored, role, password+"x"); ok {
		t.Errorf("role %s: the check takes a wrong password too", role)
	}
}

// passwordMatches checks a pg_authid.rolpassword (SCRAM-SHA-256 or md5)
// against a password.
func passwordMatches(stored, role, password string) (bool, error) {
	if rest, ok := strings.CutPrefix(stored, "md5"); ok && len(rest) == 32 {
		return false, fmt.Errorf("md5 password (password_encryption = md5): use SCRAM")
	}
	// SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
	rest, ok := strings.CutPrefix(stored, "SCRAM-SHA-256$")
	if !ok {
		return false, fmt.Errorf("no password set (%.14q)", stored)
	}
	params, keys, _ := strings.Cut(rest, "$")
	iterText, saltText, _ := strings.Cut(params, ":")
	storedKeyText, _, _ := strings.Cut(keys, ":")
	iter, err := strconv.Atoi(iterText)
	if err != nil {
		return false, fmt.Errorf("SCRAM iterations %q", iterText)
	}
	salt, err := base64.StdEncoding.DecodeString(saltText)
	if err != nil {
		return false, fmt.Errorf("SCRAM salt: %w", err)
	}
	storedKey, err := base64.StdEncoding.DecodeString(storedKeyText)
	if err != nil {
		return false, fmt.Errorf("SCRAM stored key: %w", err)
	}
	// RFC 5802 / 7677 (the password is ASCII-printable here, so SASLprep
	// leaves it as it is).
	salted, err := pbkdf2.Key(sha256.New, password, salt, iter, sha256.Size)
	if err != nil {
		return false, err
	}
	mac := hmac.New(sha256.New, salted)
	mac.Write([]byte("Client Key"))
	sum := sha256.Sum256(mac.Sum(nil))
	return hmac.Equal(sum[:], storedKey), nil
}

func countTables(ctx context.Context, t *testing.T, dsn string) int {
	t.Helper()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect with the printed URL: %v", err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "select count(*) from pg_tables where schemaname = 'public' and tableowner = current_user").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	return "5432"
}
