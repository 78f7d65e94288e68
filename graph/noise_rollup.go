package graph

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/graph/model"
)

// alertNoiseReport reads the rollups migration 0020's triggers keep per
// UTC day of triggered_at (alert_noise_days, alert_noise_condition_days,
// alert_noise_conditions) for the period's whole days, and the alerts
// themselves only for the partial days at its edges: the same numbers as
// grouping the period's alerts, from a few rows per day and group.

// Kinds of alert_noise_days rows.
const (
	rollupTotals  = 0
	rollupDevice  = 2
	rollupClient  = 3
	rollupRule    = 4
	rollupResolve = 5
)

// noiseCandidates is how many conditions, the most alerts (or resets)
// over all time first, are counted in the period to bound the ranking:
// only conditions with at least as many over all time as the limit-th of
// those can rank, and only they are counted then.
const noiseCandidates = 100

// noiseSpan is a period cut at UTC midnights: the whole days [day1, day2)
// read from the rollups, the alerts of [edge1From, edge1To) and
// [edge2From, edge2To) from the alerts; dayLo is the period's first day,
// whole or not.
type noiseSpan struct {
	dayLo, day1, day2                      int64
	edge1From, edge1To, edge2From, edge2To time.Time
}

const secondsPerDay = 86400

func spanOf(since, until time.Time) noiseSpan {
	floorDay := func(t time.Time) int64 {
		s := t.Unix()
		d := s / secondsPerDay
		if s%secondsPerDay < 0 {
			d--
		}
		return d
	}
	dayStart := func(d int64) time.Time { return time.Unix(d*secondsPerDay, 0).UTC() }
	sp := noiseSpan{dayLo: floorDay(since), day2: floorDay(until)}
	sp.day1 = sp.dayLo
	if !dayStart(sp.day1).Equal(since) {
		sp.day1++
	}
	if sp.day1 >= sp.day2 {
		// No whole day: the alerts of the period itself.
		return noiseSpan{dayLo: sp.dayLo, edge1From: since, edge1To: until, edge2From: until, edge2To: until}
	}
	sp.edge1From, sp.edge1To = since, dayStart(sp.day1)
	sp.edge2From, sp.edge2To = dayStart(sp.day2), until
	return sp
}

// noiseDialect holds the expressions that differ between the dialects.
type noiseDialect struct {
	postgres bool
	// resolved, closed and ticket are 0/1 of an alert row; seconds its
	// time to resolve rounded to the second.
	resolved, closed, ticket, seconds string
	collateC                          string
}

func noiseDialectOf(postgres bool) noiseDialect {
	if postgres {
		return noiseDialect{postgres: true,
			resolved: "(resolved_at IS NOT NULL)::int",
			closed:   "(resolved_at IS NOT NULL AND (metadata->>'origin') = '" + ticketClosedOrigin + "')::int",
			ticket:   "auto_ticket_created::int",
			seconds:  "round(extract(epoch FROM resolved_at - triggered_at))::bigint",
			collateC: ` COLLATE "C"`,
		}
	}
	return noiseDialect{
		resolved: "(resolved_at IS NOT NULL)",
		closed:   "(resolved_at IS NOT NULL AND json_extract(metadata, '$.origin') = '" + ticketClosedOrigin + "')",
		ticket:   "auto_ticket_created",
		seconds:  "CAST(round((" + sqliteJulian("resolved_at") + " - " + sqliteJulian("triggered_at") + ") * 86400) AS INTEGER)",
	}
}

// Arguments of the statements below.
//
//	$1 tenant, $2–$3 and $4–$5 the edges, $6–$7 the whole days, $8 the
//	limit; the conditions' statements also $9 the first day, and $10
//	noiseCandidates (the threshold's) or the threshold L (the ranking's)
const noiseDimsArgs = 8

func (sp noiseSpan) args(a noiseArgs) []any {
	return []any{a.tenant, sp.edge1From, sp.edge1To, sp.edge2From, sp.edge2To, sp.day1, sp.day2, a.limit,
		sp.dayLo, noiseCandidates}
}

// withThreshold is args with the threshold L in place of $10.
func withThreshold(args []any, l int64) []any {
	return append(append([]any(nil), args[:9]...), l)
}

// edgeSQL is the CTE e of the edges' alerts, with cols.
func (d noiseDialect) edgeSQL(cols string) string {
	one := func(from, to string) string {
		return `SELECT ` + cols + ` FROM alerts WHERE tenant_id = $1 AND triggered_at >= ` + from + ` AND triggered_at < ` + to
	}
	return `e AS (` + one("$2", "$3") + "\n\tUNION ALL " + one("$4", "$5") + `)`
}

