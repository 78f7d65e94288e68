package migrations_test

import (
	"context"
	"database/sql"
	"slices"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/migrations"
)

func versions(t *testing.T, d string) []string {
	t.Helper()
	ms, err := migrations.List(d)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Fatalf("no %s migrations embedded", d)
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.Version)
	}
	return out
}

func applied(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	rows, err := db.Query("SELECT version, applied_at FROM schema_migrations")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var v string
		var at any
		if err := rows.Scan(&v, &at); err != nil {
			t.Fatal(err)
		}
		out[v] = fmtAny(at)
	}
	return out
}

func fmtAny(v any) string {
	if t, ok := v.(time.Time); ok {
		return t.UTC().Format(time.RFC3339Nano)
	}
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	if s, ok := v.(string); ok {
		return s
	}
	return "?"
}

func TestApplyTwiceIsNoop(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.OpenEmpty(t, d)
			all := versions(t, d)

			pending, err := migrations.Pending(ctx, s.DB, d)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(pending, all) {
				t.Fatalf("Pending on an empty database = %v, want %v", pending, all)
			}
			if err := migrations.Apply(ctx, s.DB, d); err != nil {
				t.Fatal(err)
			}
			first := applied(t, s.DB)
			if len(first) != len(all) {
				t.Fatalf("schema_migrations = %v, want %v", first, all)
			}
			if err := migrations.Apply(ctx, s.DB, d); err != nil {
				t.Fatalf("second Apply: %v", err)
			}
			second := applied(t, s.DB)
			if len(second) != len(first) {
				t.Fatalf("second Apply changed schema_migrations: %v -> %v", first, second)
			}
			for v, at := range first {
				if second[v] != at {
					t.Fatalf("second Apply re-applied %s (%s -> %s)", v, at, second[v])
				}
			}
			pending, err = migrations.Pending(ctx, s.DB, d)
			if err != nil {
				t.Fatal(err)
			}
			if len(pending) != 0 {
				t.Fatalf("Pending after Apply = %v", pending)
			}
			// The store's usual state: foreign keys enforced again on SQLite.
			if d == dialect.SQLite {
				var fk int
				if err := s.DB.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
					t.Fatalf("foreign_keys after Apply = %d, %v; want 1", fk, err)
				}
			}
		})
	}
}

// TestApplyConcurrent: replicas starting at once (separate pools) both
// succeed and apply each migration once.
func TestApplyConcurrent(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenEmpty(t, dialect.Postgres)
	var pools []*sql.DB
	for range 4 {
		db, err := sql.Open("pgx", storetest.URL(t, s))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		pools = append(pools, db)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(pools))
	for i, db := range pools {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = migrations.Apply(ctx, db, dialect.Postgres)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := applied(t, s.DB); len(got) != len(versions(t, dialect.Postgres)) {
		t.Fatalf("schema_migrations = %v", got)
	}
}

func TestUnsupportedDialect(t *testing.T) {
	if _, err := migrations.List("mysql"); err == nil {
		t.Fatal("List(mysql) succeeded")
	}
}
