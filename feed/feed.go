// Package feed is the live alert feed: the outbox relay publishes alert
// changes to a per-tenant Redis channel, and every replica's subscribers
// (GraphQL subscriptions) read from it.
package feed

import (
	"context"
	"encoding/json"
	"fmt"
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

// Publish sends a message to its tenant's channel; on a pipeline it is
// queued, and sent with the pipeline.
func Publish(ctx context.Context, rdb redis.Cmdable, m Message) error {
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
	return subscribe(ctx, rdb, Channel(tenantID), 64, func(payload string) (Message, error) {
		var m Message
		if err := json.Unmarshal([]byte(payload), &m); err != nil {
			return m, err
		}
		if m.TenantID != tenantID {
			return m, fmt.Errorf("message of tenant %d", m.TenantID)
		}
		return m, nil
	})
}
