// Package feed is the live alert feed: the outbox relay publishes alert
// changes to a per-tenant Redis channel, and every replica's subscribers
// (GraphQL subscriptions) read from it.
package feed

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// Types of feed messages.
const (
	Triggered    = "triggered"
	Occurrence   = "occurrence"
	Acknowledged = "acknowledged"
	Resolved     = "resolved"
	Suppressed   = "suppressed"
)

// Message is one alert change.
type Message struct {
	Type          string `json:"type"`
	TenantID      int    `json:"tenantId"`
	AlertID       int    `json:"alertId"`
	IntegrationID int    `json:"integrationId"`
	TicketID      *int   `json:"ticketId,omitempty"`
	At            string `json:"at"`
}

// Channel is the tenant's Redis channel.
func Channel(tenantID int) string { return "alertdesk:feed:" + strconv.Itoa(tenantID) }

// Publish sends a message to its tenant's channel.
func Publish(ctx context.Context, rdb redis.UniversalClient, m Message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("feed: encode: %w", err)
	}
	if err := rdb.Publish(ctx, Channel(m.TenantID), b).Err(); err != nil {
		return fmt.Errorf("feed: publish: %w", err)
	}
	return nil
}

// Subscribe delivers the tenant's messages until ctx ends. The subscription
// is confirmed before Subscribe returns, so nothing published afterwards is
// missed.
func Subscribe(ctx context.Context, rdb redis.UniversalClient, tenantID int) (<-chan Message, error) {
	sub := rdb.Subscribe(ctx, Channel(tenantID))
	if _, err := sub.Receive(ctx); err != nil {
		sub.Close()
		return nil, fmt.Errorf("feed: subscribe: %w", err)
	}
	out := make(chan Message, 64)
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
				var m Message
				if err := json.Unmarshal([]byte(raw.Payload), &m); err != nil || m.TenantID != tenantID {
					slog.Warn("feed: dropping bad message", "channel", raw.Channel, "err", err)
					continue
				}
				select {
				case out <- m:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}
