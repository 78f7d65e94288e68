package graph

import (
	"context"
	"github.com/alertdesk/alertdesk/ent/alertcondition"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/alertrule"
	"github.com/alertdesk/alertdesk/ent/asset"
	"github.com/alertdesk/alertdesk/ent/assetdevice"
	"github.com/alertdesk/alertdesk/ent/board"
	"github.com/alertdesk/alertdesk/ent/comment"
	"github.com/alertdesk/alertdesk/ent/customer"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/ent/maintenancewindow"
	"github.com/alertdesk/alertdesk/ent/organizationmapping"
	"github.com/alertdesk/alertdesk/ent/priority"
	"github.com/alertdesk/alertdesk/ent/statuschange"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/ent/ticketstatus"
	"github.com/alertdesk/alertdesk/ent/timeentry"
	"github.com/alertdesk/alertdesk/ent/user"
)

// loaders batch the lookups of related records within one response, so a
// page of 100 alerts costs one query per relation rather than one per
// alert. They read through the tenant-scoped client: a reference to
// another tenant's row loads nothing.
type loaders struct {
	integration *batcher[int, *ent.Integration]
	rule        *batcher[int, *ent.AlertRule]
	window      *batcher[int, *ent.MaintenanceWindow]
	alert       *batcher[int, *ent.Alert]
	ticket      *batcher[int, *ent.Ticket]
	board       *batcher[int, *ent.Board]
	status      *batcher[int, *ent.TicketStatus]
	priority    *batcher[int, *ent.Priority]
	user        *batcher[int, *ent.User]
	client      *batcher[int, *ent.Customer]
	asset       *batcher[int, *ent.Asset]

	commentsByTicket      *batcher[int, []*ent.Comment]
	timeByTicket          *batcher[int, []*ent.TimeEntry]
	changesByTicket       *batcher[int, []*ent.StatusChange]
	conditionsByTicket    *batcher[int, []*ent.AlertCondition]
	alertsByTicket        *batcher[int, []*ent.Alert]
	statusesByBoard       *batcher[int, []*ent.TicketStatus]
	rulesByIntegration    *batcher[int, []*ent.AlertRule]
	mappingsByIntegration *batcher[int, []*ent.OrganizationMapping]
	assetsByClient        *batcher[int, []*ent.Asset]
	devicesByAsset        *batcher[int, []*ent.AssetDevice]
}

