package plancheck

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// quietSQL says whether no transaction id up to $1 still runs and no
// other backend holds a snapshot that could see one running (a read-only
// transaction has a snapshot but no id). Both ages are taken in one
// statement, so comparing them compares the two ids.
const quietSQL = `SELECT txid_snapshot_xmin(txid_current_snapshot()) > $1
	AND NOT EXISTS (SELECT 1 FROM pg_stat_activity
		WHERE pid <> pg_backend_pid() AND age(backend_xmin) >= age(($1 % 4294967296)::text::xid))`

// WaitForOlderTransactions waits, up to timeout, until every transaction
// that was running anywhere on the server when it was called has ended,
// and every snapshot taken before then has been let go. Until then no row
// version such a transaction might still see can be pruned, in any
// database: a snapshot's horizon is the oldest transaction running on the
// server, so another database's long write (another test's, in a parallel
// package run) kept a loaded table's old versions, and an update that
// would have stayed on its page moved. It returns false when some were
// still running at the timeout.
func WaitForOlderTransactions(ctx context.Context, db *sql.DB, timeout time.Duration) (bool, error) {
	var now int64
	if err := db.QueryRowContext(ctx, `SELECT txid_current()`).Scan(&now); err != nil {
		return false, fmt.Errorf("plancheck: current transaction: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		var quiet bool
		if err := db.QueryRowContext(ctx, quietSQL, now).Scan(&quiet); err != nil {
			return false, fmt.Errorf("plancheck: oldest running transaction: %w", err)
		}
		if quiet {
			return true, nil
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
