package mailout_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/shoubao/shoubao/sinks/mailout"
)

// smtpServer is an in-process SMTP server (emersion/go-smtp) that keeps
// what it accepts and fails the commands it is told to.
type smtpServer struct {
	Addr string
	Port int

	// User and Password, when set, are required (AUTH PLAIN or LOGIN).
	User, Password string

	mu       sync.Mutex
	got      []delivery
	failMail error
	failRcpt map[string]error
	failData error
	mechs    []string
}

type delivery struct {
	From string
	To   []string
	Data []byte
}

type serverOpts struct {
	// implicit: TLS from the first byte; starttls: STARTTLS offered.
	tls            string
	user, password string
	// mechs offered when logging in is required (default PLAIN).
	mechs []string
}

func startSMTP(t *testing.T, o serverOpts) *smtpServer {
	t.Helper()
	s := &smtpServer{User: o.user, Password: o.password, failRcpt: map[string]error{}, mechs: o.mechs}
	if len(s.mechs) == 0 {
		s.mechs = []string{sasl.Plain}
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "smtp.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.EnableSMTPUTF8 = true
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	switch o.tls {
	case "implicit":
		ln = tls.NewListener(ln, selfSigned(t))
	case "starttls":
		srv.TLSConfig = selfSigned(t)
	default:
		srv.AllowInsecureAuth = true
	}
	s.Addr = ln.Addr().String()
	s.Port = ln.Addr().(*net.TCPAddr).Port
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *smtpServer) deliveries() []delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]delivery(nil), s.got...)
}

func (s *smtpServer) config(mode string) mailout.SMTP {
	return mailout.SMTP{Host: "127.0.0.1", Port: s.Port, TLS: mode, User: s.User, Password: s.Password, InsecureSkipVerify: true}
}

type session struct {
	s      *smtpServer
	authed bool
	from   string
	to     []string
}

func (se *session) AuthMechanisms() []string {
	if se.s.User == "" {
		return nil
	}
	return se.s.mechs
}

func (se *session) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if user != se.s.User || pass != se.s.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Error: authentication failed"}
		}
		se.authed = true
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.s.User != "" && !se.authed {
		return smtp.ErrAuthRequired
	}
	se.s.mu.Lock()
	defer se.s.mu.Unlock()
	if se.s.failMail != nil {
		return se.s.failMail
	}
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.s.mu.Lock()
	defer se.s.mu.Unlock()
	if err := se.s.failRcpt[to]; err != nil {
		return err
	}
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	se.s.mu.Lock()
	defer se.s.mu.Unlock()
	if se.s.failData != nil {
		return se.s.failData
	}
	se.s.got = append(se.s.got, delivery{From: se.from, To: se.to, Data: b})
	return nil
}

func (se *session) Reset()        { se.from, se.to = "", nil }
func (se *session) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN, which go-sasl no longer
// has.
type loginServer struct {
	check func(user, pass string) error
	step  int
	user  string
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	l.step++
	switch l.step {
	case 1:
		if resp != nil {
			l.user, l.step = string(resp), 2
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 2:
		l.user = string(resp)
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.user, string(resp))
	}
}

// selfSigned is a TLS configuration with a certificate for 127.0.0.1 that
// no one signed.
func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "smtp.test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

