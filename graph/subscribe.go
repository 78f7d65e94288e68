package graph

import (
	"context"
	"errors"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/feed"
	"github.com/alertdesk/alertdesk/graph/model"
	"github.com/alertdesk/alertdesk/tenancy"
	"github.com/redis/go-redis/v9"
)

var alertEventTypes = map[string]model.AlertEventType{
	feed.Triggered:    model.AlertEventTypeTriggered,
	feed.Occurrence:   model.AlertEventTypeOccurrence,
	feed.Acknowledged: model.AlertEventTypeAcknowledged,
	feed.Resolved:     model.AlertEventTypeResolved,
	feed.Suppressed:   model.AlertEventTypeSuppressed,
}

// errNoFeed is returned by subscriptions when no Redis is configured.
var errNoFeed = coded(CodeUnavailable, "live updates are not available")

// newFeedHub shares one Redis subscription per tenant among the process's
// alertEvents subscribers.
func newFeedHub(rdb redis.UniversalClient) *feed.Hub {
	if rdb == nil {
		return nil
	}
	return feed.NewHub(rdb)
}

// alertEvents streams the viewer's tenant's feed, each message resolved to
// the alert as it is now (loaded through the scoped client, once per
// message for all of the process's subscribers of the tenant). The
// messages come from the process's one subscription of the tenant.
func (r *Resolver) alertEvents(ctx context.Context, v tenancy.Viewer, integrationID *int) (<-chan *model.AlertEvent, error) {
	msgs, err := r.feedHub.Subscribe(ctx, v.TenantID)
	if err != nil {
		return nil, err
	}
	f := feedFilter{r: r, tenantID: v.TenantID, integrationID: integrationID}
	// Executed through sharedFeed (the handler's way), the messages go to
	// it, and it passes on through the returned gate the events it
	// executes; otherwise they go to gqlgen as events.
	if st, ok := feedStreamOf(ctx); ok {
		st.msgs, st.filter, st.gate = msgs, f, make(chan *model.AlertEvent, 1)
		return st.gate, nil
	}
	out := make(chan *model.AlertEvent, 16)
	go func() {
		defer close(out)
		for m := range msgs {
			if !f.accepts(m) {
				continue
			}
			ev, err := f.event(ctx, m)
			if err != nil {
				continue
			}
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// feedFilter is which of the tenant's feed messages an alertEvents
// subscription receives, and as what event.
type feedFilter struct {
	r             *Resolver
	tenantID      int
	integrationID *int
}

// errNoEvent: the message has no event for the subscription (its alert is
// gone, or of another integration than the one asked for).
var errNoEvent = errors.New("graph: no feed event for the subscription")

// accepts is what the message alone tells: its type, tenant and
// integration.
func (f feedFilter) accepts(m feed.Message) bool {
	_, ok := alertEventTypes[m.Type]
	return ok && m.TenantID == f.tenantID && (f.integrationID == nil || m.IntegrationID == *f.integrationID)
}

// event loads the message's alert, once per message for the process.
func (f feedFilter) event(ctx context.Context, m feed.Message) (*model.AlertEvent, error) {
	a, err := f.r.feedLoads.alert(ctx, f.tenantID, m)
	if err != nil {
		if ent.IsNotFound(err) {
			return nil, errNoEvent
		}
		if ctx.Err() == nil {
			f.r.log.WarnContext(ctx, "graph: load alert for feed", "alert_id", m.AlertID, "err", err)
		}
		return nil, err
	}
	if f.integrationID != nil && a.IntegrationID != *f.integrationID {
		return nil, errNoEvent
	}
	ev := &model.AlertEvent{Type: alertEventTypes[m.Type], Alert: a}
	if t, err := time.Parse(time.RFC3339Nano, m.At); err == nil {
		ev.At = &t
	}
	return ev, nil
}

// notificationsAdded streams the viewer's new notifications.
func (r *Resolver) notificationsAdded(ctx context.Context, v tenancy.Viewer) (<-chan *ent.Notification, error) {
	ids, err := feed.SubscribeNotifications(ctx, r.rdb, v.TenantID, v.UserID)
	if err != nil {
		return nil, err
	}
	out := make(chan *ent.Notification, 16)
	go func() {
		defer close(out)
		for id := range ids {
			n, err := r.db.Notification.Get(ctx, id)
			if err != nil {
				if !ent.IsNotFound(err) && ctx.Err() == nil {
					r.log.WarnContext(ctx, "graph: load notification", "notification_id", id, "err", err)
				}
				continue
			}
			if n.UserID != v.UserID {
				continue
			}
			select {
			case out <- n:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
