// Package mtatest starts a real MTA for tests: Debian's Postfix, with its own configuration and queue in a temporary directory.
package mtatest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// EnvRequire, when 1, turns a missing Postfix (or not being root) into a
// failure instead of a skip; the test script sets it.
const EnvRequire = "SHOUBAO_REQUIRE_SERVICES"

// MTA is a running Postfix.
type MTA struct {
	// Addr is smtpd's host:port on 127.0.0.1: no TLS, no AUTH, relaying
	// for loopback clients.
	Addr string
	// Dir holds the configuration (conf), the queue (queue) and the log
	// (maillog).
	Dir string
}

// Host returns the host of Addr.
func (m *MTA) Host() string { h, _, _ := net.SplitHostPort(m.Addr); return h }

// Port returns the port of Addr.
func (m *MTA) Port() int {
	_, p, _ := net.SplitHostPort(m.Addr)
	n, _ := strconv.Atoi(p)
	return n
}

// Log returns what Postfix has logged so far.
func (m *MTA) Log() string {
	b, _ := os.ReadFile(filepath.Join(m.Dir, "maillog"))
	return string(b)
}

// Postfix starts a Postfix instance (Debian package postfix) whose smtpd
// listens on a free 127.0.0.1 port and which relays every recipient, of
// any domain, over LMTP to lmtpAddr (host:port; Dovecot's LMTP listener,
// say). Nothing is delivered locally, no port but its own is bound, and
// the packaged instance (/etc/postfix) is neither used nor touched: the
// configuration, queue and log are in a directory under t.TempDir(), and
// the instance is stopped when the test ends.
//
// Postfix's master must start as root. The test skips when postfix is not
// installed or the test does not run as root, unless
// SHOUBAO_REQUIRE_SERVICES=1, when it fails.
func Postfix(t testing.TB, lmtpAddr string) *MTA {
	t.Helper()
	bin := Check(t)
	lmtpHost, lmtpPort, err := net.SplitHostPort(lmtpAddr)
	if err != nil {
		t.Fatalf("mtatest: LMTP address %q: %v", lmtpAddr, err)
	}

	dir := t.TempDir()
	// Postfix's daemons run as the postfix user and must reach the queue.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	conf, queue, data := filepath.Join(dir, "conf"), filepath.Join(dir, "queue"), filepath.Join(dir, "data")
	for _, d := range []string{conf, queue, data} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := chownTo(data, "postfix"); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := os.WriteFile(filepath.Join(conf, "main.cf"), []byte(mainCF(dir, queue, data, lmtpHost, lmtpPort)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(conf, "master.cf"), []byte(masterCF(port)), 0o644); err != nil {
		t.Fatal(err)
	}
	m := &MTA{Addr: addr, Dir: dir}

	out, err := exec.Command(bin, "-c", conf, "start").CombinedOutput()
	if err != nil {
		// Failures before the log file is open go to syslog only; in a
		// terminal, postfix prints them too.
		t.Fatalf("postfix -c %s start: %v\n%s\n%s\n(run `postfix -c DIR start` in a terminal to see what it sent to syslog)", conf, err, out, m.Log())
	}
	t.Cleanup(func() { stop(t, bin, conf, queue) })
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("postfix did not listen on %s: %v\n%s", addr, err, m.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return m
}

// Check skips the test, or fails it when SHOUBAO_REQUIRE_SERVICES=1,
// unless Postfix can be started: installed, and the test runs as root. It
// returns the postfix command. Postfix calls it; a test calls it first to
// skip before starting what Postfix would relay to.
func Check(t testing.TB) (postfix string) {
	t.Helper()
	unavailable := func(format string, args ...any) {
		t.Helper()
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	bin, err := exec.LookPath("postfix")
	if err != nil {
		for _, p := range []string{"/usr/sbin/postfix", "/sbin/postfix"} {
			if _, serr := os.Stat(p); serr == nil {
				bin, err = p, nil
				break
			}
		}
	}
	if err != nil {
		unavailable("postfix not installed (apt-get install postfix, as deploy/test.sh does)")
	}
	if os.Geteuid() != 0 {
		unavailable("postfix's master must be started as root; run the test as root (deploy/test.sh and CI do)")
	}
	if _, err := user.Lookup("postfix"); err != nil {
		unavailable("no postfix user (is the postfix package installed?): %v", err)
	}
	return bin
}

// mainCF is the instance's main.cf: every recipient is relayed by LMTP,
// retries come within seconds, and nothing else is done.
func mainCF(dir, queue, data, lmtpHost, lmtpPort string) string {
	next := "lmtp:inet:" + lmtpHost + ":" + lmtpPort
	if strings.Contains(lmtpHost, ":") {
		next = "lmtp:inet:[" + lmtpHost + "]:" + lmtpPort
	}
	return fmt.Sprintf(`# A private test instance of shoubao (sinks/mailout/mtatest).
compatibility_level = 3.6
queue_directory = %[1]s
data_directory = %[2]s
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = %[3]s/maillog
maillog_file_prefixes = %[3]s
myhostname = mta.shoubao.test
mydomain = shoubao.test
myorigin = $myhostname
mydestination =
local_recipient_maps =
local_transport = error:5.1.1 no local delivery
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost =
transport_maps = static:%[4]s
default_transport = %[4]s
relay_transport = %[4]s
lmtp_host_lookup = native
smtp_host_lookup = native
smtputf8_enable = yes
biff = no
notify_classes =
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
`, queue, data, dir, next)
}

// masterCF runs smtpd on 127.0.0.1:port and the daemons a relay needs,
// none chrooted.
func masterCF(port int) string {
	return fmt.Sprintf(`127.0.0.1:%d inet n - n - - smtpd
pickup    unix  n - n 60    1 pickup
cleanup   unix  n - n -     0 cleanup
qmgr      unix  n - n 300   1 qmgr
rewrite   unix  - - n -     - trivial-rewrite
bounce    unix  - - n -     0 bounce
defer     unix  - - n -     0 bounce
trace     unix  - - n -     0 bounce
verify    unix  - - n -     1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -     - proxymap
showq     unix  n - n -     - showq
error     unix  - - n -     - error
retry     unix  - - n -     - error
discard   unix  - - n -     - discard
lmtp      unix  - - n -     - lmtp
anvil     unix  - - n -     1 anvil
scache    unix  - - n -     1 scache
postlog   unix-dgram n - n - 1 postlogd
`, port)
}

// stop stops the instance and waits for its master to exit.
func stop(t testing.TB, bin, conf, queue string) {
	pid := 0
	if b, err := os.ReadFile(filepath.Join(queue, "pid", "master.pid")); err == nil {
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	if out, err := exec.Command(bin, "-c", conf, "stop").CombinedOutput(); err != nil {
		t.Logf("postfix -c %s stop: %v\n%s", conf, err, out)
	}
	if pid <= 0 {
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Logf("postfix master %d did not stop; killing it", pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// alive reports whether process pid runs (a zombie left to an init that
// does not reap does not count).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// pid (comm) state ...
	if i := strings.LastIndexByte(string(b), ')'); i >= 0 && i+2 < len(b) {
		return b[i+2] != 'Z'
	}
	return true
}

func chownTo(path, name string) error {
	u, err := user.Lookup(name)
	if err != nil {
		return err
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return err
	}
	return os.Chown(path, uid, -1)
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