// receipt is a small composed message, with LF line ends and a line that
// starts with a dot.
func receipt(id string) []byte {
	return []byte("From: office@163.com\nTo: unit@example.com\nSubject: =?UTF-8?B?5Zue5omn?=\n" +
		"Message-ID: <" + id + ">\nDate: Mon, 08 Jun 2026 10:00:00 +0800\nMIME-Version: 1.0\n" +
		"Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n" +
		"已收到。\n.a line that starts with a dot\n")
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSendDelivers(t *testing.T) {
	t.Parallel()
	s := startSMTP(t, serverOpts{})
	raw := receipt("r1@shoubao.test")
	if err := mailout.Send(ctxT(t), s.config(mailout.TLSNone), "office@163.com", []string{"unit@example.com", "other@example.com"}, raw); err != nil {
		t.Fatal(err)
	}
	got := s.deliveries()
	if len(got) != 1 {
		t.Fatalf("%d deliveries, want 1", len(got))
	}
	d := got[0]
	if d.From != "office@163.com" || strings.Join(d.To, ",") != "unit@example.com,other@example.com" {
		t.Errorf("envelope %s -> %v", d.From, d.To)
	}
	// The server undoes dot-stuffing; line ends went out as CRLF.
	want := strings.ReplaceAll(string(raw), "\n", "\r\n")
	if string(d.Data) != want {
		t.Errorf("data:\n%q\nwant\n%q", d.Data, want)
	}
}

func Test163TooManyIsTemporary(t *testing.T) {
	t.Parallel()
	// 163's "too many" replies, at the command where 163 gives each.
	cases := []struct {
		name string
		set  func(*smtpServer)
		text string
	}{
		{"451 MI:SFQ at MAIL", func(s *smtpServer) {
			s.failMail = &smtp.SMTPError{Code: 451, Message: "MI:SFQ Sender frequency exceeds the limit http://mail.163.com/help/help_spam_16.htm?ip=1.2.3.4"}
		}, "MI:SFQ"},
		{"450 MI:DMC at MAIL", func(s *smtpServer) {
			s.failMail = &smtp.SMTPError{Code: 450, Message: "MI:DMC Too many connections from this IP"}
		}, "MI:DMC"},
		{"450 RP:DRC at RCPT", func(s *smtpServer) {
			s.failRcpt["unit@example.com"] = &smtp.SMTPError{Code: 450, Message: "RP:DRC too many recipients for this sender today"}
		}, "RP:DRC"},
		{"451 DT:SPM at end of DATA", func(s *smtpServer) {
			s.failData = &smtp.SMTPError{Code: 451, Message: "DT:SPM 163 smtp14,EsCowACnJ_ too many messages, try later"}
		}, "DT:SPM"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := startSMTP(t, serverOpts{})
			c.set(s)
			err := mailout.Send(ctxT(t), s.config(mailout.TLSNone), "office@163.com", []string{"unit@example.com"}, receipt("r@x"))
			if !errors.Is(err, mailout.ErrTemporary) || errors.Is(err, mailout.ErrPermanent) {
				t.Fatalf("err = %v, want ErrTemporary only", err)
			}
			if !strings.Contains(err.Error(), c.text) {
				t.Errorf("err %q lost the server's reply %q", err, c.text)
			}
			var tp *textproto.Error
			if !errors.As(err, &tp) || tp.Code/100 != 4 {
				t.Errorf("no 4xx textproto.Error in %v", err)
			}
			if n := len(s.deliveries()); n != 0 {
				t.Errorf("%d deliveries", n)
			}
		})
	}
}

func TestRefusalIsPermanent(t *testing.T) {
	t.Parallel()
	s := startSMTP(t, serverOpts{})
	s.failRcpt["nobody@example.com"] = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "User not found: nobody@example.com"}
	// A refused recipient fails the whole send: nothing goes to the others.
	err := mailout.Send(ctxT(t), s.config(mailout.TLSNone), "office@163.com", []string{"unit@example.com", "nobody@example.com"}, receipt("r@x"))
	if !errors.Is(err, mailout.ErrPermanent) || errors.Is(err, mailout.ErrTemporary) {
		t.Fatalf("err = %v, want ErrPermanent only", err)
	}
	for _, want := range []string{"550", "User not found", "RCPT TO:<nobody@example.com>"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err %q lacks %q", err, want)
		}
	}
	if n := len(s.deliveries()); n != 0 {
		t.Errorf("%d deliveries after a refused recipient", n)
	}

	// 163 refuses spam at the end of DATA with 554 DT:SPM.
	s.failRcpt = map[string]error{}
	s.failData = &smtp.SMTPError{Code: 554, Message: "DT:SPM 163 smtp3,GdxpCgD3 Mail content denied"}
	err = mailout.Send(ctxT(t), s.config(mailout.TLSNone), "office@163.com", []string{"unit@example.com"}, receipt("r@x"))
	if !errors.Is(err, mailout.ErrPermanent) || !strings.Contains(err.Error(), "Mail content denied") {
		t.Fatalf("err = %v, want ErrPermanent with the reply", err)
	}
}

