package mailout

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wneessen/go-mail/smtp"
)

// TLS modes of SMTP.TLS and IMAP.TLS.
const (
	// TLSImplicit: TLS from the first byte (SMTP port 465, IMAP 993).
	TLSImplicit = "implicit"
	// TLSStartTLS: a plain connection upgraded with STARTTLS (587, 143);
	// a server that does not offer it is refused.
	TLSStartTLS = "starttls"
	// TLSNone: no TLS at all, only to a loopback address (test servers, a
	// local relay).
	TLSNone = "none"
)

// DefaultTimeout is SMTP.Timeout when it is zero.
const DefaultTimeout = 2 * time.Minute

// The two kinds of failure. Every error of Send, SaveSent and InSent wraps
// exactly one of them.
var (
	// ErrTemporary: a 4xx reply (163's 451 MI:SFQ, 450 MI:DMC, 450 RP:DRC,
	// 451 DT:SPM "too many" replies among them), a network failure or a
	// timeout. The same message may be tried again later.
	ErrTemporary = errors.New("temporary failure")
	// ErrPermanent: a 5xx reply, a refused login, a certificate that does
	// not verify, or a configuration that cannot work. Trying again will
	// fail again.
	ErrPermanent = errors.New("permanent failure")
)

// SMTP says how to submit mail to a mailbox provider.
type SMTP struct {
	Host string
	Port int
	// TLS is TLSImplicit, TLSStartTLS or TLSNone (loopback hosts only).
	TLS string
	// User and Password log in (AUTH PLAIN, or LOGIN when PLAIN is not
	// offered); for 163/126/QQ the password is the mailbox's authorization
	// code (授权码). An empty User sends without logging in.
	User, Password string
	// InsecureSkipVerify disables certificate checks (test servers only).
	InsecureSkipVerify bool
	// Timeout bounds connecting (TCP, TLS handshake, greeting) and the wait
	// for each reply; while the message is written, it bounds each write.
	// Zero means DefaultTimeout.
	Timeout time.Duration
}

// Addr is host:port.
func (s SMTP) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

func (s SMTP) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return DefaultTimeout
}

// Send submits raw, a complete RFC 5322 message composed by the caller,
// with the envelope sender from and recipients to, over one connection that
// it closes before returning. raw goes out as it is (dot-stuffed, bare LF
// turned into CRLF); BODY=8BITMIME and SMTPUTF8 are declared when the
// server offers them.
//
// Send succeeds only when the server has accepted the message for every
// recipient: a recipient refused aborts the transaction (RSET) before any
// data is sent. An ErrTemporary after the message's last line was written
// (a timeout or a dropped connection while waiting for the final reply)
// leaves it unknown whether the server kept the message.
func Send(ctx context.Context, s SMTP, from string, to []string, raw []byte) (err error) {
	addr := s.Addr()
	defer func() {
		if err != nil {
			err = classifySMTP(ctx, addr, err)
		}
	}()
	if err := checkSMTP(s); err != nil {
		return err
	}
	if err := checkAddr("sender", from); err != nil {
		return err
	}
	if len(to) == 0 {
		return configError{errors.New("no recipient")}
	}
	for _, r := range to {
		if err := checkAddr("recipient", r); err != nil {
			return err
		}
	}
	if len(raw) == 0 {
		return configError{errors.New("empty message")}
	}

	conn, err := dialTCP(ctx, addr, s.Host, s.TLS, s.InsecureSkipVerify, s.timeout())
	if err != nil {
		return step{"connect", err}
	}
	// Cancelling ctx unblocks whatever command is waiting.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()

	c, err := smtp.NewClient(conn.net(), s.Host)
	if err != nil {
		return step{"greeting", err}
	}
	if err := c.Hello(heloName()); err != nil {
		return step{"EHLO", err}
	}
	if s.TLS == TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return configError{errors.New("the server does not offer STARTTLS (tls: starttls)")}
		}
		if err := c.StartTLS(tlsConfig(s.Host, s.InsecureSkipVerify)); err != nil {
			return step{"STARTTLS", err}
		}
	}
	if s.User != "" {
		ok, mechs := c.Extension("AUTH")
		if !ok {
			return configError{fmt.Errorf("the server does not offer AUTH; cannot log in as %s", s.User)}
		}
		// TLSNone is loopback only: the password may go in the clear there.
		plain := s.TLS == TLSNone
		var a smtp.Auth
		switch {
		case hasWord(mechs, "PLAIN"):
			a = smtp.PlainAuth("", s.User, s.Password, s.Host, plain)
		case hasWord(mechs, "LOGIN"):
			a = smtp.LoginAuth(s.User, s.Password, s.Host, plain)
		default:
			return configError{fmt.Errorf("the server offers neither AUTH PLAIN nor LOGIN (%s)", mechs)}
		}
		if err := c.Auth(a); err != nil {
			return step{"AUTH as " + s.User, err}
		}
	}
	if err := c.Mail("<" + from + ">"); err != nil {
		return step{"MAIL FROM:<" + from + ">", err}
	}
	for _, r := range to {
		if err := c.Rcpt("<" + r + ">"); err != nil {
			_ = c.Reset()
			return step{"RCPT TO:<" + r + ">", err}
		}
	}
	w, err := c.Data()
	if err != nil {
		return step{"DATA", err}
	}
	if _, err := w.Write(raw); err != nil {
		return step{"sending the message", err}
	}
	if err := w.Close(); err != nil {
		return step{"end of DATA", err}
	}
	// The message is accepted; a failed QUIT changes nothing.
	_ = c.Quit()
	return nil
}

