// Package store opens alertdesk's database: PostgreSQL (through pgx) when a
// URL is configured, otherwise an embedded SQLite file (pure Go, no cgo).
// It owns the ent client, migrations on open, transactions and the
// advisory locks that serialize concurrent work.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/migrations"
)

// SQLiteFile is the database file name inside the data directory.
const SQLiteFile = "alertdesk.db"

// Store is an open database.
type Store struct {
	// Ent is the ent client over DB.
	Ent *ent.Client
	// DB is the underlying pool, for SQL ent cannot express.
	DB *sql.DB
	// Dialect is dialect.Postgres or dialect.SQLite ("postgres", "sqlite3").
	Dialect string

	// numbers is a small pool of its own for ticket numbers (PostgreSQL).
	numbers *sql.DB
}

// Open connects (see Connect) and applies pending migrations.
func Open(ctx context.Context, databaseURL, dataDir string) (*Store, error) {
	s, err := Connect(ctx, databaseURL, dataDir)
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Connect opens the database without migrating it. A postgres:// or
// postgresql:// URL selects PostgreSQL; an empty URL selects the SQLite
// file <dataDir>/alertdesk.db, creating dataDir if needed. The connection
// is checked before returning.
func Connect(ctx context.Context, databaseURL, dataDir string) (*Store, error) {
	var (
		db   *sql.DB
		name string
		err  error
	)
	switch {
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		name = dialect.Postgres
		db, err = openPostgres(databaseURL)
	case databaseURL == "":
		name = dialect.SQLite
		db, err = openSQLite(dataDir)
	default:
		return nil, fmt.Errorf("store: unsupported database URL %q: want postgres://… or empty for SQLite", redact(databaseURL))
	}
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		if name == dialect.Postgres {
			return nil, fmt.Errorf("store: connect to postgres %s: %w", redact(databaseURL), err)
		}
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	s := New(db, name)
	if name == dialect.Postgres {
		if s.numbers, err = sql.Open("pgx", databaseURL); err != nil {
			s.Close()
			return nil, fmt.Errorf("store: open ticket-number pool: %w", err)
		}
		s.numbers.SetMaxOpenConns(4)
		s.numbers.SetMaxIdleConns(4)
	}
	return s, nil
}

// New wraps an already open pool; dialectName is "postgres" or "sqlite3".
// Prefer Connect, which also sets the pool up.
func New(db *sql.DB, dialectName string) *Store {
	return &Store{
		Ent:     ent.NewClient(ent.Driver(entsql.OpenDB(dialectName, db))),
		DB:      db,
		Dialect: dialectName,
	}
}

func openPostgres(databaseURL string) (*sql.DB, error) {
	db, err := sql.Open("pgx", databaseURL)
	if err != nil {
		return nil, fmt.Errorf("store: open postgres: %w", err)
	}
	// Room for webhook requests, workers and the poller at once, without
	// exhausting max_connections (100 by default) across a few replicas.
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(30 * time.Minute)
	return db, nil
}

// SQLitePath returns the database file used for dataDir.
func SQLitePath(dataDir string) string { return filepath.Join(dataDir, SQLiteFile) }

func openSQLite(dataDir string) (*sql.DB, error) {
	if dataDir == "" {
		return nil, errors.New("store: open sqlite: no data directory")
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("store: open sqlite: create data dir: %w", err)
	}
	q := url.Values{}
	for _, p := range []string{"foreign_keys(1)", "journal_mode(WAL)", "busy_timeout(10000)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	// BEGIN IMMEDIATE: take the write lock up front, so a read-then-write
	// transaction never fails to upgrade its lock.
	q.Set("_txlock", "immediate")
	// A plain path (no "file:" prefix) so unusual characters in dataDir need
	// no URI escaping; the driver strips the query itself.
	db, err := sql.Open("sqlite", SQLitePath(dataDir)+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite: %w", err)
	}
	// One connection: SQLite has a single writer anyway, and one connection
	// makes every transaction (reads included) run one at a time, which is
	// what LockKeys and NextTicketNumber rely on. Never use s.Ent (instead
	// of tx.Client()) inside a transaction: it would wait for itself.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return db, nil
}

// redact hides a password in a URL for error messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// Migrate applies pending migrations.
func (s *Store) Migrate(ctx context.Context) error {
	if err := migrations.Apply(ctx, s.DB, s.Dialect); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// Close closes the ent client and the pool.
func (s *Store) Close() error {
	if s.numbers != nil {
		_ = s.numbers.Close()
	}
	// ent's Close closes the *sql.DB it wraps.
	if err := s.Ent.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.DB.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping %s: %w", s.Dialect, err)
	}
	return nil
}

// IsPostgres reports whether the store is PostgreSQL (else SQLite).
func (s *Store) IsPostgres() bool { return s.Dialect == dialect.Postgres }

// Tx runs fn in a transaction: committed if fn returns nil, rolled back if
// it returns an error or panics (the panic continues). fn's error is
// returned as is so callers can match it; begin and commit failures are
// wrapped. Inside fn use tx (tx.Client()), never s.Ent.
func (s *Store) Tx(ctx context.Context, fn func(tx *ent.Tx) error) (err error) {
	tx, err := s.Ent.Tx(ctx)
	if err != nil {
		return fmt.Errorf("store: begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("store: rollback: %w", rerr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// LockKeys serializes work on the given keys across transactions and
// replicas: on PostgreSQL it takes a transaction-scoped advisory lock per
// key (pg_advisory_xact_lock on a 64-bit hash of the key), in the order
// given, held until tx commits or rolls back. Callers taking several keys
// must use one consistent order everywhere, or they can deadlock.
//
// On SQLite it does nothing: the store's single connection already runs
// transactions one at a time.
//
// With PostgreSQL's default READ COMMITTED isolation, statements after
// LockKeys see everything the previous holder committed. Under REPEATABLE
// READ they would not if the snapshot was taken earlier; lock first.
func (s *Store) LockKeys(ctx context.Context, tx *ent.Tx, keys ...string) error {
	if !s.IsPostgres() || len(keys) == 0 {
		return nil
	}
	q, args := LockKeysSelect(keys...)
	if _, err := tx.ExecContext(ctx, "SELECT "+q, args...); err != nil {
		return fmt.Errorf("store: lock %q: %w", keys, err)
	}
	return nil
}

// LockKeysSelect is the PostgreSQL select list that LockKeys runs, with
// its arguments ($1 … $n), for callers that read something else in the
// same round trip. PostgreSQL evaluates a select list left to right, so the
// locks are taken in the order given.
func LockKeysSelect(keys ...string) (string, []any) {
	var q strings.Builder
	args := make([]any, len(keys))
	for i, k := range keys {
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "pg_advisory_xact_lock(hashtextextended($%d, 0))", i+1)
		args[i] = k
	}
	return q.String(), args
}

// NextTicketNumber returns the next per-tenant ticket number, for a
// ticket created in the same transaction.
//
// On PostgreSQL the tenant's counter row advances in its own short
// statement on a separate small pool, so its row lock is held for that
// statement only and ticket creation in one tenant is not serialized for
// the whole pipeline transaction (a separate pool, so transactions that
// hold every connection of the main pool can never wait on themselves).
// A transaction that rolls back leaves a gap in the numbers. On SQLite the
// counter advances inside the transaction: writers already run one at a
// time.
func (s *Store) NextTicketNumber(ctx context.Context, tx *ent.Tx, tenantID int) (int, error) {
	const upsert = `INSERT INTO ticket_counters (tenant_id, last_number, created_at) VALUES (%[1]s, 1, %[2]s)
ON CONFLICT (tenant_id) DO UPDATE SET last_number = ticket_counters.last_number + 1
RETURNING last_number`
	var (
		rows *sql.Rows
		err  error
	)
	if s.IsPostgres() && s.numbers != nil {
		rows, err = s.numbers.QueryContext(ctx, fmt.Sprintf(upsert, "$1", "now()"), tenantID)
	} else {
		rows, err = tx.QueryContext(ctx, fmt.Sprintf(upsert, s.placeholder(1), "CURRENT_TIMESTAMP"), tenantID)
	}
	if err != nil {
		return 0, fmt.Errorf("store: next ticket number: %w", err)
	}
	defer rows.Close()
	var n int
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("store: next ticket number: %w", err)
		}
		return 0, errors.New("store: next ticket number: no row")
	}
	if err := rows.Scan(&n); err != nil {
		return 0, fmt.Errorf("store: next ticket number: %w", err)
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("store: next ticket number: %w", err)
	}
	return n, nil
}

// placeholder returns the i-th (1-based) bind parameter in the dialect.
func (s *Store) placeholder(i int) string {
	if s.IsPostgres() {
		return "$" + strconv.Itoa(i)
	}
	return "?"
}
