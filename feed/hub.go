package feed

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"

	"github.com/redis/go-redis/v9"
)

// hubBuffer is each subscriber's backlog. A subscriber that falls this far
// behind loses messages rather than hold up the tenant's other subscribers.
const hubBuffer = 256

// Hub shares one Redis subscription per tenant among the process's feed
// subscribers and fans each message out in memory: with a thousand
// subscribers of a tenant, Redis sends a message once to the process, not
// a thousand times, and it is decoded once. The subscription opens with
// the tenant's first subscriber and closes with its last.
type Hub struct {
	rdb redis.UniversalClient

	mu      sync.Mutex
	tenants map[int]*hubTenant
}

type hubTenant struct {
	ready  chan struct{} // closed once the subscription is confirmed or failed
	err    error
	cancel context.CancelFunc
	subs   map[*hubSub]struct{}
}

type hubSub struct {
	ch      chan Message
	dropped int
}

// listeners counts the process's confirmed hub subscribers per tenant,
// over all hubs (a process may serve several).
var listeners = struct {
	sync.Mutex
	n map[int]int
}{n: map[int]int{}}

// Listeners is how many of the process's feed subscribers of the tenant
// are listening: each receives whatever is published from now on. With
// one Redis subscription per tenant, Redis's own count cannot tell.
func Listeners(tenantID int) int {
	listeners.Lock()
	defer listeners.Unlock()
	return listeners.n[tenantID]
}

func countListener(tenantID, delta int) {
	listeners.Lock()
	defer listeners.Unlock()
	listeners.n[tenantID] += delta
	if listeners.n[tenantID] <= 0 {
		delete(listeners.n, tenantID)
	}
}

// NewHub returns a hub reading from rdb.
func NewHub(rdb redis.UniversalClient) *Hub {
	return &Hub{rdb: rdb, tenants: map[int]*hubTenant{}}
}

// Subscribe delivers the tenant's messages until ctx ends, like the
// package's Subscribe: the tenant's subscription is confirmed before it
// returns, so nothing published afterwards is missed.
func (h *Hub) Subscribe(ctx context.Context, tenantID int) (<-chan Message, error) {
	s := &hubSub{ch: make(chan Message, hubBuffer)}
	h.mu.Lock()
	t, ok := h.tenants[tenantID]
	if !ok {
		t = &hubTenant{ready: make(chan struct{}), subs: map[*hubSub]struct{}{}}
		h.tenants[tenantID] = t
		go h.run(tenantID, t)
	}
	t.subs[s] = struct{}{}
	h.mu.Unlock()

	select {
	case <-t.ready:
	case <-ctx.Done():
		h.leave(tenantID, t, s)
		return nil, ctx.Err()
	}
	if t.err != nil {
		h.leave(tenantID, t, s)
		return nil, t.err
	}
	countListener(tenantID, 1)
	context.AfterFunc(ctx, func() {
		h.leave(tenantID, t, s)
		countListener(tenantID, -1)
	})
	return s.ch, nil
}

// leave removes a subscriber and closes its channel; the tenant's last
// subscriber takes the Redis subscription with it.
func (h *Hub) leave(tenantID int, t *hubTenant, s *hubSub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := t.subs[s]; !ok {
		return
	}
	delete(t.subs, s)
	close(s.ch)
	if len(t.subs) == 0 && h.tenants[tenantID] == t {
		delete(h.tenants, tenantID)
		if t.cancel != nil {
			t.cancel()
		}
	}
}

// run holds the tenant's Redis subscription and fans its messages out.
func (h *Hub) run(tenantID int, t *hubTenant) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	channel := Channel(tenantID)
	sub := h.rdb.Subscribe(ctx, channel)
	defer sub.Close()
	_, err := sub.Receive(ctx)
	h.mu.Lock()
	if err != nil {
		t.err = fmt.Errorf("feed: subscribe %s: %w", channel, err)
		if h.tenants[tenantID] == t {
			delete(h.tenants, tenantID) // the next subscriber tries again
		}
	} else if len(t.subs) == 0 {
		err = context.Canceled // everyone left while it was confirmed
	} else {
		t.cancel = cancel
	}
	close(t.ready)
	h.mu.Unlock()
	if err != nil {
		return
	}

	ch := sub.Channel()
	for {
		select {
		case <-ctx.Done():
			return
		case raw, ok := <-ch:
			if !ok {
				return
			}
			var m Message
			if err := json.Unmarshal([]byte(raw.Payload), &m); err != nil || m.TenantID != tenantID {
				slog.Warn("feed: dropping bad message", "channel", raw.Channel, "tenant_id", m.TenantID, "err", err)
				continue
			}
			h.fanOut(t, m)
		}
	}
}

// fanOut hands m to every subscriber of the tenant without waiting for
// any: one slow WebSocket must not delay the others' deliveries.
func (h *Hub) fanOut(t *hubTenant, m Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range t.subs {
		select {
		case s.ch <- m:
		default:
			s.dropped++
			if s.dropped == 1 || s.dropped%100 == 0 {
				slog.Warn("feed: subscriber too slow, message dropped", "tenant_id", m.TenantID, "alert_id", m.AlertID, "dropped", s.dropped)
			}
		}
	}
}
