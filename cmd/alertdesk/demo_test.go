package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/config"
	"github.com/alertdesk/alertdesk/seed"
)

// TestPrintDemo: the admin token and secrets reach standard output in
// embedded mode only; with a database server the log names the file.
func TestPrintDemo(t *testing.T) {
	demo := &seed.Result{AdminToken: "adt_secret-token", Integrations: []seed.Integration{{ID: 1, Secret: "webhook-secret-1"}}}
	for _, c := range []struct {
		name   string
		cfg    config.Config
		prints bool
	}{
		{"embedded", config.Config{DataDir: "/d"}, true},
		{"postgres", config.Config{DataDir: "/d", DatabaseURL: "postgres://db/x"}, false},
	} {
		var out, logs bytes.Buffer
		printDemo(&out, slog.New(slog.NewTextHandler(&logs, nil)), c.cfg, demo)
		all := out.String() + logs.String()
		leaked := strings.Contains(all, "adt_secret-token") || strings.Contains(all, "webhook-secret-1")
		if leaked != c.prints {
			t.Errorf("%s: secrets shown = %v, want %v:\n%s", c.name, leaked, c.prints, all)
		}
		if !strings.Contains(all, "/d/demo.json") {
			t.Errorf("%s: the demo file is not named:\n%s", c.name, all)
		}
	}
	printDemo(&bytes.Buffer{}, slog.Default(), config.Config{}, nil)
}
