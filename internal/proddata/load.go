package proddata

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Statistics says what the planner knows about the loaded tables.
type Statistics int

const (
	// Analyzed runs ANALYZE after the load: statistics as autovacuum
	// would eventually leave them.
	Analyzed Statistics = iota
	// NearEmpty analyzes the tables before the bulk goes in (when they
	// hold the seed's few rows, if any) and not after, and turns autovacuum
	// off on them, so the planner plans with the column statistics of a
	// nearly empty database until Analyze, as right after a restore. (Row
	// and page counts are current: building an index sets them.)
	NearEmpty
	// Unanalyzed leaves the tables with no statistics at all, as a new
	// database has them until autovacuum first analyzes it: the planner
	// then guesses every equality selective, and may pick any index whose
	// prefix a query matches (deleting pg_statistic's rows needs a
	// superuser). Autovacuum is off on the tables, as with NearEmpty.
	Unanalyzed
)

// Options configure Load.
type Options struct {
	// TenantID is the tenant to fill. It must have a board with an open
	// (default) and a closed status, a user and at least one integration
	// (seed.Demo makes such a tenant); alerts come from its first two
	// integrations.
	TenantID int
	// Size is how much to load; zero is Production.
	Size       Size
	Statistics Statistics
}

// tables are the tables the load writes, for ANALYZE and autovacuum.
var tables = []string{
	"clients", "assets", "asset_devices", "organization_mappings", "users", "tickets", "alerts",
	"alert_conditions", "comments", "status_changes", "time_entries", "notifications", "outbox_entries",
	"event_subscriptions", "event_deliveries",
}

