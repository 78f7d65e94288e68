package graph

import (
	"context"
	"sync"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/alert"
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
}

// feedLoadKey is one message: a later change of the same alert is another
// message, loaded afresh.
type feedLoadKey struct {
	tenantID, alertID int
	typ, at           string
}

type feedLoad struct {
	done    chan struct{}
	alert   *ent.Alert
	err     error
	expires time.Time
}

func newFeedLoads(db *ent.Client) *feedLoads {
	return &feedLoads{db: db, loads: map[feedLoadKey]*feedLoad{}}
}

// alert returns a copy of the message's alert, loaded once per message
// with the relations the live feed shows (integration, client, asset,
// ticket and its status): the field resolvers use loaded edges, so a
// thousand subscribers do not each read them. The edges are shared and
// only read.
func (l *feedLoads) alert(ctx context.Context, tenantID int, m feed.Message) (*ent.Alert, error) {
	key := feedLoadKey{tenantID: tenantID, alertID: m.AlertID, typ: m.Type, at: m.At}
	now := time.Now()
	l.mu.Lock()
	ld, ok := l.loads[key]
	if !ok {
		for k, old := range l.loads {
			if !old.expires.IsZero() && now.After(old.expires) {
				delete(l.loads, k)
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
	return &a, nil
}
