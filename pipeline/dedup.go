package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/outbox"
)

// dedup joins the condition's open ticket when there is one: the alert is
// linked, the group's occurrence count grows, and one comment says so.
func (p *Pipeline) dedup(ctx context.Context, s *State) error {
	a := s.Alert
	head, err := openGroup(ctx, s)
	if err != nil || head == nil {
		return err
	}
	ticketID, now := head.TicketID, s.At
	// Counted by finish, without read-back: every change to the group's
	// count holds the condition's lock.
	s.condition = &conditionChange{joined: head, at: now}
	n := head.OccurrenceCount + 1
	if head.AlertID == a.ID {
		// This alert re-triggered on its own still-open ticket.
		a.OccurrenceCount, a.LastOccurrenceAt = n, &now
	}
	m := s.alertChanges()
	m.SetTicketID(ticketID)
	m.SetTicketError("")
	a.TicketID, a.TicketError = &ticketID, ""
	if s.Ticket, err = desk.Get(ctx, s.Tx.Client(), a.TenantID, ticketID); err != nil {
		return err
	}
	body := fmt.Sprintf("Alert re-triggered — %s occurrence\n\n%s", Ordinal(n), alertDetails(s.Alert, s.At))
	if p.store.IsPostgres() {
		// Nothing reads it back: it goes with COMMIT.
		err = desk.NoteLater(ctx, s.batch, s.Ticket, body, time.Now().UTC())
	} else {
		_, err = p.desk.CommentOn(ctx, s.Tx, s.Ticket, body, true, desk.System)
	}
	if err != nil {
		return fmt.Errorf("occurrence comment: %w", err)
	}
	s.Tracef("joined open ticket #%d of the same condition: %s occurrence", s.Ticket.Number, Ordinal(n))
	s.publish(outbox.AlertFeed, func() map[string]any { return feedPayload(s, "occurrence") })
	s.Stop(Joined)
	return nil
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