// noiseDimsSQL returns the totals (kind 0), the top devices, clients and
// rules asked for, and every time to resolve (kind 5, key seconds) with
// its count.
func (d noiseDialect) noiseDimsSQL(dims map[model.NoiseDimension]bool) string {
	kinds := []string{fmt.Sprint(rollupTotals), fmt.Sprint(rollupResolve)}
	edge := []string{fmt.Sprintf(`SELECT %d AS kind, 0 AS key, 1 AS alerts, r AS resets, c AS closed, t AS tickets FROM e`, rollupTotals),
		fmt.Sprintf(`SELECT %d, secs, 1, 0, 0, 0 FROM e WHERE secs IS NOT NULL`, rollupResolve)}
	parts := []string{fmt.Sprintf(`SELECT * FROM g WHERE kind IN (%d, %d)`, rollupTotals, rollupResolve)}
	add := func(dim model.NoiseDimension, kind int, column, order string) {
		if !dims[dim] {
			return
		}
		kinds = append(kinds, fmt.Sprint(kind))
		edge = append(edge, fmt.Sprintf(`SELECT %d, %s, 1, r, c, t FROM e WHERE %[2]s IS NOT NULL`, kind, column))
		parts = append(parts, fmt.Sprintf(`SELECT * FROM (SELECT * FROM g WHERE kind = %d AND alerts > 0 ORDER BY %s LIMIT $8) k%[1]d`, kind, order))
	}
	add(model.NoiseDimensionDevice, rollupDevice, "asset_id", "alerts DESC, key")
	add(model.NoiseDimensionClient, rollupClient, "client_id", "alerts DESC, key")
	add(model.NoiseDimensionRule, rollupRule, "matched_rule_id", "tickets DESC, alerts DESC, key")
	return `WITH ` + d.edgeSQL(`asset_id, client_id, matched_rule_id, `+d.resolved+` AS r, `+d.closed+` AS c, `+d.ticket+
		` AS t, CASE WHEN resolved_at IS NOT NULL THEN `+d.seconds+` END AS secs`) + `,
u AS (
	SELECT kind, key, alerts, resets, closed, tickets FROM alert_noise_days
	WHERE tenant_id = $1 AND kind IN (` + strings.Join(kinds, ", ") + `) AND day >= $6 AND day < $7
	UNION ALL ` + strings.Join(edge, "\n\tUNION ALL ") + `
), g AS (
	SELECT kind, key, sum(alerts) AS alerts, sum(resets) AS resets, sum(closed) AS closed, sum(tickets) AS tickets
	FROM u GROUP BY kind, key
)
` + strings.Join(parts, "\nUNION ALL\n")
}

// noiseThresholdSQL is L for noiseConditionsSQL: the limit-th count in
// the period (alerts, or resets when flapping) of the noiseCandidates
// conditions with the most over all time, at least 1 (2). A condition
// with fewer than L over all time has fewer in the period than limit
// others, so cannot rank. L is read on its own so that the ranking's
// planner sees it as a constant: as a subquery it was estimated at a
// tenth of the rows and the ranking read every condition-day of the
// tenant.
func (d noiseDialect) noiseThresholdSQL(flapping bool) string {
	by, floor, col := "alerts", "1", "n"
	if flapping {
		by, floor, col = "resets", "2", "resets"
	}
	return `WITH ` + d.edgeSQL(`integration_id, dedup_key, `+d.resolved+` AS r`) + `,
ec AS (SELECT integration_id, dedup_key, count(*) AS n, sum(r) AS resets FROM e GROUP BY integration_id, dedup_key),
c0 AS (SELECT integration_id, dedup_key FROM alert_noise_conditions WHERE tenant_id = $1 AND last_day >= $9
	ORDER BY ` + by + ` DESC LIMIT $10),
p0 AS (` + d.conditionCounts("c0") + `)
SELECT coalesce((SELECT ` + col + ` FROM p0 ORDER BY 1 DESC LIMIT 1 OFFSET $8 - 1), ` + floor + `)`
}

// noiseConditionsSQL ranks the conditions by alerts (flapping false) or
// by resets. Its candidates are the conditions seen on or after the
// period's first day with at least L ($10, from noiseThresholdSQL) alerts
// (resets) over all time, counted exactly: whole days from
// alert_noise_condition_days, the edges from the alerts.
func (d noiseDialect) noiseConditionsSQL(flapping bool) string {
	by, floor, order, where := "alerts", "1", "n DESC", "n > 0"
	if flapping {
		by, floor, order, where = "resets", "2", "resets DESC, n DESC", "resets >= 2"
	}
	greatest := "greatest"
	if !d.postgres {
		greatest = "max"
	}
	return `WITH ` + d.edgeSQL(`integration_id, dedup_key, `+d.resolved+` AS r`) + `,
ec AS (SELECT integration_id, dedup_key, count(*) AS n, sum(r) AS resets FROM e GROUP BY integration_id, dedup_key),
s AS (SELECT integration_id, dedup_key FROM alert_noise_conditions WHERE tenant_id = $1 AND last_day >= $9
	AND ` + by + ` >= ` + greatest + `(` + floor + `, $10)),
p AS (` + d.conditionCounts("s") + `)
SELECT integration_id, dedup_key, n, resets FROM p WHERE ` + where + `
ORDER BY ` + order + `, integration_id, dedup_key` + d.collateC + ` LIMIT $8`
}

