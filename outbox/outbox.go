// Package outbox records side effects in the same transaction as the state
// change that causes them; a relay delivers them later, so a crash or a
// Redis outage loses none.
package outbox

import (
	"context"
	"fmt"

	"github.com/alertdesk/alertdesk/ent"
)

// Topics of outbox entries.
const (
	AlertTriggered      = "RMM_ALERT_TRIGGERED"
	AlertResolved       = "RMM_ALERT_RESOLVED"
	TicketClosed        = "TICKET_CLOSED"
	NotificationRequest = "NOTIFICATION_REQUESTED"
	AlertFeed           = "ALERT_FEED"
)

// Add writes one entry through the given transaction's client, with ctx's
// request id (see Stamp).
func Add(ctx context.Context, c *ent.Client, tenantID int, topic string, payload map[string]any) error {
	if err := c.OutboxEntry.Create().
		SetTenantID(tenantID).
		SetTopic(topic).
		SetPayload(Stamp(ctx, payload)).
		Exec(ctx); err != nil {
		return fmt.Errorf("outbox: add %s: %w", topic, err)
	}
	return nil
}
