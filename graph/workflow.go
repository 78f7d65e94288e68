package graph

import (
	"github.com/alertdesk/alertdesk/graph/model"
	"github.com/alertdesk/alertdesk/workflow"
)

// workflowEvents is the event catalog (workflow.Catalog) as GraphQL types.
func workflowEvents() []*model.WorkflowEvent {
	defs := workflow.Catalog()
	out := make([]*model.WorkflowEvent, 0, len(defs))
	for _, d := range defs {
		out = append(out, &model.WorkflowEvent{
			Name:          d.Name,
			Description:   d.Description,
			PayloadSchema: model.JSONOf(d.PayloadSchema),
		})
	}
	return out
}

// workflowActions are the mutations made for workflows, by action name.
var workflowActions = []*model.WorkflowAction{
	{
		Name:     "rmm.alerts.create_ticket",
		Mutation: "createTicketForAlert",
		Description: "Creates a ticket for an alert that has none, routed by the alert's rule. " +
			"An alert with a ticket fails with ALREADY_LINKED.",
	},
	{
		Name:     "tickets.create",
		Mutation: "createTicket",
		Description: "Creates any ticket (title, description, client, asset, board, open status, priority, assignee), " +
			"optionally as an alert's ticket. With idempotencyKey, a call with a key one of the tenant's tickets " +
			"already has returns that ticket unchanged, also when calls race: a retried step makes no second ticket.",
	},
}
