package proddata

import (
	"context"
	"fmt"
	"time"
)

// Facts are ids and values of the loaded data that tests need.
type Facts struct {
	Size     Size
	TenantID int
	// IntegrationID is the tenant's first integration (most alerts);
	// Integrations are the one or two the alerts came from.
	IntegrationID int
	Integrations  []int
	BoardID       int
	// OpenStatusID is the board's default open status, WorkingStatusID
	// another open one (or the same), ClosedStatusID a closed one.
	OpenStatusID, WorkingStatusID, ClosedStatusID int
	AdminUserID                                   int
	// TechnicianUserID is a loaded technician with assigned tickets.
	TechnicianUserID int
	// ClientID and AssetID are a loaded client and one of its assets.
	ClientID, AssetID int

	// The storm: one condition with Size.StormOccurrences alerts on one
	// open ticket. A NinjaOne trigger with deviceId StormDeviceID and
	// sourceConfigUid StormConditionUID fires it again (when the storm is
	// on a NinjaOne integration, StormIntegrationID).
	StormTicketID      int
	StormIntegrationID int
	StormDedupKey      string
	StormHeadAlertID   int
	StormDeviceID      string
	StormConditionUID  string

	// OpenTicketID is an open ticket (not the storm's) whose condition has
	// four alerts, OpenTicketAlertIDs; the newest, ActiveAlertID, is
	// active.
	OpenTicketID       int
	OpenTicketAlertIDs []int
	ActiveAlertID      int
	// ClosedTicketID is a closed ticket with alerts.
	ClosedTicketID int
	// SubscriptionID is the active event subscription with deliveries.
	SubscriptionID int
	// UnmappedOrganizationID is an organization (of IntegrationID) with
	// unmapped alerts.
	UnmappedOrganizationID string

	// LoadTime is how long the bulk statements took.
	LoadTime time.Duration
}

func (l *loader) facts(ctx context.Context, f *Facts) error {
	s := l.size
	f.TechnicianUserID = l.int("ub") + 1
	f.ClientID = l.int("cb") + 1
	f.AssetID = l.int("asb") + 1
	storm := s.stormTicket()
	f.StormTicketID = l.int("tb") + storm
	if err := l.scan(ctx, "storm", `SELECT integration_id, dedup_key, head_alert_id FROM alert_conditions
		WHERE tenant_id = {tid} AND ticket_id = {tb} + {storm}`,
		&f.StormIntegrationID, &f.StormDedupKey, &f.StormHeadAlertID); err != nil {
		return err
	}
	f.StormDeviceID = fmt.Sprint(100000 + storm*7919%s.Assets)
	f.StormConditionUID = "cfg-storm"

	// An open ticket of four alerts on the first integration whose newest
	// alert is active: i mod 4 = 3, mod 5 ≠ 4, mod 3 ≠ 0.
	open := 0
	for i := 1; i <= s.tickets(); i++ {
		if s.isOpen(i) && i != storm && i%4 == 3 && i%5 != 4 && i%3 != 0 {
			open = i
			break
		}
	}
	if open == 0 {
		return fmt.Errorf("facts: no open ticket of four alerts at this size")
	}
	f.OpenTicketID = l.int("tb") + open
	rows, err := l.tx.QueryContext(ctx, "SELECT id FROM alerts WHERE tenant_id = $1 AND ticket_id = $2 ORDER BY id",
		f.TenantID, f.OpenTicketID)
	if err != nil {
		return fmt.Errorf("facts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return fmt.Errorf("facts: %w", err)
		}
		f.OpenTicketAlertIDs = append(f.OpenTicketAlertIDs, id)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("facts: %w", err)
	}
	if len(f.OpenTicketAlertIDs) > 0 {
		f.ActiveAlertID = f.OpenTicketAlertIDs[len(f.OpenTicketAlertIDs)-1]
	}
	if err := l.scan(ctx, "facts", `SELECT
		(SELECT MIN(id) FROM tickets WHERE tenant_id = {tid} AND id > {tb} AND closed_at IS NOT NULL),
		(SELECT id FROM event_subscriptions WHERE tenant_id = {tid} AND is_active ORDER BY id DESC LIMIT 1),
		(SELECT external_organization_id FROM alerts WHERE tenant_id = {tid} AND integration_id = {i1}
			AND organization_unmapped AND id > {ab} ORDER BY id DESC LIMIT 1)`,
		&f.ClosedTicketID, &f.SubscriptionID, &f.UnmappedOrganizationID); err != nil {
		return err
	}
	return nil
}

func (l *loader) int(name string) int {
	var n int
	fmt.Sscan(l.vars[name], &n)
	return n
}
