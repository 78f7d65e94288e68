package migrations

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	_ "modernc.org/sqlite"
)

// A failing migration leaves nothing behind: neither its earlier
// statements nor a version record; earlier migrations stay applied.
func TestFailedMigrationRollsBack(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db")+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ms := []Migration{
		{Version: "0001_a", SQL: "CREATE TABLE a (id integer PRIMARY KEY);"},
		{Version: "0002_b", SQL: "CREATE TABLE b (id integer PRIMARY KEY);\nINSERT INTO nope VALUES (1);"},
	}
	err = apply(ctx, db, dialect.SQLite, ms)
	if err == nil || !strings.Contains(err.Error(), "0002_b") {
		t.Fatalf("apply = %v, want an error naming 0002_b", err)
	}
	var n int
	db.QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE name = 'b'").Scan(&n)
	if n != 0 {
		t.Fatal("table b of the failed migration exists")
	}
	db.QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE name = 'a'").Scan(&n)
	if n != 1 {
		t.Fatal("table a of the good migration is missing")
	}
	var versions []string
	rows, _ := db.Query("SELECT version FROM schema_migrations ORDER BY version")
	for rows.Next() {
		var v string
		rows.Scan(&v)
		versions = append(versions, v)
	}
	rows.Close()
	if strings.Join(versions, ",") != "0001_a" {
		t.Fatalf("recorded versions = %v, want [0001_a]", versions)
	}

	// Fixed, it applies on the next run.
	ms[1].SQL = "CREATE TABLE b (id integer PRIMARY KEY);"
	if err := apply(ctx, db, dialect.SQLite, ms); err != nil {
		t.Fatal(err)
	}
}

// A migration leaving a dangling foreign key is refused even though SQLite
// migrations run with enforcement off.
func TestSQLiteForeignKeyCheck(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db")+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ms := []Migration{{Version: "0001_fk", SQL: `
CREATE TABLE p (id integer PRIMARY KEY);
CREATE TABLE c (id integer PRIMARY KEY, p_id integer REFERENCES p (id));
INSERT INTO c VALUES (1, 42);`}}
	if err := apply(ctx, db, dialect.SQLite, ms); err == nil || !strings.Contains(err.Error(), "foreign key") {
		t.Fatalf("apply = %v, want a foreign key violation", err)
	}
}

func TestListOrder(t *testing.T) {
	for _, d := range []string{dialect.Postgres, dialect.SQLite} {
		ms, err := List(d)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 || ms[0].Version != "0001_init" {
			t.Fatalf("%s: first migration = %v", d, ms)
		}
		for i := 1; i < len(ms); i++ {
			if ms[i-1].Version >= ms[i].Version {
				t.Fatalf("%s: out of order: %s, %s", d, ms[i-1].Version, ms[i].Version)
			}
		}
	}
}

// Both dialects must have the same versions: a migration for one only is
// a mistake.
func TestDialectsInStep(t *testing.T) {
	pg, _ := List(dialect.Postgres)
	lite, _ := List(dialect.SQLite)
	if len(pg) != len(lite) {
		t.Fatalf("postgres has %d migrations, sqlite %d", len(pg), len(lite))
	}
	for i := range pg {
		if pg[i].Version != lite[i].Version {
			t.Fatalf("version %d: postgres %s, sqlite %s", i, pg[i].Version, lite[i].Version)
		}
	}
}
