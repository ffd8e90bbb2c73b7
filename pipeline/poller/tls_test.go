package poller_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/shoubao/shoubao/pipeline/imapmem"
	"github.com/shoubao/shoubao/pipeline/poller"
	"github.com/shoubao/shoubao/pipeline/poller/imaptest"
)

func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "imap.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

// TestTLSModes syncs over implicit TLS (port 993 style, as 163.com and QQ
// mail) and STARTTLS, and checks that an unverifiable certificate is
// refused unless insecure_skip_verify is set.
func TestTLSModes(t *testing.T) {
	for _, implicit := range []bool{true, false} {
		mode := map[bool]string{true: "implicit", false: "starttls"}[implicit]
		t.Run(mode, func(t *testing.T) {
			srv, err := imapmem.StartTLS("127.0.0.1:0", selfSigned(t), implicit)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			if err := srv.AddUser("unit@163.com", "authcode"); err != nil {
				t.Fatal(err)
			}
			if _, err := srv.Append("unit@163.com", "INBOX", message(1, 100), time.Now()); err != nil {
				t.Fatal(err)
			}
			b := setup(t, &imaptest.Server{Addr: srv.Addr(), User: "unit@163.com", Password: "authcode"})
			mb := b.mailbox("", "INBOX")
			mb.TLS = mode
			if _, err := b.poller(mb, poller.Options{}).SyncOnce(context.Background()); err == nil {
				t.Fatal("a self-signed certificate was accepted without insecure_skip_verify")
			}
			mb.InsecureSkipVerify = true
			if n, err := b.poller(mb, poller.Options{}).SyncOnce(context.Background()); err != nil || n != 1 {
				t.Fatalf("sync over %s: %d, %v", mode, n, err)
			}
		})
	}
}
