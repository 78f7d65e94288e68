package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// execute runs the command line in-process, as main does.
func execute(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// command is one command of the tree: its words, and a value for each of
// its flags (so that it would act, were it not for --help).
type command struct {
	path, flags []string
}

func commands(c *cobra.Command, prefix []string, url string) []command {
	cmd := command{path: prefix}
	c.LocalFlags().VisitAll(func(f *pflag.Flag) {
		v := "x@y.test"
		switch {
		case f.Name == "help":
			return
		case f.Name == "url":
			v = url
		case f.Value.Type() == "duration":
			v = "1s"
		}
		cmd.flags = append(cmd.flags, "--"+f.Name, v)
	})
	out := []command{cmd}
	for _, sub := range c.Commands() {
		out = append(out, commands(sub, append(append([]string{}, prefix...), sub.Name()), url)...)
	}
	return out
}

// TestHelpNeverActs: --help, -h and `help <command>` print the command's
// usage and do nothing else, for every command: no data directory or
// database is created, no server is probed, whatever the environment
// holds (even a setting that acting would refuse).
func TestHelpNeverActs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	var probes atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { probes.Add(1) }))
	defer srv.Close()
	t.Setenv("ALERTDESK_DATA_DIR", dir)
	t.Setenv("ALERTDESK_ADDR", strings.TrimPrefix(srv.URL, "http://"))
	t.Setenv("ALERTDESK_LOG_LEVEL", "verbose")

	root := newRoot(&bytes.Buffer{}, &bytes.Buffer{})
	root.InitDefaultHelpCmd() // cobra adds these two when it executes
	root.InitDefaultCompletionCmd()
	all := commands(root, nil, srv.URL)
	if len(all) < 18 {
		t.Fatalf("only %d commands: %v", len(all), all)
	}
	for _, c := range all {
		p := c.path
		full := "alertdesk " + strings.Join(p, " ")
		for _, args := range [][]string{
			append(append([]string{}, p...), "--help"),
			append(append([]string{}, p...), "-h"),
			append([]string{"help"}, p...),
			// with every flag it takes, as if to act
			append(append(append([]string{}, p...), c.flags...), "--help"),
			append(append(append([]string{}, p...), "--help"), c.flags...),
		} {
			out, errOut, err := execute(t, args...)
			if err != nil {
				t.Errorf("%v: %v", args, err)
				continue
			}
			if !strings.Contains(out, "Usage:") || !strings.Contains(out, strings.TrimSpace(full)) {
				t.Errorf("%v: no usage of %q:\n%s", args, full, out)
			}
			if errOut != "" {
				t.Errorf("%v: wrote to stderr: %s", args, errOut)
			}
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("help created the data directory (%v)", err)
	}
	if n := probes.Load(); n != 0 {
		t.Errorf("help probed the server %d times", n)
	}
	// The same environment refuses to act, naming the setting.
	if _, _, err := execute(t, "migrate"); err == nil || !strings.Contains(err.Error(), "ALERTDESK_LOG_LEVEL") {
		t.Errorf("migrate with ALERTDESK_LOG_LEVEL=verbose: %v", err)
	}
}

// TestRefused: unknown commands, stray arguments, missing and malformed
// flags fail with a message saying what is wrong, before anything runs.
func TestRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	t.Setenv("ALERTDESK_DATA_DIR", dir)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"migrate", "sideways"}, `unknown command "sideways"`},
		{[]string{"migrate", "status", "now"}, `unexpected argument "now"`},
		{[]string{"serve", "extra"}, `unexpected argument "extra"`},
		{[]string{"serve", "--role", "scheduler"}, "--role must be"},
		{[]string{"--role", "scheduler"}, "--role must be"},
		{[]string{"serve", "--verbose"}, "unknown flag: --verbose"},
		{[]string{"tenant"}, "needs a command: create"},
		{[]string{"tenant", "list"}, `unknown command "list"`},
		{[]string{"token"}, "needs a command: create"},
		{[]string{"token", "list"}, `unknown command "list"`},
		{[]string{"init"}, `required flag(s) "admin-email", "name" not set`},
		{[]string{"init", "--name", "Acme IT"}, `"admin-email" not set`},
		{[]string{"init", "--name", "X", "--admin-email", "a@b.test", "extra"}, `unexpected argument "extra"`},
		{[]string{"tenant", "create", "--admin-email", "a@b.test"}, `"name" not set`},
		{[]string{"token", "create", "--email", "x@y.test"}, `"tenant" not set`},
		{[]string{"healthcheck", "--timeout", "soon"}, `invalid argument "soon"`},
		{[]string{"healthcheck", "--url", "localhost:8080"}, "--url must be"},
		{[]string{"version", "--short"}, "unknown flag: --short"},
	} {
		_, _, err := execute(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.want)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a refused command created the data directory (%v)", err)
	}
}

// TestUnknownSettingWarned: a misspelt setting is named in a warning, not
// ignored without a word.
func TestUnknownSettingWarned(t *testing.T) {
	t.Setenv("ALERTDESK_DATA_DIR", t.TempDir())
	t.Setenv("ALERTDESK_LOGLEVEL", "debug")
	_, errOut, err := execute(t, "migrate")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "variable=ALERTDESK_LOGLEVEL") || !strings.Contains(errOut, "level=WARN") {
		t.Errorf("no warning naming ALERTDESK_LOGLEVEL:\n%s", errOut)
	}
}

func TestPickRole(t *testing.T) {
	for _, c := range []struct {
		flag, configured, want string
		bad                    bool
	}{
		{"", "all", "all", false},
		{"", "worker", "worker", false},
		{"worker", "all", "worker", false},
		{"API", "all", "api", false},
		{"scheduler", "all", "", true},
	} {
		got, err := pickRole(c.flag, c.configured)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("pickRole(%q, %q) = %q, %v", c.flag, c.configured, got, err)
		}
	}
}

func TestSingleDashFlags(t *testing.T) {
	root := newRoot(&bytes.Buffer{}, &bytes.Buffer{})
	for _, tc := range []struct{ in, want string }{
		{"-role worker", "--role worker"},
		{"serve -role=api", "serve --role=api"},
		{"token create -tenant demo -email a@b.test -name ci", "token create --tenant demo --email a@b.test --name ci"},
		{"init --name X -admin-email a@b.test", "init --name X --admin-email a@b.test"},
		{"serve -h", "serve -h"},
		{"token create -tenant demo -- -name", "token create --tenant demo -- -name"},
		{"init -nonsense", "init -nonsense"},
		{"tenant create -name -x", "tenant create --name -x"},
	} {
		if got := strings.Join(singleDashFlags(root, strings.Fields(tc.in)), " "); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}
