// Package imaptest holds IMAP test servers for the poller: a quirk proxy
// that makes any server behave like the awkward ones units' offices really
// use, a real Dovecot started unprivileged on a loopback port, and
// protocol-level helpers (append, recreate a folder, read flags) that work
// against any server.
package imaptest

import (
	"bufio"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// Quirks say how the proxy misbehaves.
type Quirks struct {
	// RequireID makes the proxy answer ID itself and refuse SELECT and
	// EXAMINE with 163.com's "Unsafe Login" until the client has sent ID.
	RequireID bool
	// UIDAfterLiteral rewrites FETCH responses so that the UID item comes
	// after the body literal (legal IMAP, and what some servers send).
	UIDAfterLiteral bool
	// DropMidLiteral, when > 0, closes the connection after forwarding that
	// many bytes of the first body literal larger than it (once per proxy).
	DropMidLiteral int
}

// Proxy listens on a loopback port and forwards every connection to
// upstream, applying q. It returns the proxy's address and a counter of the
// connections it dropped mid-literal.
func Proxy(t testing.TB, upstream string, q Quirks) (addr string, dropped *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dropped = new(atomic.Int32)
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				serveProxy(c, upstream, q, dropped)
			}()
		}
	}()
	return ln.Addr().String(), dropped
}

var (
	literalAtEnd = regexp.MustCompile(`\{(\d+)\}\r\n$`)
	fetchWithUID = regexp.MustCompile(`(?s)^(\* \d+ FETCH \()UID (\d+) (.*)$`)
	tagged       = regexp.MustCompile(`^(\S+) (\S+)`)
)

type proxyConn struct {
	client   net.Conn
	server   net.Conn
	wmu      sync.Mutex // serialises writes to client
	idSent   atomic.Bool
	q        Quirks
	dropped  *atomic.Int32
	closeAll sync.Once
}

func serveProxy(client net.Conn, upstream string, q Quirks, dropped *atomic.Int32) {
	server, err := net.Dial("tcp", upstream)
	if err != nil {
		client.Close()
		return
	}
	p := &proxyConn{client: client, server: server, q: q, dropped: dropped}
	defer p.close()
	go p.clientToServer()
	p.serverToClient()
}

func (p *proxyConn) close() {
	p.closeAll.Do(func() {
		p.client.Close()
		p.server.Close()
	})
}

func (p *proxyConn) toClient(b []byte) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	_, err := p.client.Write(b)
	return err
}

func (p *proxyConn) clientToServer() {
	defer p.close()
	r := bufio.NewReader(p.client)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if m := tagged.FindStringSubmatch(line); m != nil && p.q.RequireID {
			tag, cmd := m[1], strings.ToUpper(m[2])
			switch {
			case cmd == "ID":
				p.idSent.Store(true)
				if p.toClient([]byte("* ID (\"name\" \"Coremail Imap\" \"vendor\" \"Mailtech\")\r\n"+tag+" OK ID completed\r\n")) != nil {
					return
				}
				continue
			case (cmd == "SELECT" || cmd == "EXAMINE") && !p.idSent.Load():
				if p.toClient([]byte(tag+" NO SELECT Unsafe Login. Please contact kefu@188.com for help\r\n")) != nil {
					return
				}
				continue
			}
		}
		if _, err := io.WriteString(p.server, line); err != nil {
			return
		}
		if m := literalAtEnd.FindStringSubmatch(line); m != nil {
			n, _ := strconv.ParseInt(m[1], 10, 64)
			if _, err := io.CopyN(p.server, r, n); err != nil {
				return
			}
		}
	}
}

func (p *proxyConn) serverToClient() {
	r := bufio.NewReader(p.server)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		lm := literalAtEnd.FindStringSubmatch(line)
		if lm == nil {
			if p.toClient([]byte(line)) != nil {
				return
			}
			continue
		}
		n, _ := strconv.Atoi(lm[1])
		if d := p.q.DropMidLiteral; d > 0 && n > d && strings.HasPrefix(line, "* ") && p.dropped.Load() == 0 {
			p.dropped.Add(1)
			buf := make([]byte, d)
			if _, err := io.ReadFull(r, buf); err == nil {
				_ = p.toClient(append([]byte(line), buf...))
			}
			return // the deferred close cuts both sides mid-literal
		}
		lit := make([]byte, n)
		if _, err := io.ReadFull(r, lit); err != nil {
			return
		}
		rest, err := r.ReadString('\n')
		if err != nil {
			return
		}
		out := line + string(lit) + rest
		if fm := fetchWithUID.FindStringSubmatch(line); fm != nil && p.q.UIDAfterLiteral && strings.HasSuffix(rest, ")\r\n") {
			// "* 1 FETCH (UID 5 BODY[] {n}\r\n<lit>)\r\n" becomes
			// "* 1 FETCH (BODY[] {n}\r\n<lit> UID 5)\r\n".
			out = fm[1] + fm[3] + string(lit) + strings.TrimSuffix(rest, ")\r\n") + " UID " + fm[2] + ")\r\n"
		}
		if p.toClient([]byte(out)) != nil {
			return
		}
	}
}
