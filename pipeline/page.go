package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/store"
)

// PageSize bounds the events ProcessPage writes in one transaction: it
// bounds the statements' parameters (PostgreSQL takes at most 65,535)
// and how long the page's locks are held.
const PageSize = 500

// ProcessPage runs triggered events of one tenant and integration, as a
// poll cycle lists them, giving each the result Process would. On
// PostgreSQL up to PageSize of them share a transaction: the locks of all
// their alerts and conditions in one statement, what is stored of them in
// a constant number of statements, the same stages deciding in memory,
// and the page's tickets, comments, alerts, condition rows and outbox
// entries written with COMMIT, a statement per table. An event whose
// alert is stored already, whose condition has an open ticket, fired
// earlier in the page or needs its device made an asset runs after its
// page as Process runs it, with up to MaxCombined others in a transaction
// (ProcessTogether), as do all of them on SQLite (one by one) and a page
// that failed as a whole: events of one alert or condition keep their
// order.
func (p *Pipeline) ProcessPage(ctx context.Context, evs []event.Event) ([]Result, []error) {
	return p.inPages(ctx, evs, nil, func(ctx context.Context, evs []event.Event, res []Result) ([]int, error) {
		return p.processPage(ctx, evs, res)
	})
}

// inPages runs evs in pages of PageSize through run (PostgreSQL), then
// the events run left, in order, with opts (leftovers), and on SQLite all.
func (p *Pipeline) inPages(ctx context.Context, evs []event.Event, opts []Option,
	run func(ctx context.Context, evs []event.Event, res []Result) ([]int, error)) ([]Result, []error) {
	res := make([]Result, len(evs))
	errs := make([]error, len(evs))
	var rest []int
	for lo := 0; lo < len(evs); lo += PageSize {
		hi := min(lo+PageSize, len(evs))
		var left []int
		if p.store.IsPostgres() {
			var err error
			if left, err = run(ctx, evs[lo:hi], res[lo:hi]); err != nil {
				// With a changed secret, each event fails again below as
				// Process fails it: nothing went wrong.
				if !errors.Is(err, ErrSecretChanged) {
					p.log.WarnContext(ctx, "pipeline: page failed, its events run one by one", "events", hi-lo, "err", err)
				}
				clear(res[lo:hi])
				left = nil
			}
		}
		if left == nil {
			for i := range hi - lo {
				left = append(left, i)
			}
		}
		for _, i := range left {
			rest = append(rest, lo+i)
		}
	}
	p.leftovers(ctx, evs, rest, res, errs, opts...)
	return res, errs
}

// leftovers runs the events at idx that no page took, in order, up to
// MaxCombined in one transaction (ProcessTogether): each gets the result
// Process would give it, and they share the locks' round trip, their
// reads and writes where they can, and the commit's WAL flush.
func (p *Pipeline) leftovers(ctx context.Context, evs []event.Event, idx []int, res []Result, errs []error, opts ...Option) {
	for lo := 0; lo < len(idx); lo += MaxCombined {
		chunk := idx[lo:min(lo+MaxCombined, len(idx))]
		group := make([]event.Event, len(chunk))
		for j, i := range chunk {
			group[j] = evs[i]
		}
		got, gotErrs := p.ProcessTogether(ctx, group, opts...)
		for j, i := range chunk {
			res[i], errs[i] = got[j], gotErrs[j]
		}
	}
}

// candidates cleans evs and returns them with the indexes of those of
// kind a page may take (valid, of the first one's tenant and integration)
// and of the others, which Process will judge.
func candidates(evs []event.Event, kind event.Kind) (clean []event.Event, cand, rest []int) {
	rest = []int{}
	clean = make([]event.Event, len(evs))
	for i, ev := range evs {
		ev, err := prepare(ev)
		if err != nil || ev.Kind != kind ||
			(len(cand) > 0 && (ev.TenantID != clean[cand[0]].TenantID || ev.IntegrationID != clean[cand[0]].IntegrationID)) {
			rest = append(rest, i) // Process says what is wrong with it
			continue
		}
		clean[i] = ev
		cand = append(cand, i)
	}
	return clean, cand, rest
}

