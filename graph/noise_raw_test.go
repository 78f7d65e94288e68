package graph

// The report as it was computed before the rollups: grouping the period's
// alerts themselves. The tests hold the rollups to its numbers, and the
// benchmark measures against it.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/alertdesk/alertdesk/graph/model"
)

// The period's alerts: fired in [since, until). Every statement below
// starts from it, on the index (tenant_id, triggered_at) that covers the
// columns they group by (migration 0018).
const noisePeriod = ` FROM alerts WHERE tenant_id = $1 AND triggered_at >= $2 AND triggered_at < $3`

// noiseGroupingSets are PostgreSQL's grouping sets of each dimension, the
// columns they group by, and the kind that tells their rows apart.
var noiseGroupingSets = []struct {
	dim     model.NoiseDimension
	columns []string
	kind    int
}{
	{model.NoiseDimensionCondition, []string{"integration_id", "dedup_key"}, noiseKindCondition},
	{model.NoiseDimensionDevice, []string{"asset_id"}, noiseKindDevice},
	{model.NoiseDimensionClient, []string{"client_id"}, noiseKindClient},
	{model.NoiseDimensionRule, []string{"matched_rule_id"}, noiseKindRule},
}

// Kinds of the grouped rows.
const (
	noiseKindCondition = 1
	noiseKindDevice    = 2
	noiseKindClient    = 3
	noiseKindRule      = 4
	noiseKindTotals    = 5
	// noiseFlapping ranks the conditions' rows by resets.
	noiseFlapping = 6
)

// noisePostgresSQL reads the period once: one grouping set per dimension
// asked for and the totals (()) in the same aggregate, each ranking cut
// to $4 in the database. A column no set groups by may not be named, so
// it stands as NULL.
func noisePostgresSQL(dims map[model.NoiseDimension]bool) string {
	sets, kinds := []string{"()"}, []string{}
	cols := map[string]string{"integration_id": "NULL::bigint", "dedup_key": "NULL::text", "asset_id": "NULL::bigint",
		"client_id": "NULL::bigint", "matched_rule_id": "NULL::bigint"}
	for _, s := range noiseGroupingSets {
		if !dims[s.dim] {
			continue
		}
		sets = append(sets, "("+strings.Join(s.columns, ", ")+")")
		kinds = append(kinds, fmt.Sprintf("WHEN GROUPING(%s) = 0 THEN %d", s.columns[len(s.columns)-1], s.kind))
		for _, c := range s.columns {
			cols[c] = c
		}
	}
	kind := fmt.Sprint(noiseKindTotals)
	if len(kinds) > 0 {
		kind = "CASE " + strings.Join(kinds, " ") + " ELSE " + kind + " END"
	}
	// Each ranking is a top-N of the grouped rows (a bounded heap, not a
	// sort of every condition); ties go by key, in bytes as on SQLite.
	rank := func(part, kind int, where, order string) string {
		return fmt.Sprintf(`(SELECT %d AS part, coalesce(integration_id, asset_id, client_id, matched_rule_id, 0) AS key,
		coalesce(dedup_key, '') AS dedup_key, n, resets, tickets FROM g WHERE kind = %d%s ORDER BY %s LIMIT $4)`, part, kind, where, order)
	}
	parts := []string{fmt.Sprintf(`(SELECT %d AS part, 0::bigint AS key, '' AS dedup_key, n, resets, tickets FROM g WHERE kind = %[1]d)`, noiseKindTotals)}
	if dims[model.NoiseDimensionCondition] {
		parts = append(parts,
			rank(noiseKindCondition, noiseKindCondition, "", `n DESC, integration_id, dedup_key COLLATE "C"`),
			rank(noiseFlapping, noiseKindCondition, " AND resets >= 2", `resets DESC, n DESC, integration_id, dedup_key COLLATE "C"`))
	}
	if dims[model.NoiseDimensionDevice] {
		parts = append(parts, rank(noiseKindDevice, noiseKindDevice, " AND asset_id IS NOT NULL", "n DESC, asset_id"))
	}
	if dims[model.NoiseDimensionClient] {
		parts = append(parts, rank(noiseKindClient, noiseKindClient, " AND client_id IS NOT NULL", "n DESC, client_id"))
	}
	if dims[model.NoiseDimensionRule] {
		parts = append(parts, rank(noiseKindRule, noiseKindRule, " AND matched_rule_id IS NOT NULL", "tickets DESC, n DESC, matched_rule_id"))
	}
	return fmt.Sprintf(`WITH g AS MATERIALIZED (
	SELECT %s AS kind, %s AS integration_id, %s AS dedup_key, %s AS asset_id, %s AS client_id, %s AS matched_rule_id,
		count(*) AS n, count(resolved_at) AS resets, count(*) FILTER (WHERE auto_ticket_created) AS tickets`+noisePeriod+`
	GROUP BY GROUPING SETS (%s)
)
`, kind, cols["integration_id"], cols["dedup_key"], cols["asset_id"], cols["client_id"], cols["matched_rule_id"],
		strings.Join(sets, ", ")) + strings.Join(parts, "\nUNION ALL\n")
}

