package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/comment"
	"github.com/alertdesk/alertdesk/ent/statuschange"
	"github.com/alertdesk/alertdesk/ent/timeentry"
)

// A page of alerts or tickets eager-loads the relations the query selects
// (ent's With…, one query per relation, through the scoped client), so its
// cost does not depend on timing; field resolvers use what was loaded and
// fall back to the batching loaders elsewhere.

// selection is the fields selected on one object type, by name (aliases of
// one field merged).
type selection map[string][]graphql.CollectedField

func collect(oc *graphql.OperationContext, set ast.SelectionSet, typeName string) selection {
	s := selection{}
	for _, f := range graphql.CollectFields(oc, set, []string{typeName}) {
		s[f.Name] = append(s[f.Name], f)
	}
	return s
}

// child is what is selected under field (all its aliases), on typeName.
func (s selection) child(oc *graphql.OperationContext, field, typeName string) (selection, bool) {
	fs, ok := s[field]
	if !ok {
		return nil, false
	}
	out := selection{}
	for _, f := range fs {
		for name, sub := range collect(oc, f.Selections, typeName) {
			out[name] = append(out[name], sub...)
		}
	}
	return out, true
}

// connectionNodes is what a connection query selects on its nodes, through
// edges.node and nodes.
func connectionNodes(ctx context.Context, connType, edgeType, nodeType string) selection {
	if !graphql.HasOperationContext(ctx) || graphql.GetFieldContext(ctx) == nil {
		return nil
	}
	oc := graphql.GetOperationContext(ctx)
	conn := selection{}
	for _, f := range graphql.CollectFieldsCtx(ctx, []string{connType}) {
		conn[f.Name] = append(conn[f.Name], f)
	}
	nodes := selection{}
	if edges, ok := conn.child(oc, "edges", edgeType); ok {
		if n, ok := edges.child(oc, "node", nodeType); ok {
			nodes.merge(n)
		}
	}
	if n, ok := conn.child(oc, "nodes", nodeType); ok {
		nodes.merge(n)
	}
	return nodes
}

func (s selection) merge(o selection) {
	for k, v := range o {
		s[k] = append(s[k], v...)
	}
}

func eagerAlerts(oc *graphql.OperationContext, s selection, q *ent.AlertQuery) {
	if len(s) == 0 {
		return
	}
	if _, ok := s["integration"]; ok {
		q.WithIntegration()
	}
	if _, ok := s["client"]; ok {
		q.WithClient()
	}
	if _, ok := s["asset"]; ok {
		q.WithAsset()
	}
	if _, ok := s["matchedRule"]; ok {
		q.WithMatchedRule()
	}
	if _, ok := s["suppressedByWindow"]; ok {
		q.WithSuppressedByWindow()
	}
	if t, ok := s.child(oc, "ticket", "Ticket"); ok {
		q.WithTicket(func(tq *ent.TicketQuery) { eagerTickets(oc, t, tq) })
	}
}

func eagerTickets(oc *graphql.OperationContext, s selection, q *ent.TicketQuery) {
	if len(s) == 0 {
		return
	}
	simple := map[string]func(){
		"client":   func() { q.WithClient() },
		"asset":    func() { q.WithAsset() },
		"board":    func() { q.WithBoard() },
		"status":   func() { q.WithStatus() },
		"priority": func() { q.WithPriority() },
		"assignee": func() { q.WithAssignee() },
		"comments": func() { q.WithComments(func(c *ent.CommentQuery) { c.Order(ent.Asc(comment.FieldID)) }) },
		"timeEntries": func() {
			q.WithTimeEntries(func(c *ent.TimeEntryQuery) { c.Order(ent.Asc(timeentry.FieldID)) })
		},
		"statusHistory": func() {
			q.WithStatusChanges(func(c *ent.StatusChangeQuery) { c.Order(ent.Asc(statuschange.FieldID)) })
		},
	}
	for name, with := range simple {
		if _, ok := s[name]; ok {
			with()
		}
	}
}

// loaded returns an eager-loaded unique edge: ok when it was loaded (v is
// nil when the row has none visible in the tenant).
func loaded[T any](v *T, err error) (*T, bool) {
	if err == nil {
		return v, true
	}
	if ent.IsNotFound(err) {
		return nil, true
	}
	return nil, false
}

// loadedList returns an eager-loaded list edge, never nil when loaded.
func loadedList[T any](v []T, err error) ([]T, bool) {
	if err != nil {
		return nil, false
	}
	if v == nil {
		v = []T{}
	}
	return v, true
}
