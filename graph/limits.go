package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/alertdesk/alertdesk/graph/generated"
	"github.com/alertdesk/alertdesk/graph/model"
)

// Page sizes of the paginated lists.
const (
	defaultPageSize = 50
	maxPageSize     = 100
)

// listWeight is the assumed length of an unpaginated list for complexity:
// nesting lists multiplies, so deep list-in-list queries are refused.
const listWeight = 10

// setComplexity makes lists cost what they may return: a page costs its
// size times its items, other lists listWeight times.
func setComplexity(c *generated.ComplexityRoot) {
	list := func(child int) int { return 1 + listWeight*child }
	page := func(child int, first *int) int {
		n := defaultPageSize
		if first != nil && *first > 0 {
			n = min(*first, maxPageSize)
		}
		return 1 + n*child
	}
	c.Query.Alerts = func(child int, _ *model.AlertFilter, first *int, _ *string) int { return page(child, first) }
	c.Query.Tickets = func(child int, _ *model.TicketFilter, first *int, _ *string) int { return page(child, first) }
	c.Query.Notifications = func(child int, _ *bool, first *int, _ *string) int { return page(child, first) }

	c.Query.Integrations = list
	c.Query.Users = list
	c.Query.Boards = list
	c.Query.Priorities = list
	c.Query.MaintenanceWindows = list
	c.Query.APITokens = list
	c.Query.WorkflowEvents = list
	c.Query.EventSubscriptions = list
	c.Query.EventDeliveries = func(child int, _ int, first *int, _ *int, _ *bool) int {
		n := 50
		if first != nil && *first > 0 {
			n = min(*first, 500)
		}
		return 1 + n*child
	}
	c.Query.AlertRules = func(child int, _ int) int { return list(child) }
	c.Query.TicketStatuses = func(child int, _ *int) int { return list(child) }
	c.Query.Clients = func(child int, _ *string, _ *bool) int { return list(child) }
	c.Query.Assets = func(child int, _ *int, _ *string, _ *bool) int { return list(child) }
	c.Query.OrganizationMappings = func(child int, _ *int) int { return list(child) }
	c.Query.UnmappedOrganizations = func(child int, _ *int) int { return list(child) }

	c.Integration.Rules = list
	c.Integration.OrganizationMappings = list
	c.Integration.UnmappedOrganizations = list
	c.Ticket.Comments = list
	c.Ticket.TimeEntries = list
	c.Ticket.StatusHistory = list
	c.Ticket.Alerts = list
	c.Board.Statuses = list
	c.Client.Assets = func(child int, _ *bool) int { return list(child) }
	c.Asset.Devices = list
	c.ReprocessResult.Alerts = list
	c.Mutation.ReorderAlertRules = func(child int, _ int, _ []int) int { return list(child) }
}

// depthLimit refuses operations nested deeper than max fields (fragments
// included; introspection fields are not counted, the playground's schema
// query is deep by nature).
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string { return "DepthLimit" }

func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if depth := selectionDepth(oc.Operation.SelectionSet, map[string]bool{}); depth > d.max {
		err := gqlerror.Errorf("operation is nested %d fields deep, which exceeds the limit of %d", depth, d.max)
		err.Extensions = map[string]any{"code": "DEPTH_LIMIT_EXCEEDED"}
		return err
	}
	return nil
}

// selectionDepth is the deepest chain of fields in set. visiting guards
// against fragment cycles (which validation refuses anyway).
func selectionDepth(set ast.SelectionSet, visiting map[string]bool) int {
	deepest := 0
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") {
				continue
			}
			d = 1 + selectionDepth(s.SelectionSet, visiting)
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, visiting)
		case *ast.FragmentSpread:
			if s.Definition == nil || visiting[s.Name] {
				continue
			}
			visiting[s.Name] = true
			d = selectionDepth(s.Definition.SelectionSet, visiting)
			delete(visiting, s.Name)
		}
		deepest = max(deepest, d)
	}
	return deepest
}
