package imaptest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/shoubao/shoubao/pipeline/imapmem"
)

// EnvRequire, when 1, turns a missing Dovecot into a failure instead of a
// skip (the test script installs it).
const EnvRequire = "SHOUBAO_REQUIRE_SERVICES"

// Server is an IMAP server under test with one user.
type Server struct {
	Name     string
	Addr     string
	User     string
	Password string
	// LMTPAddr is the LMTP listener delivering to User's mailbox, when
	// started (DovecotOptions.LMTP).
	LMTPAddr string
	// maildir is a Dovecot user's Maildir, and uid and gid own its files.
	maildir  string
	uid, gid int
}

// Host and Port split Addr.
func (s *Server) Host() string { h, _, _ := net.SplitHostPort(s.Addr); return h }

// Port returns the server's port.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr)
	n, _ := strconv.Atoi(p)
	return n
}

// Mem starts an in-memory server (imapmem) with one user.
func Mem(t testing.TB) *Server {
	t.Helper()
	srv, err := imapmem.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if err := srv.AddUser("unit@163.com", "authcode"); err != nil {
		t.Fatal(err)
	}
	return &Server{Name: "imapmem", Addr: srv.Addr(), User: "unit@163.com", Password: "authcode"}
}

// Dovecot starts a real Dovecot (Debian package dovecot-imapd) on a free
// loopback port, with its configuration, state and Maildir in a temporary
// directory and one passwd-file user. It skips when dovecot is not
// installed, unless SHOUBAO_REQUIRE_SERVICES=1.
func Dovecot(t testing.TB) *Server { t.Helper(); return DovecotWith(t, DovecotOptions{}) }

// DovecotOptions add to the Dovecot that DovecotWith starts.
type DovecotOptions struct {
	// LMTP also starts an LMTP listener on a free loopback port
	// (Server.LMTPAddr) delivering to the user's INBOX; it needs the Debian
	// package dovecot-lmtpd.
	LMTP bool
	// Conf is appended to the generated dovecot.conf: a namespace with
	// special-use mailboxes, say.
	Conf string
}

