package bustest

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shoubao/shoubao/pipeline/bus"
)

// Cluster is a JetStream cluster of in-process nats-servers (the real
// server) on loopback, each node with a store directory of its own. A node
// can be stopped and started again on the same ports and data, as a server
// that dies and comes back would.
type Cluster struct {
	t     testing.TB
	name  string
	mu    sync.Mutex
	nodes []*node
}

type node struct {
	name        string
	dir         string
	clientPort  int
	clusterPort int
	srv         *server.Server // nil while stopped
}

// NewCluster starts a cluster of n JetStream servers on random loopback
// ports and waits until it has elected its JetStream leader. The servers
// are shut down when the test ends.
func NewCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	c := &Cluster{t: t, name: "shoubao-test"}
	for i := range n {
		c.nodes = append(c.nodes, &node{
			name:        fmt.Sprintf("n%d", i+1),
			dir:         t.TempDir(),
			clientPort:  freePort(t),
			clusterPort: freePort(t),
		})
	}
	t.Cleanup(func() {
		for i := range c.nodes {
			c.Stop(i)
		}
	})
	for i := range c.nodes {
		c.start(i)
	}
	c.WaitReady(30 * time.Second)
	return c
}

// URL is every node's client URL, comma-separated (bus.url of a cluster).
func (c *Cluster) URL() string {
	urls := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		urls[i] = fmt.Sprintf("nats://127.0.0.1:%d", n.clientPort)
	}
	return strings.Join(urls, ",")
}

// Size is the number of nodes, running or not.
func (c *Cluster) Size() int { return len(c.nodes) }

// Server returns node i's server, or nil while it is stopped.
func (c *Cluster) Server(i int) *server.Server {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[i].srv
}

// Bus connects to the cluster with every stream and bucket on all its
// nodes (replicas = the cluster's size), closed when the test ends.
func (c *Cluster) Bus(t testing.TB) *bus.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := bus.Connect(ctx, bus.Options{URL: c.URL(), Replicas: len(c.nodes), Name: t.Name(), Logger: quiet()})
	if err != nil {
		t.Fatalf("cluster bus: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}

// JetStream is a plain client of the cluster, to look at its streams
// directly; its connection is closed when the test ends.
func (c *Cluster) JetStream(t testing.TB) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(c.URL(), nats.Name(t.Name()+"-inspect"), nats.MaxReconnects(-1))
	if err != nil {
		t.Fatalf("cluster: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("cluster: %v", err)
	}
	return js
}

// StreamLeader returns the node leading the stream called name (of the
// default account), or -1 when none does.
func (c *Cluster) StreamLeader(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, n := range c.nodes {
		if n.srv != nil && n.srv.JetStreamIsStreamLeader(server.DEFAULT_GLOBAL_ACCOUNT, name) {
			return i
		}
	}
	return -1
}

// ClientNode returns the node a client connection called name (nats.Name)
// is connected to, or -1 when none is.
func (c *Cluster) ClientNode(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, n := range c.nodes {
		if n.srv == nil {
			continue
		}
		cz, err := n.srv.Connz(&server.ConnzOptions{})
		if err != nil {
			continue
		}
		for _, ci := range cz.Conns {
			if ci.Name == name {
				return i
			}
		}
	}
	return -1
}

// Stop shuts node i down (nothing happens if it is stopped).
func (c *Cluster) Stop(i int) {
	c.mu.Lock()
	srv := c.nodes[i].srv
	c.nodes[i].srv = nil
	c.mu.Unlock()
	if srv != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
	}
}

// Start starts node i again on its ports and store directory, and waits
// until it is ready for clients and has caught up with the JetStream
// leader.
func (c *Cluster) Start(i int) {
	c.t.Helper()
	c.start(i)
	c.WaitReady(30 * time.Second)
}

func (c *Cluster) start(i int) {
	c.t.Helper()
	n := c.nodes[i]
	routes := make([]string, 0, len(c.nodes))
	for _, o := range c.nodes {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", o.clusterPort))
	}
	opts := &server.Options{
		ServerName:         n.name,
		Host:               "127.0.0.1",
		Port:               n.clientPort,
		JetStream:          true,
		StoreDir:           n.dir,
		JetStreamMaxMemory: 64 << 20,
		JetStreamMaxStore:  4 << 30,
		Cluster:            server.ClusterOpts{Name: c.name, Host: "127.0.0.1", Port: n.clusterPort},
		Routes:             server.RoutesFromStr(strings.Join(routes, ",")),
		NoSigs:             true,
		NoLog:              true,
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		c.t.Fatalf("cluster node %s: %v", n.name, err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		srv.Shutdown()
		c.t.Fatalf("cluster node %s: not ready after 30s", n.name)
	}
	c.mu.Lock()
	n.srv = srv
	c.mu.Unlock()
}

// WaitReady waits until the running nodes have a JetStream leader among
// them and every one of them is current with it.
func (c *Cluster) WaitReady(timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		leaders, current, running := 0, 0, 0
		c.mu.Lock()
		for _, n := range c.nodes {
			if n.srv == nil {
				continue
			}
			running++
			if n.srv.JetStreamIsLeader() {
				leaders++
			}
			if n.srv.JetStreamIsCurrent() {
				current++
			}
		}
		c.mu.Unlock()
		if leaders == 1 && current == running {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("cluster: %d leaders, %d of %d nodes current after %s", leaders, current, running, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