func newLoaders(db *ent.Client) *loaders {
	return &loaders{
		integration: byID(func(ctx context.Context, ids []int) ([]*ent.Integration, error) {
			return db.Integration.Query().Where(integration.IDIn(ids...)).All(ctx)
		}, func(v *ent.Integration) int { return v.ID }),
		rule: byID(func(ctx context.Context, ids []int) ([]*ent.AlertRule, error) {
			return db.AlertRule.Query().Where(alertrule.IDIn(ids...)).All(ctx)
		}, func(v *ent.AlertRule) int { return v.ID }),
		window: byID(func(ctx context.Context, ids []int) ([]*ent.MaintenanceWindow, error) {
			return db.MaintenanceWindow.Query().Where(maintenancewindow.IDIn(ids...)).All(ctx)
		}, func(v *ent.MaintenanceWindow) int { return v.ID }),
		alert: byID(func(ctx context.Context, ids []int) ([]*ent.Alert, error) {
			return db.Alert.Query().Where(alert.IDIn(ids...)).All(ctx)
		}, func(v *ent.Alert) int { return v.ID }),
		ticket: byID(func(ctx context.Context, ids []int) ([]*ent.Ticket, error) {
			return db.Ticket.Query().Where(ticket.IDIn(ids...)).All(ctx)
		}, func(v *ent.Ticket) int { return v.ID }),
		board: byID(func(ctx context.Context, ids []int) ([]*ent.Board, error) {
			return db.Board.Query().Where(board.IDIn(ids...)).All(ctx)
		}, func(v *ent.Board) int { return v.ID }),
		status: byID(func(ctx context.Context, ids []int) ([]*ent.TicketStatus, error) {
			return db.TicketStatus.Query().Where(ticketstatus.IDIn(ids...)).All(ctx)
		}, func(v *ent.TicketStatus) int { return v.ID }),
		priority: byID(func(ctx context.Context, ids []int) ([]*ent.Priority, error) {
			return db.Priority.Query().Where(priority.IDIn(ids...)).All(ctx)
		}, func(v *ent.Priority) int { return v.ID }),
		user: byID(func(ctx context.Context, ids []int) ([]*ent.User, error) {
			return db.User.Query().Where(user.IDIn(ids...)).All(ctx)
		}, func(v *ent.User) int { return v.ID }),
		client: byID(func(ctx context.Context, ids []int) ([]*ent.Customer, error) {
			return db.Customer.Query().Where(customer.IDIn(ids...)).All(ctx)
		}, func(v *ent.Customer) int { return v.ID }),
		asset: byID(func(ctx context.Context, ids []int) ([]*ent.Asset, error) {
			return db.Asset.Query().Where(asset.IDIn(ids...)).All(ctx)
		}, func(v *ent.Asset) int { return v.ID }),

		commentsByTicket: groupBy(func(ctx context.Context, ids []int) ([]*ent.Comment, error) {
			return db.Comment.Query().Where(comment.TicketIDIn(ids...)).Order(ent.Asc(comment.FieldID)).All(ctx)
		}, func(v *ent.Comment) int { return v.TicketID }),
		timeByTicket: groupBy(func(ctx context.Context, ids []int) ([]*ent.TimeEntry, error) {
			return db.TimeEntry.Query().Where(timeentry.TicketIDIn(ids...)).Order(ent.Asc(timeentry.FieldID)).All(ctx)
		}, func(v *ent.TimeEntry) int { return v.TicketID }),
		changesByTicket: groupBy(func(ctx context.Context, ids []int) ([]*ent.StatusChange, error) {
			return db.StatusChange.Query().Where(statuschange.TicketIDIn(ids...)).Order(ent.Asc(statuschange.FieldID)).All(ctx)
		}, func(v *ent.StatusChange) int { return v.TicketID }),
		alertsByTicket: groupBy(func(ctx context.Context, ids []int) ([]*ent.Alert, error) {
			return db.Alert.Query().Where(alert.TicketIDIn(ids...)).Order(ent.Asc(alert.FieldID)).All(ctx)
		}, func(v *ent.Alert) int { return *v.TicketID }),
		conditionsByTicket: groupBy(func(ctx context.Context, ids []int) ([]*ent.AlertCondition, error) {
			return db.AlertCondition.Query().Where(alertcondition.TicketIDIn(ids...)).All(ctx)
		}, func(v *ent.AlertCondition) int { return *v.TicketID }),
		statusesByBoard: groupBy(func(ctx context.Context, ids []int) ([]*ent.TicketStatus, error) {
			return db.TicketStatus.Query().Where(ticketstatus.BoardIDIn(ids...)).
				Order(ent.Asc(ticketstatus.FieldSortOrder), ent.Asc(ticketstatus.FieldID)).All(ctx)
		}, func(v *ent.TicketStatus) int { return v.BoardID }),
		rulesByIntegration: groupBy(func(ctx context.Context, ids []int) ([]*ent.AlertRule, error) {
			return db.AlertRule.Query().Where(alertrule.IntegrationIDIn(ids...)).Order(ruleOrder...).All(ctx)
		}, func(v *ent.AlertRule) int { return v.IntegrationID }),
		mappingsByIntegration: groupBy(func(ctx context.Context, ids []int) ([]*ent.OrganizationMapping, error) {
			return db.OrganizationMapping.Query().Where(organizationmapping.IntegrationIDIn(ids...)).
				Order(ent.Asc(organizationmapping.FieldExternalOrganizationID)).All(ctx)
		}, func(v *ent.OrganizationMapping) int { return v.IntegrationID }),
		assetsByClient: groupBy(func(ctx context.Context, ids []int) ([]*ent.Asset, error) {
			return db.Asset.Query().Where(asset.ClientIDIn(ids...)).Order(ent.Asc(asset.FieldName), ent.Asc(asset.FieldID)).All(ctx)
		}, func(v *ent.Asset) int { return *v.ClientID }),
		devicesByAsset: groupBy(func(ctx context.Context, ids []int) ([]*ent.AssetDevice, error) {
			return db.AssetDevice.Query().Where(assetdevice.AssetIDIn(ids...)).
				Order(ent.Asc(assetdevice.FieldIntegrationID), ent.Asc(assetdevice.FieldID)).All(ctx)
		}, func(v *ent.AssetDevice) int { return v.AssetID }),
	}
}

// ruleOrder is the pipeline's evaluation order: priority, then creation.
var ruleOrder = []alertrule.OrderOption{
	alertrule.ByPriorityOrder(), alertrule.ByCreatedAt(), alertrule.ByID(),
}

// byID makes a loader of records by primary key.
func byID[V any](query func(context.Context, []int) ([]V, error), id func(V) int) *batcher[int, V] {
	return newBatcher(func(ctx context.Context, ids []int) (map[int]V, error) {
		rows, err := query(ctx, ids)
		if err != nil {
			return nil, err
		}
		m := make(map[int]V, len(rows))
		for _, r := range rows {
			m[id(r)] = r
		}
		return m, nil
	})
}

// groupBy makes a loader of the records pointing at each key, in the
// query's order.
func groupBy[V any](query func(context.Context, []int) ([]V, error), key func(V) int) *batcher[int, []V] {
	return newBatcher(func(ctx context.Context, ids []int) (map[int][]V, error) {
		rows, err := query(ctx, ids)
		if err != nil {
			return nil, err
		}
		m := make(map[int][]V, len(ids))
		for _, id := range ids {
			m[id] = []V{} // an empty list, not null
		}
		for _, r := range rows {
			m[key(r)] = append(m[key(r)], r)
		}
		return m, nil
	})
}

type loadersKey struct{}

func withLoaders(ctx context.Context, l *loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

// loadersOf returns the response's loaders; outside a response (never in
// practice) a fresh set that batches nothing across calls.
func (r *Resolver) loadersOf(ctx context.Context) *loaders {
	if l, ok := ctx.Value(loadersKey{}).(*loaders); ok {
		return l
	}
	return newLoaders(r.db)
}

// loadOpt loads an optional reference.
func loadOpt[V any](ctx context.Context, b *batcher[int, V], id *int) (V, error) {
	if id == nil {
		var zero V
		return zero, nil
	}
	return b.load(ctx, *id)
}
