package graph

import (
	"context"
	"strings"
	"time"

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

// Complexity charged for database work, on top of what a field returns:
// a list the API reads with its own statement, and a total count (a
// COUNT over the filter, the most expensive statement a page runs). Each
// alias of a list or of totalCount is its own statement, so a request of
// thousands of cheap-looking aliases costs what it would make the database
// do and is refused before it runs.
const (
	queryCost = 25 // a page or a top-level list: one statement
	batchCost = 5  // a nested list: one statement per page of parents
	countCost = 25 // totalCount, totalCountIsEstimate: a COUNT
)

// setComplexity makes lists cost what they may return and the statements
// they run: a page costs its size times its items, other lists listWeight
// times, plus their database work.
func setComplexity(c *generated.ComplexityRoot) {
	list := func(child int) int { return batchCost + listWeight*child }
	rootList := func(child int) int { return queryCost + listWeight*child }
	page := func(child int, first *int) int {
		n := defaultPageSize
		if first != nil && *first > 0 {
			n = min(*first, maxPageSize)
		}
		return queryCost + n*child
	}
	count := func(int) int { return countCost }
	c.Query.Alerts = func(child int, _ *model.AlertFilter, first *int, _ *string) int { return page(child, first) }
	c.Query.Tickets = func(child int, _ *model.TicketFilter, first *int, _ *string) int { return page(child, first) }
	c.Query.Notifications = func(child int, _ *bool, first *int, _ *string) int { return page(child, first) }
	c.AlertConnection.TotalCount = count
	c.AlertConnection.TotalCountIsEstimate = count
	c.TicketConnection.TotalCount = count
	c.TicketConnection.TotalCountIsEstimate = count
	c.NotificationConnection.TotalCount = count
	c.NotificationConnection.TotalCountIsEstimate = count

	c.Query.Integrations = rootList
	c.Query.Users = func(child int, _ *bool) int { return rootList(child) }
	c.Query.Boards = func(child int, _ *bool) int { return rootList(child) }
	c.Query.Priorities = func(child int, _ *bool) int { return rootList(child) }
	c.Query.MaintenanceWindows = rootList
	c.Query.APITokens = rootList
	c.Query.WorkflowEvents = rootList
	c.Query.WorkflowActions = rootList
	c.Query.EventSubscriptions = rootList
	c.Query.EventDeliveries = func(child int, _ int, first *int, _ *int, _ *bool) int {
		n := 50
		if first != nil && *first > 0 {
			n = min(*first, 500)
		}
		return queryCost + n*child
	}
	c.Query.AlertRules = func(child int, _ int) int { return rootList(child) }
	c.Query.TicketStatuses = func(child int, _ *int, _ *bool) int { return rootList(child) }
	c.Query.Clients = func(child int, _ *string, _ *bool) int { return rootList(child) }
	// The noise report: up to 3 statements over the period's rollups and
	// 3 name lookups; its rankings are bounded lists.
	c.Query.AlertNoiseReport = func(child int, _, _ time.Time, _ []model.NoiseDimension, _ *int) int {
		return 4*queryCost + child
	}
	c.NoiseReport.TopConditions = list
	c.NoiseReport.Flapping = list
	c.NoiseReport.TopDevices = list
	c.NoiseReport.TopClients = list
	c.NoiseReport.TicketsPerRule = list
	c.Query.Assets = func(child int, _ *int, _ *string, _ *bool) int { return rootList(child) }
	c.Query.OrganizationMappings = func(child int, _ *int) int { return rootList(child) }
	c.Query.UnmappedOrganizations = func(child int, _ *int) int { return rootList(child) }

	// Single records are a statement each (by id; the viewer's own).
	one := func(child int) int { return queryCost + child }
	byID := func(child int, _ int) int { return one(child) }
	c.Query.Alert = byID
	c.Query.AlertRule = byID
	c.Query.Integration = byID
	c.Query.MaintenanceWindow = byID
	c.Query.Ticket = byID
	c.Query.Me = one
	c.Query.Tenant = one
	c.Query.UnreadNotificationCount = count

	c.Integration.Rules = list
	c.Integration.OrganizationMappings = list
	c.Integration.UnmappedOrganizations = list
	c.Ticket.Comments = list
	c.Ticket.TimeEntries = list
	c.Ticket.StatusHistory = list
	c.Ticket.Alerts = list
	c.Board.Statuses = func(child int, _ *bool) int { return list(child) }
	c.Client.Assets = func(child int, _ *bool) int { return list(child) }
	c.Asset.Devices = list
	c.ReprocessResult.Alerts = list
	c.Mutation.ReorderAlertRules = func(child int, _ int, _ []int) int { return list(child) }
	c.Mutation.ReorderTicketStatuses = func(child int, _ int, _ []int) int { return list(child) }
	c.Mutation.ReorderPriorities = func(child int, _ []int) int { return list(child) }
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