// DovecotWith is Dovecot with options.
func DovecotWith(t testing.TB, o DovecotOptions) *Server {
	t.Helper()
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		for _, p := range []string{"/usr/sbin/dovecot", "/sbin/dovecot"} {
			if _, serr := os.Stat(p); serr == nil {
				bin, err = p, nil
			}
		}
	}
	if err != nil {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatal("dovecot is required but not installed (apt-get install dovecot-imapd)")
		}
		t.Skip("dovecot not installed (apt-get install dovecot-imapd)")
	}
	if o.LMTP && !lmtpInstalled() {
		if os.Getenv(EnvRequire) == "1" {
			t.Fatal("dovecot's LMTP server is required but not installed (apt-get install dovecot-lmtpd)")
		}
		t.Skip("dovecot's LMTP server not installed (apt-get install dovecot-lmtpd)")
	}
	dir, err := os.MkdirTemp("", "shoubao-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	port := freePort(t)

	// Dovecot refuses to run mail processes as root; when the tests run as
	// root (CI) the mail user is the packaged "dovecot" account.
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	mailUser, loginUser := me.Username, me.Username
	uid, gid := me.Uid, me.Gid
	if me.Uid == "0" {
		mailUser, loginUser = "dovecot", "dovenull"
		du, err := user.Lookup("dovecot")
		if err != nil {
			t.Fatalf("dovecot runs as root but there is no dovecot user: %v", err)
		}
		uid, gid = du.Uid, du.Gid
	}
	home := filepath.Join(dir, "home")
	for _, d := range []string{home, filepath.Join(dir, "run"), filepath.Join(dir, "state")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if me.Uid == "0" {
		u, _ := strconv.Atoi(uid)
		g, _ := strconv.Atoi(gid)
		if err := os.Chown(home, u, g); err != nil {
			t.Fatal(err)
		}
		// The temp dir itself must be traversable by the mail user.
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	const user, pass = "unit@163.com", "authcode"
	if err := os.WriteFile(filepath.Join(dir, "passwd"), []byte(user+":{PLAIN}"+pass+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`
base_dir = %[1]s/run
state_dir = %[1]s/state
instance_name = shoubao-test-%[2]d
log_path = %[1]s/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = %[3]s
default_login_user = %[4]s
first_valid_uid = 1
mail_location = maildir:%[1]s/home/%%u/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/passwd
}
userdb {
  driver = static
  args = uid=%[5]s gid=%[6]s home=%[1]s/home/%%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %[2]d
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
protocol imap {
  imap_idle_notify_interval = 1 secs
}
`, dir, port, mailUser, loginUser, uid, gid)
	lmtpAddr := ""
	if o.LMTP {
		lmtpPort := freePort(t)
		lmtpAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(lmtpPort))
		conf = strings.Replace(conf, "protocols = imap\n", "protocols = imap lmtp\n", 1)
		conf += fmt.Sprintf(`
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = %d
  }
}
`, lmtpPort)
	}
	conf += o.Conf
	confPath := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-F", "-c", confPath)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dovecot: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Fatalf("dovecot did not start on %s: %v\n%s\n%s", addr, err, out.String(), log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if lmtpAddr != "" {
		waitPort(t, lmtpAddr, deadline, dir, &out)
	}
	srv := &Server{Name: "dovecot", Addr: addr, User: user, Password: pass, LMTPAddr: lmtpAddr,
		maildir: filepath.Join(home, user, "Maildir"), uid: -1, gid: -1}
	if me.Uid == "0" {
		srv.uid, _ = strconv.Atoi(uid)
		srv.gid, _ = strconv.Atoi(gid)
	}
	return srv
}

func lmtpInstalled() bool {
	for _, p := range []string{"/usr/lib/dovecot/lmtp", "/usr/libexec/dovecot/lmtp"} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

func waitPort(t testing.TB, addr string, deadline time.Time, dir string, out *bytes.Buffer) {
	t.Helper()
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Fatalf("dovecot did not listen on %s: %v\n%s\n%s", addr, err, out.String(), log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Client logs in to the server over IMAP (no ID, plain connection).
func (s *Server) Client(t testing.TB) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", s.Addr, err)
	}
	if err := c.Login(s.User, s.Password).Wait(); err != nil {
		c.Close()
		t.Fatalf("login: %v", err)
	}
	return c
}

// Append appends a message to folder with the given INTERNALDATE, over IMAP.
func (s *Server) Append(t testing.TB, folder string, raw []byte, received time.Time) {
	t.Helper()
	c := s.Client(t)
	defer c.Close()
	cmd := c.Append(folder, int64(len(raw)), &imap.AppendOptions{Time: received})
	if _, err := cmd.Write(raw); err != nil {
		t.Fatalf("append: %v", err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatalf("append: %v", err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("append: %v", err)
	}
}

// Recreate deletes folder and creates it again, which gives it a new
// UIDVALIDITY; it returns the old and new values.
func (s *Server) Recreate(t testing.TB, folder string) (oldVal, newVal uint32) {
	t.Helper()
	c := s.Client(t)
	defer c.Close()
	st, err := c.Status(folder, &imap.StatusOptions{UIDValidity: true}).Wait()
	if err != nil {
		t.Fatalf("status %s: %v", folder, err)
	}
	oldVal = st.UIDValidity
	for i := 0; i < 30; i++ {
		if err := c.Delete(folder).Wait(); err != nil {
			t.Fatalf("delete %s: %v", folder, err)
		}
		if err := c.Create(folder, nil).Wait(); err != nil {
			t.Fatalf("create %s: %v", folder, err)
		}
		st, err := c.Status(folder, &imap.StatusOptions{UIDValidity: true}).Wait()
		if err != nil {
			t.Fatalf("status %s: %v", folder, err)
		}
		if st.UIDValidity != oldVal {
			return oldVal, st.UIDValidity
		}
		// Dovecot derives UIDVALIDITY from the clock: try again next second.
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("UIDVALIDITY of %s did not change", folder)
	return 0, 0
}

// CreateFolder creates a folder.
func (s *Server) CreateFolder(t testing.TB, folder string) {
	t.Helper()
	c := s.Client(t)
	defer c.Close()
	if err := c.Create(folder, nil).Wait(); err != nil {
		t.Fatalf("create %s: %v", folder, err)
	}
}

// Flags returns each message's flags in folder, by UID.
func (s *Server) Flags(t testing.TB, folder string) map[imap.UID][]imap.Flag {
	t.Helper()
	c := s.Client(t)
	defer c.Close()
	if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatalf("select %s: %v", folder, err)
	}
	msgs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil {
		t.Fatalf("fetch flags: %v", err)
	}
	out := map[imap.UID][]imap.Flag{}
	for _, m := range msgs {
		out[m.UID] = m.Flags
	}
	return out
}

// Count returns the number of messages in folder.
func (s *Server) Count(t testing.TB, folder string) uint32 {
	t.Helper()
	c := s.Client(t)
	defer c.Close()
	st, err := c.Status(folder, &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		t.Fatalf("status %s: %v", folder, err)
	}
	return *st.NumMessages
}

// AppendMany appends n messages to folder over one connection, msg(i)
// giving the i-th (0-based), with the given INTERNALDATE. It pipelines the
// commands (64 in flight), so filling a mailbox with thousands of messages
// takes seconds.
func (s *Server) AppendMany(t testing.TB, folder string, n int, msg func(i int) []byte, received time.Time) {
	t.Helper()
	c := s.Client(t)
	defer c.Close()
	const window = 64
	var inflight []*imapclient.AppendCommand
	wait := func() {
		for _, cmd := range inflight {
			if _, err := cmd.Wait(); err != nil {
				t.Fatalf("append: %v", err)
			}
		}
		inflight = inflight[:0]
	}
	for i := 0; i < n; i++ {
		raw := msg(i)
		cmd := c.Append(folder, int64(len(raw)), &imap.AppendOptions{Time: received})
		if _, err := cmd.Write(raw); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		if inflight = append(inflight, cmd); len(inflight) == window {
			wait()
		}
	}
	wait()
}

// Sizes returns each message's RFC822.SIZE in folder, by UID.
func (s *Server) Sizes(t testing.TB, folder string) map[imap.UID]int64 {
	t.Helper()
	c := s.Client(t)
	defer c.Close()
	if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatalf("select %s: %v", folder, err)
	}
	msgs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
	if err != nil {
		t.Fatalf("fetch sizes: %v", err)
	}
	out := map[imap.UID]int64{}
	for _, m := range msgs {
		out[m.UID] = m.RFC822Size
	}
	return out
}

// FillInbox writes n messages, msg(i) giving the i-th (0-based), straight
// into a Dovecot's INBOX Maildir with the given INTERNALDATE, as a mail
// delivery agent would; Dovecot numbers them when a client next opens
// INBOX. It takes a second for 10,000 messages, where APPENDs take a
// minute. Only for a Dovecot (it fails on another server).
func (s *Server) FillInbox(t testing.TB, n int, msg func(i int) []byte, received time.Time) {
	t.Helper()
	if s.maildir == "" {
		t.Fatalf("FillInbox: %s is not a Dovecot", s.Name)
	}
	dirs := []string{filepath.Dir(s.maildir)} // the user's home
	for _, d := range []string{"", "cur", "new", "tmp"} {
		dir := filepath.Join(s.maildir, d)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	for i := 0; i < n; i++ {
		// Unique names in the Maildir way; ",S=" and ",W=" give Dovecot the
		// size on disk and with CRLF line ends (RFC822.SIZE), as its own
		// deliveries do.
		raw := msg(i)
		vsize := len(raw) + bytes.Count(raw, []byte("\n")) - bytes.Count(raw, []byte("\r\n"))
		name := fmt.Sprintf("%d.M%dP%d.shoubao-test,S=%d,W=%d:2,", received.Unix(), i, os.Getpid(), len(raw), vsize)
		path := filepath.Join(s.maildir, "cur", name)
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, received, received); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, path)
	}
	if s.uid >= 0 {
		for _, p := range dirs {
			if err := os.Chown(p, s.uid, s.gid); err != nil {
				t.Fatal(err)
			}
		}
	}
}
