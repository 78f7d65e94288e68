package feed_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/feed"
	"github.com/alertdesk/alertdesk/internal/redistest"
)

func TestNotificationsRoundTrip(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: redistest.Addr(t)})
	t.Cleanup(func() { rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Unlikely ids keep parallel runs on the shared Redis apart.
	tenant, user := int(time.Now().UnixNano()%1e9)+1000, 7
	ch, err := feed.SubscribeNotifications(ctx, rdb, tenant, user)
	if err != nil {
		t.Fatal(err)
	}
	if err := feed.PublishNotification(ctx, rdb, tenant, user+1, 99); err != nil {
		t.Fatal(err) // another user's: not delivered here
	}
	if err := rdb.Publish(ctx, feed.NotificationChannel(tenant, user), "garbage").Err(); err != nil {
		t.Fatal(err)
	}
	if err := feed.PublishNotification(ctx, rdb, tenant, user, 42); err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-ch:
		if id != 42 {
			t.Fatalf("got notification %d, want 42", id)
		}
	case <-ctx.Done():
		t.Fatal("no notification received")
	}
}
