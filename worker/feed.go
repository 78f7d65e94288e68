package worker

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/feed"
	"github.com/alertdesk/alertdesk/outbox"
)

// FeedConsumer publishes alert changes to the live feed: ALERT_FEED
// entries by their own type, RMM_ALERT_TRIGGERED as "triggered" and
// RMM_ALERT_RESOLVED as "resolved". The feed is live only, so a message
// repeated after a crash is harmless to subscribers.
type FeedConsumer struct {
	Redis redis.UniversalClient
}

// Consume implements Consumer.
func (c FeedConsumer) Consume(ctx context.Context, e Entry) error {
	m, err := FeedMessage(e)
	if err != nil {
		return err
	}
	return feed.Publish(ctx, c.Redis, m)
}

// Pipe implements Piper.
func (c FeedConsumer) Pipe(ctx context.Context, p redis.Pipeliner, e Entry) error {
	m, err := FeedMessage(e)
	if err != nil {
		return err
	}
	return feed.Publish(ctx, p, m)
}

// FeedMessage builds the live-feed message of an outbox entry.
func FeedMessage(e Entry) (feed.Message, error) {
	m := feed.Message{
		TenantID:      e.TenantID,
		AlertID:       outbox.Int(e.Payload["alertId"]),
		IntegrationID: outbox.Int(e.Payload["integrationId"]),
		At:            outbox.String(e.Payload["time"]),
	}
	if id := outbox.Int(e.Payload["ticketId"]); id != 0 {
		m.TicketID = &id
	}
	switch e.Topic {
	case outbox.AlertTriggered:
		m.Type = feed.Triggered
		if outbox.String(e.Payload["outcome"]) == "joined" {
			m.Type = feed.Occurrence
		}
	case outbox.AlertResolved:
		m.Type = feed.Resolved
	case outbox.AlertFeed:
		m.Type = outbox.String(e.Payload["type"])
	}
	switch m.Type {
	case feed.Triggered, feed.Occurrence, feed.Acknowledged, feed.Resolved, feed.Suppressed:
	default:
		return m, Permanent(fmt.Errorf("worker: feed: entry %d (%s) has no feed type %q", e.ID, e.Topic, m.Type))
	}
	if m.At == "" {
		m.At = e.Created.UTC().Format("2006-01-02T15:04:05.999999999Z07:00")
	}
	return m, nil
}
