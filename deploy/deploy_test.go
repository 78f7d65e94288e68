package deploy_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/alertdesk/alertdesk/config"
)

// checkNames fails for each variable of env the configuration does not read.
// Every variable the deployment files give alertdesk must be: a misspelt
// one would leave its setting at the default.
func checkNames(t *testing.T, file string, env map[string]string) {
	t.Helper()
	if len(env) == 0 {
		t.Fatalf("%s: no variables found", file)
	}
	for name := range env {
		if !slices.Contains(config.Settings, name) {
			t.Errorf("%s sets %s, which the configuration does not read (config.Settings)", file, name)
		}
	}
}

// checkValid loads env as the whole environment and reads the
// configuration from it, as the process would at start.
func checkValid(t *testing.T, file string, env map[string]string) {
	t.Helper()
	for _, name := range config.Settings {
		t.Setenv(name, "")
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	if _, err := config.FromEnv(); err != nil {
		t.Errorf("%s: the configuration refuses its settings: %v", file, err)
	}
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// composeFile is the part of compose.yaml the test looks at.
type composeFile struct {
	Services map[string]struct {
		Image       string         `yaml:"image"`
		Build       any            `yaml:"build"`
		Entrypoint  []string       `yaml:"entrypoint"`
		Command     []string       `yaml:"command"`
		Environment map[string]any `yaml:"environment"`
		Profiles    []string       `yaml:"profiles"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
	} `yaml:"services"`
}

// interpolation is Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}.
var interpolation = regexp.MustCompile(`\$\{([A-Z0-9_]+)(?::?([-?])([^}]*))?\}`)

func TestCompose(t *testing.T) {
	var f composeFile
	if err := yaml.Unmarshal(read(t, "../compose.yaml"), &f); err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	// What a user must export: a valid key, as the README says to make one.
	given := map[string]string{"ALERTDESK_SECRET_KEY": base64.StdEncoding.EncodeToString(make([]byte, 32))}
	roles := map[string]int{}
	for name, s := range f.Services {
		if s.Image != "alertdesk:local" {
			continue
		}
		if s.Build == nil {
			t.Errorf("service %s: no build", name)
		}
		env := map[string]string{}
		for k, v := range s.Environment {
			s, _ := v.(string)
			env[k] = interpolation.ReplaceAllStringFunc(s, func(m string) string {
				p := interpolation.FindStringSubmatch(m)
				if v, ok := given[p[1]]; ok {
					return v
				}
				if p[2] == "-" {
					return p[3]
				}
				t.Errorf("service %s: %s needs %s, which nothing provides", name, k, p[1])
				return ""
			})
		}
		checkNames(t, "compose.yaml service "+name, env)
		// Replicas share the database and the secret key.
		if env["DATABASE_URL"] == "" || env["ALERTDESK_SECRET_KEY"] == "" {
			t.Errorf("service %s: no DATABASE_URL or ALERTDESK_SECRET_KEY", name)
		}
		t.Run(name, func(t *testing.T) { checkValid(t, "compose.yaml service "+name, env) })
		args := append(slices.Clone(s.Entrypoint), s.Command...)
		switch {
		case slices.Equal(args, []string{"serve", "--role", "api"}):
			roles["api"]++
		case slices.Equal(args, []string{"serve", "--role", "worker"}):
			roles["worker"]++
			// The image's health check runs without --role: it learns
			// from the setting which server to probe.
			if env["ALERTDESK_ROLE"] != "worker" {
				t.Errorf("service %s: ALERTDESK_ROLE %q, want worker for its health check", name, env["ALERTDESK_ROLE"])
			}
		case slices.Equal(args, []string{"migrate", "up"}):
			roles["migrate"]++
		case len(args) >= 2 && args[0] == "/usr/local/bin/alertdesk" && args[1] == "init":
			roles["init"]++
			if !slices.Contains(s.Profiles, "init") {
				t.Errorf("service %s runs init on every up", name)
			}
		default:
			t.Errorf("service %s runs %q", name, args)
		}
		if strings.HasPrefix(name, "api") || name == "worker" {
			if s.DependsOn["migrate"].Condition != "service_completed_successfully" {
				t.Errorf("service %s starts before the migration finished: %+v", name, s.DependsOn)
			}
		}
	}
	if want := map[string]int{"api": 2, "worker": 1, "migrate": 1, "init": 1}; !mapsEqual(roles, want) {
		t.Errorf("alertdesk services %v, want %v", roles, want)
	}
	for _, name := range []string{"postgres", "redis", "mailpit"} {
		if _, ok := f.Services[name]; !ok {
			t.Errorf("no %s service", name)
		}
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// unit is a systemd unit's [Service] settings, in order.
type unit struct {
	env      map[string]string
	settings map[string][]string
}

func parseUnit(t *testing.T, path string) unit {
	t.Helper()
	u := unit{env: map[string]string{}, settings: map[string][]string{}}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(read(t, path)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[]")
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: not a setting: %q", path, line)
		}
		if section != "Service" {
			continue
		}
		u.settings[key] = append(u.settings[key], value)
		if key == "Environment" {
			// One or more NAME=value words, each possibly quoted.
			for _, w := range regexp.MustCompile(`"[^"]*"|\S+`).FindAllString(value, -1) {
				name, v, ok := strings.Cut(strings.Trim(w, `"`), "=")
				if !ok {
					t.Errorf("%s: Environment word %q has no =", path, w)
				}
				u.env[name] = v
			}
		}
	}
	return u
}

