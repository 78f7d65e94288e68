package store

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// Transient failures are of two kinds. Retryable ones are worth running
// the whole transaction again at once: PostgreSQL refused it (a deadlock,
// a serialization failure, a lock or statement timeout, too many
// connections) or its connection died before COMMIT, so nothing of it was
// committed. Unavailable ones (a superset) are worth answering "busy, try
// again" (503): they add the caller's own deadline, and a connection that
// died during COMMIT, when nobody can tell whether it committed.

// Retry bounds: at most RetryAttempts runs; before run n+1 a pause drawn
// at random up to min(retryBase·2ⁿ⁻¹, retryCap) (full jitter, so that
// transactions that deadlocked each other do not meet again in step).
const (
	RetryAttempts = 4
	retryBase     = 20 * time.Millisecond
	retryCap      = 400 * time.Millisecond
)

// Retry runs fn, and runs it again while it fails with a Retryable error,
// up to RetryAttempts runs in all, pausing with jitter between runs. It
// stops early when ctx ends or its deadline would pass during the pause,
// and returns fn's last error. onRetry, when not nil, is told each error
// that is about to be retried and the pause before the next run.
//
// fn must be one transaction (or end with one, after reads), so that a
// Retryable error means none of it committed; its results must be set
// anew by each run.
func Retry(ctx context.Context, onRetry func(err error, attempt int, wait time.Duration), fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || attempt >= RetryAttempts || !Retryable(err) || ctx.Err() != nil {
			return err
		}
		wait := rand.N(min(retryBase<<(attempt-1), retryCap)) + time.Millisecond
		if d, ok := ctx.Deadline(); ok && time.Until(d) < wait {
			return err
		}
		if onRetry != nil {
			onRetry(err, attempt, wait)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// Retryable reports whether err says a transaction failed without
// committing for a reason that may not recur: a deadlock (40P01), a
// serialization failure (40001), lock_timeout (55P03), statement_timeout
// (57014), too many connections (53300), a server shutting down, a
// connection that could not be made or was lost before COMMIT, a cached
// statement that a migration
// changed, or SQLite busy or locked. Not the
// caller's deadline or cancellation, and not a connection lost during
// COMMIT (the transaction may have committed): those are Unavailable only.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		pgconn.Timeout(err) || commitUncertain(err) {
		return false
	}
	return Unavailable(err)
}

// errCommitUncertain marks an error met while COMMIT was under way that
// PostgreSQL did not answer: the connection died or the context ended
// with COMMIT sent, so the transaction may have committed.
type errCommitUncertain struct{ err error }

func (e *errCommitUncertain) Error() string { return e.err.Error() }
func (e *errCommitUncertain) Unwrap() error { return e.err }

// markCommit marks a COMMIT's error as uncertain unless the database
// itself answered it (a PgError, or SQLite's: the transaction rolled
// back).
func markCommit(err error) error {
	var (
		pe *pgconn.PgError
		se *sqlite.Error
	)
	// SafeToRetry: pgx never sent COMMIT.
	if err == nil || errors.As(err, &pe) || errors.As(err, &se) || pgconn.SafeToRetry(err) {
		return err
	}
	return &errCommitUncertain{err}
}

func commitUncertain(err error) bool {
	var cu *errCommitUncertain
	return errors.As(err, &cu)
}
