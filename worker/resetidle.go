package worker

import (
	"context"
	"fmt"

	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/predicate"
	"github.com/alertdesk/alertdesk/outbox"
)

// Idle implements Idler: a closed ticket with no live alert has nothing to
// reset, which is every ticket closed by the reset of its last alert. One
// statement for the relay's whole claim instead of a task per close, and
// its three statements.
func (c *ResetConsumer) Idle(ctx context.Context, entries []Entry) ([]bool, error) {
	idle := make([]bool, len(entries))
	var on []predicate.Alert
	for _, e := range entries {
		if id := outbox.Int(e.Payload["ticketId"]); id != 0 {
			on = append(on, entalert.And(entalert.TenantID(e.TenantID), entalert.TicketID(id)))
		}
	}
	if len(on) == 0 {
		return idle, nil // the tasks set them aside
	}
	live, err := c.Store.Ent.Alert.Query().
		Where(entalert.Or(on...), entalert.StatusIn(entalert.StatusActive, entalert.StatusAcknowledged)).
		Unique(true).
		Select(entalert.FieldTenantID, entalert.FieldTicketID).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("worker: reset: find live alerts: %w", err)
	}
	type key struct{ tenant, ticket int }
	busy := map[key]bool{}
	for _, a := range live {
		if a.TicketID != nil {
			busy[key{a.TenantID, *a.TicketID}] = true
		}
	}
	for i, e := range entries {
		id := outbox.Int(e.Payload["ticketId"])
		idle[i] = id != 0 && !busy[key{e.TenantID, id}]
	}
	return idle, nil
}
