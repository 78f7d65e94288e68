package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/rule"
)

// createTicket opens a routed ticket for the alert. If the ticket cannot be
// made (no default board, say), the alert is kept with the failure recorded
// so it can be retried. Such failures are found from the cached
// configuration before anything is written, so none needs undoing.
func (p *Pipeline) createTicket(ctx context.Context, s *State) error {
	t, err := p.newTicket(ctx, s, true)
	if err == nil {
		s.Ticket = t
		return nil
	}
	if !isRoutingError(err) {
		return err
	}
	p.log.WarnContext(ctx, "ticket creation failed; alert kept for retry",
		"tenant", s.Event.TenantID, "integration", s.Event.IntegrationID, "alert", s.Alert.ExternalAlertID, "err", err)
	s.alertChanges().SetTicketError(err.Error())
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

// newTicket creates and links the ticket; auto says a rule made it. Every
// routing error is returned before the first write.
func (p *Pipeline) newTicket(ctx context.Context, s *State, auto bool) (*ent.Ticket, error) {
	cfg, err := p.config(ctx, s)
	if err != nil {
		return nil, err
	}
	a, act := s.Alert, s.Rule.Actions
	prio, how, err := ticketPriority(cfg, act, event.Severity(a.Severity))
	if err != nil {
		return nil, err
	}
	assignee, left, err := ticketAssignee(cfg, act)
	if err != nil {
		return nil, err
	}
	if left {
		// A person who left does not hold the alert's routing up.
		s.Tracef("assignee %d is deactivated: the ticket is left unassigned", *act.AssignToUserID)
	}
	b, err := ticketBoard(cfg, act)
	if err != nil {
		return nil, err
	}
	vars := s.templateVars()
	title := rule.TicketTitle(act, s.Event.Provider.Label(), vars)
	if strings.TrimSpace(title) == "" {
		return nil, fmt.Errorf("%w: empty title", desk.ErrInvalid)
	}
	description := rule.TicketDescription(act, vars)
	opener := fmt.Sprintf("rule %q", s.Rule.Name)
	if !auto {
		opener = "the create-ticket action"
	}
	t, err := p.openTicket(ctx, s, desk.NewTicket{
		TenantID:        a.TenantID,
		Title:           title,
		Description:     description,
		BoardID:         b.ID,
		StatusID:        b.DefaultStatus,
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
	p.link(s, t, auto)
	s.Tracef("created ticket #%d %q (priority %s)", t.Number, t.Title, how)
	return t, nil
}

// openTicket creates the ticket: at once, or in a page or a group run
// together, as a draft whose id and number were drawn ahead, written
// later.
func (p *Pipeline) openTicket(ctx context.Context, s *State, in desk.NewTicket) (*ent.Ticket, error) {
	switch {
	case s.page != nil:
		return s.page.draft(ctx, s, in)
	case s.group != nil:
		return s.group.rows.draft(ctx, s, in)
	}
	return p.desk.Create(ctx, s.Tx, in)
}

// link makes t the alert's ticket and its condition's open ticket.
func (p *Pipeline) link(s *State, t *ent.Ticket, auto bool) {
	m := s.alertChanges()
	m.SetTicketID(t.ID)
	m.SetAutoTicketCreated(auto)
	m.SetTicketError("")
	s.Alert.TicketID, s.Alert.AutoTicketCreated, s.Alert.TicketError = &t.ID, auto, ""
	s.condition = &conditionChange{opened: t.ID, at: s.At}
	s.Outcome = Created
}

// ticketBoard is the rule's board, else the tenant's default one, with the
// status new tickets start in; the errors are the ticket desk's. A retired
// board takes no new tickets.
func ticketBoard(cfg *Config, act rule.Actions) (BoardConfig, error) {
	id := cfg.DefaultBoard
	if act.BoardID != nil {
		id = *act.BoardID
	}
	b, ok := cfg.Boards[id]
	switch {
	case id == 0:
		return b, desk.ErrNoBoard
	case !ok:
		return b, fmt.Errorf("%w: board %d", desk.ErrNotFound, id)
	case b.Retired:
		return b, fmt.Errorf("%w: board %d is retired", desk.ErrInvalid, id)
	case b.DefaultStatus == 0:
		return b, fmt.Errorf("%w: board %d has no open status", desk.ErrNoStatus, id)
	}
	return b, nil
}

// ticketPriority is the rule's override, else the tenant's priority for the
// alert's severity (retired ones are not chosen); no matching priority
// leaves it empty.
func ticketPriority(cfg *Config, act rule.Actions, sev event.Severity) (*int, string, error) {
	if id := act.PriorityOverride; id != nil {
		if cfg.RetiredPriorities[*id] {
			return nil, "", fmt.Errorf("%w: priority %d is retired", desk.ErrInvalid, *id)
		}
		if !slices.ContainsFunc(cfg.Priorities, func(p PriorityChoice) bool { return p.ID == *id }) {
			return nil, "", fmt.Errorf("%w: priority %d", desk.ErrNotFound, *id)
		}
		return id, "from the rule", nil
	}
	id, ok := PriorityForSeverity(sev, cfg.Priorities)
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
