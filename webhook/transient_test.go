package webhook_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/race"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/store"
)

// The tests here make the database refuse a webhook's transaction for a
// transient reason, the way the noise rollups' row locks (migration 0020)
// can: the pipeline runs it again, and answers 503 with Retry-After only
// when that fails too; never 500, and nothing is lost or counted twice.

// conditionRow locks the noise rollup row of the condition (as any
// transaction writing one of its alerts would) in tx: every firing of the
// condition updates it when its alert is inserted, with COMMIT.
const conditionRow = `SELECT alerts FROM alert_noise_conditions
	WHERE tenant_id = $1 AND integration_id = $2 AND dedup_key = $3 FOR UPDATE`

// firstFiring posts the condition's first firing and returns its alert.
func firstFiring(t *testing.T, e *apptest.Env) *ent.Alert {
	t.Helper()
	r := e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": series(1), "id": 1}))
	wantOutcome(t, r, 200, "ticket_created")
	return e.Alert(r.AlertID)
}

// checkCondition fails unless the condition has exactly alerts alerts,
// all on its one ticket, counted once each by the condition, its head
// alert and its noise rollup.
func checkCondition(t *testing.T, e *apptest.Env, head *ent.Alert, alerts int) {
	t.Helper()
	if c := e.Count(); c.Alerts != alerts || c.Tickets != 1 {
		t.Errorf("rows %+v, want %d alerts on 1 ticket", c, alerts)
	}
	var rollup, count int
	if err := e.Store.DB.QueryRowContext(e.Ctx, `SELECT
		(SELECT alerts FROM alert_noise_conditions WHERE tenant_id = $1 AND integration_id = $2 AND dedup_key = $3),
		(SELECT occurrence_count FROM alert_conditions WHERE tenant_id = $1 AND integration_id = $2 AND dedup_key = $3)`,
		head.TenantID, head.IntegrationID, head.DedupKey).Scan(&rollup, &count); err != nil {
		t.Fatal(err)
	}
	if got := e.Alert(head.ID).OccurrenceCount; rollup != alerts || count != alerts || got != alerts {
		t.Errorf("counted: rollup %d, condition %d, head alert %d; want %d each", rollup, count, got, alerts)
	}
}

// TestWebhookRunsAgainAfterDeadlock: a transaction holding the
// condition's rollup row waits for the condition's advisory lock, which
// a firing holds while waiting for that row. PostgreSQL ends the firing's
// transaction (40P01); the pipeline runs it again after the other has
// gone, and every firing is answered 200 and counted once.
func TestWebhookRunsAgainAfterDeadlock(t *testing.T) {
	if race.Enabled {
		// PostgreSQL looks for a deadlock once per wait, deadlock_timeout
		// after it began: under the detector this test's lock request can
		// come after the firing's one look, and the cycle then ends by a
		// timeout, not the deadlock this test is about (seen once in CI).
		// TestWebhookBusyAfterLockTimeouts covers the retry under it.
		t.Skip("timing of PostgreSQL's deadlock check")
	}
	e := apptest.New(t, dialect.Postgres)
	head := firstFiring(t, e)
	ctx := e.Ctx

	conn, err := e.Store.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Rollback
	// The firing's backend, at PostgreSQL's default of 1 s, finds the
	// deadlock first and is the one ended.
	// Nor may a timeout of the test's own end its wait for the lock
	// before the firing's backend finds the deadlock.
	for _, set := range []string{"SET LOCAL deadlock_timeout = '60s'", "SET LOCAL statement_timeout = 0", "SET LOCAL lock_timeout = 0"} {
		if _, err := tx.ExecContext(ctx, set); err != nil {
			t.Fatal(err)
		}
	}
	var counted int
	if err := tx.QueryRowContext(ctx, conditionRow, head.TenantID, head.IntegrationID, head.DedupKey).Scan(&counted); err != nil {
		t.Fatal(err)
	}

	const n = 8
	answers := make([]apptest.Response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			answers[i] = e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": series(100 + i), "id": 100 + i}))
		})
	}
	waitForRowLock(t, e.Store)
	// Closes the cycle. It returns once the firing holding the lock has
	// been ended: it cannot commit while the row is held here.
	lock := fmt.Sprintf("dedup:%d:%d:%s", head.TenantID, head.IntegrationID, head.DedupKey)
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", lock); err != nil {
		t.Fatalf("the test's transaction was ended instead of a firing's: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for i, r := range answers {
		if r.Status != 200 || r.Outcome != "occurrence_added" {
			t.Errorf("firing %d answered %d %q (error %q), want 200 occurrence_added", i, r.Status, r.Outcome, r.Error)
		}
	}
	checkCondition(t, e, head, n+1)
	var deadlocks int
	for deadline := time.Now().Add(10 * time.Second); deadlocks == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if err := e.Store.DB.QueryRowContext(ctx, `SELECT deadlocks FROM pg_stat_database
			WHERE datname = current_database()`).Scan(&deadlocks); err != nil {
			t.Fatal(err)
		}
	}
	if deadlocks == 0 {
		t.Error("PostgreSQL counted no deadlock")
	}
}

// TestWebhookBusyAfterLockTimeouts: while the rollup row stays locked
// past every run's lock_timeout, the firing is answered 503 with
// Retry-After and nothing is recorded; sent again once the row is free
// (as the RMM does), it is taken, once.
func TestWebhookBusyAfterLockTimeouts(t *testing.T) {
	e := apptest.New(t, dialect.Postgres)
	head := firstFiring(t, e)
	limits := store.DefaultLimits()
	limits.LockTimeout = 150 * time.Millisecond
	replica := apptest.NewWith(t, dialect.Postgres, apptest.Options{ReplicaOf: e, Limits: &limits})

	release := storetest.Hold(t, e.Store, func(tx *ent.Tx) error {
		var counted int
		return store.ScanOne(e.Ctx, tx, conditionRow, []any{head.TenantID, head.IntegrationID, head.DedupKey}, &counted)
	})
	body := ninjaTrigger(t, map[string]any{"seriesUid": series(2), "id": 2})
	if busy := replica.Post(ninja, body); busy.Status != 503 || busy.RetryAfter == "" {
		t.Fatalf("answered %d %q (error %q, Retry-After %q), want 503 with Retry-After",
			busy.Status, busy.Outcome, busy.Error, busy.RetryAfter)
	}
	checkCondition(t, e, head, 1)
	if err := release(); err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, replica.Post(ninja, body), 200, "occurrence_added")
	checkCondition(t, e, head, 2)
}

// waitForRowLock waits until a backend of s's database waits for a row
// another transaction locked.
func waitForRowLock(t *testing.T, s *store.Store) {
	t.Helper()
	const q = `SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE NOT l.granted AND l.locktype IN ('transactionid', 'tuple') AND a.datname = current_database()`
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		var n int
		if err := s.DB.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatalf("waiting for a row lock wait: %v", err)
		}
		if n > 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("no firing waited for the locked row")
		case <-time.After(5 * time.Millisecond):
		}
	}
}
