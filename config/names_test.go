package config

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/outbound"
)

// TestSettingsListed: Settings names every variable this package reads,
// and the README's configuration table documents each.
func TestSettingsListed(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	read := map[string]bool{outbound.AllowEnv: true}
	quoted := regexp.MustCompile(`"((?:ALERTDESK_[A-Z0-9_]+)|DATABASE_URL|REDIS_URL|GOGC)"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "names.go" {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range quoted.FindAllStringSubmatch(string(src), -1) {
			read[m[1]] = true
		}
	}
	if len(read) < 30 {
		t.Fatalf("found only %d variables read: %v", len(read), read)
	}
	for name := range read {
		if !slices.Contains(Settings, name) {
			t.Errorf("%s is read but not in Settings", name)
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range Settings {
		if !read[name] {
			t.Errorf("%s is in Settings but never read", name)
		}
		if !regexp.MustCompile("(?m)^\\| [^\\n]*`" + name + "`[^\\n]*\\|").Match(readme) {
			t.Errorf("%s is not in the README's configuration table", name)
		}
	}
}

func TestUnknown(t *testing.T) {
	for _, tc := range []struct {
		environ []string
		want    []string
	}{
		{nil, nil},
		{[]string{"ALERTDESK_ADDR=:80", "HOME=/root", "DATABASE_URL=postgres://x"}, nil},
		{[]string{"ALERTDESK_LOGLEVEL=debug", "ALERTDESK_LOG_LEVEL=debug", "ALERTDESK_SMTP_PASS=x"}, []string{"ALERTDESK_LOGLEVEL", "ALERTDESK_SMTP_PASS"}},
		{[]string{"ALERTDESK_TEST_POSTGRES_URL=x", "ALERTDESK_REQUIRE_SERVICES=1", "ALERTDESK_SCREENSHOTS=1", "ALERTDESK_BENCH_ALERTS=5"}, nil},
		{[]string{"ALERTDESK_=", "ALERTDESK_ROLE"}, []string{"ALERTDESK_"}},
	} {
		if got := Unknown(tc.environ); !slices.Equal(got, tc.want) {
			t.Errorf("Unknown(%v) = %v, want %v", tc.environ, got, tc.want)
		}
	}
}
