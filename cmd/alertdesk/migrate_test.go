package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/migrations"
)

// TestMigrateStatusAndUp: status lists every migration as pending on a new
// database and changes nothing; migrate applies them; status then shows
// every one applied. On both dialects.
func TestMigrateStatusAndUp(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			t.Setenv("ALERTDESK_DATA_DIR", dir)
			if d == dialect.Postgres {
				s := storetest.OpenEmpty(t, d)
				t.Setenv("DATABASE_URL", storetest.URL(t, s))
			}
			all, err := migrations.List(d)
			if err != nil {
				t.Fatal(err)
			}
			status := func(wantState, wantLast string) {
				t.Helper()
				out, _, err := execute(t, "migrate", "status")
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range all {
					if !strings.Contains(out, m.Version+" ") || !regexpLine(out, m.Version, wantState) {
						t.Errorf("%s is not %s:\n%s", m.Version, wantState, out)
					}
				}
				if !strings.Contains(out, wantLast) {
					t.Errorf("status lacks %q:\n%s", wantLast, out)
				}
			}
			status("pending", "pending; `alertdesk migrate` applies them")
			if d == dialect.SQLite {
				if _, err := os.Stat(dir); !os.IsNotExist(err) {
					t.Errorf("status created the data directory (%v)", err)
				}
			}
			if _, _, err := execute(t, "migrate", "up"); err != nil {
				t.Fatal(err)
			}
			status("applied", "up to date")
			if _, _, err := execute(t, "migrate"); err != nil {
				t.Fatalf("migrate again: %v", err)
			}
		})
	}
}

// regexpLine reports whether a line of out is version followed by state.
func regexpLine(out, version, state string) bool {
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == version && f[1] == state {
			return true
		}
	}
	return false
}
