package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/store"
)

// ResetPage runs reset events of one tenant and integration, as a poll
// cycle makes them for the alerts the RMM no longer lists, giving each
// the result Process would. On PostgreSQL up to PageSize of them share a
// transaction: the locks of their alerts and conditions in one sorted
// statement, then of their tickets in another, the alerts, tickets and
// the tickets' live alerts read in a constant number of statements, the
// reset stages deciding in memory in the page's order (a ticket closes
// when the page resolved its last live alert, as one by one), and the
// page's comments, closes, alerts and outbox entries written with COMMIT,
// a statement each. An event whose alert is not stored, or whose ticket
// was not locked with the page, runs after its page as Process runs it,
// with up to MaxCombined others in a transaction (ProcessTogether), as do
// all of them on SQLite and a page that failed as a whole. opts apply to
// every event, as to Process: with WithWebhookSecret a page confirms the
// secret in its first round trip.
func (p *Pipeline) ResetPage(ctx context.Context, evs []event.Event, opts ...Option) ([]Result, []error) {
	o := applyOptions(opts)
	return p.inPages(ctx, evs, opts, func(ctx context.Context, evs []event.Event, res []Result) ([]int, error) {
		return p.resetPage(ctx, evs, res, o)
	})
}

// resetPage runs the events of one page that it can take in its
// transaction, filling their results, and returns the others.
func (p *Pipeline) resetPage(ctx context.Context, evs []event.Event, res []Result, o options) ([]int, error) {
	clean, cand, rest := candidates(evs, event.Reset)
	if len(cand) == 0 {
		return rest, nil
	}
	look := &resetPageLookup{}
	pg := &page{store: p.store, tenantID: clean[cand[0]].TenantID}
	err := p.pageTx(ctx, pg, clean[cand[0]], look.statements(clean, cand), &look.read, o, func(tx *ent.Tx, b *store.Batch, cfg *Config) error {
		// resolved counts, per ticket, the live alerts the page resolved
		// so far: the next reset of the ticket sees them resolved.
		resolved, seen := map[int]int{}, map[string]bool{}
		for _, i := range cand {
			ev := clean[i]
			a := look.alerts[ev.ExternalAlertID]
			if a == nil || seen[ev.ExternalAlertID] || (a.TicketID != nil && !look.locked(*a.TicketID)) {
				rest = append(rest, i)
				continue
			}
			seen[ev.ExternalAlertID] = true
			live := a.Status == entalert.StatusActive || a.Status == entalert.StatusAcknowledged
			rl := &resetLookup{alert: a}
			if a.TicketID != nil {
				t := *a.TicketID
				rl.lockedTicket, rl.ticket = t, look.tickets[t]
				rl.othersLive = look.live[t] - resolved[t]
				if live {
					rl.othersLive--
				}
				rl.othersLive = max(rl.othersLive, 0)
			}
			s := &State{Event: ev, Tx: tx, batch: b, At: ev.OccurredAt, version: *look.read.version, versionRead: true,
				cfg: cfg, reset: rl, page: pg}
			if err := p.reset.Exec(ctx, s); err != nil {
				return fmt.Errorf("alert %s: %w", ev.ExternalAlertID, err)
			}
			var err error
			if res[i], err = p.finish(ctx, s); err != nil {
				return fmt.Errorf("alert %s: %w", ev.ExternalAlertID, err)
			}
			if t := a.TicketID; t != nil {
				if s.Ticket != nil && s.Ticket.ID == *t {
					look.tickets[*t] = s.Ticket // closed, for the ticket's next reset
				}
				if live && res[i].Outcome == Resolved {
					resolved[*t]++
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(rest)
	return rest, nil
}

// resetPageLookup is what a page of resets reads with its locks: the
// tickets locked, the configuration version, the alerts with their
// tickets, and how many alerts of each ticket are live, counted up to
// liveCap more than the page's own alerts of it, so that what the page
// resolves can be taken off exactly.
type resetPageLookup struct {
	read    lockRead
	tickets map[int]*ent.Ticket
	lockedT map[int]bool
	alerts  map[string]*ent.Alert // by external alert id
	live    map[int]int           // by ticket
}

func (l *resetPageLookup) locked(ticketID int) bool {
	return l.lockedT[ticketID] && l.tickets[ticketID] != nil
}

// Each live status is its own probe of (tenant, ticket, status), as in
// resetReadSQL.
const (
	resetPageTicketsSQL = `SELECT u.id, %s FROM unnest(ARRAY(SELECT DISTINCT ticket_id FROM alerts
		WHERE tenant_id = $1 AND integration_id = $2 AND external_alert_id = ANY($3::text[]) AND ticket_id IS NOT NULL
		ORDER BY 1)) AS u(id)`
	resetPageReadSQL = `SELECT row_to_json(a)::text, CASE WHEN t.id IS NULL THEN NULL ELSE row_to_json(t)::text END
	FROM alerts a LEFT JOIN tickets t ON t.id = a.ticket_id AND t.tenant_id = a.tenant_id
	WHERE a.tenant_id = $1 AND a.integration_id = $2 AND a.external_alert_id = ANY($3::text[])`
	resetPageLiveSQL = `SELECT p.ticket_id, (SELECT count(*) FROM (
		(SELECT 1 FROM alerts o WHERE o.tenant_id = $1 AND o.ticket_id = p.ticket_id AND o.status = 'active' LIMIT p.n)
		UNION ALL
		(SELECT 1 FROM alerts o WHERE o.tenant_id = $1 AND o.ticket_id = p.ticket_id AND o.status = 'acknowledged' LIMIT p.n)) o)
	FROM (SELECT ticket_id, $4::bigint + count(*) AS n FROM alerts
		WHERE tenant_id = $1 AND integration_id = $2 AND external_alert_id = ANY($3::text[]) AND ticket_id IS NOT NULL
		GROUP BY ticket_id) p`
)

// statements are sent with BEGIN. The tickets' locks come after the
// alerts' and conditions' (as a single reset takes them), sorted by id;
// the tickets are read in the next statement, which sees what their
// locks' previous holders committed.
func (l *resetPageLookup) statements(evs []event.Event, cand []int) []store.Statement {
	ev := evs[cand[0]]
	tenantID, integrationID := ev.TenantID, ev.IntegrationID
	lock, alertIDs, _ := lockPage(evs, cand)
	l.tickets, l.lockedT, l.alerts, l.live = map[int]*ent.Ticket{}, map[int]bool{}, map[string]*ent.Alert{}, map[int]int{}
	key := []any{tenantID, integrationID, alertIDs}
	return []store.Statement{lock, {
		Name: "pipeline: lock page tickets",
		SQL:  fmt.Sprintf(resetPageTicketsSQL, desk.LockTicketSQL("$1::bigint", "u.id")),
		Args: key,
		Read: func(rows store.Rows) error {
			for rows.Next() {
				var id int
				if err := rows.Scan(&id, new(any)); err != nil {
					return err
				}
				l.lockedT[id] = true
			}
			return rows.Err()
		},
	}, readTenant(ev, &l.read), {
		Name: "pipeline: load page alerts",
		SQL:  resetPageReadSQL,
		Args: key,
		Read: l.readAlerts,
	}, {
		Name: "pipeline: count page tickets' live alerts",
		SQL:  resetPageLiveSQL,
		Args: append(key, liveCap),
		Read: func(rows store.Rows) error {
			for rows.Next() {
				var id, n int
				if err := rows.Scan(&id, &n); err != nil {
					return err
				}
				l.live[id] = n
			}
			return rows.Err()
		},
	}}
}

func (l *resetPageLookup) readAlerts(rows store.Rows) error {
	for rows.Next() {
		var a, t sql.NullString
		if err := rows.Scan(&a, &t); err != nil {
			return err
		}
		alert := new(ent.Alert)
		if err := json.Unmarshal([]byte(a.String), alert); err != nil {
			return fmt.Errorf("alert: %w", err)
		}
		l.alerts[alert.ExternalAlertID] = alert
		if t.Valid && alert.TicketID != nil && l.tickets[*alert.TicketID] == nil {
			tk := new(ent.Ticket)
			if err := json.Unmarshal([]byte(t.String), tk); err != nil {
				return fmt.Errorf("ticket: %w", err)
			}
			l.tickets[tk.ID] = tk
		}
	}
	return rows.Err()
}

// noteLater is desk.NoteLater, or in a page, the page's note.
func (s *State) noteLater(ctx context.Context, t *ent.Ticket, body string, at time.Time) error {
	if s.page == nil {
		return desk.NoteLater(ctx, s.batch, t, body, at)
	}
	s.page.notes = append(s.page.notes, desk.Note{Ticket: t, Body: body, At: at})
	return nil
}

// noteAndCloseLater is desk.NoteAndCloseLater, or in a page, the page's
// comment and close.
func (s *State) noteAndCloseLater(ctx context.Context, t *ent.Ticket, body string, statusID int, at time.Time) (*ent.Ticket, error) {
	if s.page == nil {
		return desk.NoteAndCloseLater(ctx, s.batch, t, body, statusID, at)
	}
	c, closed, err := desk.NewClose(ctx, t, statusID, at)
	if err != nil {
		return closed, err
	}
	s.page.notes = append(s.page.notes, desk.Note{Ticket: t, Body: body, At: at})
	s.page.closes = append(s.page.closes, c)
	return closed, nil
}

// alertUpdate is a stored alert's id and the fields its mutation sets,
// as JSON gives them to json_populate_recordset.
type alertUpdate struct {
	fields []string
	row    map[string]any
}

// addUpdate takes what finish would write for a stored alert: its
// changes and its outbox entries.
func (pg *page) addUpdate(ctx context.Context, s *State) error {
	m := s.pending.Mutation()
	if err := validateAlert(m); err != nil {
		return err
	}
	if len(m.ClearedFields()) > 0 || len(m.AddedFields()) > 0 {
		return fmt.Errorf("pipeline: page: alert %s clears or adds to fields", s.Event.ExternalAlertID)
	}
	fields := m.Fields()
	slices.Sort(fields)
	row := map[string]any{entalert.FieldID: s.Alert.ID}
	for _, f := range fields {
		v, _ := m.Field(f)
		cv, err := columnValue(v)
		if err != nil {
			return fmt.Errorf("pipeline: save alert: %s: %w", f, err)
		}
		switch cv := cv.(type) {
		case time.Time:
			// As the driver sends a time: to the microsecond, cut.
			row[f] = cv.Truncate(time.Microsecond)
		case []byte:
			row[f] = json.RawMessage(cv)
		default:
			row[f] = cv
		}
	}
	rows, err := outboxRows(ctx, s)
	if err != nil {
		return err
	}
	pg.updates = append(pg.updates, alertUpdate{fields: fields, row: row})
	pg.outbox = append(pg.outbox, rows...)
	return nil
}

// alertUpdate is one UPDATE of the page's stored alerts: one for each
// set of fields changed (a reset's are always the same).
func (pg *page) alertUpdate() (store.Statement, error) {
	if len(pg.updates) == 0 {
		return store.Statement{}, nil
	}
	var sigs []string
	groups := map[string][]map[string]any{}
	cols := map[string][]string{}
	for _, u := range pg.updates {
		sig := strings.Join(u.fields, ",")
		if _, ok := groups[sig]; !ok {
			sigs = append(sigs, sig)
			cols[sig] = u.fields
		}
		groups[sig] = append(groups[sig], u.row)
	}
	var q strings.Builder
	var args []any
	for i, sig := range sigs {
		js, err := json.Marshal(groups[sig])
		if err != nil {
			return store.Statement{}, fmt.Errorf("pipeline: save alerts: %w", err)
		}
		args = append(args, string(js))
		if i > 0 {
			q.WriteString(", ")
		} else {
			q.WriteString("WITH ")
		}
		sets := make([]string, len(cols[sig]))
		for j, f := range cols[sig] {
			sets[j] = f + " = v." + f
		}
		fmt.Fprintf(&q, "u%d AS (UPDATE %s a SET %s FROM json_populate_recordset(NULL::%s, $%s::json) v WHERE a.%s = v.%s)",
			i, entalert.Table, strings.Join(sets, ", "), entalert.Table, strconv.Itoa(len(args)), entalert.FieldID, entalert.FieldID)
	}
	q.WriteString(" SELECT 1")
	return store.Statement{Name: "pipeline: save alerts", SQL: q.String(), Args: args}, nil
}
