// Package imapmem runs an in-process IMAP server holding messages in memory
// (go-imap's imapserver with imapmemserver), listening on a loopback port:
// the sample mailbox of `shoubao demo` and the fast IMAP server of tests.
package imapmem

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// Server is a running in-memory IMAP server.
type Server struct {
	srv  *imapserver.Server
	mem  *imapmemserver.Server
	ln   net.Listener
	done chan struct{}

	mu    sync.Mutex
	users map[string]*imapmemserver.User
}

// Start listens on addr (e.g. "127.0.0.1:0") and serves plain IMAP with
// IDLE, MOVE and UIDPLUS.
func Start(addr string) (*Server, error) { return StartTLS(addr, nil, false) }

// StartTLS is Start with TLS: implicit TLS on every connection (as on port
// 993) when implicit is true, otherwise STARTTLS offered on a plain
// connection (as on port 143).
func StartTLS(addr string, tlsConfig *tls.Config, implicit bool) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("imapmem: listen: %w", err)
	}
	var starttls *tls.Config
	if tlsConfig != nil {
		if implicit {
			ln = tls.NewListener(ln, tlsConfig)
		} else {
			starttls = tlsConfig
		}
	}
	mem := imapmemserver.New()
	s := &Server{mem: mem, ln: ln, done: make(chan struct{}), users: map[string]*imapmemserver.User{}}
	s.srv = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps: imap.CapSet{
			imap.CapIMAP4rev1: {}, imap.CapIdle: {}, imap.CapMove: {}, imap.CapUIDPlus: {},
		},
		InsecureAuth: true,
		TLSConfig:    starttls,
		Logger:       log.New(io.Discard, "", 0),
	})
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Addr returns the host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Port returns the port the server listens on.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// AddUser creates a user with an INBOX.
func (s *Server) AddUser(name, password string) error {
	u := imapmemserver.NewUser(name, password)
	if err := u.Create("INBOX", nil); err != nil {
		return fmt.Errorf("imapmem: create INBOX: %w", err)
	}
	s.mem.AddUser(u)
	s.mu.Lock()
	s.users[name] = u
	s.mu.Unlock()
	return nil
}

func (s *Server) user(name string) (*imapmemserver.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[name]
	if u == nil {
		return nil, fmt.Errorf("imapmem: no user %q", name)
	}
	return u, nil
}

// Append adds a message to a folder with the given receipt time
// (INTERNALDATE) and returns its UID.
func (s *Server) Append(user, folder string, raw []byte, received time.Time) (imap.UID, error) {
	u, err := s.user(user)
	if err != nil {
		return 0, err
	}
	data, err := u.Append(folder, literal{bytes.NewReader(raw), int64(len(raw))}, &imap.AppendOptions{Time: received})
	if err != nil {
		return 0, fmt.Errorf("imapmem: append: %w", err)
	}
	return data.UID, nil
}

type literal struct {
	io.Reader
	size int64
}

func (l literal) Size() int64 { return l.size }

// Close stops the server.
func (s *Server) Close() error {
	err := s.srv.Close()
	<-s.done
	return err
}