// parseEnvFile reads NAME=value lines, the commented-out ones too: they
// are there for people to set.
func parseEnvFile(t *testing.T, path string) (set, commented map[string]string) {
	t.Helper()
	set, commented = map[string]string{}, map[string]string{}
	line := regexp.MustCompile(`^(#?)([A-Z][A-Z0-9_]*)=(.*)$`)
	sc := bufio.NewScanner(bytes.NewReader(read(t, path)))
	for sc.Scan() {
		m := line.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		if m[1] == "#" {
			commented[m[2]] = m[3]
		} else {
			set[m[2]] = m[3]
		}
	}
	return set, commented
}

func TestSystemdUnits(t *testing.T) {
	file, commented := parseEnvFile(t, "systemd/alertdesk.env.example")
	checkNames(t, "alertdesk.env.example", file)
	checkNames(t, "alertdesk.env.example (commented out)", commented)
	if _, ok := file["ALERTDESK_ADDR"]; ok {
		t.Error("alertdesk.env.example sets ALERTDESK_ADDR, which the units set per role")
	}
	addrs := map[string]bool{}
	for role, path := range map[string]string{"api": "systemd/alertdesk-api.service", "worker": "systemd/alertdesk-worker.service"} {
		u := parseUnit(t, path)
		checkNames(t, path, u.env)
		if got := u.settings["ExecStart"]; len(got) != 1 || got[0] != "/usr/local/bin/alertdesk serve --role "+role {
			t.Errorf("%s: ExecStart %q", path, got)
		}
		if got := u.settings["EnvironmentFile"]; !slices.Equal(got, []string{"/etc/alertdesk/alertdesk.env"}) {
			t.Errorf("%s: EnvironmentFile %q", path, got)
		}
		for key, want := range map[string]string{"User": "alertdesk", "NoNewPrivileges": "yes", "ProtectSystem": "strict",
			"ProtectHome": "yes", "PrivateTmp": "yes", "CapabilityBoundingSet": "", "StateDirectory": "alertdesk"} {
			if got := u.settings[key]; !slices.Equal(got, []string{want}) {
				t.Errorf("%s: %s=%q, want %q", path, key, got, want)
			}
		}
		if u.env["ALERTDESK_DATA_DIR"] != "/var/lib/"+u.settings["StateDirectory"][0] {
			t.Errorf("%s: data dir %q is not the state directory", path, u.env["ALERTDESK_DATA_DIR"])
		}
		addrs[u.env["ALERTDESK_ADDR"]] = true
		// The environment file's values, then the unit's, as systemd
		// would (the file wins, and sets neither of the unit's).
		env := map[string]string{}
		for k, v := range u.env {
			env[k] = v
		}
		for k, v := range file {
			env[k] = v
		}
		checkValid(t, path, env)
	}
	if len(addrs) != 2 {
		t.Errorf("API and worker units listen on the same address: %v", addrs)
	}
}

func TestDockerfile(t *testing.T) {
	src := string(read(t, "../Dockerfile"))
	// Continuation lines joined, comments dropped.
	var lines []string
	var cur strings.Builder
	for _, l := range strings.Split(src, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		if s, ok := strings.CutSuffix(l, "\\"); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(l)
		if s := strings.TrimSpace(cur.String()); s != "" {
			lines = append(lines, s)
		}
		cur.Reset()
	}
	env := map[string]string{}
	var froms, users, health []string
	for _, l := range lines {
		instr, rest, _ := strings.Cut(l, " ")
		switch strings.ToUpper(instr) {
		case "ENV":
			for _, w := range strings.Fields(rest) {
				name, v, ok := strings.Cut(w, "=")
				if !ok {
					t.Errorf("Dockerfile: ENV %q is not NAME=value", w)
				}
				env[name] = v
			}
		case "FROM":
			froms = append(froms, rest)
		case "USER":
			users = append(users, rest)
		case "HEALTHCHECK":
			health = append(health, rest)
		}
	}
	checkNames(t, "Dockerfile", env)
	if len(froms) < 2 {
		t.Fatalf("Dockerfile: %d stages, want a build stage and a runtime one", len(froms))
	}
	final := froms[len(froms)-1]
	if !strings.HasPrefix(final, "gcr.io/distroless/static") && final != "scratch" {
		t.Errorf("Dockerfile: final image %q", final)
	}
	if len(users) != 1 || strings.HasPrefix(users[0], "0") || strings.HasPrefix(users[0], "root") {
		t.Errorf("Dockerfile: USER %q, want a non-root user", users)
	}
	if len(health) != 1 || !strings.Contains(health[0], `CMD ["/usr/local/bin/alertdesk", "healthcheck"]`) {
		t.Errorf("Dockerfile: HEALTHCHECK %q", health)
	}
	if !strings.Contains(src, "CGO_ENABLED=0 go build") {
		t.Error("Dockerfile: the binary is not built without cgo")
	}
	// The build image's Go is the one go.mod names.
	gomod := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(read(t, "../go.mod"))
	if gomod == nil || !strings.Contains(src, "ARG GO_VERSION="+string(gomod[1])+"\n") {
		t.Errorf("Dockerfile: GO_VERSION is not go.mod's go %s", gomod[1])
	}
}
