package plancheck

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// WaitForOlderTransactions waits, up to timeout, until every transaction
// that was running anywhere on the server when it was called has ended.
// Until then no row version such a transaction might still see can be
// pruned, in any database: a snapshot's horizon is the oldest transaction
// running on the server, so another database's long write (another
// test's, in a parallel package run) kept a loaded table's old versions,
// and an update that would have stayed on its page moved. It returns
// false when some were still running at the timeout.
func WaitForOlderTransactions(ctx context.Context, db *sql.DB, timeout time.Duration) (bool, error) {
	var now int64
	if err := db.QueryRowContext(ctx, `SELECT txid_current()`).Scan(&now); err != nil {
		return false, fmt.Errorf("plancheck: current transaction: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		var oldest int64
		if err := db.QueryRowContext(ctx, `SELECT txid_snapshot_xmin(txid_current_snapshot())`).Scan(&oldest); err != nil {
			return false, fmt.Errorf("plancheck: oldest running transaction: %w", err)
		}
		if oldest > now {
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
