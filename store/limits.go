package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Limits sizes the PostgreSQL pools and bounds what a statement may wait.
type Limits struct {
	// MaxConns bounds the main pool (the API and the workers).
	MaxConns int
	// WebhookConns bounds the pool of webhook ingest (Ingest), its own so
	// that API load never takes every connection.
	WebhookConns int
	// StatementTimeout and LockTimeout are PostgreSQL's statement_timeout
	// and lock_timeout on every connection (advisory locks included);
	// zero leaves the server's setting. A database URL that sets either
	// wins.
	StatementTimeout time.Duration
	LockTimeout      time.Duration
}

// DefaultLimits are the limits Connect applies without WithLimits.
func DefaultLimits() Limits {
	return Limits{MaxConns: 20, WebhookConns: 8, StatementTimeout: 30 * time.Second, LockTimeout: 10 * time.Second}
}

// controlConns is the size of the pool of health and token checks: short
// reads that must not wait behind a full main pool.
const controlConns = 2

// An Option changes how Connect opens the database.
type Option func(*options)

type options struct{ limits Limits }

// WithLimits sets the pools' sizes and the statement and lock timeouts.
func WithLimits(l Limits) Option { return func(o *options) { o.limits = l } }

// pgConfig parses the URL and sets the timeouts it does not set itself.
func pgConfig(databaseURL string, l Limits) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("store: parse postgres URL %s: %w", redact(databaseURL), err)
	}
	for name, d := range map[string]time.Duration{"statement_timeout": l.StatementTimeout, "lock_timeout": l.LockTimeout} {
		if _, set := cfg.RuntimeParams[name]; !set && d > 0 {
			cfg.RuntimeParams[name] = fmt.Sprint(d.Milliseconds())
		}
	}
	return cfg, nil
}

// openPool opens a pool of at most n connections on cfg. The main pool
// (Limits.MaxConns, 20 by default) has room for the API, workers and the
// poller at once; with the webhook pool (8), the control pool (2) and the
// ticket-number pool (2) a replica opens at most 32 connections, leaving
// room in max_connections (100 by default) for a few replicas. A pool keeps
// every connection it has opened: with fewer idle slots than open ones, a
// burst above them closes connections on release and dials new ones (a
// PostgreSQL backend started per dial) moments later. Idle ones go after
// five minutes.
func openPool(cfg *pgx.ConnConfig, n int) *sql.DB {
	db := stdlib.OpenDB(*cfg, stdlib.OptionShouldPing(shouldPing))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(30 * time.Minute)
	return db
}

// deadAt is when a transaction last found its pooled connection closed by
// the server (UnixNano): when PostgreSQL ends one backend it has often
// ended others (a restart, a failover, pg_terminate_backend), so every
// pooled connection last checked before then is pinged before its next
// use, and discarded if dead.
var deadAt atomic.Int64

// shouldPing is pgx's default (ping a connection idle for over a second)
// plus a ping of connections last checked before a dead one was found.
func shouldPing(_ context.Context, p stdlib.ShouldPingParams) bool {
	return p.IdleDuration > time.Second || time.Since(time.Unix(0, deadAt.Load())) < p.IdleDuration
}

// retryBegin reports whether a transaction whose BEGIN failed with err may
// begin again, once, on another connection: the connection was dead
// (closed by the server, or by the network) and the caller's context is
// still live. Nothing of the transaction can have committed and its
// function has not run, so nothing is done twice. It also marks the pool's
// other connections for a check before their next use (see deadAt), so
// the retry gets a live or a fresh one.
func retryBegin(ctx context.Context, err error) bool {
	if ctx.Err() != nil || !deadConn(err) {
		return false
	}
	deadAt.Store(time.Now().UnixNano())
	return true
}

// deadConn reports whether err says the connection itself is gone.
func deadConn(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// admin_shutdown, crash_shutdown, cannot_connect_now; connection
		// exceptions.
		return strings.HasPrefix(pe.Code, "57P0") || strings.HasPrefix(pe.Code, "08")
	}
	return pgconn.SafeToRetry(err) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// Unavailable reports whether err means the database could not serve the
// request now, while it may later: a deadline (the caller's, a statement
// or lock timeout), a lock or serialization conflict, a lost connection
// or one that could not be made, or SQLite busy. Such a request is worth answering 503, not 500; see
// Retryable for those worth running again at once.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || pgconn.Timeout(err) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "55P03", // lock_not_available: lock_timeout
			"57014", // query_canceled: statement_timeout, or the context
			"40001", // serialization_failure
			"40P01", // deadlock_detected
			"53300": // too_many_connections
			return true
		case "0A000", "26000":
			// A prepared statement the connection cached that a migration
			// of another replica changed, or that the server dropped:
			// pgx forgets it, and the next run prepares it again.
			return strings.Contains(pe.Message, "cached plan must not change result type") ||
				(pe.Code == "26000" && strings.Contains(pe.Message, "prepared statement"))
		}
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		// A new connection that could not be made (refused, timed out,
		// no local port free): nothing was sent. Unless the server
		// refused who we are or what we asked for, which waiting does
		// not mend.
		return pe == nil || !(strings.HasPrefix(pe.Code, "28") || pe.Code == "3D000")
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
	}
	return deadConn(err)
}
