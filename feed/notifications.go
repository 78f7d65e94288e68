package feed

import (
	"context"
	"encoding/json"
	"fmt"
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
	return subscribe(ctx, rdb, NotificationChannel(tenantID, userID), 16, func(payload string) (int, error) {
		var m notificationMessage
		if err := json.Unmarshal([]byte(payload), &m); err != nil {
			return 0, err
		}
		if m.NotificationID <= 0 {
			return 0, fmt.Errorf("notification id %d", m.NotificationID)
		}
		return m.NotificationID, nil
	})
}
