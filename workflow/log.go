package workflow

import (
	"context"
	"fmt"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/eventdelivery"
)

// DeliveryFilter pages through a delivery log.
type DeliveryFilter struct {
	// Limit is the page size, 1–500 (default 50).
	Limit int
	// BeforeID continues after the last row of the previous page.
	BeforeID int
	// FailedOnly leaves out successful attempts.
	FailedOnly bool
}

// Deliveries returns a subscription's delivery log, newest first: one row
// per attempt with its status code (0 when no answer came), error,
// duration and time.
func (s *Service) Deliveries(ctx context.Context, tenantID, subscriptionID int, f DeliveryFilter) ([]*ent.EventDelivery, error) {
	if _, err := s.Subscription(ctx, tenantID, subscriptionID); err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	q := s.Store.Ent.EventDelivery.Query().
		Where(eventdelivery.TenantID(tenantID), eventdelivery.SubscriptionID(subscriptionID))
	if f.BeforeID > 0 {
		q.Where(eventdelivery.IDLT(f.BeforeID))
	}
	if f.FailedOnly {
		q.Where(eventdelivery.Success(false))
	}
	rows, err := q.Order(ent.Desc(eventdelivery.FieldID)).Limit(limit).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("events: delivery log of subscription %d: %w", subscriptionID, err)
	}
	return rows, nil
}
