// Package storetest gives tests fresh, migrated, isolated stores on both
// dialects. Import it from _test files only.
//
// PostgreSQL: a migrated template database named after a hash of the
// migrations (alertdesk_tmpl_<hash>) is built once and reused across test
// processes and runs; each test gets CREATE DATABASE … TEMPLATE, dropped
// on cleanup. The server is ALERTDESK_TEST_POSTGRES_URL, by default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable; its database
// is only used to create and drop others.
//
// SQLite: a file in t.TempDir(), copied from a migrated template file kept
// in $TMPDIR/alertdesk-storetest/ (also named after the migrations).
//
// When PostgreSQL is unreachable the test is skipped, or fails if
// ALERTDESK_REQUIRE_SERVICES=1 (CI sets it so nothing is silently skipped).
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/alertdesk/alertdesk/migrations"
	"github.com/alertdesk/alertdesk/store"
)

// DefaultPostgresURL is the server used when ALERTDESK_TEST_POSTGRES_URL is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Dialects returns the dialects every store test runs on.
func Dialects() []string { return []string{dialect.Postgres, dialect.SQLite} }

// ForEach runs fn as the subtests "postgres" and "sqlite3", each with its
// own fresh store.
func ForEach(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(d, func(t *testing.T) {
			fn(t, Open(t, d))
		})
	}
}

// Open returns a fresh, migrated store of the dialect, closed and deleted
// when the test ends.
func Open(t testing.TB, dialectName string) *store.Store {
	t.Helper()
	return open(t, dialectName, true)
}

// OpenEmpty returns a fresh store of the dialect with no tables at all (not
// migrated), for migration tests.
func OpenEmpty(t testing.TB, dialectName string) *store.Store {
	t.Helper()
	return open(t, dialectName, false)
}

// PostgresURL returns the admin URL tests use.
func PostgresURL() string {
	if u := os.Getenv("ALERTDESK_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// URL returns the connection URL of a PostgreSQL store from Open, so a
// test can open a second pool on the same database (another "replica").
func URL(t testing.TB, s *store.Store) string {
	t.Helper()
	if !s.IsPostgres() {
		t.Fatalf("storetest: URL needs a PostgreSQL store")
	}
	var name string
	if err := s.DB.QueryRow("SELECT current_database()").Scan(&name); err != nil {
		t.Fatalf("storetest: %v", err)
	}
	return databaseURL(PostgresURL(), name)
}

// RequireServices reports whether ALERTDESK_REQUIRE_SERVICES=1, i.e. a
// missing service fails the test instead of skipping it.
func RequireServices() bool { return os.Getenv("ALERTDESK_REQUIRE_SERVICES") == "1" }

func open(t testing.TB, dialectName string, migrated bool) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	switch dialectName {
	case dialect.SQLite:
		dir := t.TempDir()
		if migrated {
			tmpl, err := sqliteTemplate(ctx)
			if err != nil {
				t.Fatalf("storetest: build sqlite template: %v", err)
			}
			if err := copyFile(tmpl, store.SQLitePath(dir)); err != nil {
				t.Fatalf("storetest: %v", err)
			}
		}
		s, err := store.Connect(ctx, "", dir)
		if err != nil {
			t.Fatalf("storetest: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	case dialect.Postgres:
		return openPostgres(ctx, t, migrated)
	default:
		t.Fatalf("storetest: unknown dialect %q", dialectName)
		return nil
	}
}

func openPostgres(ctx context.Context, t testing.TB, migrated bool) *store.Store {
	t.Helper()
	admin := adminDB(t)
	template := "template0"
	if migrated {
		var err error
		if template, err = ensureTemplate(ctx, admin); err != nil {
			t.Fatalf("storetest: build template database: %v", err)
		}
	}
	name := "alertdesk_t_" + randHex(6)
	if err := createDatabase(ctx, admin, name, template); err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("storetest: drop database %s: %v", name, err)
		}
	})
	s, err := store.Connect(ctx, databaseURL(PostgresURL(), name), "")
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	// Registered after the drop, so it runs before it.
	t.Cleanup(func() { s.Close() })
	return s
}

// createDatabase retries while the template is briefly in use (a builder's
// connection still closing), which CREATE DATABASE refuses.
func createDatabase(ctx context.Context, admin *sql.DB, name, template string) error {
	var err error
	for range 20 {
		if _, err = admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template); err == nil {
			return nil
		}
		if !strings.Contains(err.Error(), "is being accessed by other users") {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("create database %s from %s: %w", name, template, err)
}

var admin struct {
	once sync.Once
	db   *sql.DB
	err  error
}

// adminDB returns the process-wide connection to the server's admin
// database, skipping or failing the test if it is unreachable.
func adminDB(t testing.TB) *sql.DB {
	t.Helper()
	admin.once.Do(func() {
		db, err := sql.Open("pgx", PostgresURL())
		if err != nil {
			admin.err = err
			return
		}
		db.SetMaxOpenConns(4)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			admin.err = err
			return
		}
		admin.db = db
	})
	if admin.err != nil {
		where := redact(PostgresURL())
		if RequireServices() {
			t.Fatalf("storetest: PostgreSQL not reachable at %s: %v (ALERTDESK_REQUIRE_SERVICES=1)", where, admin.err)
		}
		t.Skipf("PostgreSQL not reachable at %s: %v; set ALERTDESK_REQUIRE_SERVICES=1 to fail instead", where, admin.err)
	}
	return admin.db
}

