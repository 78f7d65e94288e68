package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/alertcondition"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/store"
)

// The condition's row (ent's AlertCondition) is how a firing finds the
// open ticket of its condition: one unique-index probe and the ticket's
// primary key, however many times the condition fired and however many
// tickets the tenant has open. Every event that changes it holds the
// condition's lock.

// groupHead is a condition's open ticket group: the ticket, the alert
// that opened it (whose occurrence_count mirrors the condition's), the
// count, the last firing and the current burst.
type groupHead struct {
	AlertID  int
	TicketID int
	// TicketNumber is the ticket's number when the trigger's lookup read
	// it with the group (0: dedup reads the ticket).
	TicketNumber     int
	OccurrenceCount  int
	LastOccurrenceAt time.Time
	Burst            burst
}

// conditionChange is what an event does to its condition's row; finish
// writes it after the alert, whose id it may need.
type conditionChange struct {
	// opened is the ticket the alert just opened (0: none).
	opened int
	// joined is the group the alert joined (nil: none).
	joined *groupHead
	// burst is the joined condition's burst after this firing.
	burst burst
	at    time.Time
}

// openGroupSQL is the condition's open ticket group with its ticket's
// number (NULL: the ticket is closed), as the trigger lookup reads it for
// a new alert ($1 tenant, $2 integration, $4 dedup key; found is the
// alert). The ticket is read in a subquery, by its primary key: as a
// join, a planner that thinks tickets few may scan the tenant's open
// tickets instead. (Locking the ticket's row here, so that a close by
// hand meanwhile would wait, made the comment's UPDATE of the ticket at
// COMMIT leave its page in TestEventPlansAreBounded: not done.)
const openGroupSQL = `SELECT 1, c.head_alert_id, NULL::varchar, c.last_occurrence_at, c.ticket_id, NULL::jsonb, c.occurrence_count,
	c.burst_comments, c.summary_comment_id, c.summary_count, c.summary_since,
	(SELECT t.number FROM tickets t WHERE t.id = c.ticket_id AND t.closed_at IS NULL AND t.tenant_id = $1)
	FROM alert_conditions c
	WHERE c.tenant_id = $1 AND c.integration_id = $2 AND c.dedup_key = $4 AND c.ticket_id IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM found)`

// openConditionConflict ends the INSERT of an opened condition's row: the
// ticket becomes the condition's unless it already has an open one.
const openConditionConflict = `
			ON CONFLICT (tenant_id, integration_id, dedup_key) DO UPDATE SET
				ticket_id = excluded.ticket_id, head_alert_id = excluded.head_alert_id, occurrence_count = 1,
				first_occurrence_at = excluded.first_occurrence_at, last_occurrence_at = excluded.last_occurrence_at,
				burst_comments = 0, summary_comment_id = NULL, summary_count = 0, summary_since = NULL
			WHERE alert_conditions.ticket_id IS NULL OR NOT EXISTS (SELECT 1 FROM tickets t
				WHERE t.id = alert_conditions.ticket_id AND t.closed_at IS NULL)`

// openGroup is the condition's open ticket group, or nil; the trigger's
// lookup may have read it already.
func openGroup(ctx context.Context, s *State) (*groupHead, error) {
	if s.lookup.isNew() {
		return s.lookup.group, nil
	}
	a := s.Alert
	c, err := s.Tx.AlertCondition.Query().
		Where(alertcondition.TenantID(a.TenantID), alertcondition.IntegrationID(a.IntegrationID),
			alertcondition.DedupKey(a.DedupKey),
			alertcondition.HasTicketWith(ticket.TenantID(a.TenantID), ticket.ClosedAtIsNil())).
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find open ticket for %q: %w", a.DedupKey, err)
	}
	return &groupHead{AlertID: c.HeadAlertID, TicketID: *c.TicketID, OccurrenceCount: c.OccurrenceCount,
		LastOccurrenceAt: c.LastOccurrenceAt,
		Burst: burst{Comments: c.BurstComments, SummaryID: c.SummaryCommentID, SummaryCount: c.SummaryCount,
			SummarySince: c.SummarySince}}, nil
}

