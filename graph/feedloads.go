package graph

import (
	"context"
	"sync"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/alertcondition"
	"github.com/alertdesk/alertdesk/feed"
	"github.com/alertdesk/alertdesk/tenancy"
)

// feedLoadKeep is how long a feed message's alert stays shared after it
// was loaded: long enough for every subscriber of the process to have
// read the message, far shorter than anything a person sees.
const feedLoadKeep = 2 * time.Second

// feedLoads shares the load of a feed message's alert among the process's
// alertEvents subscribers of the tenant: the first to read the message
// loads it, the others wait for that load. The tenant is the scoped
// client's only filter, so one read serves every viewer of the tenant;
// with a thousand subscribers it is one read per message, not a thousand.
type feedLoads struct {
	db *ent.Client

	mu    sync.Mutex
	loads map[feedLoadKey]*feedLoad
	// copies maps each copy handed out to its load, so that the alert's
	// condition (occurrence count) is read once per message too.
	copies map[*ent.Alert]*feedLoad
}

// feedLoadKey is one message: a later change of the same alert is another
// message, loaded afresh.
type feedLoadKey struct {
	tenantID, alertID int
	typ, at           string
}

func messageKey(tenantID int, m feed.Message) feedLoadKey {
	return feedLoadKey{tenantID: tenantID, alertID: m.AlertID, typ: m.Type, at: m.At}
}

type feedLoad struct {
	done      chan struct{}
	alert     *ent.Alert
	condition *ent.AlertCondition // of the alert's ticket; nil without one
	err       error
	expires   time.Time
	copies    []*ent.Alert
}

func newFeedLoads(db *ent.Client) *feedLoads {
	return &feedLoads{db: db, loads: map[feedLoadKey]*feedLoad{}, copies: map[*ent.Alert]*feedLoad{}}
}

// alert returns a copy of the message's alert, loaded once per message
// with the relations the live feed shows (integration, client, asset,
// ticket and its status): the field resolvers use loaded edges, so a
// thousand subscribers do not each read them. The edges are shared and
// only read.
func (l *feedLoads) alert(ctx context.Context, tenantID int, m feed.Message) (*ent.Alert, error) {
	key := messageKey(tenantID, m)
	now := time.Now()
	l.mu.Lock()
	ld, ok := l.loads[key]
	if !ok {
		for k, old := range l.loads {
			if !old.expires.IsZero() && now.After(old.expires) {
				delete(l.loads, k)
				for _, c := range old.copies {
					delete(l.copies, c)
				}
			}
		}
		ld = &feedLoad{done: make(chan struct{})}
		l.loads[key] = ld
	}
	l.mu.Unlock()
	if !ok {
		// Not the caller's own context: the others wait on this load.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		ld.alert, ld.err = l.db.Alert.Query().Where(alert.ID(m.AlertID)).
			WithIntegration().WithClient().WithAsset().
			WithTicket(func(q *ent.TicketQuery) { q.WithStatus() }).
			Only(tenancy.WithViewer(lctx, tenancy.Viewer{TenantID: tenantID}))
		if ld.err == nil {
			ld.condition, ld.err = l.conditionOf(tenancy.WithViewer(lctx, tenancy.Viewer{TenantID: tenantID}), ld.alert)
		}
		cancel()
		l.mu.Lock()
		ld.expires = time.Now().Add(feedLoadKeep)
		if ld.err != nil {
			delete(l.loads, key) // the next subscriber tries again
		}
		l.mu.Unlock()
		close(ld.done)
	}
	select {
	case <-ld.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if ld.err != nil {
		return nil, ld.err
	}
	// A copy each: the resolvers of one response may fill in edges.
	a := *ld.alert
	l.mu.Lock()
	if !ld.expires.IsZero() && l.loads[key] == ld {
		ld.copies = append(ld.copies, &a)
		l.copies[&a] = ld
	}
	l.mu.Unlock()
	return &a, nil
}

// conditionOf reads the condition an alert's occurrence count comes from,
// like the resolvers' conditionOf.
func (l *feedLoads) conditionOf(ctx context.Context, a *ent.Alert) (*ent.AlertCondition, error) {
	if a.TicketID == nil {
		return nil, nil
	}
	c, err := l.db.AlertCondition.Query().Where(alertcondition.TicketID(*a.TicketID),
		alertcondition.IntegrationID(a.IntegrationID), alertcondition.DedupKey(a.DedupKey)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return c, err
}

// condition is the condition read with a feed message's alert, if a is a
// copy handed out for one still kept.
func (l *feedLoads) condition(a *ent.Alert) (*ent.AlertCondition, bool) {
	if l == nil {
		return nil, false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ld, ok := l.copies[a]
	if !ok {
		return nil, false
	}
	return ld.condition, true
}
