package graph

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
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

// alertNoiseReport groups the period's alerts in the database, from the
// rollups (noise_rollup.go): the alerts themselves never leave it, only
// the counts of the top groups.
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
	rep := newNoiseReport(a)
	closedByTicket, err := r.noiseRollups(ctx, a, rep)
	if err != nil {
		return nil, fmt.Errorf("noise report: %w", err)
	}
	finishNoise(rep, closedByTicket)
	if err := r.noiseNames(ctx, rep); err != nil {
		return nil, fmt.Errorf("noise report: %w", err)
	}
	return rep, nil
}

func newNoiseReport(a noiseArgs) *model.NoiseReport {
	return &model.NoiseReport{Since: a.since, Until: a.until, TopConditions: []*model.NoiseCondition{},
		Flapping: []*model.NoiseCondition{}, TopDevices: []*model.NoiseDevice{}, TopClients: []*model.NoiseClient{},
		TicketsPerRule: []*model.NoiseRule{}}
}

// finishNoise derives the shares and ratios from the counts.
func finishNoise(rep *model.NoiseReport, closedByTicket int) {
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
}

// ticketClosedOrigin is the reset alertdesk applies when a ticket's close
// cleared the alert (pipeline.OriginTicketClosed, kept in metadata).
const ticketClosedOrigin = "ticket-closed"

// noiseWorkMem is the memory each sort or hash of the report may take
// before it spills to disk: a month of a busy tenant has hundreds of
// thousands of conditions, whose grouping spilled with the default.
const noiseWorkMem = "128MB"

const noiseSettings = "SET LOCAL work_mem = '" + noiseWorkMem + "'; SET LOCAL jit = off"

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
