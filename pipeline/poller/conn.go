package poller

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

// dial connects to the mailbox's server in its TLS mode and returns a client
// that has read the greeting.
func dial(ctx context.Context, mb Mailbox, opts *imapclient.Options) (*imapclient.Client, error) {
	addr := net.JoinHostPort(mb.Host, strconv.Itoa(mb.Port))
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	conn := &idleDeadlineConn{Conn: raw}
	tlsConfig := &tls.Config{ServerName: mb.Host, InsecureSkipVerify: mb.InsecureSkipVerify} //nolint:gosec // opt-in for test servers
	opts.TLSConfig = tlsConfig
	var c *imapclient.Client
	switch mb.TLS {
	case "implicit":
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, fmt.Errorf("tls handshake with %s: %w", addr, err)
		}
		c = imapclient.New(tc, opts)
	case "starttls":
		c, err = imapclient.NewStartTLS(conn, opts)
		if err != nil {
			raw.Close()
			return nil, fmt.Errorf("starttls with %s: %w", addr, err)
		}
	default:
		c = imapclient.New(conn, opts)
	}
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, fmt.Errorf("greeting from %s: %w", addr, err)
	}
	return c, nil
}

// idleDeadlineConn turns read deadlines into inactivity timeouts.
//
// QUIRK: go-imap v2 (beta.8) sets an absolute 5-minute read deadline when a
// FETCH literal starts (imapclient/fetch.go, literalReadTimeout). A 500 MB
// video message from a 163.com mailbox on a 1 MB/s link takes longer than
// that, and the connection would be cut mid-message every time. Here a
// deadline of "now + d" means "fail after d without data": every Read that
// starts pushes the deadline forward by d, so a stalled server is still
// detected, but a slow, steady transfer is not killed.
type idleDeadlineConn struct {
	net.Conn
	mu      sync.Mutex
	timeout time.Duration // 0: no deadline
}

// SetReadDeadline records the deadline as an inactivity timeout.
func (c *idleDeadlineConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	if t.IsZero() {
		c.timeout = 0
	} else {
		c.timeout = time.Until(t)
	}
	c.mu.Unlock()
	return c.Conn.SetReadDeadline(t)
}

// SetDeadline sets both deadlines, the read one as an inactivity timeout.
func (c *idleDeadlineConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.Conn.SetWriteDeadline(t)
}

// Read refreshes the inactivity deadline before reading.
func (c *idleDeadlineConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	timeout := c.timeout
	c.mu.Unlock()
	if timeout > 0 {
		if err := c.Conn.SetReadDeadline(time.Now().Add(timeout)); err != nil {
			return 0, err
		}
	}
	return c.Conn.Read(b)
}
