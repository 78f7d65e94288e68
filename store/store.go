package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"entgo.io/ent/dialect"
	"github.com/jackc/pgx/v5"
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

	// numbers is a small pool of its own for creating ticket-number
	// sequences (PostgreSQL); sequences records the tenants known to
	// have one.
	numbers   *sql.DB
	sequences *sync.Map

	// control is the small pool of health and token checks (PostgreSQL);
	// ingest is the Store of webhook ingest, on a pool of its own; view
	// marks such a Store, which its parent closes.
	control     *sql.DB
	controlEnt  *ent.Client
	ingest      *Store
	view        bool
	databaseURL string
	// turns admits the transactions of Tx and BatchTx in arrival order
	// (the ingest Store's; nil: as database/sql does).
	turns *turns
}

// Open connects (see Connect) and applies pending migrations.
func Open(ctx context.Context, databaseURL, dataDir string, opts ...Option) (*Store, error) {
	s, err := Connect(ctx, databaseURL, dataDir, opts...)
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
// is checked before returning. On PostgreSQL the pools and timeouts are
// DefaultLimits unless WithLimits says otherwise.
func Connect(ctx context.Context, databaseURL, dataDir string, opts ...Option) (*Store, error) {
	o := options{limits: DefaultLimits()}
	for _, opt := range opts {
		opt(&o)
	}
	var (
		db   *sql.DB
		name string
		err  error
		pg   *pgx.ConnConfig
	)
	switch {
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		name = dialect.Postgres
		if pg, err = pgConfig(databaseURL, o.limits); err == nil {
			db = openPool(pg, max(o.limits.MaxConns, 1))
		}
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
		s.databaseURL = databaseURL
		s.numbers = openPool(pg, 2)
		s.numbers.SetMaxIdleConns(1)
		s.control = openPool(pg, controlConns)
		s.controlEnt = ent.NewClient(ent.Driver(Driver(name, s.control)))
		in := New(openPool(pg, max(o.limits.WebhookConns, 1)), name)
		in.turns = newTurns(o.limits.WebhookConns)
		in.numbers, in.sequences, in.control, in.controlEnt = s.numbers, s.sequences, s.control, s.controlEnt
		in.view, in.databaseURL = true, databaseURL
		s.ingest = in
	}
	return s, nil
}

// Ingest is the Store webhook ingest runs on: on PostgreSQL the same
// database through a pool of its own (Limits.WebhookConns), so that API
// and worker load can never take every connection a webhook needs; on
// SQLite, and for a Store made by New, the Store itself. Its parent closes
// it.
func (s *Store) Ingest() *Store {
	if s.ingest == nil {
		return s
	}
	return s.ingest
}

// Control is the client of health and token checks: on PostgreSQL a pool
// of two connections of its own, so that neither waits behind a full main
// pool; otherwise Ent. Keep its queries short and lock-free.
func (s *Store) Control() *ent.Client {
	if s.controlEnt == nil {
		return s.Ent
	}
	return s.controlEnt
}

// New wraps an already open pool; dialectName is "postgres" or "sqlite3".
// Prefer Connect, which also sets the pool up.
func New(db *sql.DB, dialectName string) *Store {
	return &Store{
		Ent:       ent.NewClient(ent.Driver(Driver(dialectName, db))),
		DB:        db,
		Dialect:   dialectName,
		sequences: &sync.Map{},
	}
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

// Migrate applies pending migrations. On PostgreSQL it runs on a
// connection of its own without the statement and lock timeouts: a
// migration may rewrite a large table, and a replica waits for another's
// migrations to finish.
func (s *Store) Migrate(ctx context.Context) error {
	db := s.DB
	if s.databaseURL != "" {
		plain, err := sql.Open("pgx", s.databaseURL)
		if err != nil {
			return fmt.Errorf("store: migrate: %w", err)
		}
		defer plain.Close()
		plain.SetMaxOpenConns(1)
		db = plain
	}
	if err := migrations.Apply(ctx, db, s.Dialect); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// Close closes the ent client and the pools; on a Store from Ingest it does
// nothing (its parent closes it).
func (s *Store) Close() error {
	if s.view {
		return nil
	}
	if s.ingest != nil {
		_ = s.ingest.Ent.Close()
	}
	if s.controlEnt != nil {
		_ = s.controlEnt.Close()
	}
	if s.numbers != nil {
		_ = s.numbers.Close()
	}
	// ent's Close closes the *sql.DB it wraps.
	if err := s.Ent.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Ping checks that the database answers, through the control pool: a full
// main pool does not make a replica look dead.
func (s *Store) Ping(ctx context.Context) error {
	db := s.DB
	if s.control != nil {
		db = s.control
	}
	if err := db.PingContext(ctx); err != nil {
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
func (s *Store) Tx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	done, err := s.turn(ctx)
	if err != nil {
		return fmt.Errorf("store: begin transaction: %w", err)
	}
	defer done()
	return WithTx(ctx, s.Ent, fn)
}

// WithTx is Tx on any client of the store's database, such as a
// tenant-scoped one. A BEGIN that finds its pooled connection dead (closed
// by the server) is sent once more, on a live or fresh connection: nothing
// of the transaction ran (see retryBegin).
func WithTx(ctx context.Context, c *ent.Client, fn func(tx *ent.Tx) error) error {
	return withTx(ctx, c, true, fn)
}

func withTx(ctx context.Context, c *ent.Client, retry bool, fn func(tx *ent.Tx) error) (err error) {
	tx, err := c.Tx(ctx)
	if err != nil && retry && retryBegin(ctx, err) {
		tx, err = c.Tx(ctx)
	}
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
		// database/sql rolls a transaction back when its context ends, and
		// Commit then says only that it is done: say why.
		if errors.Is(err, sql.ErrTxDone) && ctx.Err() != nil {
			err = ctx.Err()
		}
		return fmt.Errorf("store: commit: %w", markCommit(err))
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
	for _, st := range s.LockStatements(keys...) {
		if err := runStatement(ctx, tx, st); err != nil {
			return err
		}
	}
	return nil
}

// LockStatements are the statements LockKeys runs (none on SQLite), for
// a BatchTx to send with BEGIN.
func (s *Store) LockStatements(keys ...string) []Statement {
	if !s.IsPostgres() || len(keys) == 0 {
		return nil
	}
	q, args := LockKeysSelect(keys...)
	return []Statement{{Name: fmt.Sprintf("store: lock %q", keys), SQL: "SELECT " + q, Args: args}}
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
// ticket created in the same transaction. A transaction that rolls back
// leaves a gap in the numbers.
//
// On PostgreSQL each tenant has a sequence of its own, created on first
// use: nextval holds no lock beyond the call and needs no commit, so
// tickets of one tenant are never serialized on their numbering. (A
// counter row was: its lock lasted through its commit, WAL flush included,
// which capped a tenant at one ticket per flush and gave busy tenants
// long latency tails.) On SQLite a counter row advances inside the
// transaction: writers already run one at a time.
func (s *Store) NextTicketNumber(ctx context.Context, tx *ent.Tx, tenantID int) (int, error) {
	if s.IsPostgres() {
		return s.nextFromSequence(ctx, tx, tenantID)
	}
	const upsert = `INSERT INTO ticket_counters (tenant_id, last_number, created_at) VALUES (?, 1, CURRENT_TIMESTAMP)
ON CONFLICT (tenant_id) DO UPDATE SET last_number = ticket_counters.last_number + 1
RETURNING last_number`
	return queryInt(ctx, tx, upsert, tenantID)
}

// ticketSequence names a tenant's ticket-number sequence.
func ticketSequence(tenantID int) string { return fmt.Sprintf("ticket_numbers_%d", tenantID) }

func (s *Store) nextFromSequence(ctx context.Context, tx *ent.Tx, tenantID int) (int, error) {
	seq, err := s.TicketSequence(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	return queryInt(ctx, tx, "SELECT nextval($1::regclass)", seq)
}

// TicketSequence names the PostgreSQL sequence the tenant's ticket numbers
// come from, creating it on first use, so that an INSERT can draw its
// number itself (nextval) instead of a round trip of its own. On SQLite it
// is "": numbers come from NextTicketNumber.
func (s *Store) TicketSequence(ctx context.Context, tenantID int) (string, error) {
	if !s.IsPostgres() {
		return "", nil
	}
	if _, ok := s.sequences.Load(tenantID); !ok {
		if err := s.ensureTicketSequence(ctx, tenantID); err != nil {
			return "", err
		}
		s.sequences.Store(tenantID, true)
	}
	return ticketSequence(tenantID), nil
}

// ensureTicketSequence creates the tenant's sequence unless it exists,
// continuing after the highest number the tenant has used. It runs on the
// small pool of its own, so that transactions holding every connection of
// the main pool can never wait on themselves; the advisory lock makes
// replicas create it once.
func (s *Store) ensureTicketSequence(ctx context.Context, tenantID int) error {
	name := ticketSequence(tenantID)
	pool := s.numbers
	if pool == nil {
		pool = s.DB
	}
	tx, err := pool.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: ticket numbers of tenant %d: %w", tenantID, err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", "ticket-numbers:"+name); err != nil {
		return fmt.Errorf("store: ticket numbers of tenant %d: %w", tenantID, err)
	}
	var exists bool
	if err := tx.QueryRowContext(ctx, "SELECT to_regclass($1) IS NOT NULL", name).Scan(&exists); err != nil {
		return fmt.Errorf("store: ticket numbers of tenant %d: %w", tenantID, err)
	}
	if !exists {
		var last int64
		if err := tx.QueryRowContext(ctx, `SELECT GREATEST(
	(SELECT COALESCE(MAX(number), 0) FROM tickets WHERE tenant_id = $1),
	(SELECT COALESCE(MAX(last_number), 0) FROM ticket_counters WHERE tenant_id = $1))`, tenantID).Scan(&last); err != nil {
			return fmt.Errorf("store: ticket numbers of tenant %d: %w", tenantID, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("CREATE SEQUENCE %s START WITH %d", name, last+1)); err != nil {
			return fmt.Errorf("store: ticket numbers of tenant %d: %w", tenantID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: ticket numbers of tenant %d: %w", tenantID, err)
	}
	return nil
}

// queryInt runs a query that returns one integer.
func queryInt(ctx context.Context, tx *ent.Tx, query string, args ...any) (int, error) {
	var n int
	if err := ScanOne(ctx, tx, query, args, &n); err != nil {
		return 0, fmt.Errorf("store: next ticket number: %w", err)
	}
	return n, nil
}

// ScanOne runs a query in tx that returns one row and scans it into dest;
// no row is sql.ErrNoRows. (ent's transaction has no QueryRowContext.)
func ScanOne(ctx context.Context, tx *ent.Tx, query string, args []any, dest ...any) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if err := ScanRow(rows, dest...); err != nil {
		return err
	}
	return rows.Close()
}

// ScanRow scans the first row of rows into dest; no row is sql.ErrNoRows.
func ScanRow(rows Rows, dest ...any) error {
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	return rows.Scan(dest...)
}