// conditionCounts counts in the period the conditions of set: whole days
// from alert_noise_condition_days, the edges from the CTE ec. Each is
// joined on its own, so the days are read per candidate by primary key
// (joined to a UNION ALL with ec, they were read whole and hashed).
func (d noiseDialect) conditionCounts(set string) string {
	return `SELECT integration_id, dedup_key, sum(n) AS n, sum(resets) AS resets FROM (
		SELECT x.integration_id, x.dedup_key, v.alerts AS n, v.resets FROM ` + set + ` x
		JOIN alert_noise_condition_days v ON v.tenant_id = $1 AND v.integration_id = x.integration_id
			AND v.dedup_key = x.dedup_key AND v.day >= $6 AND v.day < $7
		UNION ALL SELECT x.integration_id, x.dedup_key, v.n, v.resets FROM ` + set + ` x
		JOIN ec v ON v.integration_id = x.integration_id AND v.dedup_key = x.dedup_key) w
	GROUP BY integration_id, dedup_key`
}

var dollarParam = regexp.MustCompile(`\$(\d+)`)

// bind rewrites $n as ?n for SQLite.
func (d noiseDialect) bind(q string) string {
	if d.postgres {
		return q
	}
	return dollarParam.ReplaceAllString(q, "?$1")
}

// noiseRollups fills rep from the rollups and returns how many of the
// period's alerts were cleared by their ticket's close.
func (r *Resolver) noiseRollups(ctx context.Context, a noiseArgs, rep *model.NoiseReport) (int, error) {
	var db noiseDB = r.store.DB
	if r.store.IsPostgres() {
		// One snapshot for the statements, and this report's settings.
		tx, err := r.store.DB.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return 0, err
		}
		defer tx.Rollback() //nolint:errcheck // read-only: nothing to keep
		if _, err := tx.ExecContext(ctx, noiseSettings); err != nil {
			return 0, err
		}
		db = tx
	}
	return noiseFromRollups(ctx, db, noiseDialectOf(r.store.IsPostgres()), a, rep)
}

func noiseFromRollups(ctx context.Context, db noiseDB, d noiseDialect, a noiseArgs, rep *model.NoiseReport) (int, error) {
	args := spanOf(a.since, a.until).args(a)
	rows, err := noiseQuery(ctx, db, d.bind(d.noiseDimsSQL(a.dims)), args[:noiseDimsArgs]...)
	if err != nil {
		return 0, err
	}
	var (
		closed int
		times  []noiseTime
	)
	err = scanRows(rows, func() error {
		var kind, key, n, resets, closedN, tickets int
		if err := rows.Scan(&kind, &key, &n, &resets, &closedN, &tickets); err != nil {
			return err
		}
		switch kind {
		case rollupTotals:
			rep.AlertCount, rep.ResolvedCount, closed = rep.AlertCount+n, rep.ResolvedCount+resets, closed+closedN
		case rollupResolve:
			if n > 0 {
				times = append(times, noiseTime{key, n})
			}
		case rollupDevice:
			rep.TopDevices = append(rep.TopDevices, &model.NoiseDevice{AssetID: key, AlertCount: n})
		case rollupClient:
			rep.TopClients = append(rep.TopClients, &model.NoiseClient{ClientID: key, AlertCount: n})
		case rollupRule:
			rep.TicketsPerRule = append(rep.TicketsPerRule, &model.NoiseRule{RuleID: key, AlertCount: n, TicketCount: tickets})
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	rep.ResolveSecondsMedian, rep.ResolveSecondsP90 = percentileDisc(times, 5), percentileDisc(times, 9)
	if rep.AlertCount == 0 || !a.dims[model.NoiseDimensionCondition] {
		return closed, nil
	}
	for _, flapping := range []bool{false, true} {
		var l int64
		if err := noiseRow(ctx, db, d.bind(d.noiseThresholdSQL(flapping)), args, &l); err != nil {
			return 0, fmt.Errorf("noise threshold: %w", err)
		}
		rows, err := noiseQuery(ctx, db, d.bind(d.noiseConditionsSQL(flapping)), withThreshold(args, l)...)
		if err != nil {
			return 0, err
		}
		err = scanRows(rows, func() error {
			c := &model.NoiseCondition{}
			if err := rows.Scan(&c.IntegrationID, &c.DedupKey, &c.AlertCount, &c.ResetCount); err != nil {
				return err
			}
			if flapping {
				rep.Flapping = append(rep.Flapping, c)
			} else {
				rep.TopConditions = append(rep.TopConditions, c)
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return closed, nil
}

// noiseTime is how many resolved alerts took seconds to resolve.
type noiseTime struct{ seconds, n int }

// percentileDisc is PostgreSQL's percentile_disc(tenths/10) of the times
// (in any order): the value at position ceil(p·n) of the ordered values;
// nil without any.
func percentileDisc(times []noiseTime, tenths int) *float64 {
	total := 0
	for _, t := range times {
		total += t.n
	}
	if total == 0 {
		return nil
	}
	slices.SortFunc(times, func(a, b noiseTime) int { return cmp.Compare(a.seconds, b.seconds) })
	pos, seen := (total*tenths+9)/10, 0
	for _, t := range times {
		if seen += t.n; seen >= pos {
			v := float64(t.seconds)
			return &v
		}
	}
	return nil
}