// writeCondition applies the event's condition change once the alert is
// written. On PostgreSQL it goes with COMMIT: nothing reads it before,
// and the condition's lock is held until then.
func (p *Pipeline) writeCondition(ctx context.Context, s *State) error {
	ch, a := s.condition, s.Alert
	switch {
	case ch == nil:
		return nil
	case ch.joined != nil && s.group != nil:
		return s.group.join(ctx, s.batch, s)
	case ch.joined != nil && p.store.IsPostgres():
		return s.batch.Defer(ctx, countOccurrences(a.TenantID, a.IntegrationID, a.DedupKey, ch.joined.AlertID, 1, ch.at, ch.burst))
	case ch.joined != nil:
		u := s.Tx.AlertCondition.Update().
			Where(alertcondition.TenantID(a.TenantID), alertcondition.IntegrationID(a.IntegrationID),
				alertcondition.DedupKey(a.DedupKey)).
			AddOccurrenceCount(1).SetLastOccurrenceAt(ch.at).
			SetBurstComments(ch.burst.Comments).SetSummaryCount(ch.burst.SummaryCount)
		// A new burst has no summary yet: nil clears it.
		if b := ch.burst; b.SummaryID != nil {
			u.SetSummaryCommentID(*b.SummaryID).SetNillableSummarySince(b.SummarySince)
		} else {
			u.ClearSummaryCommentID().ClearSummarySince()
		}
		if err := u.Exec(ctx); err != nil {
			return fmt.Errorf("count occurrence: %w", err)
		}
		if err := s.Tx.Alert.Update().Where(entalert.ID(ch.joined.AlertID)).
			AddOccurrenceCount(1).SetLastOccurrenceAt(ch.at).Exec(ctx); err != nil {
			return fmt.Errorf("count occurrence: %w", err)
		}
		return nil
	case p.store.IsPostgres():
		if s.group != nil {
			// Its alert is among the group's: written first.
			if err := s.group.flush(ctx, s.batch); err != nil {
				return err
			}
		}
		// The ticket becomes the condition's unless it already has an open
		// one (a ticket made by hand for another of its alerts, say).
		return s.batch.Defer(ctx, store.Statement{
			Name: "pipeline: open condition",
			SQL: `INSERT INTO alert_conditions (tenant_id, created_at, integration_id, dedup_key, ticket_id,
				head_alert_id, occurrence_count, first_occurrence_at, last_occurrence_at)
			VALUES ($1, $6, $2, $3, $4, $5, 1, $6, $6)` + openConditionConflict,
			Args: []any{a.TenantID, a.IntegrationID, a.DedupKey, ch.opened, a.ID, ch.at},
		})
	}
	c, err := s.Tx.AlertCondition.Query().
		Where(alertcondition.TenantID(a.TenantID), alertcondition.IntegrationID(a.IntegrationID),
			alertcondition.DedupKey(a.DedupKey)).
		WithTicket().Only(ctx)
	switch {
	case ent.IsNotFound(err):
		err = s.Tx.AlertCondition.Create().
			SetTenantID(a.TenantID).SetCreatedAt(ch.at).SetIntegrationID(a.IntegrationID).SetDedupKey(a.DedupKey).
			SetTicketID(ch.opened).SetHeadAlertID(a.ID).SetFirstOccurrenceAt(ch.at).SetLastOccurrenceAt(ch.at).
			Exec(ctx)
	case err != nil:
	case c.Edges.Ticket != nil && c.Edges.Ticket.ClosedAt == nil:
		return nil // it has an open ticket
	default:
		err = c.Update().
			SetTicketID(ch.opened).SetHeadAlertID(a.ID).SetOccurrenceCount(1).
			SetFirstOccurrenceAt(ch.at).SetLastOccurrenceAt(ch.at).
			SetBurstComments(0).ClearSummaryCommentID().SetSummaryCount(0).ClearSummarySince().
			Exec(ctx)
	}
	if err != nil {
		return fmt.Errorf("open condition: %w", err)
	}
	return nil
}

// countOccurrences counts n firings of a condition on its open ticket
// (PostgreSQL): the condition's row and the alert heading it, with the
// last firing's time and the burst after it.
func countOccurrences(tenantID, integrationID int, dedupKey string, headAlertID, n int, at time.Time, b burst) store.Statement {
	return store.Statement{
		Name: "pipeline: count occurrence",
		SQL: `WITH c AS (UPDATE alert_conditions SET occurrence_count = occurrence_count + $10, last_occurrence_at = $4,
				burst_comments = $6, summary_comment_id = $7, summary_count = $8, summary_since = $9
			WHERE tenant_id = $1 AND integration_id = $2 AND dedup_key = $3)
		UPDATE alerts SET occurrence_count = occurrence_count + $10, last_occurrence_at = $4 WHERE id = $5`,
		Args: []any{tenantID, integrationID, dedupKey, at, headAlertID,
			b.Comments, b.SummaryID, b.SummaryCount, b.SummarySince, n},
	}
}