func TestAuthOverImplicitTLS(t *testing.T) {
	t.Parallel()
	for _, mech := range []string{sasl.Plain, sasl.Login} {
		t.Run(mech, func(t *testing.T) {
			s := startSMTP(t, serverOpts{tls: "implicit", user: "office@163.com", password: "authcode", mechs: []string{mech}})
			if err := mailout.Send(ctxT(t), s.config(mailout.TLSImplicit), "office@163.com", []string{"unit@example.com"}, receipt("r@x")); err != nil {
				t.Fatal(err)
			}
			if n := len(s.deliveries()); n != 1 {
				t.Fatalf("%d deliveries", n)
			}
		})
	}
	t.Run("wrong password", func(t *testing.T) {
		s := startSMTP(t, serverOpts{tls: "implicit", user: "office@163.com", password: "authcode"})
		cfg := s.config(mailout.TLSImplicit)
		cfg.Password = "wrong"
		err := mailout.Send(ctxT(t), cfg, "office@163.com", []string{"unit@example.com"}, receipt("r@x"))
		if !errors.Is(err, mailout.ErrPermanent) || !strings.Contains(err.Error(), "535") {
			t.Fatalf("err = %v, want ErrPermanent with 535", err)
		}
	})
	t.Run("certificate not trusted", func(t *testing.T) {
		s := startSMTP(t, serverOpts{tls: "implicit", user: "office@163.com", password: "authcode"})
		cfg := s.config(mailout.TLSImplicit)
		cfg.InsecureSkipVerify = false
		err := mailout.Send(ctxT(t), cfg, "office@163.com", []string{"unit@example.com"}, receipt("r@x"))
		if !errors.Is(err, mailout.ErrPermanent) || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("err = %v, want ErrPermanent for the certificate", err)
		}
	})
	t.Run("implicit TLS to a plain server", func(t *testing.T) {
		s := startSMTP(t, serverOpts{})
		cfg := s.config(mailout.TLSImplicit)
		cfg.Timeout = 2 * time.Second
		err := mailout.Send(ctxT(t), cfg, "office@163.com", []string{"unit@example.com"}, receipt("r@x"))
		if !errors.Is(err, mailout.ErrPermanent) {
			t.Fatalf("err = %v, want ErrPermanent", err)
		}
	})
}

func TestStartTLS(t *testing.T) {
	t.Parallel()
	s := startSMTP(t, serverOpts{tls: "starttls", user: "office@163.com", password: "authcode"})
	if err := mailout.Send(ctxT(t), s.config(mailout.TLSStartTLS), "office@163.com", []string{"unit@example.com"}, receipt("r@x")); err != nil {
		t.Fatal(err)
	}
	// A server without STARTTLS is refused rather than used in the clear.
	plain := startSMTP(t, serverOpts{})
	err := mailout.Send(ctxT(t), plain.config(mailout.TLSStartTLS), "office@163.com", []string{"unit@example.com"}, receipt("r@x"))
	if !errors.Is(err, mailout.ErrPermanent) || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("err = %v, want ErrPermanent about STARTTLS", err)
	}
	if n := len(plain.deliveries()); n != 0 {
		t.Errorf("%d deliveries in the clear", n)
	}
}

func TestPlainOnlyToLoopback(t *testing.T) {
	t.Parallel()
	// Refused before any connection is made.
	for _, host := range []string{"smtp.163.com", "192.0.2.1", "localhost.example.com"} {
		err := mailout.Send(ctxT(t), mailout.SMTP{Host: host, Port: 25, TLS: mailout.TLSNone}, "office@163.com", []string{"unit@example.com"}, receipt("r@x"))
		if !errors.Is(err, mailout.ErrPermanent) || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("%s: err = %v, want ErrPermanent about loopback", host, err)
		}
	}
	for _, bad := range []mailout.SMTP{
		{Host: "127.0.0.1", Port: 25, TLS: "ssl"},
		{Host: "", Port: 25, TLS: mailout.TLSImplicit},
		{Host: "127.0.0.1", Port: 0, TLS: mailout.TLSNone},
	} {
		if err := mailout.Send(ctxT(t), bad, "office@163.com", []string{"unit@example.com"}, receipt("r@x")); !errors.Is(err, mailout.ErrPermanent) {
			t.Errorf("%+v: err = %v, want ErrPermanent", bad, err)
		}
	}
	s := startSMTP(t, serverOpts{})
	for _, c := range []struct {
		from string
		to   []string
	}{{"", []string{"a@b"}}, {"a@b", nil}, {"a@b\r\nRCPT TO:<x@y>", []string{"a@b"}}, {"a@b", []string{"<x@y>"}}} {
		if err := mailout.Send(ctxT(t), s.config(mailout.TLSNone), c.from, c.to, receipt("r@x")); !errors.Is(err, mailout.ErrPermanent) {
			t.Errorf("from %q to %q: err = %v, want ErrPermanent", c.from, c.to, err)
		}
	}
	if n := len(s.deliveries()); n != 0 {
		t.Errorf("%d deliveries", n)
	}
}

