package plancheck_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/internal/plancheck"
	"github.com/alertdesk/alertdesk/internal/storetest"
)

// TestWaitForOlderTransactions: a transaction that writes, and one that
// only holds a snapshot, both keep the wait from ending; once they end,
// it ends.
func TestWaitForOlderTransactions(t *testing.T) {
	db := storetest.Open(t, dialect.Postgres).DB
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		begin func(*sql.Tx) error
	}{
		{"a transaction id", func(tx *sql.Tx) error { _, err := tx.ExecContext(ctx, `SELECT txid_current()`); return err }},
		{"a snapshot only", func(tx *sql.Tx) error { _, err := tx.ExecContext(ctx, `SELECT 1`); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if err := tc.begin(tx); err != nil {
				t.Fatal(err)
			}
			quiet, err := plancheck.WaitForOlderTransactions(ctx, db, 300*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if quiet {
				t.Fatal("the wait ended while the older transaction ran")
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
			// Other tests' transactions on the server may take a while.
			if quiet, err = plancheck.WaitForOlderTransactions(ctx, db, 2*time.Minute); err != nil || !quiet {
				t.Fatalf("after the older transaction ended: quiet %v, %v", quiet, err)
			}
		})
	}
}
