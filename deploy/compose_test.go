package deploy

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/shoubao/shoubao/pipeline/config"
	"github.com/shoubao/shoubao/pipeline/service"
)

// composeFile is the part of compose.yaml the tests read.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       composeBuild      `yaml:"build"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	EnvFile     string            `yaml:"env_file"`
	Volumes     []string          `yaml:"volumes"`
	Ports       []string          `yaml:"ports"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
}

type composeBuild struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
}

// composeVars are the variables compose.yaml takes from deploy/.env, as its
// header lists them.
var composeVars = []string{"GOPROXY", "POSTGRES_PASSWORD", "SHOUBAO_NATS_PASSWORD", "SHOUBAO_PG_PASSWORD"}

// TestComposeFile reads compose.yaml (docker is not there to run it) and
// checks that it is the deployment the README describes: PostgreSQL set up
// by postgres-setup.sh, the three shipped NATS configurations, and shoubao
// in two processes that together run every role once, with URLs that
// shoubao's configuration accepts.
func TestComposeFile(t *testing.T) {
	t.Parallel()
	text := readFile(t, "compose.yaml")
	var c composeFile
	if err := yaml.Unmarshal([]byte(text), &c); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	var names []string
	for n := range c.Services {
		names = append(names, n)
	}
	slices.Sort(names)
	want := []string{"nats-1", "nats-2", "nats-3", "postgres", "postgres-setup", "shoubao-poll-send", "shoubao-work-web"}
	if !slices.Equal(names, want) {
		t.Fatalf("services %v, want %v", names, want)
	}

	// Every ${VAR} is one the header tells the operator to set.
	for _, m := range regexp.MustCompile(`\$\{([A-Z_]+)`).FindAllStringSubmatch(text, -1) {
		if !slices.Contains(composeVars, m[1]) {
			t.Errorf("compose.yaml uses ${%s}, not among %v", m[1], composeVars)
		}
	}
	for _, v := range composeVars {
		if !strings.Contains(text[:strings.Index(text, "\nx-")], v) {
			t.Errorf("compose.yaml's header does not tell what %s is", v)
		}
	}

	for i, n := range []string{"nats-1", "nats-2", "nats-3"} {
		s := c.Services[n]
		conf := "./nats/" + n + ".conf"
		if _, err := os.Stat(conf); err != nil {
			t.Errorf("%s: %v", n, err)
		}
		if !slices.Contains(s.Volumes, conf+":/etc/nats/nats-server.conf:ro") || !slices.Contains(s.Volumes, fmt.Sprintf("nats%d:/var/lib/nats-server", i+1)) {
			t.Errorf("%s: volumes %v, want its configuration and a volume on the store_dir", n, s.Volumes)
		}
		if s.Environment["SHOUBAO_NATS_PASSWORD"] == "" {
			t.Errorf("%s: no SHOUBAO_NATS_PASSWORD, which its configuration reads", n)
		}
	}
	setup := c.Services["postgres-setup"]
	if len(setup.Command) < 2 || setup.Command[1] != "/postgres-setup.sh" || !slices.Contains(setup.Volumes, "./postgres-setup.sh:/postgres-setup.sh:ro") {
		t.Errorf("postgres-setup: command %v, volumes %v: want ./postgres-setup.sh run", setup.Command, setup.Volumes)
	}
	script := readFile(t, "postgres-setup.sh")
	for _, a := range setup.Command[2:] {
		if strings.HasPrefix(a, "--") && !strings.Contains(script, "\n    "+a+")") {
			t.Errorf("postgres-setup: postgres-setup.sh has no option %s", a)
		}
	}

	var roles []string
	for _, n := range []string{"shoubao-poll-send", "shoubao-work-web"} {
		s := c.Services[n]
		if len(s.Command) != 3 || s.Command[0] != "run" || s.Command[1] != "--roles" {
			t.Errorf("%s: command %v, want run --roles …", n, s.Command)
			continue
		}
		roles = append(roles, strings.Split(s.Command[2], ",")...)
		if df := filepath.Join(s.Build.Context, s.Build.Dockerfile); df != "../deploy/Dockerfile" {
			t.Errorf("%s: builds %s, want deploy/Dockerfile from the repository's root", n, df)
		}
		if s.EnvFile != "secrets.env" || s.Environment["SHOUBAO_CONFIG"] != "/etc/shoubao/shoubao.yaml" ||
			!slices.Contains(s.Volumes, "./shoubao.yaml:/etc/shoubao/shoubao.yaml:ro") {
			t.Errorf("%s: env_file %q, environment %v, volumes %v", n, s.EnvFile, s.Environment, s.Volumes)
		}
		for _, d := range []string{"postgres-setup", "nats-1", "nats-2", "nats-3"} {
			if _, ok := s.DependsOn[d]; !ok {
				t.Errorf("%s does not wait for %s", n, d)
			}
		}
		// The URLs, with the passwords filled in, are what shoubao accepts.
		env := map[string]string{}
		for k, v := range s.Environment {
			env[k] = os.Expand(strings.ReplaceAll(v, ":?set it in deploy/.env", ""), func(string) string { return "pw" })
		}
		if !strings.Contains(env["SHOUBAO_NATS_URL"], "nats://shoubao:pw@nats-3:4222") || !strings.Contains(env["SHOUBAO_DATABASE_URL"], "shoubao:pw@postgres:5432/shoubao") {
			t.Errorf("%s: URLs %v", n, env)
		}
	}
	slices.Sort(roles)
	wantRoles := slices.Sorted(slices.Values(service.Roles))
	if !slices.Equal(roles, wantRoles) {
		t.Errorf("the two shoubao services run the roles %v, want each of %v once", roles, wantRoles)
	}
	if _, err := os.Stat("Dockerfile"); err != nil {
		t.Error(err)
	}
	if p := c.Services["shoubao-work-web"].Ports; !slices.Equal(p, []string{"127.0.0.1:8080:8080"}) {
		t.Errorf("shoubao-work-web publishes %v, want the console on the host's loopback", p)
	}
}

// TestComposeConfig has docker-compose (installed by deploy/test.sh; the
// docker daemon is not needed) check compose.yaml against its schema and
// resolve it, in a copy of this folder with the files an operator adds.
// (Not parallel: it loads the configuration with compose's environment.)
func TestComposeConfig(t *testing.T) {
	bin := need(t, "docker-compose")
	dir := filepath.Join(t.TempDir(), "deploy")
	for _, f := range []string{"compose.yaml", "Dockerfile", "postgres-setup.sh", "nats"} {
		if err := copyTree(filepath.Join(dir, f), f); err != nil {
			t.Fatal(err)
		}
	}
	example := readFile(t, "shoubao.province.example.yaml")
	for name, content := range map[string]string{
		"secrets.env":  "SHOUBAO_IMAP_SXKJHDZ=code\n",
		"shoubao.yaml": strings.Replace(example, "listen: 127.0.0.1:8080", "listen: 0.0.0.0:8080", 1),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	run := func(env ...string) (string, error) {
		cmd := exec.Command(bin, "-f", "compose.yaml", "config")
		cmd.Dir = dir
		cmd.Env = append(withoutEnv(composeVars...), env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("POSTGRES_PASSWORD=p1", "SHOUBAO_PG_PASSWORD=p2"); err == nil || !strings.Contains(out, "SHOUBAO_NATS_PASSWORD") {
		t.Errorf("without SHOUBAO_NATS_PASSWORD: %v\n%s\nwant a refusal naming it", err, out)
	}
	out, err := run("POSTGRES_PASSWORD=p1", "SHOUBAO_PG_PASSWORD=p2", "SHOUBAO_NATS_PASSWORD=p3")
	if err != nil {
		t.Fatalf("docker-compose config: %v\n%s", err, out)
	}
	var c composeFile
	if err := yaml.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("docker-compose config printed: %v\n%s", err, out)
	}
	s := c.Services["shoubao-work-web"]
	if s.Environment["SHOUBAO_DATABASE_URL"] != "postgres://shoubao:p2@postgres:5432/shoubao?sslmode=disable" ||
		!strings.HasPrefix(s.Environment["SHOUBAO_NATS_URL"], "nats://shoubao:p3@nats-1:4222,") {
		t.Errorf("resolved environment %v", s.Environment)
	}
	if c.Services["postgres-setup"].Environment["SHOUBAO_PG_PASSWORD"] != "p2" {
		t.Errorf("postgres-setup's environment %v", c.Services["postgres-setup"].Environment)
	}
	// What the processes would be started with is a configuration
	// shoubao accepts.
	for k, v := range s.Environment {
		t.Setenv(k, v)
	}
	t.Setenv("SHOUBAO_IMAP_SXKJHDZ", "code")
	cfg, err := config.Load(filepath.Join(dir, "shoubao.yaml"))
	if err != nil {
		t.Fatalf("shoubao.yaml with compose's environment: %v", err)
	}
	if cfg.HTTP.Listen != "0.0.0.0:8080" || !strings.Contains(cfg.Bus.URL, "@nats-2:4222") {
		t.Errorf("loaded listen %q, bus %q", cfg.HTTP.Listen, config.RedactURL(cfg.Bus.URL))
	}
}

// copyTree copies the file or folder src to dst.
func copyTree(dst, src string) error {
	fi, err := os.Stat(src)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return os.CopyFS(dst, os.DirFS(src))
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, b, fi.Mode().Perm())
}
