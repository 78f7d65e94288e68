package migrations_test

import (
	"context"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/migrations"
	"github.com/alertdesk/alertdesk/migrations/internal/entdiff"
)

// TestNoDrift applies the migrations to an empty database and asks ent
// what it would still change to reach ent/schema (drops included). Any
// statement means the migrations and the ent schema disagree: write the
// next migration with migrations/internal/gen.
//
// The first dialect runs again last: ent rewrites long index names per
// dialect in shared state, and the diff must not depend on the order.
func TestNoDrift(t *testing.T) {
	for _, d := range append(storetest.Dialects(), storetest.Dialects()[0]) {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.OpenEmpty(t, d)
			if err := migrations.Apply(ctx, s.DB, d); err != nil {
				t.Fatal(err)
			}
			diff, err := entdiff.Diff(ctx, s.DB, d)
			if err != nil {
				t.Fatal(err)
			}
			if diff != "" {
				t.Fatalf("ent schema and migrations/%s differ; ent would run:\n%s\nAdd a migration: go run ./migrations/internal/gen -dialect %s -name <what>", d, diff, d)
			}
		})
	}
}

// TestDriftIsDetected guards the drift test itself: a missing index and an
// extra column must show up in the diff.
func TestDriftIsDetected(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.Open(t, d)
			for _, q := range []string{
				`DROP INDEX timeentry_tenant_id_ticket_id`,
				`ALTER TABLE users ADD COLUMN junk integer`,
			} {
				if _, err := s.DB.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			diff, err := entdiff.Diff(ctx, s.DB, d)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(diff, "timeentry_tenant_id_ticket_id") {
				t.Errorf("diff misses the dropped index:\n%s", diff)
			}
			wantDrop := `DROP COLUMN "junk"`
			if d == dialect.SQLite {
				wantDrop = "CREATE TABLE `new_users`" // SQLite drops a column by rebuilding the table
			}
			if !strings.Contains(diff, wantDrop) {
				t.Errorf("diff misses the extra column (want %q):\n%s", wantDrop, diff)
			}
		})
	}
}

func TestClean(t *testing.T) {
	for _, in := range []string{"", "\n", "BEGIN;\nCOMMIT;\n", "PRAGMA foreign_keys = off;\n  \nPRAGMA foreign_keys = on;\n"} {
		if got := entdiff.Clean(in); got != "" {
			t.Errorf("Clean(%q) = %q, want empty", in, got)
		}
	}
	if got := entdiff.Clean("BEGIN;\nCREATE INDEX a ON b (c);\nCOMMIT;\n"); got != "CREATE INDEX a ON b (c);\n" {
		t.Errorf("Clean kept %q", got)
	}
}
