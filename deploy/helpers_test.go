package deploy

import (
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// envRequire, when 1 (deploy/test.sh sets it), turns a missing service or
// tool into a failure instead of a skip.
const envRequire = "SHOUBAO_REQUIRE_SERVICES"

// need returns the path of the program name, skipping the test (failing
// it under SHOUBAO_REQUIRE_SERVICES=1) when it is not installed.
func need(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		if p := dir + "/" + name; isExecutable(p) {
			return p
		}
	}
	if os.Getenv(envRequire) == "1" {
		t.Fatalf("%s is required but not installed (deploy/test.sh installs it)", name)
	}
	t.Skipf("%s not installed (set %s=1 to fail instead)", name, envRequire)
	return ""
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// readFile returns a file of the kit, relative to deploy/.
func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// replaceExactly replaces old by new in s, failing the test unless old
// occurs exactly n times: the shipped file changed and the test must follow.
func replaceExactly(t *testing.T, file, s, old, new string, n int) string {
	t.Helper()
	if c := strings.Count(s, old); c != n {
		t.Fatalf("%s: %q occurs %d times, want %d (the file changed: update this test)", file, old, c, n)
	}
	return strings.ReplaceAll(s, old, new)
}

// freePorts returns n distinct free TCP ports on 127.0.0.1.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ls []net.Listener
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}
