package feed_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/feed"
	"github.com/alertdesk/alertdesk/internal/redistest"
)

// numSub is how many Redis subscriptions the channel has.
func numSub(t *testing.T, ctx context.Context, rdb *redis.Client, channel string) int64 {
	t.Helper()
	n, err := rdb.PubSubNumSub(ctx, channel).Result()
	if err != nil {
		t.Fatal(err)
	}
	return n[channel]
}

func receive(t *testing.T, ctx context.Context, ch <-chan feed.Message) feed.Message {
	t.Helper()
	select {
	case m, ok := <-ch:
		if !ok {
			t.Fatal("channel closed")
		}
		return m
	case <-ctx.Done():
		t.Fatal("no message received")
	}
	return feed.Message{}
}

func TestHubSharesOneSubscriptionPerTenant(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: redistest.Addr(t)})
	t.Cleanup(func() { rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Unlikely ids keep parallel runs on the shared Redis apart.
	a := int(time.Now().UnixNano()%1e9) + 1000
	b := a + 1
	hub := feed.NewHub(rdb)

	subCtx, leave := context.WithCancel(ctx)
	var subs []<-chan feed.Message
	for range 50 {
		ch, err := hub.Subscribe(subCtx, a)
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, ch)
	}
	other, err := hub.Subscribe(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if n := numSub(t, ctx, rdb, feed.Channel(a)); n != 1 {
		t.Fatalf("tenant %d has %d Redis subscriptions, want 1 for 50 subscribers", a, n)
	}

	// A message naming another tenant on a's channel is dropped.
	if err := feed.Publish(ctx, rdb, feed.Message{Type: feed.Triggered, TenantID: b, AlertID: 1}); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Publish(ctx, feed.Channel(a), `{"type":"triggered","tenantId":`+strconv.Itoa(b)+`,"alertId":2}`).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Publish(ctx, feed.Channel(a), "garbage").Err(); err != nil {
		t.Fatal(err)
	}
	if err := feed.Publish(ctx, rdb, feed.Message{Type: feed.Triggered, TenantID: a, AlertID: 3}); err != nil {
		t.Fatal(err)
	}
	for i, ch := range subs {
		if m := receive(t, ctx, ch); m.AlertID != 3 || m.TenantID != a {
			t.Fatalf("subscriber %d got %+v, want tenant %d's alert 3", i, m, a)
		}
	}
	if m := receive(t, ctx, other); m.AlertID != 1 || m.TenantID != b {
		t.Fatalf("tenant %d's subscriber got %+v, want its alert 1", b, m)
	}

	// The last subscriber to leave takes the Redis subscription with it.
	leave()
	for _, ch := range subs {
		for range ch { // closed once it has left
		}
	}
	for numSub(t, ctx, rdb, feed.Channel(a)) != 0 {
		if ctx.Err() != nil {
			t.Fatal("tenant's Redis subscription still open after its last subscriber left")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// A later subscriber opens it again.
	again, err := hub.Subscribe(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if err := feed.Publish(ctx, rdb, feed.Message{Type: feed.Resolved, TenantID: a, AlertID: 4}); err != nil {
		t.Fatal(err)
	}
	if m := receive(t, ctx, again); m.AlertID != 4 {
		t.Fatalf("got %+v, want alert 4", m)
	}
}

// A subscriber that never reads does not hold up the others.
func TestHubSlowSubscriberDoesNotBlockOthers(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: redistest.Addr(t)})
	t.Cleanup(func() { rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tenant := int(time.Now().UnixNano()%1e9) + 2000
	hub := feed.NewHub(rdb)
	if _, err := hub.Subscribe(ctx, tenant); err != nil { // never read
		t.Fatal(err)
	}
	reader, err := hub.Subscribe(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	// One at a time, each read before the next: well past the idle
	// subscriber's backlog, the reader still gets every one.
	const n = 400
	for i := range n {
		if err := feed.Publish(ctx, rdb, feed.Message{Type: feed.Occurrence, TenantID: tenant, AlertID: i + 1}); err != nil {
			t.Fatal(err)
		}
		if m := receive(t, ctx, reader); m.AlertID != i+1 {
			t.Fatalf("message %d is alert %d, want %d", i, m.AlertID, i+1)
		}
	}
}