// processPage runs the events of one page that it can take in its
// transaction, filling their results, and returns the others (indexes in
// evs, in order; non-nil).
func (p *Pipeline) processPage(ctx context.Context, evs []event.Event, res []Result) ([]int, error) {
	clean, cand, rest := candidates(evs, event.Triggered)
	if len(cand) == 0 {
		return rest, nil
	}
	look := &pageLookup{}
	pg := &page{store: p.store, tenantID: clean[cand[0]].TenantID}
	err := p.pageTx(ctx, pg, clean[cand[0]], look.statements(clean, cand), &look.read, options{}, func(tx *ent.Tx, b *store.Batch, cfg *Config) error {
		cfg, err := pageDirectory(ctx, tx.Client(), cfg, clean, cand)
		if err != nil {
			return err
		}
		// What the page takes: each condition's and alert's first event
		// of the page when nothing is stored of either. Routing decides
		// how many tickets they open, drawn at once.
		var take []int
		alerts, keys := map[string]bool{}, map[string]bool{}
		tickets := 0
		for _, i := range cand {
			ev := clean[i]
			a, key := firstSeen(ev, entalert.StatusActive), ev.DedupKey()
			ok := !look.stored[ev.ExternalAlertID] && !look.open[key] && !alerts[ev.ExternalAlertID] && !keys[key] &&
				!cfg.makesAsset(a)
			alerts[ev.ExternalAlertID], keys[key] = true, true
			if !ok {
				rest = append(rest, i)
				continue
			}
			take = append(take, i)
			if cfg.foreseesTicket(a) {
				tickets++
			}
		}
		if err := pg.drawTickets(ctx, tx, tickets); err != nil {
			return err
		}
		for j, i := range take {
			ev := clean[i]
			s := &State{Event: ev, Tx: tx, batch: b, At: ev.OccurredAt, version: *look.read.version, versionRead: true,
				cfg: cfg, lookup: &triggerLookup{drawn: look.ids[j]}, page: pg}
			if err := p.triggered.Exec(ctx, s); err != nil {
				return fmt.Errorf("alert %s: %w", ev.ExternalAlertID, err)
			}
			if res[i], err = p.finish(ctx, s); err != nil {
				return fmt.Errorf("alert %s: %w", ev.ExternalAlertID, err)
			}
		}
		if len(pg.pool) > 0 {
			p.log.DebugContext(ctx, "pipeline: page drew more ticket numbers than it used", "unused", len(pg.pool))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(rest)
	return rest, nil
}

// pageTx runs fn in a page's transaction, first sent with BEGIN, with the
// page's Config as of the configuration version first reads into read
// (readTenant), after read.check with o, then writes what the page holds
// with COMMIT.
func (p *Pipeline) pageTx(ctx context.Context, pg *page, ev event.Event, first []store.Statement, read *lockRead, o options,
	fn func(tx *ent.Tx, b *store.Batch, cfg *Config) error) error {
	return p.store.BatchTx(ctx, first, func(tx *ent.Tx, b *store.Batch) error {
		version, err := read.check(ev, o)
		if err != nil {
			return err
		}
		cfg, err := p.config(ctx, &State{Event: ev, Tx: tx, version: version, versionRead: true})
		if err != nil {
			return err
		}
		if err := fn(tx, b, cfg); err != nil {
			return err
		}
		return pg.write(ctx, p, tx, b)
	})
}

// pageLookup is what the page's first round trip reads, after the locks:
// the tenant's configuration version (readTenant), which of the events'
// alerts are stored, which of their conditions have an open ticket, and
// an id for each event's alert should it be new (unused ones are gaps,
// nothing more). Each read probes a unique index with an array of keys.
type pageLookup struct {
	read   lockRead
	stored map[string]bool // by external alert id
	open   map[string]bool // by dedup key
	ids    []int
}

func (l *pageLookup) statements(evs []event.Event, cand []int) []store.Statement {
	ev := evs[cand[0]]
	tenantID, integrationID := ev.TenantID, ev.IntegrationID
	lock, alertIDs, dedupKeys := lockPage(evs, cand)
	l.stored, l.open = map[string]bool{}, map[string]bool{}
	readSet := func(m map[string]bool) func(store.Rows) error {
		return func(rows store.Rows) error {
			for rows.Next() {
				var k string
				if err := rows.Scan(&k); err != nil {
					return err
				}
				m[k] = true
			}
			return rows.Err()
		}
	}
	return []store.Statement{lock, readTenant(ev, &l.read), {
		Name: "pipeline: find page alerts",
		SQL: `SELECT external_alert_id FROM alerts
	WHERE tenant_id = $1 AND integration_id = $2 AND external_alert_id = ANY($3::text[])`,
		Args: []any{tenantID, integrationID, alertIDs},
		Read: readSet(l.stored),
	}, {
		Name: "pipeline: find page conditions",
		SQL: `SELECT c.dedup_key FROM alert_conditions c
	WHERE c.tenant_id = $1 AND c.integration_id = $2 AND c.dedup_key = ANY($3::text[])
		AND (SELECT t.closed_at IS NULL AND t.tenant_id = $1 FROM tickets t WHERE t.id = c.ticket_id)`,
		Args: []any{tenantID, integrationID, dedupKeys},
		Read: readSet(l.open),
	}, {
		Name: "pipeline: draw alert ids",
		SQL:  `SELECT nextval(pg_get_serial_sequence('alerts', 'id')) FROM generate_series(1, $1::int)`,
		Args: []any{len(cand)},
		Read: func(rows store.Rows) error {
			for rows.Next() {
				var id int
				if err := rows.Scan(&id); err != nil {
					return err
				}
				l.ids = append(l.ids, id)
			}
			return rows.Err()
		},
	}}
}

// lockPage is lockAll of the candidates, with their alert ids and dedup
// keys, sorted, without repeats.
func lockPage(evs []event.Event, cand []int) (lock store.Statement, alertIDs, dedupKeys []string) {
	picked := make([]event.Event, len(cand))
	for j, i := range cand {
		picked[j] = evs[i]
	}
	alertIDs, dedupKeys = keysOf(picked)
	return lockAll("pipeline: lock page", picked), alertIDs, dedupKeys
}

// readTenant reads the tenant's configuration version (nil: no such
// tenant) and the integration's webhook secret into r, for r.check.
func readTenant(ev event.Event, r *lockRead) store.Statement {
	return store.Statement{
		Name: "pipeline: read config version and secret",
		SQL: `SELECT (SELECT config_version FROM tenants WHERE id = $1),
	(SELECT webhook_secret FROM integrations WHERE id = $2 AND tenant_id = $1)`,
		Args: []any{ev.TenantID, ev.IntegrationID},
		Read: func(rows store.Rows) error { return store.ScanRow(rows, &r.version, &r.secret) },
	}
}

// page collects what its events write, for write to send in a statement
// per table.
type page struct {
	store    *store.Store
	tenantID int
	// pool holds ticket ids and numbers drawn and not used yet.
	pool       [][2]int
	drafts     []desk.Draft
	alerts     []alertRow
	outbox     []outboxRow
	conditions []conditionRow
	// A page of resets (resetpage.go): the stored alerts' changes and
	// the notes and closes of their tickets.
	updates []alertUpdate
	notes   []desk.Note
	closes  []desk.Close
}

// alertRow is a first-seen alert's id and the fields its mutation sets.
type alertRow struct {
	id     int
	fields []string
	values []any
}

// conditionRow is a condition an alert of the page opened.
type conditionRow struct {
	integrationID    int
	dedupKey         string
	ticketID, headID int
	at               time.Time
}

// drawTickets draws n ticket ids and numbers in one statement.
func (pg *page) drawTickets(ctx context.Context, tx *ent.Tx, n int) error {
	if n == 0 {
		return nil
	}
	st, err := pg.drawStatement(ctx, n)
	if err != nil {
		return err
	}
	return st.Run(ctx, tx)
}

// drawStatement is the statement that draws n ticket ids and numbers
// into the pool.
func (pg *page) drawStatement(ctx context.Context, n int) (store.Statement, error) {
	seq, err := pg.store.TicketSequence(ctx, pg.tenantID)
	if err != nil {
		return store.Statement{}, fmt.Errorf("pipeline: ticket numbers: %w", err)
	}
	return store.Statement{
		Name: "pipeline: draw tickets",
		SQL: `SELECT nextval(pg_get_serial_sequence('tickets', 'id')), nextval($1::regclass)
	FROM generate_series(1, $2::int)`,
		Args: []any{seq, n},
		Read: func(rows store.Rows) error {
			for rows.Next() {
				var id, number int
				if err := rows.Scan(&id, &number); err != nil {
					return err
				}
				pg.pool = append(pg.pool, [2]int{id, number})
			}
			return rows.Err()
		},
	}, nil
}

// draft is the page's Create: the ticket takes an id and number drawn
// ahead (one more is drawn should routing have opened more tickets than
// the page foresaw) and is written by write.
func (pg *page) draft(ctx context.Context, s *State, in desk.NewTicket) (*ent.Ticket, error) {
	d, err := desk.NewDraft(in)
	if err != nil {
		return nil, err
	}
	if len(pg.pool) == 0 {
		if err := pg.drawTickets(ctx, s.Tx, 1); err != nil {
			return nil, err
		}
	}
	d.Ticket.ID, d.Ticket.Number = pg.pool[0][0], pg.pool[0][1]
	pg.pool = pg.pool[1:]
	s.draft = &d
	return d.Ticket, nil
}

// add takes what finish would write for s: its new alert, the ticket it
// drafted, the condition it opened and its outbox entries.
func (pg *page) add(ctx context.Context, s *State) error {
	if s.create == nil && s.pending != nil && s.Alert.ID != 0 {
		return pg.addUpdate(ctx, s)
	}
	if s.create == nil || s.Alert.ID == 0 {
		return fmt.Errorf("pipeline: page: alert %s is not a first-seen one", s.Event.ExternalAlertID)
	}
	alert, rows, err := heldAlert(ctx, s)
	if err != nil {
		return err
	}
	if ch := s.condition; ch != nil {
		if ch.joined != nil {
			return fmt.Errorf("pipeline: page: alert %s joined a condition", s.Event.ExternalAlertID)
		}
		pg.conditions = append(pg.conditions, conditionRow{integrationID: s.Alert.IntegrationID,
			dedupKey: s.Alert.DedupKey, ticketID: ch.opened, headID: s.Alert.ID, at: ch.at})
	}
	if s.draft != nil {
		pg.drafts = append(pg.drafts, *s.draft)
	}
	pg.alerts = append(pg.alerts, alert)
	pg.outbox = append(pg.outbox, rows...)
	return nil
}

// heldAlert is a first-seen alert whose id was drawn, with its outbox
// entries, as insertAlert would write them, held for a multi-row INSERT.
func heldAlert(ctx context.Context, s *State) (alertRow, []outboxRow, error) {
	m := s.create.Mutation()
	if err := validateAlert(m); err != nil {
		return alertRow{}, nil, err
	}
	fields, vals, err := alertValues(m)
	if err != nil {
		return alertRow{}, nil, err
	}
	rows, err := outboxRows(ctx, s)
	if err != nil {
		return alertRow{}, nil, err
	}
	return alertRow{id: s.Alert.ID, fields: fields, values: vals}, rows, nil
}

// write defers the page's statements to COMMIT, in the order the foreign
// keys need: tickets and their comments (or notes and closes), alerts,
// conditions, outbox.
func (pg *page) write(ctx context.Context, p *Pipeline, tx *ent.Tx, b *store.Batch) error {
	if err := desk.InsertLater(ctx, b, pg.drafts); err != nil {
		return err
	}
	if err := desk.NotesLater(ctx, b, pg.tenantID, pg.notes); err != nil {
		return err
	}
	if err := desk.ClosesLater(ctx, b, pg.tenantID, pg.closes); err != nil {
		return err
	}
	update, err := pg.alertUpdate()
	if err != nil {
		return err
	}
	// The stored alerts' changes go last: their statement takes the
	// page's noise rollup rows (migration 0021), in order, held to COMMIT.
	for _, st := range []store.Statement{pg.alertInsert(), pg.conditionInsert(), pg.outboxInsert(), update} {
		if st.SQL == "" {
			continue
		}
		if err := b.Defer(ctx, st); err != nil {
			return err
		}
	}
	if len(pg.outbox) > 0 {
		p.desk.Signal(tx)
	}
	return nil
}
