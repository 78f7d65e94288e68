package graph

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/ent/alertrule"
	"github.com/alertdesk/alertdesk/ent/asset"
	"github.com/alertdesk/alertdesk/ent/customer"
	"github.com/alertdesk/alertdesk/graph/model"
	"github.com/alertdesk/alertdesk/validation"
)

// Bounds of alertNoiseReport's arguments.
const (
	noiseDefaultLimit = 10
	noiseMaxLimit     = 50
	noiseMaxPeriod    = 366 * 24 * time.Hour
)

// noiseArgs are alertNoiseReport's checked arguments.
type noiseArgs struct {
	tenant       int
	since, until time.Time
	limit        int
	dims         map[model.NoiseDimension]bool
}

func checkNoiseArgs(since, until time.Time, groupBy []model.NoiseDimension, limit *int) (noiseArgs, error) {
	var errs validation.Error
	a := noiseArgs{since: since.UTC(), until: until.UTC(), limit: noiseDefaultLimit, dims: map[model.NoiseDimension]bool{}}
	switch {
	case !a.until.After(a.since):
		errs.Add("until", "must be after since")
	case a.until.Sub(a.since) > noiseMaxPeriod:
		errs.Add("until", "must be at most 366 days after since")
	}
	if limit != nil {
		if *limit < 1 || *limit > noiseMaxLimit {
			errs.Add("limit", fmt.Sprintf("must be between 1 and %d", noiseMaxLimit))
		}
		a.limit = *limit
	}
	if groupBy == nil {
		groupBy = model.AllNoiseDimension
	}
	for _, d := range groupBy {
		a.dims[d] = true
	}
	if errs.OrNil() != nil {
		return a, &errs
	}
	return a, nil
}

// alertNoiseReport groups the period's alerts in the database: the
// alerts themselves never leave it, only the counts of the top groups.
func (r *Resolver) alertNoiseReport(ctx context.Context, since, until time.Time, groupBy []model.NoiseDimension, limit *int) (*model.NoiseReport, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	a, err := checkNoiseArgs(since, until, groupBy, limit)
	if err != nil {
		return nil, err
	}
	a.tenant = v.TenantID
	rep := &model.NoiseReport{Since: a.since, Until: a.until, TopConditions: []*model.NoiseCondition{},
		Flapping: []*model.NoiseCondition{}, TopDevices: []*model.NoiseDevice{}, TopClients: []*model.NoiseClient{},
		TicketsPerRule: []*model.NoiseRule{}}
	var closedByTicket int
	if r.store.IsPostgres() {
		closedByTicket, err = r.noisePostgres(ctx, a, rep)
	} else {
		closedByTicket, err = r.noiseSQLite(ctx, a, rep)
	}
	if err != nil {
		return nil, fmt.Errorf("noise report: %w", err)
	}
	rep.AutoResolvedCount = rep.ResolvedCount - closedByTicket
	if rep.AlertCount > 0 {
		share := float64(rep.AutoResolvedCount) / float64(rep.AlertCount)
		rep.AutoResolvedShare = &share
	}
	for _, c := range slices.Concat(rep.TopConditions, rep.Flapping) {
		if c.ResetCount > 0 {
			f := float64(c.AlertCount) / float64(c.ResetCount)
			c.FiresPerReset = &f
		}
	}
	if err := r.noiseNames(ctx, rep); err != nil {
		return nil, fmt.Errorf("noise report: %w", err)
	}
	return rep, nil
}

// The period's alerts: fired in [since, until). Every statement below
// starts from it, on the index (tenant_id, triggered_at) that covers the
// columns they group by (migration 0018).
const noisePeriod = ` FROM alerts WHERE tenant_id = $1 AND triggered_at >= $2 AND triggered_at < $3`

// ticketClosedOrigin is the reset alertdesk applies when a ticket's close
// cleared the alert (pipeline.OriginTicketClosed, kept in metadata).
const ticketClosedOrigin = "ticket-closed"

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

// noiseWorkMem is the memory each sort or hash of the report may take
// before it spills to disk: a month of a busy tenant has hundreds of
// thousands of conditions, whose grouping spilled with the default.
const noiseWorkMem = "128MB"

