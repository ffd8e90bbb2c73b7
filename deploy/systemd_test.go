package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/shoubao/shoubao/pipeline/service"
)

// units are the systemd files of the kit.
var units = []string{"shoubao.service", "systemd/shoubao@.service", "systemd/nats-server.service.d/shoubao.conf"}

// TestUnitsKeepDataPrivate checks that every unit keeps what it writes
// readable by its own user alone.
func TestUnitsKeepDataPrivate(t *testing.T) {
	t.Parallel()
	for _, u := range units {
		s := readFile(t, u)
		for _, want := range []string{"\nUMask=0077\n", "\nStateDirectoryMode=0700\n"} {
			if !strings.Contains(s, want) {
				t.Errorf("%s lacks %s", u, strings.TrimSpace(want))
			}
		}
	}
}

// TestUnitCommands checks the command lines of the shoubao units against
// the code: the flags are those `shoubao run` defines, and the roles the
// template's comment names are shoubao's.
func TestUnitCommands(t *testing.T) {
	t.Parallel()
	src := readFile(t, "../cmd/shoubao/run.go")
	for _, u := range []string{"shoubao.service", "systemd/shoubao@.service"} {
		exec := regexp.MustCompile(`(?m)^ExecStart=(.*)$`).FindStringSubmatch(readFile(t, u))
		if exec == nil {
			t.Fatalf("%s: no ExecStart", u)
		}
		args := strings.Fields(exec[1])
		if len(args) < 2 || args[0] != "/usr/local/bin/shoubao" || args[1] != "run" {
			t.Errorf("%s: ExecStart=%s, want /usr/local/bin/shoubao run …", u, exec[1])
			continue
		}
		for _, a := range args[2:] {
			name, ok := strings.CutPrefix(a, "--")
			if !ok {
				continue
			}
			if !strings.Contains(src, `fs.String("`+name+`"`) && !strings.Contains(src, `fs.Bool("`+name+`"`) &&
				!(name == "config" && strings.Contains(src, "configFlag(fs)")) {
				t.Errorf("%s: shoubao run has no flag --%s", u, name)
			}
		}
	}
	var named []string
	for _, m := range regexp.MustCompile(`shoubao@([a-z]+)`).FindAllStringSubmatch(readFile(t, "systemd/shoubao@.service"), -1) {
		if !slices.Contains(named, m[1]) {
			named = append(named, m[1])
		}
	}
	slices.Sort(named)
	if want := slices.Sorted(slices.Values(service.Roles)); !slices.Equal(named, want) {
		t.Errorf("shoubao@.service names the instances %v, want the roles %v", named, want)
	}
}

// TestUnitsVerify has systemd-analyze verify the units: the template for
// each role, the single-process unit, and Debian's nats-server.service with
// the kit's drop-in. The binaries are replaced by one that exists here.
func TestUnitsVerify(t *testing.T) {
	t.Parallel()
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		content = strings.ReplaceAll(content, "/usr/local/bin/shoubao", self)
		content = strings.ReplaceAll(content, "/usr/sbin/nats-server", self)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("shoubao@.service", readFile(t, "systemd/shoubao@.service"))
	paths := []string{write("shoubao.service", readFile(t, "shoubao.service"))}
	for _, r := range service.Roles {
		paths = append(paths, filepath.Join(dir, "shoubao@"+r+".service"))
	}
	// A drop-in's settings apply after the unit's own, as if appended.
	base := "[Unit]\nDescription=NATS Server\n\n[Service]\nExecStart=/usr/sbin/nats-server -c /etc/nats-server.conf\nUser=nats\nGroup=nats\n\n[Install]\nWantedBy=multi-user.target\n"
	if b, err := os.ReadFile("/lib/systemd/system/nats-server.service"); err == nil {
		base = string(b)
	}
	paths = append(paths, write("nats-server.service", base+"\n"+readFile(t, "systemd/nats-server.service.d/shoubao.conf")))

	cmd := exec.Command(analyze, append([]string{"verify"}, paths...)...)
	cmd.Env = append(os.Environ(), "SYSTEMD_LOG_COLOR=0")
	out, err := cmd.CombinedOutput()
	// Unknown keys and bad values are warnings with exit status 0:
	// anything printed is a failure.
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
