package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
)

// groupHead is the first alert of a condition's group on an open ticket:
// it carries the group's occurrence count.
type groupHead struct {
	AlertID         int
	TicketID        int
	OccurrenceCount int
}

// triggerLookupSQL finds, in one round trip, the event's alert (the columns
// upsertTriggered checks; kind 0), the open ticket group of the event's
// condition (what dedup reads; kind 1) and, when the alert is new, an id
// for it (kind 2), so that insertAlert can write the outbox entries that
// name it in the same statement. An id drawn for an event that then
// fails is a gap in the ids, nothing more.
const triggerLookupSQL = `WITH found AS (
	SELECT id, status, last_event_at, ticket_id, metadata
	FROM alerts WHERE tenant_id = $1 AND integration_id = $2 AND external_alert_id = $3)
SELECT 0 AS kind, id, status, last_event_at, ticket_id, metadata, NULL::bigint AS occurrence_count FROM found
UNION ALL
SELECT * FROM (SELECT 1, a.id, NULL::varchar, NULL::timestamptz, a.ticket_id, NULL::jsonb, a.occurrence_count
	FROM alerts a JOIN tickets t ON t.id = a.ticket_id
	WHERE a.tenant_id = $1 AND a.integration_id = $2 AND a.dedup_key = $4 AND a.ticket_id IS NOT NULL
		AND t.tenant_id = $1 AND t.closed_at IS NULL
	ORDER BY a.id LIMIT 1) g
UNION ALL
SELECT 2, nextval(pg_get_serial_sequence('alerts', 'id')), NULL, NULL, NULL, NULL, NULL
WHERE NOT EXISTS (SELECT 1 FROM found)`

// lookupTrigger loads the event's alert, or nil when it is new, with the
// columns upsertTriggered uses. On PostgreSQL the condition's open ticket
// group comes in the same round trip, kept for dedup (a first-seen alert's
// dedup key is the event's, and the condition's lock is held until
// commit), and so does a new alert's id. SQLite runs in process, where a round trip costs little.
func (p *Pipeline) lookupTrigger(ctx context.Context, s *State) (*ent.Alert, error) {
	ev := s.Event
	if !p.store.IsPostgres() {
		return findAlert(ctx, s.Tx, ev,
			entalert.FieldStatus, entalert.FieldLastEventAt, entalert.FieldTicketID, entalert.FieldMetadata)
	}
	rows, err := s.Tx.QueryContext(ctx, triggerLookupSQL, ev.TenantID, ev.IntegrationID, ev.ExternalAlertID, ev.DedupKey())
	if err != nil {
		return nil, fmt.Errorf("load alert: %w", err)
	}
	defer rows.Close()
	var (
		alert *ent.Alert
		group *groupHead
		drawn int
	)
	for rows.Next() {
		var (
			kind, id    int
			status      sql.NullString
			lastEventAt sql.NullTime
			ticketID    sql.NullInt64
			meta        []byte
			count       sql.NullInt64
		)
		if err := rows.Scan(&kind, &id, &status, &lastEventAt, &ticketID, &meta, &count); err != nil {
			return nil, fmt.Errorf("load alert: %w", err)
		}
		switch kind {
		case 1:
			group = &groupHead{AlertID: id, TicketID: int(ticketID.Int64), OccurrenceCount: int(count.Int64)}
			continue
		case 2:
			drawn = id
			continue
		}
		alert = &ent.Alert{ID: id, Status: entalert.Status(status.String), LastEventAt: lastEventAt.Time}
		if ticketID.Valid {
			t := int(ticketID.Int64)
			alert.TicketID = &t
		}
		if len(meta) > 0 {
			if err := json.Unmarshal(meta, &alert.Metadata); err != nil {
				return nil, fmt.Errorf("load alert: metadata: %w", err)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load alert: %w", err)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("load alert: %w", err)
	}
	if alert == nil {
		s.group, s.groupKnown, s.drawnID = group, true, drawn
	}
	return alert, nil
}