// Load fills the tenant with the dataset in one transaction and returns
// ids tests need. Sequences (row ids, the tenant's ticket numbers) are
// advanced past the loaded rows, so the application keeps writing.
func Load(ctx context.Context, db *sql.DB, opts Options) (*Facts, error) {
	if opts.Size == (Size{}) {
		opts.Size = Production
	}
	if err := opts.Size.check(); err != nil {
		return nil, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("proddata: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	l := &loader{tx: tx, size: opts.Size, vars: map[string]string{}}
	facts, err := l.load(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("proddata: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("proddata: commit: %w", err)
	}
	return facts, nil
}

// Analyze runs ANALYZE on the tables Load writes and turns their
// autovacuum back on (NearEmpty and Unanalyzed turn it off).
func Analyze(ctx context.Context, db *sql.DB) error {
	for _, t := range tables {
		if _, err := db.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s RESET (autovacuum_enabled)", t)); err != nil {
			return fmt.Errorf("proddata: autovacuum on %s: %w", t, err)
		}
		if _, err := db.ExecContext(ctx, "ANALYZE "+t); err != nil {
			return fmt.Errorf("proddata: analyze %s: %w", t, err)
		}
	}
	return nil
}

func (s Size) check() error {
	switch {
	case s.OpenTickets < 2 || s.ClosedTickets < 1:
		return errors.New("proddata: at least two open tickets and one closed")
	case s.StormOccurrences < 2:
		return errors.New("proddata: the storm needs two occurrences")
	case s.Clients < 1 || s.Assets < 1 || s.Technicians < 1 || s.UnmappedOrganizations < 1:
		return errors.New("proddata: clients, assets, technicians and unmapped organizations must be positive")
	case s.Alerts < s.linked()+100:
		return fmt.Errorf("proddata: %d alerts cannot cover %d tickets' alerts and 100 without a ticket", s.Alerts, s.linked())
	}
	return nil
}

// loader runs the statements of one load; vars are the values the
// statements' {name} placeholders stand for (numbers and fixed SQL only).
type loader struct {
	tx   *sql.Tx
	size Size
	vars map[string]string
}

func (l *loader) set(name string, v int) { l.vars[name] = strconv.Itoa(v) }

// sql replaces the {name} placeholders of q.
func (l *loader) sql(q string) string {
	pairs := make([]string, 0, 2*len(l.vars))
	for k, v := range l.vars {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(q)
}

func (l *loader) exec(ctx context.Context, step, q string) error {
	if _, err := l.tx.ExecContext(ctx, l.sql(q)); err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	return nil
}

func (l *loader) scan(ctx context.Context, step, q string, dest ...any) error {
	if err := l.tx.QueryRowContext(ctx, l.sql(q)).Scan(dest...); err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	return nil
}

func (l *loader) load(ctx context.Context, opts Options) (*Facts, error) {
	// Bulk writes need not wait for the WAL flush of each statement; the
	// commit still makes all of it durable at once.
	// The store's statement and lock timeouts guard requests; a bulk load
	// of a million rows needs longer than one request may take.
	settings := []string{"SET LOCAL synchronous_commit = off", "SET LOCAL work_mem = '256MB'",
		"SET LOCAL maintenance_work_mem = '512MB'", "SET LOCAL jit = off",
		"SET LOCAL statement_timeout = 0", "SET LOCAL lock_timeout = 0"}
	for _, s := range settings {
		if _, err := l.tx.ExecContext(ctx, s); err != nil {
			return nil, fmt.Errorf("settings: %w", err)
		}
	}
	if err := l.triggersOff(ctx); err != nil {
		return nil, err
	}
	if opts.Statistics != Analyzed {
		for _, t := range tables {
			if err := l.exec(ctx, "statistics", fmt.Sprintf("ALTER TABLE %s SET (autovacuum_enabled = false)", t)); err != nil {
				return nil, err
			}
			q := "ANALYZE " + t
			if opts.Statistics == Unanalyzed {
				q = fmt.Sprintf("DELETE FROM pg_statistic WHERE starelid = '%s'::regclass", t)
			}
			if err := l.exec(ctx, "statistics", q); err != nil {
				return nil, err
			}
		}
	}
	f, err := l.tenant(ctx, opts.TenantID)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	rebuild, err := l.dropIndexes(ctx)
	if err != nil {
		return nil, err
	}
	for _, step := range steps {
		if err := l.exec(ctx, step.name, step.sql); err != nil {
			return nil, err
		}
	}
	for _, q := range rebuild {
		if err := l.exec(ctx, "indexes", q); err != nil {
			return nil, err
		}
	}
	if err := l.sequences(ctx); err != nil {
		return nil, err
	}
	// The configuration triggers did not run: the pipeline's caches learn
	// of the new clients, assets and mappings from this.
	if err := l.triggersOn(ctx); err != nil {
		return nil, err
	}
	if err := l.exec(ctx, "config version", "UPDATE tenants SET config_version = config_version + 1 WHERE id = {tid}"); err != nil {
		return nil, err
	}
	if opts.Statistics == Analyzed {
		for _, t := range tables {
			if err := l.exec(ctx, "analyze", "ANALYZE "+t); err != nil {
				return nil, err
			}
		}
	}
	if err := l.facts(ctx, f); err != nil {
		return nil, err
	}
	f.LoadTime = time.Since(start)
	return f, nil
}

// tenant reads the tenant's setup and the id bases the load numbers its
// rows from.
func (l *loader) tenant(ctx context.Context, tenantID int) (*Facts, error) {
	f := &Facts{TenantID: tenantID, Size: l.size}
	l.set("tid", tenantID)
	var i2 sql.NullInt64
	if err := l.scan(ctx, "integrations", `SELECT
		(SELECT id FROM integrations WHERE tenant_id = {tid} ORDER BY id LIMIT 1),
		(SELECT id FROM integrations WHERE tenant_id = {tid} ORDER BY id OFFSET 1 LIMIT 1)`,
		&f.IntegrationID, &i2); err != nil {
		return nil, fmt.Errorf("tenant %d has no integration: %w", tenantID, err)
	}
	f.Integrations = []int{f.IntegrationID}
	l.set("i1", f.IntegrationID)
	l.set("i2", f.IntegrationID)
	if i2.Valid {
		f.Integrations = append(f.Integrations, int(i2.Int64))
		l.set("i2", int(i2.Int64))
	}
	var p1, p2 string
	if err := l.scan(ctx, "providers", `SELECT
		(SELECT provider FROM integrations WHERE id = {i1}), (SELECT provider FROM integrations WHERE id = {i2})`, &p1, &p2); err != nil {
		return nil, err
	}
	l.vars["p1"], l.vars["p2"] = quote(p1), quote(p2)
	var r1, r2 sql.NullInt64
	if err := l.scan(ctx, "rules", `SELECT
		(SELECT id FROM alert_rules WHERE tenant_id = {tid} AND integration_id = {i1} ORDER BY priority_order, id LIMIT 1),
		(SELECT id FROM alert_rules WHERE tenant_id = {tid} AND integration_id = {i2} ORDER BY priority_order, id LIMIT 1)`,
		&r1, &r2); err != nil {
		return nil, err
	}
	l.vars["r1"], l.vars["r2"] = nullInt(r1), nullInt(r2)
	if err := l.scan(ctx, "desk", `SELECT b.id, so.id, sc.id,
		COALESCE((SELECT id FROM ticket_status WHERE board_id = b.id AND NOT is_closed AND id <> so.id ORDER BY sort_order, id LIMIT 1), so.id),
		(SELECT id FROM users WHERE tenant_id = {tid} ORDER BY role = 'admin' DESC, id LIMIT 1)
		FROM boards b
		JOIN ticket_status so ON so.board_id = b.id AND NOT so.is_closed
		JOIN ticket_status sc ON sc.board_id = b.id AND sc.is_closed
		WHERE b.tenant_id = {tid}
		ORDER BY b.is_default DESC, b.id, so.is_default DESC, so.sort_order, sc.sort_order LIMIT 1`,
		&f.BoardID, &f.OpenStatusID, &f.ClosedStatusID, &f.WorkingStatusID, &f.AdminUserID); err != nil {
		return nil, fmt.Errorf("tenant %d has no board with an open and a closed status, or no user: %w", tenantID, err)
	}
	l.set("board", f.BoardID)
	l.set("so", f.OpenStatusID)
	l.set("sc", f.ClosedStatusID)
	l.set("sp", f.WorkingStatusID)
	l.set("admin", f.AdminUserID)

	// Rows loaded with explicit ids start after the highest ones.
	for name, table := range map[string]string{"ab": "alerts", "tb": "tickets", "cb": "clients", "asb": "assets",
		"ob": "outbox_entries", "ub": "users"} {
		var base int
		if err := l.scan(ctx, "ids", "SELECT COALESCE(MAX(id), 0) FROM "+table, &base); err != nil {
			return nil, err
		}
		l.set(name, base)
	}
	var nb int
	if err := l.scan(ctx, "ticket numbers", `SELECT GREATEST(
		(SELECT COALESCE(MAX(number), 0) FROM tickets WHERE tenant_id = {tid}),
		(SELECT COALESCE(MAX(last_number), 0) FROM ticket_counters WHERE tenant_id = {tid}))`, &nb); err != nil {
		return nil, err
	}
	l.set("nb", nb)

	s := l.size
	l.set("tt", s.tickets())
	l.set("open", s.OpenTickets)
	l.set("storm", s.stormTicket())
	l.set("stormk", s.StormOccurrences)
	l.set("unlinked", s.Alerts-s.linked())
	l.set("nclients", s.Clients)
	l.set("nassets", s.Assets)
	l.set("ntech", s.Technicians)
	l.set("nunmapped", s.UnmappedOrganizations)
	return f, nil
}

// bulkTables get most of the rows: their secondary indexes are built
// after the load, which is several times faster than maintaining them row
// by row.
var bulkTables = []string{"alerts", "comments", "notifications", "outbox_entries", "event_deliveries", "status_changes"}

// dropIndexes drops the secondary indexes of the bulk tables (not those
// of primary keys or constraints) and returns the statements that create
// them again, as they were.
func (l *loader) dropIndexes(ctx context.Context) ([]string, error) {
	rows, err := l.tx.QueryContext(ctx, `SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
		FROM pg_index i
		WHERE i.indrelid = ANY ($1::regclass[]) AND NOT i.indisprimary
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
		ORDER BY i.indexrelid`, "{"+strings.Join(bulkTables, ",")+"}")
	if err != nil {
		return nil, fmt.Errorf("indexes: %w", err)
	}
	defer rows.Close()
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return nil, fmt.Errorf("indexes: %w", err)
		}
		names, defs = append(names, name), append(defs, def)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("indexes: %w", err)
	}
	rows.Close()
	for _, n := range names {
		if err := l.exec(ctx, "indexes", "DROP INDEX "+n); err != nil {
			return nil, err
		}
	}
	return defs, nil
}

// configTriggers are the triggers (migration 0004) that bump the tenant's
// config_version for each row written to these tables: thousands of
// updates of one tenants row in one transaction, whose versions every
// later foreign-key check of the load would walk.
var configTriggers = []string{"users"}

// triggersOff stops triggers for the load's transaction: all of them,
// foreign-key checks included, when the role may (a superuser; the
// statements keep every reference valid by construction), otherwise the
// configuration triggers (their tables are then locked until commit).
func (l *loader) triggersOff(ctx context.Context) error {
	var super bool
	if err := l.scan(ctx, "role", "SELECT rolsuper FROM pg_roles WHERE rolname = current_user", &super); err != nil {
		return err
	}
	if super {
		return l.exec(ctx, "triggers", "SET LOCAL session_replication_role = replica")
	}
	for _, t := range configTriggers {
		if err := l.exec(ctx, "triggers", fmt.Sprintf("ALTER TABLE %[1]s DISABLE TRIGGER %[1]s_config_version", t)); err != nil {
			return err
		}
	}
	return nil
}

// triggersOn undoes triggersOff's table changes before commit.
func (l *loader) triggersOn(ctx context.Context) error {
	var replica bool
	if err := l.scan(ctx, "role", "SELECT current_setting('session_replication_role') = 'replica'", &replica); err != nil {
		return err
	}
	if replica {
		return l.exec(ctx, "triggers", "SET LOCAL session_replication_role = DEFAULT")
	}
	for _, t := range configTriggers {
		if err := l.exec(ctx, "triggers", fmt.Sprintf("ALTER TABLE %[1]s ENABLE TRIGGER %[1]s_config_version", t)); err != nil {
			return err
		}
	}
	return nil
}

// sequences advances what the application draws ids and numbers from.
func (l *loader) sequences(ctx context.Context) error {
	for _, t := range []string{"alerts", "tickets", "clients", "assets", "outbox_entries", "users"} {
		if err := l.exec(ctx, "sequences", fmt.Sprintf(
			"SELECT setval(pg_get_serial_sequence('%[1]s', 'id'), GREATEST((SELECT MAX(id) FROM %[1]s), 1))", t)); err != nil {
			return err
		}
	}
	// The tenant's ticket numbers (store.TicketSequence) continue after
	// the loaded tickets, whether or not the sequence exists yet.
	seq := "ticket_numbers_" + l.vars["tid"]
	if err := l.exec(ctx, "ticket numbers", "CREATE SEQUENCE IF NOT EXISTS "+seq); err != nil {
		return err
	}
	if err := l.exec(ctx, "ticket numbers", fmt.Sprintf(
		"SELECT setval('%s', (SELECT MAX(number) FROM tickets WHERE tenant_id = {tid}))", seq)); err != nil {
		return err
	}
	return l.exec(ctx, "ticket numbers", `INSERT INTO ticket_counters (created_at, last_number, tenant_id)
		VALUES (now(), (SELECT MAX(number) FROM tickets WHERE tenant_id = {tid}), {tid})
		ON CONFLICT (tenant_id) DO UPDATE SET last_number = excluded.last_number`)
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func nullInt(v sql.NullInt64) string {
	if !v.Valid {
		return "NULL::bigint"
	}
	return strconv.FormatInt(v.Int64, 10)
}