func TestConnectionRefusedIsTemporary(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	err = mailout.Send(ctxT(t), mailout.SMTP{Host: "127.0.0.1", Port: port, TLS: mailout.TLSNone}, "office@163.com", []string{"unit@example.com"}, receipt("r@x"))
	if !errors.Is(err, mailout.ErrTemporary) || errors.Is(err, mailout.ErrPermanent) {
		t.Fatalf("err = %v, want ErrTemporary", err)
	}
	if !strings.Contains(err.Error(), "refused") {
		t.Errorf("err %q does not say the connection was refused", err)
	}
}

// stallServer accepts connections and answers only with greeting (when
// set) and, for each line read, the replies in order; then it says
// nothing more.
func stallServer(t *testing.T, greeting string, replies ...string) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() { close(done); ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				if greeting != "" {
					_, _ = io.WriteString(c, greeting)
				}
				buf := make([]byte, 4096)
				for _, r := range replies {
					if _, err := c.Read(buf); err != nil {
						return
					}
					_, _ = io.WriteString(c, r)
				}
				<-done
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestTimeoutsAreTemporary(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		greeting string
		replies  []string
	}{
		{"no greeting", "", nil},
		{"no reply to EHLO", "220 stall.test ESMTP\r\n", nil},
		{"no reply to MAIL", "220 stall.test ESMTP\r\n", []string{"250 stall.test\r\n"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			port := stallServer(t, c.greeting, c.replies...)
			start := time.Now()
			err := mailout.Send(ctxT(t), mailout.SMTP{Host: "127.0.0.1", Port: port, TLS: mailout.TLSNone, Timeout: 300 * time.Millisecond},
				"office@163.com", []string{"unit@example.com"}, receipt("r@x"))
			if !errors.Is(err, mailout.ErrTemporary) {
				t.Fatalf("err = %v, want ErrTemporary", err)
			}
			if !strings.Contains(err.Error(), "timeout") {
				t.Errorf("err %q does not say it timed out", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
	t.Run("implicit TLS handshake", func(t *testing.T) {
		t.Parallel()
		port := stallServer(t, "")
		err := mailout.Send(ctxT(t), mailout.SMTP{Host: "127.0.0.1", Port: port, TLS: mailout.TLSImplicit, Timeout: 300 * time.Millisecond},
			"office@163.com", []string{"unit@example.com"}, receipt("r@x"))
		if !errors.Is(err, mailout.ErrTemporary) {
			t.Fatalf("err = %v, want ErrTemporary", err)
		}
	})
}

func TestSendCancelled(t *testing.T) {
	t.Parallel()
	port := stallServer(t, "220 stall.test ESMTP\r\n")
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(200 * time.Millisecond); cancel() }()
	start := time.Now()
	err := mailout.Send(ctx, mailout.SMTP{Host: "127.0.0.1", Port: port, TLS: mailout.TLSNone}, "office@163.com", []string{"unit@example.com"}, receipt("r@x"))
	if !errors.Is(err, context.Canceled) || !errors.Is(err, mailout.ErrTemporary) {
		t.Fatalf("err = %v, want context.Canceled and ErrTemporary", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to notice the cancellation", d)
	}
}

func TestDefaultSMTP(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"jcskjjptk@163.com":   "smtp.163.com",
		"kxxhb88@126.com":     "smtp.126.com",
		"someone@yeah.net":    "smtp.yeah.net",
		"12345@qq.com":        "smtp.qq.com",
		"someone@Foxmail.com": "smtp.qq.com",
		"someone@sina.com":    "smtp.sina.com",
		"someone@139.com":     "smtp.139.com",
	}
	for addr, host := range cases {
		s, ok := mailout.DefaultSMTP(addr)
		if !ok || s.Host != host || s.Port != 465 || s.TLS != mailout.TLSImplicit || s.User != addr {
			t.Errorf("DefaultSMTP(%q) = %+v, %v", addr, s, ok)
		}
	}
	for _, addr := range []string{"a@example.com", "a@sina.cn", "a@mail.163.com", "163.com", "a@", ""} {
		if s, ok := mailout.DefaultSMTP(addr); ok {
			t.Errorf("DefaultSMTP(%q) = %+v, want false", addr, s)
		}
	}
}