var tmpl struct {
	mu   sync.Mutex
	name string
}

// ensureTemplate returns the migrated template database, building it if no
// process has yet. Its name carries a hash of the migrations, so a change
// to them gets a new template and an unchanged one is reused across runs.
func ensureTemplate(ctx context.Context, admin *sql.DB) (string, error) {
	tmpl.mu.Lock()
	defer tmpl.mu.Unlock()
	if tmpl.name != "" {
		return tmpl.name, nil
	}
	hash, err := migrationsHash(dialect.Postgres)
	if err != nil {
		return "", err
	}
	name := "alertdesk_tmpl_" + hash

	// Parallel test binaries (go test ./...) serialize here. Advisory locks
	// are per database, and all of them connect to the same admin one.
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(hashtextextended('alertdesk:storetest:template', 0))"); err != nil {
		return "", fmt.Errorf("lock: %w", err)
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(hashtextextended('alertdesk:storetest:template', 0))"); err != nil {
			// Don't return a connection holding the lock to the pool.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()

	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		if err := buildTemplate(ctx, conn, name); err != nil {
			return "", err
		}
	}
	tmpl.name = name
	return name, nil
}

// buildTemplate migrates a scratch database and renames it to name, so a
// template either exists complete or not at all (a crash mid-build leaves
// only a scratch database, dropped by the next builder).
func buildTemplate(ctx context.Context, conn *sql.Conn, name string) error {
	rows, err := conn.QueryContext(ctx, "SELECT datname FROM pg_database WHERE datname LIKE $1", name+"_b%")
	if err != nil {
		return err
	}
	var stale []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		stale = append(stale, n)
	}
	rows.Close()
	for _, n := range stale {
		if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+n+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop stale %s: %w", n, err)
		}
	}

	build := name + "_b" + randHex(4)
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+build+" TEMPLATE template0"); err != nil {
		return fmt.Errorf("create %s: %w", build, err)
	}
	db, err := sql.Open("pgx", databaseURL(PostgresURL(), build))
	if err != nil {
		return err
	}
	err = migrations.Apply(ctx, db, dialect.Postgres)
	db.Close()
	if err != nil {
		return fmt.Errorf("migrate %s: %w", build, err)
	}
	var renameErr error
	for range 20 {
		// Waits for the closed connections' backends to exit.
		if _, renameErr = conn.ExecContext(ctx, "ALTER DATABASE "+build+" RENAME TO "+name); renameErr == nil {
			break
		}
		if !strings.Contains(renameErr.Error(), "is being accessed by other users") {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if renameErr != nil {
		return fmt.Errorf("rename %s to %s: %w", build, name, renameErr)
	}
	// Nobody connects to the template by accident, which would block copies.
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+name+" WITH ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("seal %s: %w", name, err)
	}
	return nil
}

var sqliteTmpl struct {
	mu   sync.Mutex
	path string
}

// sqliteTemplate returns a migrated SQLite file to copy, which is much
// faster than migrating (notably under -race). Like the PostgreSQL one it
// is named after the migrations and reused across processes; it is built
// under a temporary name and renamed, so readers never see a partial file.
func sqliteTemplate(ctx context.Context) (string, error) {
	sqliteTmpl.mu.Lock()
	defer sqliteTmpl.mu.Unlock()
	if sqliteTmpl.path != "" {
		return sqliteTmpl.path, nil
	}
	hash, err := migrationsHash(dialect.SQLite)
	if err != nil {
		return "", err
	}
	path := filepath.Join(os.TempDir(), "alertdesk-storetest", "sqlite_"+hash+".db")
	if _, err := os.Stat(path); err == nil {
		sqliteTmpl.path = path
		return path, nil
	}
	build, err := os.MkdirTemp("", "alertdesk-storetest-build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(build)
	s, err := store.Open(ctx, "", build)
	if err != nil {
		return "", err
	}
	// Closing the last connection checkpoints the WAL into the file.
	if err := s.Close(); err != nil {
		return "", err
	}
	if _, err := os.Stat(store.SQLitePath(build) + "-wal"); err == nil {
		return "", errors.New("WAL file left after close")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	tmp := path + ".tmp" + randHex(4)
	if err := copyFile(store.SQLitePath(build), tmp); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return "", err
	}
	sqliteTmpl.path = path
	return path, nil
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		return fmt.Errorf("copy to %s: %w", dst, err)
	}
	return nil
}

func migrationsHash(dialectName string) (string, error) {
	ms, err := migrations.List(dialectName)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%s\x00%s\x00", m.Version, m.SQL)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// databaseURL returns base with its database replaced by name.
func databaseURL(base, name string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = "/" + name
	return u.String()
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