// noisePostgresTimesSQL follows the CTE p of the resolved alerts'
// durations: the percentiles, and the count of alerts cleared by their
// ticket's close (from its partial index).
const noisePostgresTimesSQL = `, q AS (SELECT percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY d) AS pc FROM p)
SELECT
	pc[1], pc[2],
	(SELECT count(*)` + noisePeriod + ` AND resolved_at IS NOT NULL AND (metadata->>'origin') = '` + ticketClosedOrigin + `')
FROM q`

func (r *Resolver) noisePostgresTx(ctx context.Context, db noiseDB, a noiseArgs, rep *model.NoiseReport) (int, error) {
	rows, err := noiseQuery(ctx, db, noisePostgresSQL(a.dims), a.tenant, a.since, a.until, a.limit)
	if err != nil {
		return 0, err
	}
	err = scanRows(rows, func() error {
		var (
			part, key, n, resets, tickets int
			dedup                         string
		)
		if err := rows.Scan(&part, &key, &dedup, &n, &resets, &tickets); err != nil {
			return err
		}
		switch part {
		case noiseKindTotals:
			rep.AlertCount, rep.ResolvedCount = n, resets
		case noiseKindCondition:
			rep.TopConditions = append(rep.TopConditions, &model.NoiseCondition{IntegrationID: key, DedupKey: dedup, AlertCount: n, ResetCount: resets})
		case noiseFlapping:
			rep.Flapping = append(rep.Flapping, &model.NoiseCondition{IntegrationID: key, DedupKey: dedup, AlertCount: n, ResetCount: resets})
		case noiseKindDevice:
			rep.TopDevices = append(rep.TopDevices, &model.NoiseDevice{AssetID: key, AlertCount: n})
		case noiseKindClient:
			rep.TopClients = append(rep.TopClients, &model.NoiseClient{ClientID: key, AlertCount: n})
		case noiseKindRule:
			rep.TicketsPerRule = append(rep.TicketsPerRule, &model.NoiseRule{RuleID: key, AlertCount: n, TicketCount: tickets})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if rep.ResolvedCount == 0 {
		return 0, nil
	}
	var (
		median, p90 sql.NullFloat64
		closed      int
	)
	q := `WITH p AS (SELECT extract(epoch FROM resolved_at - triggered_at)::float8 AS d` + noisePeriod +
		` AND resolved_at IS NOT NULL) ` + noisePostgresTimesSQL
	if err := noiseRow(ctx, db, q, []any{a.tenant, a.since, a.until}, &median, &p90, &closed); err != nil {
		return 0, err
	}
	rep.ResolveSecondsMedian, rep.ResolveSecondsP90 = nullFloat(median), nullFloat(p90)
	return closed, nil
}

// noiseSQLite runs a statement per ranking: SQLite has no grouping sets,
// and embedded mode holds a small tenant's alerts.
func (r *Resolver) noiseSQLite(ctx context.Context, a noiseArgs, rep *model.NoiseReport) (int, error) {
	db := r.store.DB
	period := strings.NewReplacer("$1", "?1", "$2", "?2", "$3", "?3").Replace(noisePeriod)
	args := []any{a.tenant, a.since, a.until, a.limit}
	var closed int
	if err := noiseRow(ctx, db, `SELECT count(*), count(resolved_at), coalesce(sum(resolved_at IS NOT NULL AND
		json_extract(metadata, '$.origin') = '`+ticketClosedOrigin+`'), 0)`+period, args[:3],
		&rep.AlertCount, &rep.ResolvedCount, &closed); err != nil {
		return 0, err
	}
	if rep.AlertCount == 0 {
		return 0, nil
	}
	conditions := func(having, order string) ([]*model.NoiseCondition, error) {
		out := []*model.NoiseCondition{}
		rows, err := noiseQuery(ctx, db, `SELECT integration_id, dedup_key, count(*) AS n, count(resolved_at) AS resets`+period+
			` GROUP BY integration_id, dedup_key`+having+` ORDER BY `+order+`, integration_id, dedup_key LIMIT ?4`, args...)
		if err != nil {
			return nil, err
		}
		return out, scanRows(rows, func() error {
			var c model.NoiseCondition
			out = append(out, &c)
			return rows.Scan(&c.IntegrationID, &c.DedupKey, &c.AlertCount, &c.ResetCount)
		})
	}
	var err error
	if a.dims[model.NoiseDimensionCondition] {
		if rep.TopConditions, err = conditions("", "n DESC"); err != nil {
			return 0, err
		}
		if rep.Flapping, err = conditions(" HAVING count(resolved_at) >= 2", "resets DESC, n DESC"); err != nil {
			return 0, err
		}
	}
	top := func(column string, add func(key, n, tickets int)) error {
		rows, err := noiseQuery(ctx, db, `SELECT `+column+`, count(*) AS n, coalesce(sum(auto_ticket_created), 0) AS tickets`+period+
			` AND `+column+` IS NOT NULL GROUP BY `+column+` ORDER BY `+
			map[bool]string{true: "tickets DESC, ", false: ""}[column == "matched_rule_id"]+`n DESC, `+column+` LIMIT ?4`, args...)
		if err != nil {
			return err
		}
		return scanRows(rows, func() error {
			var key, n, tickets int
			if err := rows.Scan(&key, &n, &tickets); err != nil {
				return err
			}
			add(key, n, tickets)
			return nil
		})
	}
	if a.dims[model.NoiseDimensionDevice] {
		if err := top("asset_id", func(k, n, _ int) {
			rep.TopDevices = append(rep.TopDevices, &model.NoiseDevice{AssetID: k, AlertCount: n})
		}); err != nil {
			return 0, err
		}
	}
	if a.dims[model.NoiseDimensionClient] {
		if err := top("client_id", func(k, n, _ int) {
			rep.TopClients = append(rep.TopClients, &model.NoiseClient{ClientID: k, AlertCount: n})
		}); err != nil {
			return 0, err
		}
	}
	if a.dims[model.NoiseDimensionRule] {
		if err := top("matched_rule_id", func(k, n, t int) {
			rep.TicketsPerRule = append(rep.TicketsPerRule, &model.NoiseRule{RuleID: k, AlertCount: n, TicketCount: t})
		}); err != nil {
			return 0, err
		}
	}
	if rep.ResolvedCount == 0 {
		return closed, nil
	}
	// percentile_disc: the value at position ceil(p·n) of the ordered
	// durations, as PostgreSQL computes it.
	pct := `SELECT d FROM p ORDER BY d LIMIT 1 OFFSET (SELECT (count(*) * %d + 9) / 10 - 1 FROM p)`
	var median, p90 sql.NullFloat64
	q := `WITH p AS (SELECT round((` + sqliteJulian("resolved_at") + ` - ` + sqliteJulian("triggered_at") + `) * 86400.0, 3) AS d` + period +
		` AND resolved_at IS NOT NULL) SELECT (` + fmt.Sprintf(pct, 5) + `), (` + fmt.Sprintf(pct, 9) + `)`
	if err := noiseRow(ctx, db, q, args[:3], &median, &p90); err != nil {
		return 0, err
	}
	rep.ResolveSecondsMedian, rep.ResolveSecondsP90 = nullFloat(median), nullFloat(p90)
	return closed, nil
}

func (r *Resolver) noisePostgres(ctx context.Context, a noiseArgs, rep *model.NoiseReport) (int, error) {
	tx, err := r.store.DB.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to keep
	if _, err := tx.ExecContext(ctx, noiseSettings); err != nil {
		return 0, err
	}
	return r.noisePostgresTx(ctx, tx, a, rep)
}
