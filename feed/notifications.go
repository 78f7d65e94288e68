package feed

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// notificationMessage is what travels on a user's notification channel.
type notificationMessage struct {
	NotificationID int `json:"notificationId"`
}

// NotificationChannel is the Redis channel of one user's new in-app
// notifications.
func NotificationChannel(tenantID, userID int) string {
	return "alertdesk:notifications:" + strconv.Itoa(tenantID) + ":" + strconv.Itoa(userID)
}

// PublishNotification announces a stored notification to the user's
// subscribers on every replica. Subscribers load the row themselves, so only
// its id is sent.
func PublishNotification(ctx context.Context, rdb redis.UniversalClient, tenantID, userID, notificationID int) error {
	b, err := json.Marshal(notificationMessage{NotificationID: notificationID})
	if err != nil {
		return fmt.Errorf("feed: encode notification: %w", err)
	}
	if err := rdb.Publish(ctx, NotificationChannel(tenantID, userID), b).Err(); err != nil {
		return fmt.Errorf("feed: publish notification: %w", err)
	}
	return nil
}

// SubscribeNotifications delivers the ids of the user's new notifications
// until ctx ends. Like Subscribe, the subscription is confirmed before it
// returns.
func SubscribeNotifications(ctx context.Context, rdb redis.UniversalClient, tenantID, userID int) (<-chan int, error) {
	sub := rdb.Subscribe(ctx, NotificationChannel(tenantID, userID))
	if _, err := sub.Receive(ctx); err != nil {
		sub.Close()
		return nil, fmt.Errorf("feed: subscribe notifications: %w", err)
	}
	out := make(chan int, 16)
	go func() {
		defer close(out)
		defer sub.Close()
		ch := sub.Channel()
		for {
			select {
			case <-ctx.Done():
				return
			case raw, ok := <-ch:
				if !ok {
					return
				}
				var m notificationMessage
				if err := json.Unmarshal([]byte(raw.Payload), &m); err != nil || m.NotificationID <= 0 {
					slog.Warn("feed: dropping bad notification message", "channel", raw.Channel, "err", err)
					continue
				}
				select {
				case out <- m.NotificationID:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}
