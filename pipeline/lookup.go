package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/store"
)

// triggerLookupSQL finds, in one round trip, the event's alert (the columns
// upsertTriggered checks; kind 0) and, when the alert is new, the open
// ticket group of the event's condition with its ticket's number (what
// dedup reads; kind 1) and an id for the alert (kind 2), so that
// insertAlert can write the outbox entries that name it in the same
// statement. An id drawn for an event that then fails is a gap in the
// ids, nothing more.
const triggerLookupSQL = `WITH found AS (
	SELECT id, status, last_event_at, ticket_id, metadata
	FROM alerts WHERE tenant_id = $1 AND integration_id = $2 AND external_alert_id = $3)
SELECT 0 AS kind, id, status, last_event_at, ticket_id, metadata, NULL::bigint AS occurrence_count,
	NULL::bigint, NULL::bigint, NULL::bigint, NULL::timestamptz, NULL::bigint FROM found
UNION ALL
` + openGroupSQL + `
UNION ALL
SELECT 2, nextval(pg_get_serial_sequence('alerts', 'id')), NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
WHERE NOT EXISTS (SELECT 1 FROM found)`

// triggerLookup is what triggerLookupSQL found.
type triggerLookup struct {
	alert *ent.Alert
	group *groupHead
	drawn int
}

// statement reads the lookup into l; Process sends it with the locks.
func (l *triggerLookup) statement(ev event.Event) store.Statement {
	return store.Statement{
		Name: "pipeline: load alert",
		SQL:  triggerLookupSQL,
		Args: []any{ev.TenantID, ev.IntegrationID, ev.ExternalAlertID, ev.DedupKey()},
		Read: l.read,
	}
}

func (l *triggerLookup) read(rows store.Rows) error {
	for rows.Next() {
		var (
			kind, id               int
			status                 sql.NullString
			lastEventAt            sql.NullTime
			ticketID               sql.NullInt64
			meta                   []byte
			count                  sql.NullInt64
			comments, summaryCount sql.NullInt64
			summaryID              sql.NullInt64
			summarySince           sql.NullTime
			number                 sql.NullInt64
		)
		if err := rows.Scan(&kind, &id, &status, &lastEventAt, &ticketID, &meta, &count,
			&comments, &summaryID, &summaryCount, &summarySince, &number); err != nil {
			return err
		}
		switch kind {
		case 1:
			if !number.Valid {
				continue // its ticket is closed
			}
			l.group = &groupHead{AlertID: id, TicketID: int(ticketID.Int64), TicketNumber: int(number.Int64),
				OccurrenceCount:  int(count.Int64),
				LastOccurrenceAt: lastEventAt.Time,
				Burst:            burst{Comments: int(comments.Int64), SummaryCount: int(summaryCount.Int64)}}
			if summaryID.Valid {
				sid := int(summaryID.Int64)
				l.group.Burst.SummaryID = &sid
			}
			if summarySince.Valid {
				l.group.Burst.SummarySince = &summarySince.Time
			}
			continue
		case 2:
			l.drawn = id
			continue
		}
		a := &ent.Alert{ID: id, Status: entalert.Status(status.String), LastEventAt: lastEventAt.Time}
		if ticketID.Valid {
			t := int(ticketID.Int64)
			a.TicketID = &t
		}
		if len(meta) > 0 {
			if err := json.Unmarshal(meta, &a.Metadata); err != nil {
				return fmt.Errorf("metadata: %w", err)
			}
		}
		l.alert = a
	}
	return rows.Err()
}

// lookupTrigger returns the event's alert, or nil when it is new, with the
// columns upsertTriggered uses. On PostgreSQL, Process read it with the
// locks, and with it the condition's open ticket group, kept for dedup (a
// first-seen alert's dedup key is the event's, and the condition's lock is
// held until commit), and a new alert's id. SQLite runs in process, where
// a round trip costs little.
func (p *Pipeline) lookupTrigger(ctx context.Context, s *State) (*ent.Alert, error) {
	if !p.store.IsPostgres() {
		return findAlert(ctx, s.Tx, s.Event,
			entalert.FieldStatus, entalert.FieldLastEventAt, entalert.FieldTicketID, entalert.FieldMetadata)
	}
	if s.lookup == nil {
		return nil, fmt.Errorf("load alert: not read with the locks")
	}
	return s.lookup.alert, nil
}

// isNew reports whether the lookup ran and found no alert: then its
// group and drawn id are the new alert's (its dedup key is the event's).
// A nil lookup (SQLite) has seen nothing.
func (l *triggerLookup) isNew() bool { return l != nil && l.alert == nil }
