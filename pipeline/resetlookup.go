package pipeline

import (
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/store"
)

// liveCap bounds how many other live alerts of a ticket a reset counts: a
// storm's ticket may have thousands, and one is enough to keep it open.
const liveCap = 100

// resetLookup is what a reset reads with its locks on PostgreSQL, so that
// a reset that closes a ticket takes two round trips (this one and COMMIT):
// the alert but its metadata and decision trace, the lock of its ticket
// (after the pipeline's locks, as desk.Lock takes it), the ticket as that
// lock's previous holder left it, and how many other alerts of the ticket
// are live (up to liveCap).
type resetLookup struct {
	// lockedTicket is the ticket whose lock was taken (0: none). The
	// alert's lock was held when it was read, so it is the alert's ticket.
	lockedTicket int
	alert        *ent.Alert
	ticket       *ent.Ticket
	othersLive   int
	// jsonUnread says alert was read without its metadata and decision
	// trace, which finish then merges in the UPDATE (storedjson.go).
	jsonUnread bool
}

// Each live status is its own probe of (tenant, ticket, status): with
// IN, a planner may read the ticket's every alert and filter them. Rows
// come from row_to_json: ent's entities decode their own columns
// from JSON, every one of them, with no column list to keep in step.
const (
	resetLockSQL = `SELECT ticket_id, %s FROM alerts
	WHERE tenant_id = $1 AND integration_id = $2 AND external_alert_id = $3 AND ticket_id IS NOT NULL`
	resetReadSQL = `SELECT (to_jsonb(a) - 'metadata' - 'decision_trace')::text, CASE WHEN t.id IS NULL THEN NULL ELSE row_to_json(t)::text END,
	(SELECT count(*) FROM (
		(SELECT 1 FROM alerts o WHERE o.tenant_id = a.tenant_id AND o.ticket_id = a.ticket_id
			AND o.status = 'active' AND o.id <> a.id LIMIT $4)
		UNION ALL
		(SELECT 1 FROM alerts o WHERE o.tenant_id = a.tenant_id AND o.ticket_id = a.ticket_id
			AND o.status = 'acknowledged' AND o.id <> a.id LIMIT $4)) o)
	FROM alerts a LEFT JOIN tickets t ON t.id = a.ticket_id AND t.tenant_id = a.tenant_id
	WHERE a.tenant_id = $1 AND a.integration_id = $2 AND a.external_alert_id = $3`
)

// statements are sent with BEGIN, after the pipeline's locks.
func (l *resetLookup) statements(ev event.Event) []store.Statement {
	key := []any{ev.TenantID, ev.IntegrationID, ev.ExternalAlertID}
	return []store.Statement{{
		Name: "pipeline: lock ticket",
		SQL:  fmt.Sprintf(resetLockSQL, desk.LockTicketSQL("$1::bigint", "ticket_id")),
		Args: key,
		Read: func(rows store.Rows) error {
			for rows.Next() {
				if err := rows.Scan(&l.lockedTicket, new(any)); err != nil {
					return err
				}
			}
			return rows.Err()
		},
	}, {
		Name: "pipeline: load alert",
		SQL:  resetReadSQL,
		Args: append(key, liveCap),
		Read: l.read,
	}}
}

func (l *resetLookup) read(rows store.Rows) error {
	for rows.Next() {
		var a, t sql.NullString
		if err := rows.Scan(&a, &t, &l.othersLive); err != nil {
			return err
		}
		l.alert, l.jsonUnread = new(ent.Alert), true
		if err := json.Unmarshal([]byte(a.String), l.alert); err != nil {
			return fmt.Errorf("alert: %w", err)
		}
		if t.Valid {
			l.ticket = new(ent.Ticket)
			if err := json.Unmarshal([]byte(t.String), l.ticket); err != nil {
				return fmt.Errorf("ticket: %w", err)
			}
		}
	}
	return rows.Err()
}

// lockedTicketOf is the alert's ticket as read under its lock (the read
// joins the alert's ticket_id), or nil when the lookup did not lock it.
func (l *resetLookup) lockedTicketOf(a *ent.Alert) *ent.Ticket {
	if l == nil || l.ticket == nil || a.TicketID == nil || l.lockedTicket != *a.TicketID {
		return nil
	}
	return l.ticket
}
