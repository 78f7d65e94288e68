package graph_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/graph"
	"github.com/alertdesk/alertdesk/graph/model"
	"github.com/alertdesk/alertdesk/internal/apptest"
)

// BenchmarkNoiseReport measures alertNoiseReport over the whole period of
// the production-size dataset (ALERTDESK_BENCH_ALERTS alerts, a million by
// default, over 90 days) against baselines in the same run: a plain
// COUNT of the same period's alerts on the index the raw grouping reads,
// and the report computed by grouping the alerts themselves (raw, as
// before the rollups; it must give the same numbers). ms/median is the
// median of the iterations; the plans are logged with -v.
//
//	go test ./graph/ -run '^$' -bench BenchmarkNoiseReport -benchtime 5x -timeout 30m -v
func BenchmarkNoiseReport(b *testing.B) {
	ctx := context.Background()
	e, _ := loadProdData(b, 1_000_000)
	since, until := time.Now().UTC().AddDate(0, 0, -91), time.Now().UTC().AddDate(0, 0, 1)
	args := []any{e.Demo.TenantID, since, until}
	countSQL := `SELECT count(*) FROM alerts WHERE tenant_id = $1 AND triggered_at >= $2 AND triggered_at < $3`
	var inPeriod int
	if err := e.Store.DB.QueryRowContext(ctx, countSQL, args...).Scan(&inPeriod); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d alerts fired in the period", inPeriod)
	stmts := []graph.ListStatement{{SQL: countSQL, Args: args}, {SQL: graph.NoisePostgresSQL(), Args: append(args, 10)}}
	rollup, err := graph.NoiseRollupStatements(ctx, e.Store.DB, e.Demo.TenantID, since, until, 10)
	if err != nil {
		b.Fatal(err)
	}
	stmts = append(stmts, rollup...)
	for i, st := range stmts {
		q, a := st.SQL, st.Args
		tx, err := e.Store.DB.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if i > 0 {
			if _, err := tx.ExecContext(ctx, graph.NoiseSettings); err != nil {
				b.Fatal(err)
			}
		}
		rows, err := tx.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+q, a...)
		if err != nil {
			b.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				b.Fatal(err)
			}
			plan = append(plan, line)
		}
		rows.Close()
		tx.Rollback() //nolint:errcheck // read only
		joined := strings.Join(plan, "\n")
		if strings.Contains(joined, "Seq Scan on alerts") {
			b.Errorf("plan scans the whole alerts table:\n%s", joined)
		}
		b.Logf("EXPLAIN ANALYZE\n%s", joined)
	}
	vars := apptest.Vars("since", since.Format(time.RFC3339), "until", until.Format(time.RFC3339))
	run := func(b *testing.B, once func()) {
		var times []time.Duration
		for b.Loop() {
			start := time.Now()
			once()
			times = append(times, time.Since(start))
		}
		slices.Sort(times)
		b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "ms/median")
	}
	b.Run("count", func(b *testing.B) {
		run(b, func() {
			var c int
			if err := e.Store.DB.QueryRowContext(ctx, countSQL, args...).Scan(&c); err != nil {
				b.Fatal(err)
			}
		})
	})
	var raw *model.NoiseReport
	b.Run("raw", func(b *testing.B) {
		run(b, func() {
			var err error
			if raw, err = graph.RawNoiseReport(ctx, e.Store, e.Demo.TenantID, since, until, 10); err != nil {
				b.Fatal(err)
			}
		})
	})
	var got struct{ AlertNoiseReport noiseReport }
	b.Run("report", func(b *testing.B) {
		run(b, func() { e.Admin(noiseQuery, vars).Must(&got) })
	})
	if raw != nil && got.AlertNoiseReport.AlertCount > 0 {
		if g, w := noiseSummary(got.AlertNoiseReport), rawSummary(raw); g != w {
			b.Errorf("rollups and raw grouping differ:\n%s\n%s", g, w)
		}
	}
}