// step names the command that failed.
type step struct {
	what string
	err  error
}

func (s step) Error() string { return s.what + ": " + s.err.Error() }
func (s step) Unwrap() error { return s.err }

// configError is a request that cannot work as given.
type configError struct{ err error }

func (e configError) Error() string { return e.err.Error() }
func (e configError) Unwrap() error { return e.err }

func checkSMTP(s SMTP) error {
	if s.Host == "" {
		return configError{errors.New("no SMTP host")}
	}
	if s.Port <= 0 || s.Port > 65535 {
		return configError{fmt.Errorf("bad SMTP port %d", s.Port)}
	}
	return checkTLSMode(s.TLS, s.Host)
}

func checkTLSMode(mode, host string) error {
	switch mode {
	case TLSImplicit, TLSStartTLS:
		return nil
	case TLSNone:
		if !isLoopback(host) {
			return configError{fmt.Errorf("tls: none is only allowed to a loopback host, not %q", host)}
		}
		return nil
	default:
		return configError{fmt.Errorf("tls must be implicit, starttls or none, not %q", mode)}
	}
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

func checkAddr(what, a string) error {
	if a == "" || strings.ContainsAny(a, "<>\r\n \t") || !strings.Contains(a, "@") {
		return configError{fmt.Errorf("bad %s address %q", what, a)}
	}
	return nil
}

func hasWord(list, w string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, w) {
			return true
		}
	}
	return false
}

// heloName is this host's name when it is usable in EHLO, else localhost.
func heloName() string {
	h, err := os.Hostname()
	if err != nil || h == "" || strings.ContainsFunc(h, func(r rune) bool {
		return !(r == '.' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) {
		return "localhost"
	}
	return h
}

func tlsConfig(host string, insecure bool) *tls.Config {
	return &tls.Config{ServerName: host, InsecureSkipVerify: insecure, MinVersion: tls.VersionTLS12} //nolint:gosec // opt-in for test servers
}

// timedConn gives every Read and Write its own deadline: the peer must
// make progress within the timeout, however long the whole exchange. A
// zero timeout leaves the deadlines to the caller of SetDeadline.
type timedConn struct {
	net.Conn
	timeout atomic.Int64 // time.Duration
}

func (c *timedConn) Read(b []byte) (int, error) {
	if d := time.Duration(c.timeout.Load()); d > 0 {
		if err := c.Conn.SetReadDeadline(time.Now().Add(d)); err != nil {
			return 0, err
		}
	}
	return c.Conn.Read(b)
}

func (c *timedConn) Write(b []byte) (int, error) {
	if d := time.Duration(c.timeout.Load()); d > 0 {
		if err := c.Conn.SetWriteDeadline(time.Now().Add(d)); err != nil {
			return 0, err
		}
	}
	return c.Conn.Write(b)
}

// dialed is a connection in its TLS mode over a timedConn.
type dialed struct {
	raw net.Conn
	tc  *timedConn
	tls *tls.Conn // implicit TLS
}

// net is what the protocol client reads and writes: the TLS connection, so
// that the client knows it is encrypted, or the timed plain one.
func (d *dialed) net() net.Conn {
	if d.tls != nil {
		return d.tls
	}
	return d.tc
}

func (d *dialed) Close() error { return d.raw.Close() }

// dialTCP connects to addr, within timeout, and makes the TLS handshake
// when mode is implicit.
func dialTCP(ctx context.Context, addr, host, mode string, insecure bool, timeout time.Duration) (*dialed, error) {
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	raw, err := (&net.Dialer{}).DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	d := &dialed{raw: raw, tc: &timedConn{Conn: raw}}
	d.tc.timeout.Store(int64(timeout))
	if mode == TLSImplicit {
		d.tls = tls.Client(d.tc, tlsConfig(host, insecure))
		if err := d.tls.HandshakeContext(dctx); err != nil {
			raw.Close()
			return nil, fmt.Errorf("TLS handshake: %w", err)
		}
	}
	return d, nil
}

// classifySMTP wraps err with ErrTemporary or ErrPermanent and the server's
// address.
func classifySMTP(ctx context.Context, addr string, err error) error {
	kind := ErrTemporary
	var tp *textproto.Error
	var ce configError
	switch {
	case ctx.Err() != nil:
		// Cancelled or past the caller's deadline: the connection was cut
		// on purpose, and the message may be tried again.
		return fmt.Errorf("smtp %s: %w (%w: %w)", addr, err, kind, context.Cause(ctx))
	case errors.As(err, &tp):
		if tp.Code >= 500 && tp.Code < 600 {
			kind = ErrPermanent
		}
	case errors.As(err, &ce), permanentTLS(err),
		errors.Is(err, smtp.ErrUnencrypted), errors.Is(err, smtp.ErrWrongHostname):
		kind = ErrPermanent
	}
	return fmt.Errorf("smtp %s: %w (%w)", addr, err, kind)
}

// permanentTLS reports TLS failures that another try cannot mend: a
// certificate that does not verify, or a server that does not speak TLS
// (a plain port given with tls: implicit).
func permanentTLS(err error) bool {
	var (
		verr *tls.CertificateVerificationError
		rerr tls.RecordHeaderError
	)
	return errors.As(err, &verr) || errors.As(err, &rerr)
}
