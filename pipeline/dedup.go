package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/rule"
)

// dedup joins the condition's open ticket when there is one: the alert is
// linked, the group's occurrence count grows, and the ticket gets a
// comment, or in a storm its summary comment counts the firing.
func (p *Pipeline) dedup(ctx context.Context, s *State) error {
	a := s.Alert
	head, err := openGroup(ctx, s)
	if err != nil || head == nil {
		return err
	}
	ticketID, now := head.TicketID, s.At
	n := head.OccurrenceCount + 1
	if head.AlertID == a.ID {
		// This alert re-triggered on its own still-open ticket.
		a.OccurrenceCount, a.LastOccurrenceAt = n, &now
	}
	m := s.alertChanges()
	m.SetTicketID(ticketID)
	m.SetTicketError("")
	a.TicketID, a.TicketError = &ticketID, ""
	if head.TicketNumber != 0 {
		// Read with the group (PostgreSQL): what the comments and the
		// trace need of the ticket, without a round trip of its own.
		s.Ticket = &ent.Ticket{ID: ticketID, TenantID: a.TenantID, Number: head.TicketNumber}
	} else if s.Ticket, err = desk.Get(ctx, s.Tx.Client(), a.TenantID, ticketID); err != nil {
		return err
	}
	b, err := p.stormComment(ctx, s, head, n)
	if err != nil {
		return err
	}
	// Counted by finish, without read-back: every change to the group's
	// count holds the condition's lock.
	s.condition = &conditionChange{joined: head, burst: b, at: now}
	s.publish(outbox.AlertTriggered, func() map[string]any { return triggeredPayload(s) })
	s.Stop(Joined)
	return nil
}

// stormComment writes the firing's comment, or counts it in its burst's
// summary, and returns the burst after it.
func (p *Pipeline) stormComment(ctx context.Context, s *State, head *groupHead, n int) (burst, error) {
	limit, quiet := rule.Actions{}.Storm()
	if s.Rule != nil {
		limit, quiet = s.Rule.Actions.Storm()
	}
	b, step := head.Burst.next(head.LastOccurrenceAt, s.At, limit, quiet)
	details, now, pg := alertDetails(s.Alert, s.At), time.Now().UTC(), p.store.IsPostgres()
	var err error
	if s.group != nil && step != reviseSummary {
		// A revision held by the group goes before the ticket's next
		// comment, as it would have.
		if err := s.group.flushRevision(ctx, s.batch); err != nil {
			return b, fmt.Errorf("occurrence comment: %w", err)
		}
	}
	switch step {
	case ownComment:
		body := fmt.Sprintf("Alert re-triggered — %s occurrence\n\n%s", Ordinal(n), details)
		if pg {
			// Nothing reads it back: it goes with COMMIT.
			err = desk.NoteLater(ctx, s.batch, s.Ticket, body, now)
		} else {
			_, err = p.desk.CommentOn(ctx, s.Tx, s.Ticket, body, true, desk.System)
		}
		s.Tracef("joined open ticket #%d of the same condition: %s occurrence", s.Ticket.Number, Ordinal(n))
	case newSummary:
		var c *ent.Comment
		if c, err = p.desk.CommentOn(ctx, s.Tx, s.Ticket, b.summary(n, s.At, details), true, desk.System); err == nil {
			b.SummaryID = &c.ID
		}
		s.Tracef("joined open ticket #%d of the same condition: %s occurrence, the first of this burst in a summary comment (after %d comments)",
			s.Ticket.Number, Ordinal(n), limit)
	case reviseSummary:
		body := b.summary(n, s.At, details)
		switch {
		case s.group != nil:
			err = s.group.reviseLater(ctx, s.batch, s.Ticket, *b.SummaryID, body, now)
		case pg:
			err = desk.ReviseLater(ctx, s.batch, s.Ticket, *b.SummaryID, body, now)
		default:
			err = p.desk.Revise(ctx, s.Tx, s.Ticket, *b.SummaryID, body)
		}
		s.Tracef("joined open ticket #%d of the same condition: %s occurrence, counted in the summary comment (%d so far)",
			s.Ticket.Number, Ordinal(n), b.SummaryCount)
	}
	if err != nil {
		return b, fmt.Errorf("occurrence comment: %w", err)
	}
	return b, nil
}

// alertDetails is the alert summary used in ticket comments.
func alertDetails(a *ent.Alert, at time.Time) string {
	device := a.DeviceName
	if device == "" {
		device = a.ExternalDeviceID
	}
	return fmt.Sprintf("Severity: %s\nDevice: %s\nMessage: %s\nAlert ID: %s\nOccurred: %s",
		a.Severity, device, a.Message, a.ExternalAlertID, at.UTC().Format(time.RFC3339))
}
