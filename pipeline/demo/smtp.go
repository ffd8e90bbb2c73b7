package demo

import (
	"bytes"
	"io"
	"net"
	"sync"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Outbox is an in-process SMTP server on loopback that keeps every message
// it is given: where `shoubao demo` sends its receipts.
type Outbox struct {
	srv *smtp.Server
	ln  net.Listener
	mu  sync.Mutex
	// msgs are the raw messages received, in order.
	msgs [][]byte
}

// StartOutbox starts the server on a free loopback port.
func StartOutbox() (*Outbox, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	o := &Outbox{ln: ln}
	o.srv = smtp.NewServer(o)
	o.srv.Domain = "localhost"
	o.srv.AllowInsecureAuth = true
	go func() { _ = o.srv.Serve(ln) }()
	return o, nil
}

// Port is the server's port.
func (o *Outbox) Port() int { return o.ln.Addr().(*net.TCPAddr).Port }

// Messages returns the messages received so far.
func (o *Outbox) Messages() [][]byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([][]byte(nil), o.msgs...)
}

// Close stops the server.
func (o *Outbox) Close() { _ = o.srv.Close() }

// NewSession implements smtp.Backend.
func (o *Outbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &outboxSession{o: o}, nil }

type outboxSession struct{ o *Outbox }

// AuthMechanisms and Auth take any login, as a provider's server takes
// the mailbox's authorization code.
func (s *outboxSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *outboxSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(string, string, string) error { return nil }), nil
}

func (s *outboxSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *outboxSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *outboxSession) Reset()                               {}
func (s *outboxSession) Logout() error                        { return nil }
func (s *outboxSession) Data(r io.Reader) error {
	var b bytes.Buffer
	if _, err := io.Copy(&b, r); err != nil {
		return err
	}
	s.o.mu.Lock()
	s.o.msgs = append(s.o.msgs, b.Bytes())
	s.o.mu.Unlock()
	return nil
}
