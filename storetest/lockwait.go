package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/store"
)

// WaitForLockWait polls until a backend of s's PostgreSQL database waits
// on a lock (advisory, row or transaction), for tests that hold a lock in
// one transaction and check that another waits for it. It fails the test
// when finished reports true first (the other transaction did not wait)
// or when nothing waits within ten seconds.
func WaitForLockWait(t testing.TB, s *store.Store, finished func() bool) {
	t.Helper()
	const q = `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock'`
	ctx := context.Background()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if finished() {
			t.Fatal("finished while the lock was held: it did not wait")
		}
		var n int
		if err := s.DB.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
	}
	t.Fatal("nothing waited on a lock")
}
