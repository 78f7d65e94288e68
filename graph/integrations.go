package graph

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/organizationmapping"
	"github.com/alertdesk/alertdesk/graph/model"
)

// Polling interval bounds, minutes.
const (
	minPollMinutes = 5
	maxPollMinutes = 60
)

// webhookURL is where the integration's RMM posts webhooks.
func (r *Resolver) webhookURL(in *ent.Integration) string {
	return r.publicURL + "/webhooks/" + string(in.Provider) + "/" + strconv.Itoa(in.ID)
}

// unmappedOrganizations groups the alerts kept as unmapped by integration
// and organization, newest first.
func (r *Resolver) unmappedOrganizations(ctx context.Context, integrationID *int) ([]*model.UnmappedOrganization, error) {
	q := r.db.Alert.Query().Where(alert.OrganizationUnmapped(true))
	if integrationID != nil {
		q.Where(alert.IntegrationID(*integrationID))
	}
	rows, err := q.Select(alert.FieldIntegrationID, alert.FieldExternalOrganizationID,
		alert.FieldStatus, alert.FieldTicketID, alert.FieldLastEventAt).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("unmapped alerts: %w", err)
	}
	type key struct {
		integration int
		org         string
	}
	groups := map[key]*model.UnmappedOrganization{}
	var out []*model.UnmappedOrganization
	for _, a := range rows {
		k := key{a.IntegrationID, a.ExternalOrganizationID}
		g, ok := groups[k]
		if !ok {
			g = &model.UnmappedOrganization{IntegrationID: k.integration, ExternalOrganizationID: k.org}
			groups[k] = g
			out = append(out, g)
		}
		g.AlertCount++
		if a.Status != alert.StatusResolved && a.TicketID == nil {
			g.PendingAlertCount++
		}
		if a.LastEventAt.After(g.LastSeenAt) {
			g.LastSeenAt = a.LastEventAt
		}
	}
	slices.SortFunc(out, func(a, b *model.UnmappedOrganization) int { return b.LastSeenAt.Compare(a.LastSeenAt) })
	return out, nil
}

// mappingOf returns the organization's mapping, if one exists now.
func (r *Resolver) mappingOf(ctx context.Context, integrationID int, orgID string) (*ent.OrganizationMapping, error) {
	return orNil(r.db.OrganizationMapping.Query().Where(
		organizationmapping.IntegrationID(integrationID),
		organizationmapping.ExternalOrganizationID(orgID),
	).Only(ctx))
}

// lastPollCounts is the JSON of the last cycle's counts, or null.
func lastPollCounts(in *ent.Integration) model.JSON {
	if in.LastPollCounts == nil {
		return nil
	}
	return model.JSONOf(in.LastPollCounts)
}
