package deploy

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoubao/shoubao/pipeline/bus"
)

// natsNode is one nats-server process of the test cluster.
type natsNode struct {
	conf                 string
	client, route, httpP int
	log                  string
	cmd                  *exec.Cmd
	out                  bytes.Buffer  // what it printed before its log file opened
	done                 chan struct{} // closed when the process has exited
}

// TestNATSConfigsDiffer checks that the three shipped server files differ
// in server_name only, so that an edit to one is made to all.
func TestNATSConfigsDiffer(t *testing.T) {
	t.Parallel()
	var want string
	for i := 1; i <= 3; i++ {
		name := fmt.Sprintf("nats/nats-%d.conf", i)
		var lines []string
		for _, l := range strings.Split(readFile(t, name), "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "#") {
				continue
			}
			lines = append(lines, l)
		}
		s := replaceExactly(t, name, strings.Join(lines, "\n"), fmt.Sprintf("server_name: nats-%d\n", i), "server_name: N\n", 1)
		if i == 1 {
			want = s
		} else if s != want {
			t.Errorf("%s differs from nats/nats-1.conf in more than server_name", name)
		}
	}
}

// TestNATSCluster starts three nats-server processes (the Debian package,
// which deploy/test.sh installs) on the shipped nats/nats-N.conf, rewritten
// only for loopback ports and temporary store directories, and checks that
// they form one JetStream cluster that wants the password, that shoubao's
// bus sets itself up there with three replicas, and that a raw message
// survives the loss of the server leading its bucket.
func TestNATSCluster(t *testing.T) {
	t.Parallel()
	bin := need(t, "nats-server")
	dir := t.TempDir()
	// As the README makes one: a letter, then hex digits.
	password := "s" + randomHex(t, 16)
	ports := freePorts(t, 9)
	nodes := make([]*natsNode, 3)
	for i := range nodes {
		nodes[i] = &natsNode{client: ports[3*i], route: ports[3*i+1], httpP: ports[3*i+2]}
	}
	for i, n := range nodes {
		name := fmt.Sprintf("nats/nats-%d.conf", i+1)
		s := readFile(t, name)
		s = replaceExactly(t, name, s, "listen: 0.0.0.0:4222", fmt.Sprintf("listen: 127.0.0.1:%d", n.client), 1)
		s = replaceExactly(t, name, s, "listen: 0.0.0.0:6222", fmt.Sprintf("listen: 127.0.0.1:%d", n.route), 1)
		s = replaceExactly(t, name, s, "http: 127.0.0.1:8222", fmt.Sprintf("http: 127.0.0.1:%d", n.httpP), 1)
		s = replaceExactly(t, name, s, "store_dir: /var/lib/nats-server", fmt.Sprintf("store_dir: %q", filepath.Join(dir, fmt.Sprint("store", i+1))), 1)
		for j, m := range nodes {
			s = replaceExactly(t, name, s, fmt.Sprintf("nats-route://nats-%d:6222", j+1), fmt.Sprintf("nats-route://127.0.0.1:%d", m.route), 1)
		}
		n.conf = filepath.Join(dir, fmt.Sprintf("nats-%d.conf", i+1))
		n.log = filepath.Join(dir, fmt.Sprintf("nats-%d.log", i+1))
		if err := os.WriteFile(n.conf, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	// Without its password the server refuses the file.
	env := withoutEnv("SHOUBAO_NATS_PASSWORD")
	check := exec.Command(bin, "-c", nodes[0].conf, "-t")
	check.Env = env
	out, err := check.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "SHOUBAO_NATS_PASSWORD") {
		t.Errorf("nats-server -t without SHOUBAO_NATS_PASSWORD: err %v, output %s; want a refusal naming the variable", err, out)
	}

	// Run last (cleanups run in reverse), once the servers have stopped.
	t.Cleanup(func() {
		if t.Failed() {
			for _, n := range nodes {
				b, _ := os.ReadFile(n.log)
				log := grepV(string(b), "Error trying to connect to route", "Duplicate Route", "Route connection created")
				t.Logf("%s: %s\n%s", filepath.Base(n.log), n.out.String(), lastLines(strings.Join(log, "\n"), 40))
			}
		}
	})
	for _, n := range nodes {
		n.cmd = exec.Command(bin, "-c", n.conf, "-l", n.log)
		n.cmd.Env = append(env, "SHOUBAO_NATS_PASSWORD="+password)
		n.cmd.Stdout, n.cmd.Stderr = &n.out, &n.out
		if err := n.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		n.done = make(chan struct{})
		go func() {
			_ = n.cmd.Wait()
			close(n.done)
		}()
		t.Cleanup(n.stop)
	}
	for _, n := range nodes {
		waitHealthy(t, n, 20*time.Second)
	}

	// A client without the password is refused.
	if nc, err := nats.Connect(fmt.Sprintf("nats://127.0.0.1:%d", nodes[0].client), nats.Timeout(5*time.Second)); err == nil {
		nc.Close()
		t.Error("connected without the password")
	} else if !strings.Contains(strings.ToLower(err.Error()), "authorization") {
		t.Errorf("without the password: %v, want an authorization error", err)
	}

	// shoubao's bus on the cluster, as bus.url lists it.
	var urls []string
	for _, n := range nodes {
		urls = append(urls, fmt.Sprintf("nats://shoubao:%s@127.0.0.1:%d", password, n.client))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b := connectBus(ctx, t, strings.Join(urls, ","))
	defer b.Close()

	nc, err := nats.Connect(strings.Join(urls, ","), nats.MaxReconnects(-1), nats.ReconnectWait(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	names := bus.NamesFor("")
	streams := []string{names.Stream, "OBJ_" + names.BucketRaw, "OBJ_" + names.BucketFiles,
		"KV_" + names.BucketAttempts, "KV_" + names.BucketLeases}
	for _, name := range streams {
		info := streamInfo(ctx, t, js, name)
		if info.Config.Replicas != 3 || info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
			t.Errorf("stream %s: %d replicas, cluster %+v; want 3 (a leader and 2 replicas)", name, info.Config.Replicas, info.Cluster)
		}
	}

	raw := []byte("Subject: test\r\n\r\n" + strings.Repeat("正文 body\r\n", 1000))
	const object = "c/unit@163.com/1/1"
	if _, err := b.PutRaw(ctx, object, bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}

	// Kill the server leading the raw bucket: the other two go on.
	leader := streamInfo(ctx, t, js, "OBJ_"+names.BucketRaw).Cluster.Leader
	var killed int
	if _, err := fmt.Sscanf(leader, "nats-%d", &killed); err != nil || killed < 1 || killed > 3 {
		t.Fatalf("raw bucket's leader %q is none of nats-1..3", leader)
	}
	nodes[killed-1].stop()
	start := time.Now()
	for {
		// Each try gets 3 s: a call begun while the servers elect a new
		// leader may wait far longer than the election.
		actx, acancel := context.WithTimeout(ctx, 3*time.Second)
		got, err := readRaw(actx, b, object)
		acancel()
		if err == nil && bytes.Equal(got, raw) {
			break
		}
		if err == nil {
			t.Fatalf("raw message after %s died: %d bytes, want %d", leader, len(got), len(raw))
		}
		if ctx.Err() != nil {
			t.Fatalf("raw message after %s died: %v", leader, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for {
		actx, acancel := context.WithTimeout(ctx, 3*time.Second)
		_, err := b.PutRaw(actx, "c/unit@163.com/1/2", bytes.NewReader(raw))
		acancel()
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("storing a raw message after %s died: %v", leader, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	info := streamInfo(ctx, t, js, "OBJ_"+names.BucketRaw)
	t.Logf("%s killed; the raw bucket was read and written again after %s, led by %s", leader, time.Since(start).Round(10*time.Millisecond), info.Cluster.Leader)
}

// connectBus connects shoubao's bus with three replicas, retrying while the
// cluster elects its JetStream leader.
func connectBus(ctx context.Context, t *testing.T, url string) *bus.Bus {
	t.Helper()
	for {
		b, err := bus.Connect(ctx, bus.Options{URL: url, Replicas: 3, Name: t.Name(),
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err == nil {
			return b
		}
		if ctx.Err() != nil {
			t.Fatalf("bus on the cluster: %v", err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func streamInfo(ctx context.Context, t *testing.T, js jetstream.JetStream, name string) *jetstream.StreamInfo {
	t.Helper()
	for {
		s, err := js.Stream(ctx, name)
		if err == nil {
			var info *jetstream.StreamInfo
			if info, err = s.Info(ctx); err == nil && info.Cluster != nil && info.Cluster.Leader != "" {
				return info
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("stream %s: %v", name, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func readRaw(ctx context.Context, b *bus.Bus, name string) ([]byte, error) {
	r, err := b.OpenRaw(ctx, name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// waitHealthy waits until the node's monitoring port says it is healthy.
func waitHealthy(t *testing.T, n *natsNode, within time.Duration) {
	t.Helper()
	url := fmt.Sprintf("http://127.0.0.1:%d/healthz", n.httpP)
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-n.done:
			t.Fatalf("%s: nats-server exited: %s", n.conf, n.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not healthy after %s: %v", n.conf, within, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop kills the server (as a crash would) and waits until it has exited.
func (n *natsNode) stop() {
	if n.done == nil {
		return
	}
	select {
	case <-n.done:
	default:
		_ = n.cmd.Process.Kill()
		<-n.done
	}
}

// withoutEnv returns the environment without the named variables.
func withoutEnv(names ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, n := range names {
			keep = keep && k != n
		}
		if keep {
			env = append(env, kv)
		}
	}
	return env
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func grepV(s string, drop ...string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		keep := true
		for _, d := range drop {
			keep = keep && !strings.Contains(l, d)
		}
		if keep {
			out = append(out, l)
		}
	}
	return out
}
