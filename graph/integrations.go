package graph

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/ent/organizationmapping"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/graph/model"
	"github.com/alertdesk/alertdesk/health"
	"github.com/alertdesk/alertdesk/providers/alertmanager"
	"github.com/alertdesk/alertdesk/validation"
)

// Polling interval bounds, minutes, and grace period bounds, seconds.
const (
	minPollMinutes = 5
	maxPollMinutes = 60
	maxPollGrace   = 3600
)

// nextPollAt is when the integration's next poll cycle starts (see the
// schema's Integration.nextPollAt).
func nextPollAt(in *ent.Integration, now time.Time) *time.Time {
	var t time.Time
	switch {
	case in.ConnectionState == integration.ConnectionStateDisconnected:
		return nil
	case in.PollRequestedAt != nil:
		t = *in.PollRequestedAt
	case !in.PollingEnabled:
		return nil
	case in.LastPolledAt == nil:
		t = now
	default:
		t = in.LastPolledAt.Add(time.Duration(min(max(in.PollingIntervalMinutes, minPollMinutes), maxPollMinutes)) * time.Minute)
	}
	return &t
}

// webhookURL is where the integration's RMM posts webhooks.
func (r *Resolver) webhookURL(in *ent.Integration) string {
	return r.publicURL + "/webhooks/" + string(in.Provider) + "/" + strconv.Itoa(in.ID)
}

// unmappedOrganizations groups the alerts kept as unmapped by integration
// and organization, newest first.
func (r *Resolver) unmappedOrganizations(ctx context.Context, integrationID *int) ([]*model.UnmappedOrganization, error) {
	var (
		out []*model.UnmappedOrganization
		err error
	)
	if r.store.IsPostgres() {
		out, err = r.unmappedOrganizationsSQL(ctx, integrationID)
	} else {
		out, err = r.unmappedFromAlerts(ctx, integrationID)
	}
	if err != nil {
		return nil, err
	}
	return r.withInventory(ctx, integrationID, out)
}

// unmappedFromAlerts groups the kept alerts by organization in Go.
func (r *Resolver) unmappedFromAlerts(ctx context.Context, integrationID *int) ([]*model.UnmappedOrganization, error) {
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
		if g.LastSeenAt == nil || a.LastEventAt.After(*g.LastSeenAt) {
			t := a.LastEventAt
			g.LastSeenAt = &t
		}
	}
	slices.SortFunc(out, func(a, b *model.UnmappedOrganization) int { return b.LastSeenAt.Compare(*a.LastSeenAt) })
	return out, nil
}

// unmappedOrganizationsQuery groups a tenant's ($1) unmapped alerts,
// of one integration ($2) or all (NULL).
const unmappedOrganizationsQuery = `SELECT integration_id, external_organization_id, count(*),
	count(*) FILTER (WHERE status <> 'resolved' AND ticket_id IS NULL), max(last_event_at)
	FROM alerts WHERE tenant_id = $1 AND organization_unmapped AND ($2::bigint IS NULL OR integration_id = $2)
	GROUP BY integration_id, external_organization_id
	ORDER BY max(last_event_at) DESC, integration_id, external_organization_id`

// unmappedOrganizationsSQL is unmappedOrganizations grouped by the
// database, which reads the unmapped alerts from their index instead of
// sending them all over. (SQLite's max() of a time is text: it groups in
// Go.)
func (r *Resolver) unmappedOrganizationsSQL(ctx context.Context, integrationID *int) ([]*model.UnmappedOrganization, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	if err := spendStatement(ctx); err != nil {
		return nil, err
	}
	rows, err := r.store.DB.QueryContext(ctx, unmappedOrganizationsQuery, v.TenantID, integrationID)
	if err != nil {
		return nil, fmt.Errorf("unmapped alerts: %w", err)
	}
	defer rows.Close()
	out := []*model.UnmappedOrganization{}
	for rows.Next() {
		g := model.UnmappedOrganization{LastSeenAt: new(time.Time)}
		if err := rows.Scan(&g.IntegrationID, &g.ExternalOrganizationID, &g.AlertCount, &g.PendingAlertCount, &g.LastSeenAt); err != nil {
			return nil, fmt.Errorf("unmapped alerts: %w", err)
		}
		out = append(out, &g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("unmapped alerts: %w", err)
	}
	return out, nil
}

// mappingOf returns the organization's mapping, if one exists now.
func (r *Resolver) mappingOf(ctx context.Context, integrationID int, orgID string) (*ent.OrganizationMapping, error) {
	return orNil(r.db.OrganizationMapping.Query().Where(
		organizationmapping.IntegrationID(integrationID),
		organizationmapping.ExternalOrganizationID(orgID),
	).Only(ctx))
}

// lastInventorySyncCounts is the JSON of the last sync's counts, or null.
func lastInventorySyncCounts(in *ent.Integration) model.JSON {
	if in.LastInventorySyncCounts == nil {
		return nil
	}
	return model.JSONOf(in.LastInventorySyncCounts)
}

// lastPollCounts is the JSON of the last cycle's counts, or null.
func lastPollCounts(in *ent.Integration) model.JSON {
	if in.LastPollCounts == nil {
		return nil
	}
	return model.JSONOf(in.LastPollCounts)
}

// checkConditionLabels checks the condition labels of an integration of
// the provider (Alertmanager's only) and returns them trimmed.
func checkConditionLabels(errs *validation.Error, p integration.Provider, labels []string) []string {
	out := make([]string, 0, len(labels))
	for _, l := range labels {
		out = append(out, strings.TrimSpace(l))
	}
	switch {
	case len(out) == 0:
	case p != integration.ProviderAlertmanager:
		errs.Add("conditionLabels", fmt.Sprintf("only Alertmanager integrations have condition labels, not %s", event.Provider(p).Label()))
	default:
		if err := alertmanager.ValidateConditionLabels(out); err != nil {
			errs.Add("conditionLabels", err.Error())
		}
	}
	return out
}

// integrationHealth is the health the worker last stored on the
// integration (worker.EvaluateHealth).
func integrationHealth(in *ent.Integration) *model.IntegrationHealth {
	h := &model.IntegrationHealth{State: in.HealthState, Since: in.HealthSince, Reasons: []*health.Reason{}}
	for i := range in.HealthReasons {
		h.Reasons = append(h.Reasons, &in.HealthReasons[i])
	}
	return h
}
