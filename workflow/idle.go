package workflow

import (
	"context"
	"fmt"
	"slices"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/eventsubscription"
	"github.com/alertdesk/alertdesk/worker"
)

// Idle implements worker.Idler: an entry is idle when no active
// subscription of its tenant lists its type, which is every entry of a
// tenant without webhooks. One statement for the relay's whole claim
// instead of a task, and its statements, per entry.
func (d *Deliverer) Idle(ctx context.Context, entries []worker.Entry) ([]bool, error) {
	tenants := make([]int, 0, len(entries))
	for _, e := range entries {
		tenants = append(tenants, e.TenantID)
	}
	slices.Sort(tenants)
	subs, err := d.Store.Ent.EventSubscription.Query().
		Where(eventsubscription.TenantIDIn(slices.Compact(tenants)...), eventsubscription.IsActive(true)).
		Select(eventsubscription.FieldTenantID, eventsubscription.FieldEventTypes).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("events: load subscriptions: %w", err)
	}
	idle := make([]bool, len(entries))
	for i, e := range entries {
		idle[i] = !slices.ContainsFunc(subs, func(s *ent.EventSubscription) bool {
			return s.TenantID == e.TenantID && slices.Contains(s.EventTypes, e.Topic)
		})
	}
	return idle, nil
}
