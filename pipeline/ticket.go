package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/priority"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/rule"
)

// createTicket opens a routed ticket for the alert. If the ticket cannot be
// made (no default board, say), the alert is kept with the failure recorded
// so it can be retried; nothing of the half-made ticket remains.
func (p *Pipeline) createTicket(ctx context.Context, s *State) error {
	if _, err := s.Tx.ExecContext(ctx, "SAVEPOINT create_ticket"); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	t, err := p.newTicket(ctx, s, true)
	if err == nil {
		if _, err := s.Tx.ExecContext(ctx, "RELEASE SAVEPOINT create_ticket"); err != nil {
			return fmt.Errorf("release savepoint: %w", err)
		}
		s.Ticket = t
		return nil
	}
	if !isRoutingError(err) {
		return err
	}
	if _, rerr := s.Tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT create_ticket"); rerr != nil {
		return fmt.Errorf("rollback savepoint: %w (after %v)", rerr, err)
	}
	p.log.WarnContext(ctx, "ticket creation failed; alert kept for retry",
		"tenant", s.Event.TenantID, "alert", s.Alert.ID, "err", err)
	s.alertUpdate().SetTicketError(err.Error())
	s.Alert.TicketError = err.Error()
	s.Tracef("ticket creation failed: %s (kept for retry)", s.Alert.TicketError)
	s.Stop(TicketFailed)
	return nil
}

// isRoutingError says whether a ticket failure comes from configuration
// (kept on the alert for retry) rather than the database (fails the event).
func isRoutingError(err error) bool {
	for _, e := range []error{desk.ErrNoBoard, desk.ErrNoStatus, desk.ErrNotFound, desk.ErrInvalid} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// newTicket creates and links the ticket; auto says a rule made it.
func (p *Pipeline) newTicket(ctx context.Context, s *State, auto bool) (*ent.Ticket, error) {
	a, act := s.Alert, s.Rule.Actions
	tenantID := a.TenantID
	prio, how, err := p.ticketPriority(ctx, s.Tx, tenantID, act, event.Severity(a.Severity))
	if err != nil {
		return nil, err
	}
	assignee := act.AssignToUserID
	if assignee != nil {
		ok, err := s.Tx.User.Query().Where(user.TenantID(tenantID), user.ID(*assignee)).Exist(ctx)
		if err != nil {
			return nil, fmt.Errorf("check assignee: %w", err)
		}
		if !ok {
			return nil, fmt.Errorf("%w: assignee %d", desk.ErrNotFound, *assignee)
		}
	}
	vars := s.templateVars()
	title := rule.TicketTitle(act, s.Event.Provider.Label(), vars)
	description := rule.TicketDescription(act, vars)
	boardID := 0
	if act.BoardID != nil {
		boardID = *act.BoardID
	}
	opener := fmt.Sprintf("rule %q", s.Rule.Name)
	if !auto {
		opener = "the create-ticket action"
	}
	t, err := p.desk.Create(ctx, s.Tx, desk.NewTicket{
		TenantID:        tenantID,
		Title:           title,
		Description:     description,
		BoardID:         boardID,
		PriorityID:      prio,
		AssigneeID:      assignee,
		ClientID:        s.ClientID,
		AssetID:         s.AssetID,
		Source:          string(a.Provider),
		SourceReference: a.ExternalAlertID,
		InitialComment: fmt.Sprintf("Ticket opened by %s for a %s alert.\n\n%s",
			opener, s.Event.Provider.Label(), alertDetails(a, s.At)),
	})
	if err != nil {
		return nil, err
	}
	s.alertUpdate().SetTicketID(t.ID).SetAutoTicketCreated(auto).SetTicketError("")
	a.TicketID, a.AutoTicketCreated, a.TicketError = &t.ID, auto, ""
	s.Tracef("created ticket #%d %q (priority %s)", t.Number, t.Title, how)
	s.Outcome = Created
	return t, nil
}

// ticketPriority is the rule's override, else the tenant's priority for the
// alert's severity; no matching priority leaves it empty.
func (p *Pipeline) ticketPriority(ctx context.Context, tx *ent.Tx, tenantID int, act rule.Actions, sev event.Severity) (*int, string, error) {
	if id := act.PriorityOverride; id != nil {
		ok, err := tx.Priority.Query().Where(priority.TenantID(tenantID), priority.ID(*id)).Exist(ctx)
		if err != nil {
			return nil, "", fmt.Errorf("check priority: %w", err)
		}
		if !ok {
			return nil, "", fmt.Errorf("%w: priority %d", desk.ErrNotFound, *id)
		}
		return id, "from the rule", nil
	}
	ps, err := tx.Priority.Query().Where(priority.TenantID(tenantID)).All(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("load priorities: %w", err)
	}
	choices := make([]PriorityChoice, len(ps))
	for i, pr := range ps {
		choices[i] = PriorityChoice{ID: pr.ID, Name: pr.Name, Order: pr.SortOrder}
	}
	id, ok := PriorityForSeverity(sev, choices)
	if !ok {
		return nil, "none: no priority fits severity " + string(sev), nil
	}
	return &id, "from severity " + string(sev), nil
}

func (s *State) templateVars() rule.TemplateVars {
	a := s.Alert
	device := a.DeviceName
	if device == "" {
		device = a.ExternalDeviceID
	}
	org := s.ClientName
	if org == "" {
		org = a.ExternalOrganizationID
	}
	return rule.TemplateVars{Device: device, Message: a.Message, Severity: string(a.Severity), Organization: org}
}
