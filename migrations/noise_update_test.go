package migrations_test

import (
	"context"
	"testing"

	"github.com/alertdesk/alertdesk/internal/storetest"
)

// TestNoiseRollupUpdatesMatchBackfill (PostgreSQL): after each update of
// alerts (resolves from both origins, a resolve moved, undone, an origin
// changed alone, resolves with other columns changed, a firing moved to
// another day, no counted column changed, ids changed, two updates in one
// statement), the rollups the update trigger keeps equal what
// alert_noise_backfill computes from the alerts alone, rows whose counts
// are all zero aside.
func TestNoiseRollupUpdatesMatchBackfill(t *testing.T) {
	s := storetest.Open(t, "postgres")
	ctx := context.Background()
	db := s.DB
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// The alerts alone: the rows they point to do not matter here.
	exec(`DO $$ DECLARE r record; BEGIN
		FOR r IN SELECT conname FROM pg_constraint WHERE conrelid = 'alerts'::regclass AND contype = 'f' LOOP
			EXECUTE format('ALTER TABLE alerts DROP CONSTRAINT %I', r.conname);
		END LOOP; END $$`)
	exec(`INSERT INTO alerts (id, created_at, provider, external_alert_id, last_event_at, dedup_key, tenant_id,
			integration_id, asset_id, client_id, matched_rule_id, triggered_at, metadata, auto_ticket_created)
		SELECT g, now(), 'ninjaone', 'a' || g, ts, 'k' || (g % 3), 1 + g % 2, 1, nullif(g % 4, 0), nullif(g % 3, 0),
			nullif(g % 5, 0), ts + g * interval '5 hours', '{"origin": "webhook"}', g % 2 = 0
		FROM generate_series(1, 40) g, (SELECT timestamptz '2031-05-10 00:00:00+00' ts) t`)
	steps := []struct{ name, sql string }{
		{"resolve", `UPDATE alerts SET status = 'resolved', resolved_at = triggered_at + (id * interval '7 seconds'),
			last_event_at = triggered_at + interval '1 hour' WHERE id % 4 <> 3`},
		{"resolve by ticket close", `UPDATE alerts SET status = 'resolved', resolved_at = triggered_at + interval '90 seconds',
			metadata = '{"origin": "ticket-closed"}' WHERE id % 4 = 3`},
		{"resolve moved", `UPDATE alerts SET resolved_at = resolved_at + interval '3 minutes' WHERE id % 5 = 1`},
		{"origin alone", `UPDATE alerts SET metadata = '{"origin": "poller"}' WHERE id % 8 = 3`},
		{"reopened", `UPDATE alerts SET resolved_at = NULL, status = 'active' WHERE id % 10 = 7`},
		{"origin of an active alert", `UPDATE alerts SET metadata = '{"origin": "ticket-closed"}' WHERE id % 10 = 7`},
		{"resolve undone", `UPDATE alerts SET resolved_at = NULL, status = 'active' WHERE id % 6 = 0`},
		{"resolve with a new rule", `UPDATE alerts SET resolved_at = triggered_at + interval '1 minute',
			matched_rule_id = 9 WHERE id % 6 = 0`},
		{"fires again the next day", `UPDATE alerts SET triggered_at = triggered_at + interval '1 day', resolved_at = NULL
			WHERE id % 7 = 2`},
		{"resolved again", `UPDATE alerts SET resolved_at = triggered_at + interval '2 minutes' WHERE id % 7 = 2`},
		{"no counted column", `UPDATE alerts SET last_event_at = last_event_at + interval '1 hour', status = status`},
		{"ids moved to other shards", `UPDATE alerts SET id = id + 1000 WHERE id % 9 = 4`},
		{"two updates in one statement", `WITH a AS (UPDATE alerts SET resolved_at = NULL WHERE id % 3 = 0 RETURNING 1),
			b AS (UPDATE alerts SET client_id = 7, resolved_at = coalesce(resolved_at, triggered_at) WHERE id % 3 = 1
			RETURNING 1) SELECT 1`},
	}
	for _, st := range steps {
		exec(st.sql)
		got := storetest.NoiseRollups(t, db, "")
		want := storetest.NoiseRollups(t, db, "SELECT alert_noise_backfill(NULL, 0)")
		if got != want {
			t.Errorf("after %s: rollups\n%s\nbackfill of the alerts\n%s", st.name, got, want)
		}
	}
}

// TestNoiseRollupUpdatePerStatement (PostgreSQL): an UPDATE of many
// alerts moves the rollups once, not once per alert, and an UPDATE that
// changes no counted column writes no rollup row.
func TestNoiseRollupUpdatePerStatement(t *testing.T) {
	s := storetest.Open(t, "postgres")
	ctx := context.Background()
	tx, err := s.DB.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	exec := func(q string) {
		t.Helper()
		if _, err := tx.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := tx.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	exec(`SET LOCAL track_functions = 'pl'`)
	exec(`DO $$ DECLARE r record; BEGIN
		FOR r IN SELECT conname FROM pg_constraint WHERE conrelid = 'alerts'::regclass AND contype = 'f' LOOP
			EXECUTE format('ALTER TABLE alerts DROP CONSTRAINT %I', r.conname);
		END LOOP; END $$`)
	exec(`INSERT INTO alerts (id, created_at, provider, external_alert_id, last_event_at, dedup_key, tenant_id,
			integration_id, client_id, triggered_at, metadata)
		SELECT g, now(), 'ninjaone', 'a' || g, now(), 'k' || g, 1, 1, 1 + g % 3, now(), '{"origin": "poller"}'
		FROM generate_series(1, 50) g`)
	const calls = `SELECT coalesce(sum(calls), 0) FROM pg_stat_xact_user_functions WHERE funcname = 'alert_noise_update'`
	const writes = `SELECT coalesce(sum(n_tup_ins + n_tup_upd), 0) FROM pg_stat_xact_user_tables
		WHERE relname IN ('alert_noise_conditions', 'alert_noise_condition_days', 'alert_noise_days')`
	exec(`UPDATE alerts SET status = 'resolved', resolved_at = now() + interval '1 minute'`)
	if n := count(calls); n != 1 {
		t.Errorf("resolving 50 alerts in one statement ran the update trigger %d times, want 1", n)
	}
	before := count(writes)
	exec(`UPDATE alerts SET last_event_at = now() + interval '1 hour', status = 'acknowledged'`)
	if n := count(writes) - before; n != 0 {
		t.Errorf("an update of no counted column wrote %d rollup rows, want none", n)
	}
}
