package apptest

import (
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/alertrule"
	"github.com/alertdesk/alertdesk/ent/comment"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/rule"
)

// Counts are row counts of the tables a webhook writes.
type Counts struct{ Alerts, Tickets, Comments, Outbox int }

// Count counts every tenant's rows.
func (e *Env) Count() Counts {
	e.T.Helper()
	var c Counts
	var err error
	must := func(n int, err2 error) int {
		if err2 != nil {
			err = err2
		}
		return n
	}
	c.Alerts = must(e.DB.Alert.Query().Count(e.Ctx))
	c.Tickets = must(e.DB.Ticket.Query().Count(e.Ctx))
	c.Comments = must(e.DB.Comment.Query().Count(e.Ctx))
	c.Outbox = must(e.DB.OutboxEntry.Query().Count(e.Ctx))
	if err != nil {
		e.T.Fatalf("count: %v", err)
	}
	return c
}

// Alert loads an alert by id.
func (e *Env) Alert(id int) *ent.Alert {
	e.T.Helper()
	a, err := e.DB.Alert.Get(e.Ctx, id)
	if err != nil {
		e.T.Fatalf("load alert %d: %v", id, err)
	}
	return a
}

// Ticket loads a ticket with its relations.
func (e *Env) Ticket(id int) *ent.Ticket {
	e.T.Helper()
	t, err := e.DB.Ticket.Query().Where(ticket.ID(id)).
		WithBoard().WithStatus().WithPriority().WithAssignee().WithClient().WithAsset().
		WithComments(func(q *ent.CommentQuery) { q.Order(ent.Asc(comment.FieldID)) }).
		WithAlerts().
		Only(e.Ctx)
	if err != nil {
		e.T.Fatalf("load ticket %d: %v", id, err)
	}
	return t
}

// Rule returns the demo catch-all rule of a provider's integration.
func (e *Env) Rule(p event.Provider) *ent.AlertRule {
	e.T.Helper()
	r, err := e.DB.AlertRule.Query().
		Where(alertrule.IntegrationID(e.Integration(p).ID)).
		Order(ent.Asc(alertrule.FieldPriorityOrder)).
		First(e.Ctx)
	if err != nil {
		e.T.Fatalf("load rule: %v", err)
	}
	return r
}

// SetActions replaces the actions of the provider's catch-all rule.
func (e *Env) SetActions(p event.Provider, a rule.Actions) {
	e.T.Helper()
	if err := e.Rule(p).Update().SetActions(a).Exec(e.Ctx); err != nil {
		e.T.Fatalf("update rule: %v", err)
	}
}

// AddRule creates a rule on the provider's integration.
func (e *Env) AddRule(p event.Provider, name string, order int, c rule.Conditions, a rule.Actions) *ent.AlertRule {
	e.T.Helper()
	r, err := e.DB.AlertRule.Create().
		SetTenantID(e.Demo.TenantID).
		SetIntegrationID(e.Integration(p).ID).
		SetName(name).
		SetPriorityOrder(order).
		SetConditions(c).
		SetActions(a).
		Save(e.Ctx)
	if err != nil {
		e.T.Fatalf("create rule: %v", err)
	}
	return r
}

// OutboxTopics lists outbox topics in order of writing.
func (e *Env) OutboxTopics() []string {
	e.T.Helper()
	rows, err := e.DB.OutboxEntry.Query().Order(ent.Asc(outboxentry.FieldID)).All(e.Ctx)
	if err != nil {
		e.T.Fatalf("outbox: %v", err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Topic
	}
	return out
}

// AlertsByExternalID loads the alert with an external id.
func (e *Env) AlertByExternalID(id string) *ent.Alert {
	e.T.Helper()
	a, err := e.DB.Alert.Query().Where(alert.ExternalAlertID(id)).Only(e.Ctx)
	if err != nil {
		e.T.Fatalf("load alert %s: %v", id, err)
	}
	return a
}

// Bool returns a pointer, for rule actions.
func Bool(b bool) *bool { return &b }

// Int returns a pointer, for rule actions.
func Int(i int) *int { return &i }
