package connect

import (
	"context"
	"fmt"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/integration"
)

// Disconnect forgets an integration's API credentials and marks it
// disconnected. Its poll schedule goes with it: schedules exist only for
// connected integrations, and a poll already queued skips it. Webhooks keep
// working; they need no API access.
func (s *Service) Disconnect(ctx context.Context, tenantID, integrationID int) (*ent.Integration, error) {
	if _, err := s.load(ctx, tenantID, integrationID, ""); err != nil {
		return nil, err
	}
	in, err := s.Store.Ent.Integration.UpdateOneID(integrationID).
		Where(integration.TenantID(tenantID)).
		ClearCredentials().
		SetConnectionState(integration.ConnectionStateDisconnected).
		SetPollFailures(0).
		ClearPollFailingSince().
		ClearPollRequestedAt().
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect: disconnect integration %d: %w", integrationID, err)
	}
	s.log().InfoContext(ctx, "integration disconnected", "tenant", tenantID, "integration", integrationID, "provider", in.Provider)
	return in, nil
}
