package graph

import (
	"context"
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
	// Executed through sharedFeed (the handler's way), the events go to
	// it, and it passes on through the returned gate those it has no
	// shared response for; otherwise they go to gqlgen directly.
	st, shared := feedStreamOf(ctx)
	events := make(chan feedEvent, 16)
	var out chan *model.AlertEvent
	if shared {
		st.events, st.gate = events, make(chan *model.AlertEvent, 1)
	} else {
		out = make(chan *model.AlertEvent, 16)
		go func() {
			defer close(out)
			for fe := range events {
				select {
				case out <- fe.ev:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(events)
		for m := range msgs {
			typ, ok := alertEventTypes[m.Type]
			if !ok || m.TenantID != v.TenantID || (integrationID != nil && m.IntegrationID != *integrationID) {
				continue
			}
			a, err := r.feedLoads.alert(ctx, v.TenantID, m)
			if err != nil {
				if !ent.IsNotFound(err) && ctx.Err() == nil {
					r.log.WarnContext(ctx, "graph: load alert for feed", "alert_id", m.AlertID, "err", err)
				}
				continue
			}
			if integrationID != nil && a.IntegrationID != *integrationID {
				continue
			}
			ev := &model.AlertEvent{Type: typ, Alert: a}
			if t, err := time.Parse(time.RFC3339Nano, m.At); err == nil {
				ev.At = &t
			}
			fe := feedEvent{msg: messageKey(v.TenantID, m), ev: ev}
			select {
			case events <- fe:
			case <-ctx.Done():
				return
			}
		}
	}()
	if shared {
		return st.gate, nil
	}
	return out, nil
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
