package store_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/alertdesk/alertdesk/store"
)

// TestErrorClassification: what is run again at once (Retryable), what is
// answered "busy, retry" (Unavailable), and what is a failure (neither).
func TestErrorClassification(t *testing.T) {
	pg := func(code string) error { return fmt.Errorf("pipeline: finish: %w", &pgconn.PgError{Code: code}) }
	for _, tc := range []struct {
		name                   string
		err                    error
		retryable, unavailable bool
	}{
		{"nil", nil, false, false},
		{"plain error", errors.New("boom"), false, false},
		{"deadlock", pg("40P01"), true, true},
		{"serialization failure", pg("40001"), true, true},
		{"lock_timeout", pg("55P03"), true, true},
		{"statement_timeout", pg("57014"), true, true},
		{"too many connections", pg("53300"), true, true},
		{"admin shutdown", pg("57P01"), true, true},
		{"cannot connect now", pg("57P03"), true, true},
		{"connection failure", pg("08006"), true, true},
		{"cached plan changed by a migration", &pgconn.PgError{Code: "0A000", Message: "cached plan must not change result type"}, true, true},
		{"prepared statement gone", &pgconn.PgError{Code: "26000", Message: `prepared statement "stmtcache_1" does not exist`}, true, true},
		{"feature not supported", &pgconn.PgError{Code: "0A000", Message: "FOR UPDATE is not allowed with aggregate functions"}, false, false},
		{"connection refused", connectError(&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}), true, true},
		{"no local port free", connectError(&net.OpError{Op: "dial", Err: syscall.EADDRNOTAVAIL}), true, true},
		{"too many clients at connect", connectError(&pgconn.PgError{Code: "53300"}), true, true},
		{"password refused at connect", connectError(&pgconn.PgError{Code: "28P01"}), false, false},
		{"database missing at connect", connectError(&pgconn.PgError{Code: "3D000"}), false, false},
		{"unique violation", pg("23505"), false, false},
		{"foreign key violation", pg("23503"), false, false},
		{"undefined table", pg("42P01"), false, false},
		{"caller's deadline", fmt.Errorf("store: begin transaction: %w", context.DeadlineExceeded), false, true},
		{"caller cancelled", context.Canceled, false, true},
		{"connection lost", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true, true},
		{"connection reset", &net.OpError{Op: "read", Err: syscall.ECONNRESET}, true, true},
		{"bad connection", fmt.Errorf("pipeline: lock: %w", driver.ErrBadConn), true, true},
		{"joined with a rollback error", errors.Join(pg("40P01"), errors.New("store: rollback: conn closed")), true, true},
		{"deadlock at COMMIT", fmt.Errorf("store: commit: %w", store.MarkCommit(pg("40P01"))), true, true},
		{"connection lost at COMMIT", fmt.Errorf("store: commit: %w", store.MarkCommit(io.ErrUnexpectedEOF)), false, true},
		{"bad connection at COMMIT", fmt.Errorf("store: commit: %w", store.MarkCommit(driver.ErrBadConn)), false, true},
		{"transaction done at COMMIT", fmt.Errorf("store: commit: %w", store.MarkCommit(sql.ErrTxDone)), false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := store.Retryable(tc.err); got != tc.retryable {
				t.Errorf("Retryable(%v) = %v, want %v", tc.err, got, tc.retryable)
			}
			if got := store.Unavailable(tc.err); got != tc.unavailable {
				t.Errorf("Unavailable(%v) = %v, want %v", tc.err, got, tc.unavailable)
			}
		})
	}
}

func TestRetry(t *testing.T) {
	deadlock := &pgconn.PgError{Code: "40P01"}
	for _, tc := range []struct {
		name    string
		errs    []error // what each run returns; runs past the end succeed
		ctx     func() (context.Context, context.CancelFunc)
		runs    int
		wantErr error
		retried int
	}{
		{name: "success", runs: 1},
		{name: "deadlock then success", errs: []error{deadlock}, runs: 2, retried: 1},
		{name: "bounded", errs: []error{deadlock, deadlock, deadlock, deadlock, deadlock},
			runs: store.RetryAttempts, wantErr: deadlock, retried: store.RetryAttempts - 1},
		{name: "not transient", errs: []error{sql.ErrNoRows}, runs: 1, wantErr: sql.ErrNoRows},
		{name: "uncertain commit", errs: []error{store.MarkCommit(io.EOF)}, runs: 1, wantErr: io.EOF},
		{name: "context ended", errs: []error{deadlock}, runs: 1, wantErr: deadlock,
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx, cancel
			}},
		{name: "no time left for the pause", errs: []error{deadlock}, runs: 1, wantErr: deadlock,
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 500*time.Microsecond)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			if tc.ctx != nil {
				ctx, cancel = tc.ctx()
			}
			defer cancel()
			runs, retried := 0, 0
			err := store.Retry(ctx, func(err error, attempt int, wait time.Duration) {
				retried++
				if attempt != retried || wait <= 0 || !store.Retryable(err) {
					t.Errorf("onRetry(%v, %d, %v) at retry %d", err, attempt, wait, retried)
				}
			}, func() error {
				runs++
				if runs <= len(tc.errs) {
					return tc.errs[runs-1]
				}
				return nil
			})
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Errorf("Retry = %v, want %v", err, tc.wantErr)
			}
			if runs != tc.runs || retried != tc.retried {
				t.Errorf("fn ran %d times, retried %d; want %d, %d", runs, retried, tc.runs, tc.retried)
			}
		})
	}
}

// connectError is err as pgx reports a connection it could not make.
func connectError(err error) error {
	cfg, perr := pgconn.ParseConfig("postgres://postgres@127.0.0.1:1/x?sslmode=disable")
	if perr != nil {
		panic(perr)
	}
	cfg.DialFunc = func(context.Context, string, string) (net.Conn, error) { return nil, err }
	_, cerr := pgconn.ConnectConfig(context.Background(), cfg)
	return fmt.Errorf("store: begin transaction: %w", cerr)
}
