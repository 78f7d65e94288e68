package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
)

// NoiseRollups reads the noise rollup tables (PostgreSQL) as lines, rows
// whose counts are all zero aside. With recompute (a statement such as
// "SELECT alert_noise_backfill(NULL, 0)"), it reads them in a transaction
// rolled back, emptied and refilled by recompute from the alerts alone,
// so that what the triggers keep can be compared with it.
func NoiseRollups(t testing.TB, db *sql.DB, recompute string) string {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if recompute != "" {
		for _, q := range []string{"DELETE FROM alert_noise_conditions", "DELETE FROM alert_noise_condition_days",
			"DELETE FROM alert_noise_days", recompute} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	var b strings.Builder
	for _, q := range []string{
		`SELECT format('condition %s %s %s: %s alerts %s resets', tenant_id, integration_id, dedup_key, alerts, resets)
			FROM alert_noise_conditions WHERE alerts <> 0 OR resets <> 0 ORDER BY 1`,
		`SELECT format('condition %s %s %s day %s: %s alerts %s resets', tenant_id, integration_id, dedup_key, day, alerts, resets)
			FROM alert_noise_condition_days WHERE alerts <> 0 OR resets <> 0 ORDER BY 1`,
		`SELECT format('%s kind %s day %s key %s shard %s: %s %s %s %s', tenant_id, kind, day, key, shard, alerts, resets,
			closed, tickets) FROM alert_noise_days WHERE alerts <> 0 OR resets <> 0 OR closed <> 0 OR tickets <> 0 ORDER BY 1`,
	} {
		rows, err := tx.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, line)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return b.String()
}
