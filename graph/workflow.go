package graph

import (
	"github.com/alertdesk/alertdesk/events"
	"github.com/alertdesk/alertdesk/graph/model"
)

// workflowEvents is the event catalog (events.Catalog) as GraphQL types.
func workflowEvents() []*model.WorkflowEvent {
	defs := events.Catalog()
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
