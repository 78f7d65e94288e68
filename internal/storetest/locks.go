package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/store"
)

// Hold runs fn in a transaction of s in another goroutine and keeps the
// transaction open, with whatever locks fn took, until release is called
// (the test's cleanup calls it too, so a failing test does not leave it
// blocking). release commits and returns the transaction's error.
func Hold(t testing.TB, s *store.Store, fn func(tx *ent.Tx) error) (release func() error) {
	t.Helper()
	held, done, unblock := make(chan error, 1), make(chan error, 1), make(chan struct{})
	go func() {
		done <- s.Tx(context.Background(), func(tx *ent.Tx) error {
			err := fn(tx)
			held <- err
			if err != nil {
				return err
			}
			<-unblock
			return nil
		})
	}()
	if err := <-held; err != nil {
		t.Fatalf("storetest: hold: %v", err)
	}
	var (
		once sync.Once
		err  error
	)
	release = func() error {
		once.Do(func() { close(unblock); err = <-done })
		return err
	}
	t.Cleanup(func() { _ = release() })
	return release
}

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
