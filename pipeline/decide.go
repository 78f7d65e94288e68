package pipeline

import (
	"fmt"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/maintenance"
	"github.com/alertdesk/alertdesk/rule"
)

// Decision is what routing decides for a stored alert under a
// configuration, computed without a transaction and without writing:
// rule simulation compares two of them. It stops where the pipeline
// would start writing tickets, so deduplication (joining a condition's
// open ticket) is not part of it: Created means "routed to a ticket".
type Decision struct {
	// Outcome is Unmapped, Suppressed, NoRule, Recorded, TicketFailed or
	// Created.
	Outcome Outcome
	// Rule is the matched rule, nil for none (or before the rules stage).
	Rule *rule.Rule
	// WindowID is the suppressing maintenance window.
	WindowID int
	// BoardID, PriorityID and AssigneeID are the ticket's routing.
	BoardID    int
	PriorityID *int
	AssigneeID *int
	// Error is why the ticket could not be made (TicketFailed).
	Error string
}

// Ticket says whether the alert is routed to a ticket.
func (d Decision) Ticket() bool { return d.Outcome == Created }

// Scoped is a stored alert after the stages that no rule changes (scope
// and maintenance), to be decided under one or more rule sets.
type Scoped struct {
	Event    event.Event
	Alert    *ent.Alert
	ClientID *int
	AssetID  *int
	Unmapped bool
	// Window is the maintenance window covering the alert's time, if any.
	Window *maintenance.Window
}

// Scope finds a stored alert's client and asset from the configuration's
// mappings (as the scope stage does; a device of a mapped organization
// that no mapping lists keeps the asset stored on the alert, since the
// pipeline would have created it) and the maintenance window covering
// the alert's event time.
func (cfg *Config) Scope(a *ent.Alert) Scoped {
	sc := Scoped{Event: storedEvent(a, "simulation"), Alert: a}
	if id := a.ExternalDeviceID; id != "" {
		if asset, ok := cfg.Devices[id]; ok {
			sc.AssetID = &asset.ID
			if asset.Client != nil {
				sc.ClientID = &asset.Client.ID
			}
		}
	}
	if sc.ClientID == nil && a.ExternalOrganizationID != "" {
		if c, ok := cfg.Orgs[a.ExternalOrganizationID]; ok {
			sc.ClientID = &c.ID
		}
	}
	if sc.AssetID == nil && sc.ClientID != nil && a.ExternalDeviceID != "" {
		sc.AssetID = a.AssetID
	}
	sc.Unmapped = sc.ClientID == nil && a.ExternalOrganizationID != ""
	if !sc.Unmapped && len(cfg.Windows) > 0 {
		sc.Window, _ = maintenance.FirstCovering(cfg.Windows, a.IntegrationID, sc.ClientID, sc.AssetID, sc.Event.OccurredAt)
	}
	return sc
}

// Decide runs the routing stages on sc with rules in place of the
// configuration's own (nil: the configuration's), through the same code
// as the pipeline: rule.Set.Evaluate, ticketBoard, ticketPriority and
// ticketAssignee.
func (cfg *Config) Decide(sc *Scoped, rules *rule.Set) Decision {
	switch {
	case sc.Unmapped:
		return Decision{Outcome: Unmapped}
	case sc.Window != nil:
		return Decision{Outcome: Suppressed, WindowID: sc.Window.ID}
	}
	if rules == nil {
		rules = cfg.Rules
	}
	res := rules.Evaluate(sc.Event)
	if res.Rule == nil {
		return Decision{Outcome: NoRule}
	}
	d := Decision{Outcome: Recorded, Rule: res.Rule}
	act := res.Rule.Actions
	if !act.ShouldCreateTicket() {
		return d
	}
	fail := func(err error) Decision {
		d.Outcome, d.Error = TicketFailed, err.Error()
		return d
	}
	prio, _, err := ticketPriority(cfg, act, event.Severity(sc.Alert.Severity))
	if err != nil {
		return fail(err)
	}
	assignee, _, err := ticketAssignee(cfg, act)
	if err != nil {
		return fail(err)
	}
	b, err := ticketBoard(cfg, act)
	if err != nil {
		return fail(err)
	}
	d.Outcome, d.BoardID, d.PriorityID, d.AssigneeID = Created, b.ID, prio, assignee
	return d
}

// ticketAssignee is the rule's assignee; deactivated reports one who has
// left, whom the ticket does not get.
func ticketAssignee(cfg *Config, act rule.Actions) (id *int, deactivated bool, err error) {
	id = act.AssignToUserID
	if id == nil {
		return nil, false, nil
	}
	active, ok := cfg.Users[*id]
	if !ok {
		return nil, false, fmt.Errorf("%w: assignee %d", desk.ErrNotFound, *id)
	}
	if !active {
		return nil, true, nil
	}
	return id, false, nil
}