const noiseSettings = "SET LOCAL work_mem = '" + noiseWorkMem + "'; SET LOCAL jit = off"

func (r *Resolver) noisePostgres(ctx context.Context, a noiseArgs, rep *model.NoiseReport) (int, error) {
	// A read-only transaction of its own, for settings of this report
	// alone: hashing in memory, and no JIT (its compile took longer than
	// it saved).
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

// sqliteJulian is the julian day of a time column as the SQLite driver
// stores it (Go's "2006-01-02 15:04:05.999999999 -0700 MST"): the date and
// time, and the offset rewritten as ±HH:MM, which julianday reads.
func sqliteJulian(col string) string {
	p := "(11 + instr(substr(" + col + ", 12), ' '))" // the space before the offset
	return "julianday(substr(" + col + ", 1, " + p + " - 1) || substr(" + col + ", " + p + " + 1, 3) || ':' || substr(" +
		col + ", " + p + " + 4, 2))"
}

// noiseNames names the ranked assets, clients and rules through the
// scoped client (retired ones too: old alerts name them).
func (r *Resolver) noiseNames(ctx context.Context, rep *model.NoiseReport) error {
	if len(rep.TopDevices) > 0 {
		ids := make([]int, len(rep.TopDevices))
		for i, d := range rep.TopDevices {
			ids[i] = d.AssetID
		}
		rows, err := r.db.Asset.Query().Where(asset.IDIn(ids...)).Select(asset.FieldName).All(ctx)
		if err != nil {
			return fmt.Errorf("assets: %w", err)
		}
		names := map[int]string{}
		for _, x := range rows {
			names[x.ID] = x.Name
		}
		for _, d := range rep.TopDevices {
			d.Name = names[d.AssetID]
		}
	}
	if len(rep.TopClients) > 0 {
		ids := make([]int, len(rep.TopClients))
		for i, c := range rep.TopClients {
			ids[i] = c.ClientID
		}
		rows, err := r.db.Customer.Query().Where(customer.IDIn(ids...)).Select(customer.FieldName).All(ctx)
		if err != nil {
			return fmt.Errorf("clients: %w", err)
		}
		names := map[int]string{}
		for _, x := range rows {
			names[x.ID] = x.Name
		}
		for _, c := range rep.TopClients {
			c.Name = names[c.ClientID]
		}
	}
	if len(rep.TicketsPerRule) > 0 {
		ids := make([]int, len(rep.TicketsPerRule))
		for i, x := range rep.TicketsPerRule {
			ids[i] = x.RuleID
		}
		rows, err := r.db.AlertRule.Query().Where(alertrule.IDIn(ids...)).Select(alertrule.FieldName).All(ctx)
		if err != nil {
			return fmt.Errorf("rules: %w", err)
		}
		names := map[int]string{}
		for _, x := range rows {
			names[x.ID] = x.Name
		}
		for _, x := range rep.TicketsPerRule {
			x.Name = names[x.RuleID]
		}
	}
	return nil
}

// noiseQuery runs one statement of the report, spent from the budget.
func noiseQuery(ctx context.Context, db noiseDB, q string, args ...any) (*sql.Rows, error) {
	if err := spendStatement(ctx); err != nil {
		return nil, err
	}
	return db.QueryContext(ctx, q, args...)
}

func noiseRow(ctx context.Context, db noiseDB, q string, args []any, dest ...any) error {
	if err := spendStatement(ctx); err != nil {
		return err
	}
	return db.QueryRowContext(ctx, q, args...).Scan(dest...)
}

// noiseDB is the pool (SQLite) or the report's transaction (PostgreSQL).
type noiseDB interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanRows calls each for every row and closes rows.
func scanRows(rows *sql.Rows, each func() error) error {
	defer rows.Close()
	for rows.Next() {
		if err := each(); err != nil {
			return err
		}
	}
	return rows.Err()
}

func nullFloat(f sql.NullFloat64) *float64 {
	if !f.Valid {
		return nil
	}
	return &f.Float64
}
