package chaos_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// require skips the suite when a service is missing, or fails it under
// SHOUBAO_REQUIRE_SERVICES=1 (the test script installs them).
func require(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("SHOUBAO_REQUIRE_SERVICES") == "1" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitPort(port int, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing listens on port %d after %s", port, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// postgres is a private PostgreSQL cluster on a free port, in a temporary
// directory, that the test may stop and start (not the shared server of
// the other packages' tests).
type postgres struct {
	bin, dir string
	port     int
	asUser   []string // runuser -u postgres -- when root
	URL      string
}

func startPostgres(t *testing.T) *postgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		require(t, "PostgreSQL server binaries not installed (/usr/lib/postgresql/*/bin)")
	}
	sort.Slice(bins, func(i, j int) bool { return pgMajor(bins[i]) < pgMajor(bins[j]) })
	pg := &postgres{bin: filepath.Dir(bins[len(bins)-1]), port: freePort(t)}
	dir, err := os.MkdirTemp("", "shoubao-chaos-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	pg.dir = filepath.Join(dir, "data")
	if os.Geteuid() == 0 {
		// initdb refuses to run as root: the cluster belongs to postgres.
		u, err := user.Lookup("postgres")
		if err != nil {
			require(t, "no postgres user to run the private cluster as: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		pg.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	if out, err := pg.cmd("initdb", "-D", pg.dir, "-A", "trust", "-U", "postgres", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	pg.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/chaos?sslmode=disable", pg.port)
	pg.Start(t)
	t.Cleanup(func() { _ = pg.cmd("pg_ctl", "-D", pg.dir, "-m", "immediate", "-w", "stop").Run() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, strings.Replace(pg.URL, "/chaos?", "/postgres?", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE chaos"); err != nil {
		t.Fatal(err)
	}
	return pg
}

func pgMajor(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

func (pg *postgres) cmd(name string, args ...string) *exec.Cmd {
	argv := append(append([]string{}, pg.asUser...), filepath.Join(pg.bin, name))
	argv = append(argv, args...)
	return exec.Command(argv[0], argv[1:]...)
}

// Start starts the cluster and waits until it accepts connections.
func (pg *postgres) Start(t *testing.T) {
	t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", pg.port, filepath.Dir(pg.dir))
	if out, err := pg.cmd("pg_ctl", "-D", pg.dir, "-l", filepath.Join(filepath.Dir(pg.dir), "log"), "-o", opts, "-w", "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(filepath.Dir(pg.dir), "log"))
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

// Crash stops the cluster at once, as a crash would (immediate mode: no
// checkpoint, connections cut).
func (pg *postgres) Crash(t *testing.T) {
	t.Helper()
	if out, err := pg.cmd("pg_ctl", "-D", pg.dir, "-m", "immediate", "-w", "stop").CombinedOutput(); err != nil {
		t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

// natsServer is the machine's nats-server with JetStream on a free port,
// its store in a temporary directory, so that the test can kill it and
// start it again on the same data.
type natsServer struct {
	bin, dir string
	port     int
	cmd      *exec.Cmd
	URL      string
}

func startNATS(t *testing.T) *natsServer {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		require(t, "nats-server not installed")
	}
	n := &natsServer{bin: bin, dir: t.TempDir(), port: freePort(t)}
	n.URL = fmt.Sprintf("nats://127.0.0.1:%d", n.port)
	n.Start(t)
	t.Cleanup(n.Kill)
	return n
}

func (n *natsServer) Start(t *testing.T) {
	t.Helper()
	n.cmd = exec.Command(n.bin, "-a", "127.0.0.1", "-p", strconv.Itoa(n.port), "-js", "-sd", n.dir)
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if err := waitPort(n.port, 20*time.Second); err != nil {
		t.Fatal(err)
	}
}

// Kill kills the server (SIGKILL).
func (n *natsServer) Kill() {
	if n.cmd != nil && n.cmd.Process != nil {
		_ = n.cmd.Process.Kill()
		_ = n.cmd.Wait()
	}
}

// buildShoubao builds the shoubao binary into a temporary directory.
func buildShoubao(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "shoubao")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/shoubao/shoubao/cmd/shoubao")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// proc is one `shoubao run --roles ROLE` process, started again after each
// kill; its output goes to a log file.
type proc struct {
	role, bin, config, log string

	mu  sync.Mutex
	cmd *exec.Cmd
}

func (p *proc) start(t *testing.T) {
	t.Helper()
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "==== start %s\n", time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(p.bin, "run", "--config", p.config, "--roles", p.role)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	p.mu.Lock()
	p.cmd = cmd
	p.mu.Unlock()
}

// kill kills the process (SIGKILL) and waits for it.
func (p *proc) kill() {
	p.mu.Lock()
	cmd := p.cmd
	p.cmd = nil
	p.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
	}
}

// tail returns the end of the process's log.
func (p *proc) tail() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(bytes.TrimSpace(b))
}
